/* os: node_os_info and node_os_version from <rootfs>/etc/os-release, or
 * <rootfs>/usr/lib/os-release when the first does not exist.
 *
 * The file is parsed as node_exporter parses it (hashicorp/go-envparse
 * v0.1.0): KEY=value lines, '#' comments, single quotes, double quotes
 * with JSON escapes, an optional "export " prefix; any malformed line makes
 * the whole file invalid. It is read on every scrape (it is small);
 * node_exporter caches it by modification time, which gives the same
 * output. macOS's SystemVersion.plist, node_exporter's third candidate, is
 * not looked at. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../collector.h"

/* The keys node_os_info reports, in label-name order. */
enum os_key {
	OS_BUILD_ID, OS_ID, OS_ID_LIKE, OS_IMAGE_ID, OS_IMAGE_VERSION, OS_NAME,
	OS_PRETTY_NAME, OS_VARIANT, OS_VARIANT_ID, OS_VERSION, OS_VERSION_CODENAME,
	OS_VERSION_ID, OS_NKEYS
};
static const char *const os_keys[OS_NKEYS] = {
	"BUILD_ID", "ID", "ID_LIKE", "IMAGE_ID", "IMAGE_VERSION", "NAME",
	"PRETTY_NAME", "VARIANT", "VARIANT_ID", "VERSION", "VERSION_CODENAME", "VERSION_ID",
};
static const char *const os_labels[OS_NKEYS] = {
	"build_id", "id", "id_like", "image_id", "image_version", "name",
	"pretty_name", "variant", "variant_id", "version", "version_codename", "version_id",
};

/* The values found; a key that is absent is "". Strings point into the
 * text given to os_release_parse. */
struct os_release {
	const char *v[OS_NKEYS];
};

static int os_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char *os_trim(char *s, char *end)
{
	while (s < end && os_is_space(*s))
		s++;
	while (end > s && os_is_space(end[-1]))
		end--;
	*end = 0;
	return s;
}

static int os_hex4(const char *p, uint32_t *out)
{
	uint32_t r = 0;
	for (int i = 0; i < 4; i++) {
		char d = p[i];
		if (d >= '0' && d <= '9')
			r = r * 16 + (uint32_t)(d - '0');
		else if (d >= 'a' && d <= 'f')
			r = r * 16 + (uint32_t)(d - 'a' + 10);
		else if (d >= 'A' && d <= 'F')
			r = r * 16 + (uint32_t)(d - 'A' + 10);
		else
			return -1;
	}
	*out = r;
	return 0;
}

static size_t os_utf8(char *out, uint32_t r)
{
	if (r >= 0xD800 && r <= 0xDFFF)
		r = 0xFFFD;
	if (r < 0x80) {
		out[0] = (char)r;
		return 1;
	}
	if (r < 0x800) {
		out[0] = (char)(0xC0 | (r >> 6));
		out[1] = (char)(0x80 | (r & 0x3F));
		return 2;
	}
	if (r < 0x10000) {
		out[0] = (char)(0xE0 | (r >> 12));
		out[1] = (char)(0x80 | ((r >> 6) & 0x3F));
		out[2] = (char)(0x80 | (r & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (r >> 18));
	out[1] = (char)(0x80 | ((r >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((r >> 6) & 0x3F));
	out[3] = (char)(0x80 | (r & 0x3F));
	return 4;
}

/* Decode an envparse value in place (it only shrinks).
 * Returns 0 or -1 when the value is malformed. */
static int os_value(char *v)
{
	enum { NORMAL, DOUBLE, SINGLE } mode = NORMAL;
	size_t len = strlen(v), o = 0, last_sig = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c < 32)
			return -1;
		if (c > 127) { /* part of a multibyte character: always kept */
			v[o++] = (char)c;
			last_sig = o;
			continue;
		}
		if (mode == NORMAL) {
			if (c == '"') {
				mode = DOUBLE;
			} else if (c == '\'') {
				mode = SINGLE;
			} else if (c == '#') { /* comment: drop it and the blanks before */
				v[last_sig] = 0;
				return 0;
			} else {
				v[o++] = (char)c;
				if (c != ' ' && c != '\t')
					last_sig = o;
			}
		} else if (mode == SINGLE) {
			if (c == '\'')
				mode = NORMAL;
			else
				v[o++] = (char)c, last_sig = o;
		} else if (c == '"') {
			mode = NORMAL;
		} else if (c != '\\') {
			v[o++] = (char)c;
			last_sig = o;
		} else {
			if (++i >= len)
				return -1;
			c = (unsigned char)v[i];
			switch (c) {
			case '"': case '\\': case '/': v[o++] = (char)c; break;
			case 'b': v[o++] = '\b'; break;
			case 'f': v[o++] = '\f'; break;
			case 'r': v[o++] = '\r'; break;
			case 'n': v[o++] = '\n'; break;
			case 't': v[o++] = '\t'; break;
			case 'u': {
				uint32_t r;
				if (i + 5 > len || os_hex4(v + i + 1, &r) != 0)
					return -1;
				i += 4;
				if (r >= 0xD800 && r <= 0xDFFF) {
					uint32_t r2;
					if (i + 7 > len || v[i + 1] != '\\' || v[i + 2] != 'u' ||
					    os_hex4(v + i + 3, &r2) != 0)
						return -1;
					i += 6;
					if (r < 0xDC00 && r2 >= 0xDC00 && r2 <= 0xDFFF)
						r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
					else
						r = 0xFFFD;
				}
				o += os_utf8(v + o, r);
				break;
			}
			default:
				return -1; /* also a multibyte character after '\' */
			}
			last_sig = o;
		}
	}
	if (mode != NORMAL)
		return -1;
	v[o] = 0;
	return 0;
}

static int os_key_ok(const char *k)
{
	if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || *k == '_'))
		return 0;
	for (const char *p = k + 1; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '/'))
			return 0;
	return 1;
}

