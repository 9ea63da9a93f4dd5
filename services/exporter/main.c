/* pharos-exporter: host metrics from /proc and /sys under node_exporter's
 * names, labels and flags. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/httpd.h"
#include "../../lib/log.h"
#include "../../lib/procself.h"
#include "collectors.h"

#ifndef PHAROS_VERSION
#define PHAROS_VERSION "0.1.0"
#endif
#ifndef PHAROS_REVISION
#define PHAROS_REVISION "unknown"
#endif

/* node_exporter 1.5 collectors that pharos does not have: their flags are
 * accepted with a warning so that existing command lines keep working. */
static const char *const foreign_collectors[] = {
	"bcache", "bonding", "btrfs", "buddyinfo", "cgroups", "devstat", "dmi", "drbd",
	"drm", "edac", "ethtool", "fibrechannel", "infiniband", "ipvs", "ksmd", "lnstat",
	"logind", "mdadm", "meminfo_numa", "mountstats", "network_route", "nfs", "nfsd",
	"ntp", "nvme", "perf", "qdisc", "qdisk", "rapl", "runit", "selinux", "slabinfo",
	"supervisord", "sysctl", "systemd", "tapestats", "wifi", "xfs", "zfs", "zoneinfo",
	"cpu_vulnerabilities", "softirqs", NULL,
};

static struct {
	const char *listen;
	const char *telemetry_path;
	const char *max_requests;
	const char *log_level;
	const char *log_format;
	const char *gomaxprocs;
	int disable_defaults;
	int disable_exporter_metrics;
	const char *web_config;
} opt = {
	.listen = ":9100",
	.telemetry_path = "/metrics",
	.max_requests = "40",
	.log_level = "info",
	.log_format = "logfmt",
	.gomaxprocs = "1",
};

static int enabled[64];
static int switch_on[64];       /* --[no-]collector.<name> values */
static struct flag *switch_flag[64];
static int max_requests;
static atomic_int in_flight;
static atomic_ulong requests_total[3]; /* 200, 500, 503 */

/* Flags of node_exporter collectors that pharos does not have. */
static int foreign_flag(const char *name, const char *value, void *ctx)
{
	(void)ctx;
	(void)value;
	int neg = !strncmp(name, "no-", 3);
	const char *n = neg ? name + 3 : name;
	if (strncmp(n, "collector.", 10) != 0)
		return -1;
	n += 10;
	for (int i = 0; foreign_collectors[i]; i++) {
		size_t l = strlen(foreign_collectors[i]);
		if (!strncmp(n, foreign_collectors[i], l) && (n[l] == 0 || n[l] == '.')) {
			if (n[l] == 0 && !neg)
				log_warn("collector \"%s\" is not part of pharos-exporter; ignored", n);
			return 0;
		}
	}
	return -1;
}

/* ---- /metrics ---- */

