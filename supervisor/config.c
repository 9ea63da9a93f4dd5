#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The pharos services and the flags their reference counterparts use. */
static const struct cfg_builtin {
	const char *name, *binary, *listen, *after, *data_flag;
} cfg_builtins[] = {
	{ "exporter", "pharos-exporter", ":9100", NULL, NULL },
	{ "tsdb", "pharos-tsdb", ":9090", NULL, "--storage.tsdb.path=" },
	{ "alerter", "pharos-alerter", ":9093", "tsdb", "--storage.path=" },
	{ "dashboard", "pharos-dashboard", ":3000", "tsdb", NULL },
};
#define CFG_NBUILTINS (sizeof cfg_builtins / sizeof *cfg_builtins)

static const struct {
	const char *name, *services;
} cfg_presets[] = {
	{ "app", "exporter" },
	{ "monitor", "exporter,tsdb,alerter" },
	{ "dashboard", "exporter,dashboard" },
	{ "all", "exporter,tsdb,alerter,dashboard" },
};

void cfg_defaults(struct cfg *c)
{
	memset(c, 0, sizeof *c);
	yamlconf_init(&c->yc);
	c->yc.max_bytes = 1 << 20;
	c->role = "all";
	c->data_dir = "build/run/data";
	c->bin_dir = "build/bin";
	c->control_socket = "build/run/pharos-init.sock";
	c->textfile_dir = "build/run/textfile";
	c->hostname = "pharos";
	c->modules = "/lib/modules/load.list";
	c->data_label = "data";
	c->data_mount = "/data";
	c->data_grow = 1;
	c->stop_timeout_ms = 10000;
	c->backoff_initial_ms = 1000;
	c->backoff_max_ms = 60000;
	c->backoff_reset_ms = 30000;
	c->net.mode = CFG_NET_DHCP;
	c->net.interface = "eth0";
	c->net.resolv_conf = "/etc/resolv.conf";
	for (size_t i = 0; i < CFG_NBUILTINS; i++) {
		struct cfg_service *s = &c->svc[c->nsvc++];
		const struct cfg_builtin *b = &cfg_builtins[i];
		s->name = b->name;
		s->builtin = 1;
		s->binary = b->binary;
		s->listen = b->listen;
		s->data_flag = b->data_flag;
		s->ready = CFG_READY_HTTP;
		if (b->after)
			s->after[s->nafter++] = b->after;
	}
	cfg_set_role(c, "all", NULL, 0);
	cfg_finish(c);
}

void cfg_free(struct cfg *c)
{
	yamlconf_free(&c->yc);
}

struct cfg_service *cfg_service(struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->nsvc; i++)
		if (!strcmp(c->svc[i].name, name))
			return &c->svc[i];
	return NULL;
}

/* Enable one word of a role: a preset (when presets is set) or a service.
 * A preset names services only ("dashboard" is both). */
static int cfg_role_word(struct cfg *c, const char *w, size_t n, int presets)
{
	for (size_t i = 0; presets && i < sizeof cfg_presets / sizeof *cfg_presets; i++)
		if (strlen(cfg_presets[i].name) == n && !strncmp(cfg_presets[i].name, w, n)) {
			const char *p = cfg_presets[i].services;
			while (*p) {
				size_t l = strcspn(p, ",");
				cfg_role_word(c, p, l, 0);
				p += l + (p[l] == ',');
			}
			return 0;
		}
	for (size_t i = 0; i < c->nsvc; i++)
		if (strlen(c->svc[i].name) == n && !strncmp(c->svc[i].name, w, n)) {
			c->svc[i].enabled = 1;
			return 0;
		}
	return -EINVAL;
}

int cfg_set_role(struct cfg *c, const char *role, char *err, size_t errlen)
{
	const char *p = role;
	int any = 0;
	for (size_t i = 0; i < c->nsvc; i++)
		c->svc[i].enabled = 0;
	while (*p) {
		size_t n = strcspn(p, ", \t\n");
		if (n) {
			if (cfg_role_word(c, p, n, 1)) {
				if (err)
					snprintf(err, errlen, "unknown role or service \"%.*s\"",
						 (int)n, p);
				goto fail;
			}
			any = 1;
		}
		p += n + (p[n] != 0);
	}
	if (!any) {
		if (err)
			snprintf(err, errlen, "empty role");
		goto fail;
	}
	c->role = arena_strdup(&c->yc.arena, role);
	return 0;
fail:
	/* Leave the previous role in force. */
	cfg_set_role(c, c->role, NULL, 0);
	return -EINVAL;
}

