/* cpuinfo.c - parse /proc/cpuinfo (see cpuinfo.h). Owner: helper h1.
 *
 * Numeric fields that the exporter does not report (cpu MHz, bogomips,
 * siblings, ...) are not parsed at all, so a malformed one cannot fail
 * the file as it does in procfs. */
#include "cpuinfo.h"

#include <stdint.h>
#include <string.h>

#include "collector.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Next line with its trailing '\r' removed (Go's line scanner does so). */
static char *cpuinfo_line(char **p)
{
	char *line = next_line(p);
	if (line) {
		size_t l = strlen(line);
		if (l && line[l - 1] == '\r')
			line[l - 1] = 0;
	}
	return line;
}

static char *first_nonblank_line(char **p)
{
	char *line;
	while ((line = cpuinfo_line(p)) != NULL) {
		for (const char *c = line; *c; c++)
			if (!is_space(*c))
				return line;
	}
	return NULL;
}

/* Split "key : value" at the first ": ". *key is trimmed, *val is the
 * rest of the line as it is. Returns 0, or -1 without such a separator. */
static int split_kv(char *line, char **key, char **val)
{
	char *sep = strstr(line, ": ");
	if (!sep)
		return -1;
	*sep = 0;
	*val = sep + 2;
	while (is_space(*line))
		line++;
	char *e = sep;
	while (e > line && is_space(e[-1]))
		e--;
	*e = 0;
	*key = line;
	return 0;
}

/* An unsigned 32-bit number in Go's base-0 syntax: 0x / 0o / 0b
 * prefixes, a leading 0 for octal. */
static int parse_uint_base0(const char *s, unsigned *out)
{
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
		base = 8;
		s += 2;
	} else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		s += 2;
	} else if (s[0] == '0' && s[1]) {
		base = 8;
		s++;
	}
	if (!*s)
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -1;
		if (d >= base)
			return -1;
		v = v * base + d;
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* Room for every CPU: one per "processor" in the text, plus one. */
static struct cpuinfo_cpu *alloc_cpus(struct arena *a, const char *text, size_t *cap)
{
	size_t n = 1;
	for (const char *p = text; (p = strstr(p, "rocessor")) != NULL; p += 8)
		n++;
	*cap = n;
	return arena_alloc(a, n * sizeof(struct cpuinfo_cpu));
}

/* A CPU with every string empty ("" from the arena, so that callers may
 * treat all strings alike). */
static void cpu_init(struct cpuinfo_cpu *c, char *empty)
{
	*c = (struct cpuinfo_cpu){ 0, empty, empty, empty, empty, empty,
				   empty, empty, empty, empty, empty, empty };
}

int cpuinfo_parse_x86(struct arena *a, char *text, struct cpuinfo_cpu **out)
{
	size_t cap;
	struct cpuinfo_cpu *cpus = alloc_cpus(a, text, &cap);
	char *line = first_nonblank_line(&text), *key, *val;
	if (!line || strncmp(line, "processor", 9) != 0 || split_kv(line, &key, &val) != 0)
		return -1;
	char *empty = arena_strdup(a, "");
	size_t n = 1;
	cpu_init(&cpus[0], empty);
	if (parse_uint_base0(val, &cpus[0].processor) != 0)
		return -1;
	struct cpuinfo_cpu *c = &cpus[0];
	while ((line = cpuinfo_line(&text)) != NULL) {
		if (split_kv(line, &key, &val) != 0)
			continue;
		if (!strcmp(key, "processor")) {
			if (n == cap)
				return -1; /* cannot happen: cap counts them */
			c = &cpus[n++];
			cpu_init(c, empty);
			if (parse_uint_base0(val, &c->processor) != 0)
				return -1;
		} else if (!strcmp(key, "vendor") || !strcmp(key, "vendor_id")) {
			c->vendor = val;
		} else if (!strcmp(key, "cpu family")) {
			c->family = val;
		} else if (!strcmp(key, "model")) {
			c->model = val;
		} else if (!strcmp(key, "model name")) {
			c->model_name = val;
		} else if (!strcmp(key, "stepping")) {
			c->stepping = val;
		} else if (!strcmp(key, "microcode")) {
			c->microcode = val;
		} else if (!strcmp(key, "cache size")) {
			c->cache_size = val;
		} else if (!strcmp(key, "physical id")) {
			c->physical_id = val;
		} else if (!strcmp(key, "core id")) {
			c->core_id = val;
		} else if (!strcmp(key, "flags")) {
			c->flags = val;
		} else if (!strcmp(key, "bugs")) {
			c->bugs = val;
		}
	}
	*out = cpus;
	return (int)n;
}

int cpuinfo_parse_arm(struct arena *a, char *text, struct cpuinfo_cpu **out)
{
	size_t cap;
	struct cpuinfo_cpu *cpus = alloc_cpus(a, text, &cap);
	char *line = first_nonblank_line(&text), *key, *val;
	if (!line || (strncmp(line, "processor", 9) != 0 && strncmp(line, "Processor", 9) != 0) ||
	    split_kv(line, &key, &val) != 0)
		return -1;
	struct cpuinfo_cpu common;
	cpu_init(&common, arena_strdup(a, ""));
	size_t n = 0;
	if (!strcmp(key, "Processor")) {
		/* Old 32-bit layout: the model first, CPUs follow. */
		common.model_name = val;
	} else {
		cpus[0] = common;
		if (parse_uint_base0(val, &cpus[0].processor) != 0)
			return -1;
		n = 1;
	}
	char *features = NULL;
	while ((line = cpuinfo_line(&text)) != NULL) {
		if (split_kv(line, &key, &val) != 0)
			continue;
		if (!strcmp(key, "processor")) {
			if (n == cap)
				return -1;
			cpus[n] = common;
			if (parse_uint_base0(val, &cpus[n].processor) != 0)
				return -1;
			n++;
		} else if (!strcmp(key, "BogoMIPS")) {
			if (n == 0) { /* a single CPU without a "processor" line */
				cpus[0] = common;
				n = 1;
			}
		} else if (!strcmp(key, "Features")) {
			features = val;
		} else if (!strcmp(key, "model name")) {
			if (n > 0)
				cpus[n - 1].model_name = val;
		}
	}
	if (features)
		for (size_t i = 0; i < n; i++)
			cpus[i].flags = features;
	*out = cpus;
	return (int)n;
}

int cpuinfo_parse(struct arena *a, char *text, struct cpuinfo_cpu **out)
{
#if defined(__x86_64__) || defined(__i386__)
	return cpuinfo_parse_x86(a, text, out);
#elif defined(__aarch64__) || defined(__arm__)
	return cpuinfo_parse_arm(a, text, out);
#else
	(void)a;
	(void)text;
	(void)out;
	return -2;
#endif
}
