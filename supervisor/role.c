#include "role.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/dirscan.h"
#include "../lib/log.h"
#include "../lib/yamlconf.h"

/* A role value: preset or service names, commas between. */
static int role_valid(const char *s, size_t n)
{
	if (n == 0 || n >= ROLE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(",-_", s[i]))
			return 0;
	return 1;
}

static int role_set(const char *s, size_t n, char *out, size_t outlen)
{
	if (!role_valid(s, n) || n >= outlen)
		return -ENOENT;
	memcpy(out, s, n);
	out[n] = 0;
	return 0;
}

int role_from_cmdline(const char *text, char *out, size_t outlen)
{
	int rc = -ENOENT;
	const char *p = text;
	while (*p) {
		p += strspn(p, " \t\n");
		size_t n = strcspn(p, " \t\n");
		if (n > 5 && !strncmp(p, "role=", 5) && role_set(p + 5, n - 5, out, outlen) == 0)
			rc = 0; /* the last one wins, as for kernel parameters */
		p += n;
	}
	return rc;
}

int role_from_text(const char *text, int bare, char *out, size_t outlen)
{
	const char *p = text;
	size_t words = 0;
	const char *w = NULL;
	size_t wl = 0;
	while (*p) {
		size_t n = strcspn(p, "\n");
		const char *l = p, *e = p + n;
		while (l < e && (*l == ' ' || *l == '\t'))
			l++;
		while (e > l && isspace((unsigned char)e[-1]))
			e--;
		if (e - l > 5 && !strncmp(l, "role", 4) && (l[4] == '=' || l[4] == ':')) {
			const char *v = l + 5;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			if (v < e && (*v == '"' || *v == '\'') && e - v >= 2 && e[-1] == *v)
				v++, e--;
			if (role_set(v, (size_t)(e - v), out, outlen) == 0)
				return 0;
		}
		if (e > l) {
			words++;
			w = l;
			wl = (size_t)(e - l);
		}
		p += n + (p[n] == '\n');
	}
	if (bare && words == 1 && role_set(w, wl, out, outlen) == 0)
		return 0;
	return -ENOENT;
}

int role_from_smbios(const unsigned char *raw, size_t len, char *out, size_t outlen)
{
	if (len < 5 || raw[0] != 11 || raw[1] < 5 || raw[1] > len)
		return -ENOENT;
	size_t off = raw[1];
	unsigned count = raw[4];
	for (unsigned i = 0; i < count && off < len; i++) {
		const char *s = (const char *)raw + off;
		size_t n = strnlen(s, len - off);
		if (n > 5 && !strncmp(s, "role=", 5) && role_set(s + 5, n - 5, out, outlen) == 0)
			return 0;
		off += n + 1;
	}
	return -ENOENT;
}

static int role_label_is(const unsigned char *l, size_t n)
{
	char buf[16];
	size_t k = 0;
	for (size_t i = 0; i < n && k < sizeof buf - 1; i++)
		buf[k++] = (char)tolower(l[i]);
	while (k && buf[k - 1] == ' ')
		k--;
	buf[k] = 0;
	return !strcmp(buf, "cidata");
}

int role_is_cidata(const unsigned char *d, size_t len, const char **fstype)
{
	/* ISO 9660: the primary volume descriptor at 32 KiB; label at +40. */
	if (len >= 32768 + 72 && d[32768] == 1 && !memcmp(d + 32769, "CD001", 5) &&
	    role_label_is(d + 32768 + 40, 32)) {
		*fstype = "iso9660";
		return 1;
	}
	if (len < 512 || d[510] != 0x55 || d[511] != 0xAA)
		return 0;
	/* FAT32 keeps the label at 0x47 ("FAT32" at 0x52); FAT12/16 at 0x2B. */
	if (!memcmp(d + 0x52, "FAT32", 5) && d[0x42] == 0x29 && role_label_is(d + 0x47, 11)) {
		*fstype = "vfat";
		return 1;
	}
	if (!memcmp(d + 0x36, "FAT", 3) && d[0x26] == 0x29 && role_label_is(d + 0x2B, 11)) {
		*fstype = "vfat";
		return 1;
	}
	return 0;
}