int cfg_probe_addr(const char *listen, char *out, size_t outlen)
{
	const char *colon = strrchr(listen, ':');
	if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -EINVAL;
	size_t hl = (size_t)(colon - listen);
	const char *port = colon + 1;
	int n;
	if (hl == 0 || (hl == 7 && !strncmp(listen, "0.0.0.0", 7)))
		n = snprintf(out, outlen, "127.0.0.1:%s", port);
	else if (hl == 4 && !strncmp(listen, "[::]", 4))
		n = snprintf(out, outlen, "[::1]:%s", port);
	else
		n = snprintf(out, outlen, "%.*s:%s", (int)hl, listen, port);
	return n < 0 || (size_t)n >= outlen ? -EINVAL : 0;
}

static void cfg_arg(struct cfg_service *s, const char *a)
{
	if (s->argc < CFG_MAX_ARGS)
		s->argv[s->argc++] = a;
	s->argv[s->argc] = NULL;
}

void cfg_finish(struct cfg *c)
{
	struct arena *a = &c->yc.arena;
	for (size_t i = 0; i < c->nsvc; i++) {
		struct cfg_service *s = &c->svc[i];
		s->argc = 0;
		if (s->command) {
			for (const char **p = s->command; *p; p++)
				cfg_arg(s, *p);
		} else if (s->builtin) {
			cfg_arg(s, arena_printf(a, "%s/%s", c->bin_dir, s->binary));
			if (s->listen)
				cfg_arg(s, arena_printf(a, "--web.listen-address=%s", s->listen));
			if (!strcmp(s->name, "exporter") && c->textfile_dir)
				cfg_arg(s, arena_printf(a, "--collector.textfile.directory=%s",
							c->textfile_dir));
			if (s->data_flag)
				cfg_arg(s, arena_printf(a, "%s%s/%s", s->data_flag, c->data_dir,
							s->name));
		}
		if (s->config_file)
			cfg_arg(s, arena_printf(a, "--config.file=%s", s->config_file));
		if (s->args)
			for (const char **p = s->args; *p; p++)
				cfg_arg(s, *p);
	}
}

int cfg_passwd_lookup(const char *path, const char *user, uid_t *uid, gid_t *gid)
{
	/* Read /etc/passwd ourselves: musl's getpwnam() brings nscd client
	 * code along, and PID 1 has no use for it. */
	char buf[16384];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	size_t ul = strlen(user);
	for (char *l = buf; *l;) {
		char *end = strchr(l, '\n');
		if (end)
			*end = 0;
		/* name:passwd:uid:gid:... */
		if (!strncmp(l, user, ul) && l[ul] == ':') {
			char *p = strchr(l + ul + 1, ':');
			if (p) {
				*uid = (uid_t)atoi(p + 1);
				p = strchr(p + 1, ':');
				if (p) {
					*gid = (gid_t)atoi(p + 1);
					return 0;
				}
			}
		}
		if (!end)
			break;
		l = end + 1;
	}
	return -ENOENT;
}

/* "nobody", "65534" or "65534:65534". */
static int cfg_user(struct cfg *c, struct cfg_service *s, const struct yamlconf_node *n)
{
	const char *u = s->user;
	if (*u >= '0' && *u <= '9') {
		size_t l = strspn(u, "0123456789");
		s->uid = s->gid = (uid_t)atoi(u);
		if (u[l] == ':' && u[l + 1] >= '0' && u[l + 1] <= '9' &&
		    !u[l + 1 + strspn(u + l + 1, "0123456789")])
			s->gid = (gid_t)atoi(u + l + 1);
		else if (u[l])
			return yamlconf_error(&c->yc, n, "bad user \"%s\"", u);
		return 0;
	}
	if (cfg_passwd_lookup(c->passwd ? c->passwd : "/etc/passwd", u, &s->uid, &s->gid))
		return yamlconf_error(&c->yc, n, "unknown user \"%s\"", u);
	return 0;
}

static int cfg_name_ok(const char *s)
{
	if (!*s || strlen(s) > 32)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}

