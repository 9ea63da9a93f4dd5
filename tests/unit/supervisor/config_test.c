#include "../unit.h"

#include <errno.h>
#include <unistd.h>

#include "../../../supervisor/config.h"

static const char *write_tmp(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/pharos-cfg-test-%d.yml", (int)getpid());
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

TEST(cfg_defaults_are_role_all)
{
	static struct cfg c;
	cfg_defaults(&c);
	CHECK_STR(c.role, "all");
	CHECK(cfg_service(&c, "exporter")->enabled);
	CHECK(cfg_service(&c, "dashboard")->enabled);
	struct cfg_service *e = cfg_service(&c, "exporter");
	CHECK_STR(e->argv[0], "build/bin/pharos-exporter");
	CHECK_STR(e->argv[1], "--web.listen-address=:9100");
	CHECK_STR(e->argv[2], "--collector.textfile.directory=build/run/textfile");
	CHECK(e->argv[3] == NULL);
	CHECK_STR(cfg_service(&c, "tsdb")->argv[2], "--storage.tsdb.path=build/run/data/tsdb");
	cfg_free(&c);
}

TEST(cfg_presets_and_lists)
{
	static struct cfg c;
	char err[128];
	cfg_defaults(&c);
	CHECK_INT(cfg_set_role(&c, "dashboard", err, sizeof err), 0);
	CHECK(cfg_service(&c, "exporter")->enabled && cfg_service(&c, "dashboard")->enabled);
	CHECK(!cfg_service(&c, "tsdb")->enabled);
	CHECK_INT(cfg_set_role(&c, "monitor", err, sizeof err), 0);
	CHECK(cfg_service(&c, "alerter")->enabled && !cfg_service(&c, "dashboard")->enabled);
	CHECK_INT(cfg_set_role(&c, "tsdb, alerter", err, sizeof err), 0);
	CHECK(!cfg_service(&c, "exporter")->enabled && cfg_service(&c, "alerter")->enabled);
	CHECK_INT(cfg_set_role(&c, "tsdb,nope", err, sizeof err), -EINVAL);
	CHECK_STR(err, "unknown role or service \"nope\"");
	/* the old role stays */
	CHECK_STR(c.role, "tsdb, alerter");
	CHECK(cfg_service(&c, "alerter")->enabled);
	cfg_free(&c);
}

TEST(cfg_load_services_and_args)
{
	static struct cfg c;
	cfg_defaults(&c);
	const char *p = write_tmp("role: [exporter, job]\n"
				  "bin_dir: /opt/bin\n"
				  "restart: {initial_delay: 100ms, max_delay: 2s, reset_after: 1m}\n"
				  "services:\n"
				  "  exporter:\n"
				  "    listen: 127.0.0.1:9200\n"
				  "    args: [--collector.processes]\n"
				  "    user: \"1000:1001\"\n"
				  "  job:\n"
				  "    command: [/bin/sh, -c, 'sleep 1']\n"
				  "    ready: fd\n"
				  "    ready_fd: 5\n"
				  "    after: exporter\n");
	CHECK_INT(cfg_load(&c, p), 0);
	CHECK_STR(c.role, "exporter,job");
	CHECK_INT(c.backoff_initial_ms, 100);
	CHECK_INT(c.backoff_reset_ms, 60000);
	struct cfg_service *e = cfg_service(&c, "exporter"), *j = cfg_service(&c, "job");
	CHECK_STR(e->argv[0], "/opt/bin/pharos-exporter");
	CHECK_STR(e->argv[1], "--web.listen-address=127.0.0.1:9200");
	CHECK_STR(e->argv[3], "--collector.processes");
	CHECK_INT(e->uid, 1000);
	CHECK_INT(e->gid, 1001);
	CHECK(j && j->enabled && !cfg_service(&c, "tsdb")->enabled);
	CHECK_STR(j->argv[2], "sleep 1");
	CHECK_INT(j->argc, 3);
	CHECK_INT(j->ready, CFG_READY_FD);
	CHECK_INT(j->ready_fd, 5);
	CHECK_STR(j->after[0], "exporter");
	cfg_free(&c);
	unlink(p);
}

TEST(cfg_errors_name_file_line_column)
{
	static struct cfg c;
	cfg_defaults(&c);
	const char *p = write_tmp("role: all\n"
				  "stop_timeout: 10x\n"
				  "services:\n"
				  "  job:\n"
				  "    ready: maybe\n"
				  "  exporter:\n"
				  "    lisen: :1\n"
				  "unknown_top: 1\n");
	CHECK_INT(cfg_load(&c, p), -EINVAL);
	char want[256];
	snprintf(want, sizeof want, "%s:8:1: unknown field \"unknown_top\"\n", p);
	CHECK_STR(c.yc.errors.p, want);
	cfg_free(&c);

	cfg_defaults(&c);
	write_tmp("stop_timeout: 10x\nservices:\n  job:\n    ready: maybe\n  exporter:\n    lisen: :1\n"
		  "role: [exporter, nope]\n");
	CHECK_INT(cfg_load(&c, p), -EINVAL);
	snprintf(want, sizeof want, "%s:1:15: not a valid duration string: \"10x\"\n", p);
	CHECK(strstr(c.yc.errors.p, want) != NULL);
	snprintf(want, sizeof want, "%s:3:3: service \"job\" needs a command\n", p);
	CHECK(strstr(c.yc.errors.p, want) != NULL);
	snprintf(want, sizeof want, "%s:4:12: ready must be none, http or fd, not \"maybe\"\n", p);
	CHECK(strstr(c.yc.errors.p, want) != NULL);
	snprintf(want, sizeof want, "%s:6:5: unknown field \"lisen\"\n", p);
	CHECK(strstr(c.yc.errors.p, want) != NULL);
	snprintf(want, sizeof want, "%s:7:7: unknown role or service \"nope\"\n", p);
	CHECK(strstr(c.yc.errors.p, want) != NULL);
	cfg_free(&c);
	unlink(p);
}

TEST(cfg_probe_addr_is_loopback)
{
	char a[64];
	CHECK_INT(cfg_probe_addr(":9100", a, sizeof a), 0);
	CHECK_STR(a, "127.0.0.1:9100");
	CHECK_INT(cfg_probe_addr("0.0.0.0:1", a, sizeof a), 0);
	CHECK_STR(a, "127.0.0.1:1");
	CHECK_INT(cfg_probe_addr("[::]:9090", a, sizeof a), 0);
	CHECK_STR(a, "[::1]:9090");
	CHECK_INT(cfg_probe_addr("10.0.0.1:80", a, sizeof a), 0);
	CHECK_STR(a, "10.0.0.1:80");
	CHECK_INT(cfg_probe_addr("9100", a, sizeof a), -EINVAL);
}

TEST(cfg_passwd_lookup_reads_the_file)
{
	uid_t u;
	gid_t g;
	const char *p = write_tmp("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65533::/:/x\n");
	CHECK_INT(cfg_passwd_lookup(p, "nobody", &u, &g), 0);
	CHECK_INT(u, 65534);
	CHECK_INT(g, 65533);
	CHECK_INT(cfg_passwd_lookup(p, "nob", &u, &g), -ENOENT);
	unlink(p);
}