/* Read a small file whole; returns bytes read or negative errno. */
static ssize_t role_read(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	while (n < cap) {
		ssize_t r = read(fd, (char *)buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	return (ssize_t)n;
}

static ssize_t role_read_text(const char *path, char *buf, size_t cap)
{
	ssize_t n = role_read(path, buf, cap - 1);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

/* ---- IMDSv2: two tiny HTTP/1.0 requests ---- */

static int64_t role_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Send req to host:port and read the answer into out until the server
 * closes. Returns the HTTP status (body at *body) or negative errno. */
static int role_http(const char *host, int port, const char *req, int timeout_ms, char *out,
		     size_t outlen, char **body)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int rc, fd = -1;
	size_t n = 0;
	int64_t end = role_ms() + timeout_ms;
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL; /* numeric addresses only: no resolver at boot */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
		rc = -errno;
		goto fail;
	}
	size_t sent = 0, rl = strlen(req);
	for (;;) {
		int64_t left = end - role_ms();
		if (left <= 0) {
			rc = -ETIMEDOUT;
			goto fail;
		}
		struct pollfd pfd = { .fd = fd, .events = sent < rl ? POLLOUT : POLLIN };
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if (sent < rl) {
			ssize_t w = send(fd, req + sent, rl - sent, MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN) {
				rc = -errno;
				goto fail;
			}
			sent += w > 0 ? (size_t)w : 0;
			continue;
		}
		ssize_t r = read(fd, out + n, outlen - 1 - n);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0) {
			rc = -errno;
			goto fail;
		}
		n += (size_t)r;
		if (r == 0 || n == outlen - 1)
			break;
	}
	close(fd);
	out[n] = 0;
	char *b = strstr(out, "\r\n\r\n");
	/* "HTTP/1.x NNN ..." */
	if (!b || n < 12 || strncmp(out, "HTTP/1.", 7) || out[8] != ' ')
		return -EPROTO;
	int status = atoi(out + 9);
	*body = b + 4;
	return status;
fail:
	close(fd);
	return rc;
}

int role_imds_userdata(const char *base, int timeout_ms, char *out, size_t outlen)
{
	char host[64], req[512], resp[4096], *body;
	int port = 80;
	if (strncmp(base, "http://", 7))
		return -EINVAL;
	const char *h = base + 7;
	size_t hl = strcspn(h, ":/");
	if (hl == 0 || hl >= sizeof host)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = 0;
	if (h[hl] == ':')
		port = atoi(h + hl + 1);
	snprintf(req, sizeof req,
		 "PUT /latest/api/token HTTP/1.0\r\nHost: %s\r\n"
		 "X-aws-ec2-metadata-token-ttl-seconds: 300\r\nContent-Length: 0\r\n\r\n", host);
	int st = role_http(host, port, req, timeout_ms, resp, sizeof resp, &body);
	if (st < 0)
		return st;
	if (st != 200)
		return -EPROTO;
	char token[256];
	size_t tl = strcspn(body, "\r\n");
	if (tl == 0 || tl >= sizeof token)
		return -EPROTO;
	memcpy(token, body, tl);
	token[tl] = 0;
	snprintf(req, sizeof req,
		 "GET /latest/user-data HTTP/1.0\r\nHost: %s\r\nX-aws-ec2-metadata-token: %s\r\n\r\n",
		 host, token);
	char *big = malloc(65536);
	if (!big)
		return -ENOMEM;
	st = role_http(host, port, req, timeout_ms, big, 65536, &body);
	if (st == 200)
		snprintf(out, outlen, "%s", body);
	free(big);
	return st < 0 ? st : st == 200 ? 0 : st == 404 ? -ENOENT : -EPROTO;
}

/* ---- sources ---- */

struct role_cidata_scan {
	const struct role_probe *p;
	char *out;
	size_t outlen;
	int found;
};