static void cfg_one_service(struct cfg *c, const struct yamlconf_node *key,
			    const struct yamlconf_node *m)
{
	static const char *const known[] = { "command", "args", "listen", "config_file",
					     "user", "ready", "ready_fd", "after", NULL };
	struct yamlconf *yc = &c->yc;
	struct cfg_service *s = cfg_service(c, key->str);
	if (!s) {
		if (!cfg_name_ok(key->str)) {
			yamlconf_error(yc, key, "bad service name \"%s\" (letters, digits, - and _)",
				       key->str);
			return;
		}
		if (c->nsvc == CFG_MAX_SERVICES) {
			yamlconf_error(yc, key, "more than %d services", CFG_MAX_SERVICES);
			return;
		}
		s = &c->svc[c->nsvc++];
		s->name = key->str;
		s->ready = CFG_READY_NONE;
	}
	if (yamlconf_strict(yc, m, known))
		return;
	size_t n;
	if (yamlconf_get_strlist(yc, m, "command", &s->command, &n) == 1 && n == 0)
		yamlconf_error(yc, yamlconf_get(m, "command"), "empty command");
	if (!s->builtin && !s->command)
		yamlconf_error(yc, key, "service \"%s\" needs a command", s->name);
	yamlconf_get_strlist(yc, m, "args", &s->args, &n);
	yamlconf_get_str(yc, m, "listen", &s->listen);
	yamlconf_get_str(yc, m, "config_file", &s->config_file);
	if (yamlconf_get_str(yc, m, "user", &s->user) == 1)
		cfg_user(c, s, yamlconf_get(m, "user"));
	const char *ready = NULL;
	if (yamlconf_get_str(yc, m, "ready", &ready) == 1) {
		if (!strcmp(ready, "none"))
			s->ready = CFG_READY_NONE;
		else if (!strcmp(ready, "http"))
			s->ready = CFG_READY_HTTP;
		else if (!strcmp(ready, "fd"))
			s->ready = CFG_READY_FD;
		else
			yamlconf_error(yc, yamlconf_get(m, "ready"),
				       "ready must be none, http or fd, not \"%s\"", ready);
	}
	int64_t fd = 3;
	yamlconf_get_int(yc, m, "ready_fd", 3, 255, &fd);
	s->ready_fd = (int)fd;
	if (s->ready == CFG_READY_HTTP) {
		char addr[64];
		if (!s->listen)
			yamlconf_error(yc, key, "ready: http needs listen");
		else if (cfg_probe_addr(s->listen, addr, sizeof addr))
			yamlconf_error(yc, yamlconf_get(m, "listen"), "bad listen address \"%s\"",
				       s->listen);
	}
	const char **after;
	if (yamlconf_get_strlist(yc, m, "after", &after, &n) == 1) {
		s->nafter = 0;
		for (size_t i = 0; i < n && s->nafter < CFG_MAX_SERVICES; i++)
			s->after[s->nafter++] = after[i];
	}
}

static void cfg_network(struct cfg *c, const struct yamlconf_node *m)
{
	static const char *const known[] = { "interface", "mode", "address", "gateway",
					     "dns", "mtu", "resolv_conf", NULL };
	struct yamlconf *yc = &c->yc;
	const char *mode = NULL, **dns;
	size_t n;
	int64_t mtu = 0;
	if (yamlconf_strict(yc, m, known))
		return;
	yamlconf_get_str(yc, m, "interface", &c->net.interface);
	if (yamlconf_get_str(yc, m, "mode", &mode) == 1) {
		if (!strcmp(mode, "dhcp"))
			c->net.mode = CFG_NET_DHCP;
		else if (!strcmp(mode, "static"))
			c->net.mode = CFG_NET_STATIC;
		else if (!strcmp(mode, "none"))
			c->net.mode = CFG_NET_NONE;
		else
			yamlconf_error(yc, yamlconf_get(m, "mode"),
				       "network mode must be dhcp, static or none, not \"%s\"", mode);
	}
	yamlconf_get_str(yc, m, "address", &c->net.address);
	yamlconf_get_str(yc, m, "gateway", &c->net.gateway);
	yamlconf_get_str(yc, m, "resolv_conf", &c->net.resolv_conf);
	if (yamlconf_get_strlist(yc, m, "dns", &dns, &n) == 1)
		for (size_t i = 0; i < n && c->net.ndns < 4; i++)
			c->net.dns[c->net.ndns++] = dns[i];
	if (yamlconf_get_int(yc, m, "mtu", 68, 65535, &mtu) == 1)
		c->net.mtu = (int)mtu;
	if (c->net.mode == CFG_NET_STATIC && !c->net.address)
		yamlconf_error(yc, m, "network mode static needs an address");
}

