/* pharos-init - the supervisor: PID 1 in the image, a plain foreground
 * supervisor on a developer's machine, and its own control client.
 *
 *   pharos-init [--config FILE] [flags]    supervise (PID 1 when pid is 1)
 *   pharos-init status | shutdown          ask the running supervisor
 *   pharos-init restart|start|stop|log NAME
 *   pharos-init check [--config FILE]      validate the configuration
 *   pharos-init role [--root-prefix DIR] [--imds-url URL]
 *                                          print the role the sources give
 *
 * Exit codes: 0 ok, 1 an error reply, 100 usage or configuration, 111 system. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/flags.h"
#include "../lib/log.h"
#include "config.h"
#include "control.h"
#include "net.h"
#include "pid1.h"
#include "role.h"
#include "super.h"

static const char *const main_verbs[] = { "status", "shutdown", "restart", "start",
					  "stop", "log", "check", "role", NULL };

static void main_print_errors(const struct cfg *c)
{
	if (c->yc.errors.p)
		fputs(c->yc.errors.p, stderr);
}

/* Where things are in the image, unless pharos.yml says otherwise. */
static void main_pid1_paths(struct cfg *c)
{
	c->bin_dir = "/bin";
	c->data_dir = "/data";
	c->control_socket = "/run/pharos-init.sock";
	c->textfile_dir = "/run/pharos/textfile";
}

int main(int argc, char **argv)
{
	const char *config = NULL, *bin_dir = NULL, *socket_path = NULL, *role = NULL;
	const char *root_prefix = "", *imds_url = NULL, *level = "info";
	struct flag flags[] = {
		{ "config", FLAG_STRING, &config,
		  "pharos.yml to read (default: configs/pharos.yml; as PID 1 /etc/pharos/pharos.yml)", 0 },
		{ "bin-dir", FLAG_STRING, &bin_dir, "Where the pharos-<service> binaries are (overrides bin_dir).", 0 },
		{ "control.socket", FLAG_STRING, &socket_path, "The control socket (overrides control_socket).", 0 },
		{ "role", FLAG_STRING, &role, "Run this role instead of the configured one.", 0 },
		{ "root-prefix", FLAG_STRING, &root_prefix,
		  "Prefix for /proc, /sys, /dev, /run and /data when reading role sources (tests).", 0 },
		{ "imds-url", FLAG_STRING, &imds_url,
		  "EC2 instance metadata base URL (default off; PID 1: http://169.254.169.254).", 0 },
		{ "log.level", FLAG_STRING, &level, "debug, info, warn or error.", 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	int pid1 = getpid() == 1;
	log_init("pharos-init", LOG_INFO);

	/* A verb and its operand come first; the rest are flags. */
	const char *verb = NULL, *operand = NULL;
	char **fargv = argv;
	int fargc = argc;
	if (!pid1 && argc > 1 && argv[1][0] != '-') {
		int i = 0;
		while (main_verbs[i] && strcmp(main_verbs[i], argv[1]))
			i++;
		if (!main_verbs[i]) {
			fprintf(stderr, "pharos-init: unknown command \"%s\"; try --help\n", argv[1]);
			return 100;
		}
		verb = argv[1];
		int need = !strcmp(verb, "restart") || !strcmp(verb, "start") ||
			   !strcmp(verb, "stop") || !strcmp(verb, "log");
		if (need && (argc < 3 || argv[2][0] == '-')) {
			fprintf(stderr, "pharos-init: %s needs a service name\n", verb);
			return 100;
		}
		operand = need ? argv[2] : NULL;
		fargc = argc - 1 - need;
		fargv = argv + 1 + need;
		fargv[0] = argv[0];
	}
	for (int i = 1; i < fargc; i++)
		if (!strcmp(fargv[i], "-h") || !strcmp(fargv[i], "--help")) {
			puts("pharos-init supervises the services of pharos.yml (PID 1 in the image).\n\n"
			     "Commands (to the running supervisor, over its control socket):\n"
			     "  pharos-init status | shutdown\n"
			     "  pharos-init restart|start|stop|log NAME\n"
			     "Other commands:\n"
			     "  pharos-init check [--config FILE]    validate the configuration\n"
			     "  pharos-init role [--root-prefix DIR] [--imds-url URL]\n"
			     "                                       the role the boot sources give\n");
			break;
		}
	flags_parse(fargc, fargv, flags, PHAROS_VERSION, NULL, NULL);
	enum log_level lvl;
	if (log_level_parse(level, &lvl))
		log_fatal(100, "bad --log.level \"%s\"", level);
	log_init("pharos-init", lvl);

	if (verb && !strcmp(verb, "role")) {
		struct role_probe rp = { .root = root_prefix, .imds_url = imds_url,
					 .imds_timeout_ms = 2000 };
		char r[ROLE_MAX];
		const char *src = role_find(&rp, r, sizeof r);
		printf("role=%s source=%s\n", r, src);
		return 0;
	}

	static struct cfg cfg;
	cfg_defaults(&cfg);
	if (pid1)
		main_pid1_paths(&cfg);
	if (!config)
		config = pid1 ? "/etc/pharos/pharos.yml" : "configs/pharos.yml";
	int rc = access(config, R_OK) == 0 || !verb || !strcmp(verb, "check")
			 ? cfg_load(&cfg, config) : 0;
	if (rc && !pid1) {
		main_print_errors(&cfg);
		if (verb && strcmp(verb, "check"))
			; /* a client can still reach the supervisor at the default socket */
		else
			log_fatal(100, "%s: configuration refused (%d error%s)", config,
				  cfg.yc.nerrors, cfg.yc.nerrors == 1 ? "" : "s");
	}
	if (socket_path)
		cfg.control_socket = socket_path;

	if (verb && strcmp(verb, "check")) {
		char req[256];
		snprintf(req, sizeof req, "%s%s%s", verb, operand ? " " : "", operand ? operand : "");
		return control_request(cfg.control_socket, req);
	}

	if (rc && pid1) {
		/* An appliance that does not boot is worse: the safe default. */
		main_print_errors(&cfg);
		log_error("%s: configuration refused; booting the default role", config);
		cfg_free(&cfg);
		cfg_defaults(&cfg);
		main_pid1_paths(&cfg);
	}
	if (bin_dir)
		cfg.bin_dir = bin_dir;
	if (role) {
		char err[128];
		if (cfg_set_role(&cfg, role, err, sizeof err))
			log_fatal(100, "--role: %s", err);
	}
	cfg_finish(&cfg);

	if (verb) { /* check */
		printf("%s: ok; role %s\n", config, cfg.role);
		for (size_t i = 0; i < cfg.nsvc; i++) {
			if (!cfg.svc[i].enabled)
				continue;
			printf("  %s:", cfg.svc[i].name);
			for (size_t a = 0; a < cfg.svc[i].argc; a++)
				printf(" %s", cfg.svc[i].argv[a]);
			putchar('\n');
		}
		return 0;
	}

	static struct super S;
	if ((rc = super_signals(&S)) < 0)
		log_fatal(111, "signalfd: %s", strerror(-rc));
	if (pid1)
		pid1_boot(&cfg, root_prefix, imds_url);
	super_init(&S, &cfg, pid1);
	if (pid1) {
		S.extra_fd = pid1_power_button();
		S.extra_read = pid1_power_read;
		S.timer_deadline = net_deadline;
		S.timer_fn = net_timer;
	}
	log_info("role %s; control socket %s", cfg.role, cfg.control_socket);
	super_run(&S);
	if (pid1)
		pid1_poweroff(&cfg); /* never returns */
	log_info("every service stopped; bye");
	return 0;
}
