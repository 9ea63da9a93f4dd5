#include "svcmetrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int svcmetrics_exit_code(int status)
{
	if (status < 0)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

void svcmetrics_format(struct buf *out, const struct svc *svcs, size_t n, int64_t mono_now,
		       int64_t real_now)
{
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
		{ "pharos_service_up", "gauge", "Whether the service is up (and ready)." },
		{ "pharos_service_state", "gauge", "The supervisor's state of the service." },
		{ "pharos_service_restarts_total", "counter",
		  "Restarts of the service after it exited." },
		{ "pharos_service_starts_total", "counter", "Processes started for the service." },
		{ "pharos_service_backoff_seconds", "gauge",
		  "Delay before the next restart after an exit." },
		{ "pharos_service_start_time_seconds", "gauge",
		  "Start time of the service's current process since unix epoch in seconds." },
		{ "pharos_service_last_exit_code", "gauge",
		  "Exit status of the last process (128+signal if killed; -1 if none)." },
	};
	for (size_t f = 0; f < sizeof fam / sizeof *fam; f++) {
		buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", fam[f].name, fam[f].help,
			   fam[f].name, fam[f].type);
		for (size_t i = 0; i < n; i++) {
			const struct svc *s = &svcs[i];
			const char *nm = s->cfg->name;
			int64_t t;
			if (!s->cfg->enabled)
				continue;
			switch (f) {
			case 0:
				buf_printf(out, "%s{service=\"%s\"} %d\n", fam[f].name, nm,
					   s->state == SVC_UP);
				break;
			case 1:
				for (int st = 0; st < SVC_NSTATES; st++)
					buf_printf(out, "%s{service=\"%s\",state=\"%s\"} %d\n",
						   fam[f].name, nm, svc_state_name(st),
						   (int)s->state == st);
				break;
			case 2:
				buf_printf(out, "%s{service=\"%s\"} %llu\n", fam[f].name, nm,
					   (unsigned long long)s->restarts);
				break;
			case 3:
				buf_printf(out, "%s{service=\"%s\"} %llu\n", fam[f].name, nm,
					   (unsigned long long)s->starts);
				break;
			case 4:
				buf_printf(out, "%s{service=\"%s\"} %lld.%03lld\n", fam[f].name, nm,
					   (long long)(s->backoff_ms / 1000),
					   (long long)(s->backoff_ms % 1000));
				break;
			case 5:
				t = s->pid ? real_now - (mono_now - s->started_at) : 0;
				buf_printf(out, "%s{service=\"%s\"} %lld.%03lld\n", fam[f].name, nm,
					   (long long)(t / 1000), (long long)(t % 1000));
				break;
			case 6:
				buf_printf(out, "%s{service=\"%s\"} %d\n", fam[f].name, nm,
					   svcmetrics_exit_code(s->last_status));
				break;
			}
		}
	}
}

int svcmetrics_write(const char *dir, const struct svc *svcs, size_t n, int64_t mono_now,
		     int64_t real_now)
{
	struct buf b = BUF_INIT;
	char tmp[4096], final[4096];
	int rc = 0, fd = -1;
	if (snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, SVCMETRICS_FILE) >= (int)sizeof tmp ||
	    snprintf(final, sizeof final, "%s/%s", dir, SVCMETRICS_FILE) >= (int)sizeof final)
		return -ENAMETOOLONG;
	svcmetrics_format(&b, svcs, n, mono_now, real_now);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (write(fd, b.p, b.len) != (ssize_t)b.len) {
		rc = errno ? -errno : -EIO;
		goto fail;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, final) < 0) {
		rc = -errno;
		goto fail;
	}
	buf_free(&b);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	buf_free(&b);
	return rc;
}
