#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *log_prog = "pharos";
static enum log_level log_min = LOG_INFO;
static const char *const log_names[] = { "debug", "info", "warn", "error" };

void log_init(const char *prog, enum log_level min)
{
	const char *slash = strrchr(prog, '/');
	log_prog = slash ? slash + 1 : prog;
	log_min = min;
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	if (lvl < log_min)
		return;
	char msg[1024], line[1200], ts[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	/* By hand, not strftime(): that pulls musl's time zone code (6 KB)
	 * into every static binary, PID 1 included. */
	snprintf(ts, sizeof ts, "%04u-%02u-%02uT%02u:%02u:%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
		 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);

	/* Quote the message the logfmt way: backslash and double quote escaped,
	 * control characters dropped so one call is one line. */
	char q[1100];
	size_t n = 0;
	for (const char *p = msg; *p && n < sizeof q - 3; p++) {
		if (*p == '"' || *p == '\\')
			q[n++] = '\\';
		q[n++] = (unsigned char)*p < 0x20 ? ' ' : *p;
	}
	q[n] = 0;
	/* One fputs per line: stdio locks the stream, so threads don't interleave. */
	snprintf(line, sizeof line, "ts=%s.%03ldZ caller=%s level=%s msg=\"%s\"\n", ts,
		 (long)tv.tv_usec / 1000, log_prog, log_names[lvl], q);
	fputs(line, stderr);
}

void log_fatal(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: fatal: %s\n", log_prog, msg);
	exit(code);
}