int cfg_load(struct cfg *c, const char *path)
{
	static const char *const known[] = {
		"role", "data_dir", "bin_dir", "control_socket", "textfile_dir", "hostname",
		"stop_timeout", "restart", "modules", "data", "network", "services", NULL
	};
	static const char *const known_restart[] = { "initial_delay", "max_delay",
						     "reset_after", NULL };
	static const char *const known_data[] = { "label", "mount", "grow", NULL };
	struct yamlconf *yc = &c->yc;
	int rc = yamlconf_load(yc, path);
	if (rc)
		return rc;
	const struct yamlconf_node *root = yc->root, *n;
	if (!root)
		goto done; /* an empty file: the defaults */
	if (yamlconf_strict(yc, root, known))
		goto done;
	yamlconf_get_str(yc, root, "data_dir", &c->data_dir);
	yamlconf_get_str(yc, root, "bin_dir", &c->bin_dir);
	yamlconf_get_str(yc, root, "control_socket", &c->control_socket);
	yamlconf_get_str(yc, root, "textfile_dir", &c->textfile_dir);
	yamlconf_get_str(yc, root, "hostname", &c->hostname);
	yamlconf_get_str(yc, root, "modules", &c->modules);
	yamlconf_get_duration(yc, root, "stop_timeout", &c->stop_timeout_ms);
	if ((n = yamlconf_get(root, "restart")) && !yamlconf_strict(yc, n, known_restart)) {
		yamlconf_get_duration(yc, n, "initial_delay", &c->backoff_initial_ms);
		yamlconf_get_duration(yc, n, "max_delay", &c->backoff_max_ms);
		yamlconf_get_duration(yc, n, "reset_after", &c->backoff_reset_ms);
		if (c->backoff_initial_ms < 1 || c->backoff_max_ms < c->backoff_initial_ms)
			yamlconf_error(yc, n, "restart delays must satisfy 0 < initial_delay <= max_delay");
	}
	if ((n = yamlconf_get(root, "data")) && !yamlconf_strict(yc, n, known_data)) {
		yamlconf_get_str(yc, n, "label", &c->data_label);
		yamlconf_get_str(yc, n, "mount", &c->data_mount);
		yamlconf_get_bool(yc, n, "grow", &c->data_grow);
	}
	if ((n = yamlconf_get(root, "network")))
		cfg_network(c, n);
	if ((n = yamlconf_get(root, "services")) && !yamlconf_is_null(n)) {
		if (n->kind != YAMLCONF_MAP)
			yamlconf_error(yc, n, "services must be a map of name: settings");
		else
			for (size_t i = 0; i < n->len; i++)
				cfg_one_service(c, n->pairs[i].key, n->pairs[i].val);
	}
	/* Dependencies must name services. */
	for (size_t i = 0; i < c->nsvc; i++)
		for (size_t j = 0; j < c->svc[i].nafter; j++)
			if (!cfg_service(c, c->svc[i].after[j]))
				yamlconf_error(yc, yamlconf_get(yamlconf_get(yamlconf_get(root,
						"services"), c->svc[i].name), "after"),
					       "service \"%s\" is after unknown service \"%s\"",
					       c->svc[i].name, c->svc[i].after[j]);
	if ((n = yamlconf_get(root, "role")) && !yamlconf_is_null(n)) {
		const char **words;
		size_t nw;
		if (yamlconf_node_strlist(yc, n, &words, &nw) == 0) {
			struct buf b = BUF_INIT;
			char err[128];
			for (size_t i = 0; i < nw; i++)
				buf_printf(&b, "%s%s", i ? "," : "", words[i]);
			if (cfg_set_role(c, b.p ? b.p : "", err, sizeof err))
				yamlconf_error(yc, n, "%s", err);
			buf_free(&b);
		}
	}
done:
	cfg_finish(c);
	return yc->nerrors ? -EINVAL : 0;
}