/* Parse os-release text (modified in place; out's strings point into it).
 * A key given twice keeps its last value. Returns 0, or -1 if a line is
 * malformed (out is then unusable). */
int os_release_parse(char *text, struct os_release *out)
{
	for (int k = 0; k < OS_NKEYS; k++)
		out->v[k] = "";
	char *line;
	while ((line = next_line(&text)) != NULL) {
		line = os_trim(line, line + strlen(line));
		if (!*line || *line == '#')
			continue;
		char *eq = strchr(line, '=');
		if (!eq)
			return -1;
		char *key = os_trim(line, eq);
		char *val = os_trim(eq + 1, eq + 1 + strlen(eq + 1));
		if (strlen(key) > 7 && !strncmp(key, "export ", 7))
			key += 7;
		if (!os_key_ok(key) || os_value(val) != 0)
			return -1;
		for (int k = 0; k < OS_NKEYS; k++)
			if (!strcmp(key, os_keys[k]))
				out->v[k] = val;
	}
	return 0;
}

/* The major.minor number at the start of VERSION_ID ("20.04" -> 20.04,
 * "1.2.3" -> 1.2); 0 when it does not start with a digit. */
double os_version_number(const char *version_id)
{
	const char *p = version_id;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == version_id)
		return 0;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	char num[64];
	size_t n = (size_t)(p - version_id);
	if (n >= sizeof num)
		n = sizeof num - 1;
	memcpy(num, version_id, n);
	num[n] = 0;
	return strtod(num, NULL);
}

/* Add node_os_info and (if the version number is > 0) node_os_version. */
void os_release_add(struct scrape *s, const struct os_release *r)
{
	struct mfamily *f = mset_family(s->ms, "node_os_info",
					"Always 1; the labels are the fields of os-release.",
					METRIC_GAUGE);
	mset_add(s->ms, f, 1, OS_NKEYS, os_labels, r->v);
	double version = os_version_number(r->v[OS_VERSION_ID]);
	if (version > 0)
		mset_gauge(s->ms, "node_os_version",
			   "The major.minor part of os-release's VERSION_ID, as a number.", version,
			   "id", r->v[OS_ID], "id_like", r->v[OS_ID_LIKE], "name", r->v[OS_NAME],
			   NULL);
}

static int os_update(struct scrape *s)
{
	static const char *const files[] = { "etc/os-release", "usr/lib/os-release" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *text = read_file_arena(s, cpath(s, exporter_paths.rootfs, "%s", files[i]));
		if (!text && errno == ENOENT)
			continue;
		if (!text)
			return -errno;
		struct os_release r;
		if (os_release_parse(text, &r) != 0)
			return -EINVAL;
		os_release_add(s, &r);
		return 0;
	}
	return -ENOENT;
}

const struct collector os_collector = { "os", 1, os_update, NULL, NULL };