static int role_cidata_dev(const char *name, unsigned char type, void *ctx)
{
	struct role_cidata_scan *sc = ctx;
	char dev[512], text[8192];
	static unsigned char head[32768 + 2048];
	const char *fstype;
	(void)type;
	snprintf(dev, sizeof dev, "%s/dev/%s", sc->p->root, name);
	ssize_t n = role_read(dev, head, sizeof head);
	if (n <= 0 || !role_is_cidata(head, (size_t)n, &fstype))
		return 0;
	log_info("role: cidata disk %s (%s)", dev, fstype);
	char dir[512], file[600];
	snprintf(dir, sizeof dir, "%s/run/cidata", sc->p->root);
	snprintf(file, sizeof file, "%s/user-data", dir);
	if (sc->p->mount) {
		mkdir(dir, 0700);
		if (mount(dev, dir, fstype, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			log_warn("role: cannot mount %s: %s", dev, strerror(errno));
			return 0;
		}
	}
	n = role_read_text(file, text, sizeof text);
	if (sc->p->mount)
		umount(dir);
	if (n > 0 && role_from_text(text, 0, sc->out, sc->outlen) == 0) {
		sc->found = 1;
		return 1;
	}
	return 0;
}

const char *role_find(const struct role_probe *p, char *out, size_t outlen)
{
	char path[512];
	static char text[8192];
	const char *root = p->root ? p->root : "";

	snprintf(path, sizeof path, "%s/proc/cmdline", root);
	if (role_read_text(path, text, sizeof text) > 0 && role_from_cmdline(text, out, outlen) == 0)
		return "cmdline";

	snprintf(path, sizeof path, "%s/sys/firmware/qemu_fw_cfg/by_name/%s/raw", root,
		 ROLE_FWCFG_NAME);
	if (role_read_text(path, text, sizeof text) > 0 && role_from_text(text, 1, out, outlen) == 0)
		return "fw_cfg";

	for (int i = 0; i < 8; i++) {
		snprintf(path, sizeof path, "%s/sys/firmware/dmi/entries/11-%d/raw", root, i);
		ssize_t n = role_read(path, text, sizeof text);
		if (n < 0)
			break;
		if (role_from_smbios((unsigned char *)text, (size_t)n, out, outlen) == 0)
			return "smbios";
	}

	if (p->imds_url) {
		int rc = role_imds_userdata(p->imds_url, p->imds_timeout_ms, text, sizeof text);
		if (rc == 0 && role_from_text(text, 0, out, outlen) == 0)
			return "imds";
		if (rc < 0 && rc != -ENOENT)
			log_info("role: no instance metadata at %s: %s", p->imds_url, strerror(-rc));
	}

	struct role_cidata_scan sc = { p, out, outlen, 0 };
	snprintf(path, sizeof path, "%s/sys/class/block", root);
	dirscan(path, role_cidata_dev, &sc);
	if (sc.found)
		return "cidata";

	const char *data = p->data_dir ? p->data_dir : "/data";
	snprintf(path, sizeof path, "%s%s/role", root, data);
	if (role_read_text(path, text, sizeof text) > 0 && role_from_text(text, 1, out, outlen) == 0)
		return "data";
	snprintf(path, sizeof path, "%s%s/pharos.yml", root, data);
	if (access(path, R_OK) == 0) {
		struct yamlconf yc;
		const char **words;
		size_t nw;
		yamlconf_init(&yc);
		yc.max_bytes = 1 << 20;
		if (yamlconf_load(&yc, path) == 0 &&
		    yamlconf_get_strlist(&yc, yc.root, "role", &words, &nw) == 1) {
			char joined[ROLE_MAX] = "";
			size_t jl = 0;
			for (size_t i = 0; i < nw && jl < sizeof joined; i++)
				jl += (size_t)snprintf(joined + jl, sizeof joined - jl, "%s%s",
						       i ? "," : "", words[i]);
			if (jl < sizeof joined && role_set(joined, jl, out, outlen) == 0) {
				yamlconf_free(&yc);
				return "data";
			}
		}
		if (yc.nerrors)
			log_warn("role: %s", yc.errors.p);
		yamlconf_free(&yc);
	}
	snprintf(out, outlen, "all");
	return "default";
}
