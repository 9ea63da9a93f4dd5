/* log.h - leveled, logfmt-style logging to stderr.
 *
 * Lines look like
 *   ts=2026-11-25T12:00:00.123Z level=info msg="listening" address=:9100
 * so that the supervisor and humans read them the same way node_exporter's
 * and Prometheus's logs are read. Safe to call from any thread.
 */
#ifndef PHAROS_LOG_H
#define PHAROS_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Set the program name used by log_fatal() and the minimum level printed.
 * [in] prog: a string that must outlive every later log call (argv[0]). */
void log_init(const char *prog, enum log_level min);

/* Parse "debug", "info", "warn" or "error". Returns 0 or -1 if unknown. */
int log_level_parse(const char *s, enum log_level *out);

/* Print one line at the given level. fmt is the msg text; it is quoted. */
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* Print "prog: fatal: <msg>" and exit with code (100 usage, 111 system). */
void log_fatal(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

#endif