static int wanted(struct httpd_req *req, int idx)
{
	/* node_exporter's ?collect[]=name filter; several may be given. */
	if (!req->query || !strstr(req->query, "collect"))
		return 1;
	int any = 0;
	const char *q = req->query;
	while ((q = strstr(q, "collect")) != NULL) {
		const char *eq = strchr(q, '=');
		if (!eq)
			break;
		const char *v = eq + 1;
		size_t vl = strcspn(v, "&");
		any = 1;
		if (vl == strlen(collectors[idx]->name) && !strncmp(v, collectors[idx]->name, vl))
			return 1;
		q = v + vl;
	}
	return !any;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add_exporter_metrics(struct mset *ms)
{
	procself_collect(ms);
	mset_gauge(ms, "pharos_exporter_build_info",
		   "Always 1; the labels say which pharos-exporter build this is.", 1,
		   "version", PHAROS_VERSION, "revision", PHAROS_REVISION, "program",
		   "pharos-exporter", NULL);
	static const char *const codes[] = { "200", "500", "503" };
	struct mfamily *f = mset_family(ms, "promhttp_metric_handler_requests_total",
					"Scrapes of the metrics endpoint, by HTTP status code.",
					METRIC_COUNTER);
	for (int i = 0; i < 3; i++) {
		const char *n = "code";
		mset_add(ms, f, (double)atomic_load(&requests_total[i]), 1, &n, &codes[i]);
	}
	mset_gauge(ms, "promhttp_metric_handler_requests_in_flight",
		   "Scrapes of the metrics endpoint being served right now.",
		   (double)atomic_load(&in_flight), NULL);
	static const char *const causes[] = { "encoding", "gathering" };
	f = mset_family(ms, "promhttp_metric_handler_errors_total",
			"Errors met while serving the metrics endpoint, by cause.", METRIC_COUNTER);
	for (int i = 0; i < 2; i++) {
		const char *n = "cause";
		mset_add(ms, f, 0, 1, &n, &causes[i]);
	}
}

/* Scrape memory: a small pool of slots, each keeping its metric set,
 * scratch arena and output buffer from one scrape to the next, so that no
 * memory is mapped and unmapped per scrape. The pool also bounds how many
 * scrapes run at once (the machine has few cores; more would only share
 * them) and so the memory: at most SCRAPE_SLOTS scrapes' worth. */
#define SCRAPE_SLOTS 2
struct scrape_slot {
	struct mset ms;
	struct arena scratch;
	struct buf out;
	int busy;
};
static struct scrape_slot slots[SCRAPE_SLOTS];
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_freed = PTHREAD_COND_INITIALIZER;

static void slots_init(void)
{
	for (int i = 0; i < SCRAPE_SLOTS; i++) {
		mset_init(&slots[i].ms);
		slots[i].scratch.block_size = 16384;
	}
}

static void slots_free(void)
{
	for (int i = 0; i < SCRAPE_SLOTS; i++) {
		mset_free(&slots[i].ms);
		arena_free(&slots[i].scratch);
		buf_free(&slots[i].out);
	}
}

static struct scrape_slot *slot_take(void)
{
	pthread_mutex_lock(&slot_lock);
	for (;;) {
		for (int i = 0; i < SCRAPE_SLOTS; i++)
			if (!slots[i].busy) {
				slots[i].busy = 1;
				pthread_mutex_unlock(&slot_lock);
				return &slots[i];
			}
		pthread_cond_wait(&slot_freed, &slot_lock);
	}
}

static void slot_give(struct scrape_slot *sl)
{
	pthread_mutex_lock(&slot_lock);
	sl->busy = 0;
	pthread_cond_signal(&slot_freed);
	pthread_mutex_unlock(&slot_lock);
}

static void handle_metrics(struct httpd_req *req, void *ctx)
{
	(void)ctx;
	int cur = atomic_fetch_add(&in_flight, 1) + 1;
	if (max_requests > 0 && cur > max_requests) {
		atomic_fetch_sub(&in_flight, 1);
		atomic_fetch_add(&requests_total[2], 1);
		httpd_error(req, 503, "too many concurrent scrapes; try again later");
		return;
	}
	struct scrape_slot *sl = slot_take();
	struct mset *ms = &sl->ms;
	mset_reset(ms);
	arena_reset(&sl->scratch);
	buf_reset(&sl->out);
	struct mfamily *dur = mset_family(ms, "node_scrape_collector_duration_seconds",
					  "How long each collector took in this scrape, in seconds.",
					  METRIC_GAUGE);
	struct mfamily *ok = mset_family(ms, "node_scrape_collector_success",
					 "1 if the collector succeeded in this scrape, else 0.",
					 METRIC_GAUGE);
	scrape_begin();
	for (int i = 0; collectors[i]; i++) {
		if (!enabled[i] || !wanted(req, i))
			continue;
		struct scrape s = { .ms = ms, .arena = &sl->scratch };
		double t0 = now_seconds();
		int rc = collectors[i]->update(&s);
		double t1 = now_seconds();
		if (rc < 0)
			log_debug("collector %s failed: %s", collectors[i]->name,
				  rc < -1 ? strerror(-rc) : "error");
		const char *n = "collector", *v = collectors[i]->name;
		mset_add(ms, dur, t1 - t0, 1, &n, &v);
		mset_add(ms, ok, rc < 0 ? 0 : 1, 1, &n, &v);
	}
	scrape_end();
	if (!opt.disable_exporter_metrics)
		add_exporter_metrics(ms);
	mset_write(ms, &sl->out);
	atomic_fetch_add(&requests_total[0], 1);
	httpd_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", sl->out.p, sl->out.len);
	slot_give(sl);
	atomic_fetch_sub(&in_flight, 1);
}

static void handle_root(struct httpd_req *req, void *ctx)
{
	(void)ctx;
	struct buf b = BUF_INIT;
	buf_printf(&b,
		   "<!DOCTYPE html>\n<html><head><title>pharos-exporter</title></head><body>\n"
		   "<h1>pharos-exporter</h1>\n<p>Host metrics in node_exporter's format.</p>\n"
		   "<p><a href=\"%s\">Metrics</a></p>\n</body></html>\n",
		   opt.telemetry_path);
	httpd_reply(req, 200, "text/html; charset=utf-8", b.p, b.len);
	buf_free(&b);
}

static void handle_health(struct httpd_req *req, void *ctx)
{
	(void)ctx;
	httpd_reply(req, 200, "text/plain; charset=utf-8", "OK\n", 3);
}

/* ---- start-up ---- */

static struct arena flag_arena = ARENA_INIT;

static struct flag *build_flags(void)
{
	static struct flag base[] = {
		{ "web.listen-address", FLAG_STRING, &opt.listen, "Address to listen on for metrics and the web page.", 0 },
		{ "web.telemetry-path", FLAG_STRING, &opt.telemetry_path, "Path under which metrics are served.", 0 },
		{ "web.max-requests", FLAG_STRING, &opt.max_requests, "Most scrapes served at once; more get 503 (0: no limit).", 0 },
		{ "web.disable-exporter-metrics", FLAG_BOOL, &opt.disable_exporter_metrics, "Leave out the exporter's own process_* and promhttp_* metrics.", 0 },
		{ "web.config.file", FLAG_STRING, &opt.web_config, "TLS/basic-auth web config (not supported by pharos; must be empty).", 0 },
		{ "path.procfs", FLAG_STRING, &exporter_paths.procfs, "procfs mount point.", 0 },
		{ "path.sysfs", FLAG_STRING, &exporter_paths.sysfs, "sysfs mount point.", 0 },
		{ "path.rootfs", FLAG_STRING, &exporter_paths.rootfs, "rootfs mount point.", 0 },
		{ "path.udev.data", FLAG_STRING, &exporter_paths.udev_data, "udev data path.", 0 },
		{ "collector.disable-defaults", FLAG_BOOL, &opt.disable_defaults, "Turn every collector off unless enabled by its own flag.", 0 },
		{ "log.level", FLAG_STRING, &opt.log_level, "Least severe log level printed: debug, info, warn, error.", 0 },
		{ "log.format", FLAG_STRING, &opt.log_format, "Log format: logfmt (json is accepted and logged as logfmt).", 0 },
		{ "runtime.gomaxprocs", FLAG_STRING, &opt.gomaxprocs, "Accepted for compatibility; pharos has no Go runtime.", 0 },
	};
	size_t n = sizeof base / sizeof base[0];
	for (int i = 0; collectors[i]; i++) {
		n++;
		for (struct flag *f = collectors[i]->flags; f && f->name; f++)
			n++;
	}
	struct flag *all = xcalloc(n + 1, sizeof *all);
	memcpy(all, base, sizeof base);
	size_t k = sizeof base / sizeof base[0];
	/* Per collector: its on/off switch, then its own flags (copied; their
	 * dest pointers still point at the collector's storage). */
	for (int i = 0; collectors[i]; i++) {
		switch_on[i] = collectors[i]->default_on;
		all[k] = (struct flag){ arena_printf(&flag_arena, "collector.%s", collectors[i]->name),
					FLAG_BOOL, &switch_on[i],
					arena_printf(&flag_arena, "Enable the %s collector.", collectors[i]->name),
					0 };
		switch_flag[i] = &all[k++];
		for (struct flag *f = collectors[i]->flags; f && f->name; f++)
			all[k++] = *f;
	}
	return all;
}

static volatile sig_atomic_t stop_signal;
static void on_signal(int sig)
{
	stop_signal = sig;
}

int main(int argc, char **argv)
{
	log_init("pharos-exporter", LOG_INFO);
	struct flag *flags = build_flags();
	flags_parse(argc, argv, flags, PHAROS_VERSION, foreign_flag, NULL);
	enum log_level lvl;
	if (log_level_parse(opt.log_level, &lvl) != 0)
		log_fatal(100, "--log.level: unknown level \"%s\"", opt.log_level);
	log_init("pharos-exporter", lvl);
	if (opt.web_config && *opt.web_config)
		log_fatal(100, "--web.config.file: TLS and basic auth are not supported by pharos-exporter");
	char *end;
	max_requests = (int)strtol(opt.max_requests, &end, 10);
	if (*end || max_requests < 0)
		log_fatal(100, "--web.max-requests: not a count: \"%s\"", opt.max_requests);
	if (opt.telemetry_path[0] != '/')
		log_fatal(100, "--web.telemetry-path must start with '/'");

	for (int i = 0; collectors[i]; i++) {
		enabled[i] = opt.disable_defaults ? 0 : collectors[i]->default_on;
		if (switch_flag[i]->seen)
			enabled[i] = switch_on[i];
		if (enabled[i] && collectors[i]->setup && collectors[i]->setup() != 0)
			exit(100);
		if (enabled[i])
			log_info("enabled collector %s", collectors[i]->name);
	}

	struct httpd_route routes[] = {
		{ opt.telemetry_path, HTTPD_GET, handle_metrics, NULL },
		{ "/", HTTPD_GET, handle_root, NULL },
		{ "/-/healthy", HTTPD_GET, handle_health, NULL },
		{ "/-/ready", HTTPD_GET, handle_health, NULL },
	};
	struct httpd_opts hopts = {
		.listen = opt.listen,
		.threads = 8,
		.max_header_bytes = 8192,
		.max_body_bytes = 1024,
	};
	slots_init();
	struct httpd *h;
	char err[256];
	if (httpd_start(&h, &hopts, routes, sizeof routes / sizeof routes[0], err, sizeof err) != 0)
		log_fatal(111, "%s", err);
	log_info("listening on %s (port %d)", opt.listen, httpd_port(h));

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	while (!stop_signal)
		pause();
	log_info("received signal %d, shutting down", (int)stop_signal);
	httpd_stop(h);
	slots_free();
	free(flags);
	arena_free(&flag_arena);
	return 0;
}
