/* script.c - parsing promqltest scripts (see script.h for the language). */
#include "script.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A cap on one series' expanded length, so a typo like x99999999999
 * cannot exhaust memory. */
#define PQT_MAX_VALUES 10000000

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int pqt_parse_duration(const char *s, size_t n, int64_t *ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
		{ "y", 365LL * 24 * 3600 * 1000 }, { "w", 7LL * 24 * 3600 * 1000 },
		{ "d", 24LL * 3600 * 1000 },       { "h", 3600LL * 1000 },
		{ "m", 60LL * 1000 },              { "s", 1000 },
		{ "ms", 1 },
	};
	size_t i = 0, next_unit = 0;
	int64_t total = 0;

	if (n == 1 && s[0] == '0') {
		*ms = 0;
		return 0;
	}
	if (n == 0)
		return -1;
	while (i < n) {
		int64_t num = 0;
		size_t start = i, u;

		while (i < n && isdigit((unsigned char)s[i])) {
			if (num > (INT64_MAX - 9) / 10)
				return -1;
			num = num * 10 + (s[i] - '0');
			i++;
		}
		if (i == start)
			return -1;
		for (u = next_unit; u < sizeof units / sizeof units[0]; u++) {
			size_t ul = strlen(units[u].unit);
			/* "m" must not swallow the "m" of "ms". */
			if (i + ul <= n && memcmp(s + i, units[u].unit, ul) == 0 &&
			    !(ul == 1 && units[u].unit[0] == 'm' && i + 1 < n && s[i + 1] == 's'))
				break;
		}
		if (u == sizeof units / sizeof units[0])
			return -1;
		if (num > INT64_MAX / units[u].ms || total > INT64_MAX - num * units[u].ms)
			return -1;
		total += num * units[u].ms;
		i += strlen(units[u].unit);
		next_unit = u + 1;
	}
	*ms = total;
	return 0;
}

int pqt_parse_number(const char *s, double *out)
{
	char *end;

	if (!*s)
		return -1;
	errno = 0;
	/* Integers first (decimal, 0x hex, leading-0 octal), as strconv's
	 * ParseInt(s, 0, 64) would. */
	long long ll = strtoll(s, &end, 0);
	if (*end == 0 && errno == 0) {
		*out = (double)ll;
		return 0;
	}
	errno = 0;
	double d = strtod(s, &end);
	if (*end != 0 || end == s)
		return -1;
	*out = d;
	return 0;
}

bool pqt_almost_equal(double a, double b)
{
	const double min_normal = 2.2250738585072014e-308;
	const double epsilon = 0.000001;

	if (isnan(a) && isnan(b))
		return true;
	if (a == b)
		return true;
	double diff = fabs(a - b);
	if (a == 0 || b == 0 || diff < min_normal)
		return diff < epsilon * min_normal;
	return diff / (fabs(a) + fabs(b)) < epsilon;
}

/* ---- series descriptions ---- */

struct cursor {
	const char *p;
	struct arena *arena;
	char *err;
	size_t errlen;
};

static bool is_name_start(int c)
{
	return isalpha(c) || c == '_' || c == ':';
}

static bool is_name_char(int c)
{
	return isalnum(c) || c == '_' || c == ':';
}

static void skip_space(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static void put_utf8(struct buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (char)(0xc0 | (cp >> 6)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_putc(b, (char)(0xe0 | (cp >> 12)));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(b, (char)(0xf0 | (cp >> 18)));
		buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* A quoted string: "..." or '...' with Go escapes, or `...` raw. */
static int parse_string(struct cursor *c, const char **out)
{
	char q = *c->p;
	struct buf b = BUF_INIT;

	if (q != '"' && q != '\'' && q != '`') {
		seterr(c->err, c->errlen, "expected a quoted string at \"%.20s\"", c->p);
		return -1;
	}
	c->p++;
	while (*c->p && *c->p != q) {
		char ch = *c->p++;
		if (ch != '\\' || q == '`') {
			buf_putc(&b, ch);
			continue;
		}
		ch = *c->p++;
		switch (ch) {
		case 'a': buf_putc(&b, '\a'); break;
		case 'b': buf_putc(&b, '\b'); break;
		case 'f': buf_putc(&b, '\f'); break;
		case 'n': buf_putc(&b, '\n'); break;
		case 'r': buf_putc(&b, '\r'); break;
		case 't': buf_putc(&b, '\t'); break;
		case 'v': buf_putc(&b, '\v'); break;
		case '\\': buf_putc(&b, '\\'); break;
		case '"': buf_putc(&b, '"'); break;
		case '\'': buf_putc(&b, '\''); break;
		case 'x': case 'u': case 'U': {
			int n = ch == 'x' ? 2 : ch == 'u' ? 4 : 8;
			uint32_t cp = 0;
			for (int i = 0; i < n; i++) {
				int h = hexval((unsigned char)*c->p);
				if (h < 0)
					goto bad_escape;
				cp = cp * 16 + (uint32_t)h;
				c->p++;
			}
			if (ch == 'x')
				buf_putc(&b, (char)cp);
			else
				put_utf8(&b, cp);
			break;
		}
		default:
			if (ch >= '0' && ch <= '7') {
				int v = ch - '0';
				for (int i = 0; i < 2; i++) {
					if (*c->p < '0' || *c->p > '7')
						goto bad_escape;
					v = v * 8 + (*c->p++ - '0');
				}
				buf_putc(&b, (char)v);
				break;
			}
			goto bad_escape;
		}
	}
	if (*c->p != q) {
		seterr(c->err, c->errlen, "unterminated string");
		buf_free(&b);
		return -1;
	}
	c->p++;
	*out = arena_strndup(c->arena, b.p ? b.p : "", b.len);
	buf_free(&b);
	return 0;
bad_escape:
	seterr(c->err, c->errlen, "invalid escape sequence in string");
	buf_free(&b);
	return -1;
}

static void set_label(struct pqt_series *s, size_t *cap, struct arena *a, const char *name,
		      const char *value)
{
	for (size_t i = 0; i < s->nlabels; i++) {
		if (strcmp(s->labels[i].name, name) == 0) {
			s->labels[i].value = value;
			return;
		}
	}
	if (s->nlabels == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct pqt_label *nl = arena_alloc(a, ncap * sizeof *nl);
		if (s->nlabels)
			memcpy(nl, s->labels, s->nlabels * sizeof *nl);
		s->labels = nl;
		*cap = ncap;
	}
	s->labels[s->nlabels].name = name;
	s->labels[s->nlabels].value = value;
	s->nlabels++;
}

static int parse_metric(struct cursor *c, struct pqt_series *s)
{
	size_t cap = 0;

	skip_space(c);
	if (is_name_start((unsigned char)*c->p)) {
		const char *start = c->p;
		while (is_name_char((unsigned char)*c->p))
			c->p++;
		set_label(s, &cap, c->arena, "__name__",
			  arena_strndup(c->arena, start, (size_t)(c->p - start)));
	}
	if (*c->p != '{') {
		if (s->nlabels == 0) {
			seterr(c->err, c->errlen, "expected a metric name or '{' at \"%.20s\"", c->p);
			return -1;
		}
		return 0;
	}
	c->p++;
	for (;;) {
		skip_space(c);
		if (*c->p == '}') {
			c->p++;
			return 0;
		}
		if (!(isalpha((unsigned char)*c->p) || *c->p == '_')) {
			seterr(c->err, c->errlen, "expected a label name at \"%.20s\"", c->p);
			return -1;
		}
		const char *start = c->p;
		while (isalnum((unsigned char)*c->p) || *c->p == '_')
			c->p++;
		const char *name = arena_strndup(c->arena, start, (size_t)(c->p - start));
		skip_space(c);
		if (*c->p != '=') {
			seterr(c->err, c->errlen, "expected '=' after label %s", name);
			return -1;
		}
		c->p++;
		skip_space(c);
		const char *value;
		if (parse_string(c, &value) < 0)
			return -1;
		set_label(s, &cap, c->arena, name, value);
		skip_space(c);
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p != '}') {
			seterr(c->err, c->errlen, "expected ',' or '}' at \"%.20s\"", c->p);
			return -1;
		}
	}
}

/* A number as the series lexer reads it: optional sign, then digits with
 * fraction and exponent, or Inf/NaN. No hex (the x means "times"). */
static int scan_number(struct cursor *c, double *out)
{
	const char *p = c->p;
	char tmp[128];
	size_t n;

	if (*p == '+' || *p == '-')
		p++;
	if (isalpha((unsigned char)*p)) {
		const char *w = p;
		while (isalpha((unsigned char)*p))
			p++;
		size_t wl = (size_t)(p - w);
		if (!((wl == 3 && (strncasecmp(w, "inf", 3) == 0 || strncasecmp(w, "nan", 3) == 0)) ||
		      (wl == 8 && strncasecmp(w, "infinity", 8) == 0)))
			return -1;
	} else {
		const char *digits = p;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '.') {
			p++;
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (p == digits || (p == digits + 1 && *digits == '.'))
			return -1;
		if (*p == 'e' || *p == 'E') {
			const char *e = p++;
			if (*p == '+' || *p == '-')
				p++;
			if (!isdigit((unsigned char)*p))
				p = e;
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	n = (size_t)(p - c->p);
	if (n >= sizeof tmp)
		return -1;
	memcpy(tmp, c->p, n);
	tmp[n] = 0;
	*out = strtod(tmp, NULL);
	c->p = p;
	return 0;
}

static int scan_uint(struct cursor *c, uint64_t *out)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)*c->p))
		return -1;
	while (isdigit((unsigned char)*c->p)) {
		if (v > PQT_MAX_VALUES)
			return -1;
		v = v * 10 + (uint64_t)(*c->p - '0');
		c->p++;
	}
	*out = v;
	return 0;
}

struct valbuf {
	struct pqt_value *v;
	size_t n, cap;
};

static int push_value(struct valbuf *vb, double v, bool omitted)
{
	if (vb->n >= PQT_MAX_VALUES)
		return -1;
	if (vb->n == vb->cap) {
		vb->cap = vb->cap ? vb->cap * 2 : 16;
		vb->v = xrealloc(vb->v, vb->cap * sizeof *vb->v);
	}
	vb->v[vb->n].v = v;
	vb->v[vb->n].omitted = omitted;
	vb->n++;
	return 0;
}

static bool at_item_end(const char *p)
{
	return *p == 0 || *p == ' ' || *p == '\t';
}

static int parse_item(struct cursor *c, struct valbuf *vb)
{
	uint64_t times;
	double a, b;

	if (*c->p == '_') {
		c->p++;
		if (*c->p == 'x') {
			c->p++;
			if (scan_uint(c, &times) < 0)
				goto bad;
			for (uint64_t i = 0; i < times; i++)
				if (push_value(vb, 0, true) < 0)
					goto toolong;
		} else if (push_value(vb, 0, true) < 0) {
			goto toolong;
		}
		if (!at_item_end(c->p))
			goto bad;
		return 0;
	}
	if (strncmp(c->p, "stale", 5) == 0 && !isalnum((unsigned char)c->p[5])) {
		uint64_t bits = PQT_STALE_NAN_BITS;
		c->p += 5;
		memcpy(&a, &bits, sizeof a);
	} else if (scan_number(c, &a) < 0) {
		goto bad;
	}
	if (at_item_end(c->p))
		return push_value(vb, a, false) < 0 ? -1 : 0;
	if (*c->p == 'x') {
		c->p++;
		if (scan_uint(c, &times) < 0 || !at_item_end(c->p))
			goto bad;
		for (uint64_t i = 0; i <= times; i++)
			if (push_value(vb, a, false) < 0)
				goto toolong;
		return 0;
	}
	if (*c->p != '+' && *c->p != '-')
		goto bad;
	if (scan_number(c, &b) < 0 || *c->p != 'x')
		goto bad;
	c->p++;
	if (scan_uint(c, &times) < 0 || !at_item_end(c->p))
		goto bad;
	for (uint64_t i = 0; i <= times; i++) {
		if (push_value(vb, a, false) < 0)
			goto toolong;
		a += b;
	}
	return 0;
bad:
	seterr(c->err, c->errlen, "bad series value at \"%.20s\"", c->p);
	return -1;
toolong:
	seterr(c->err, c->errlen, "series longer than %d values", PQT_MAX_VALUES);
	return -1;
}

int pqt_parse_series(const char *line, struct arena *arena, struct pqt_series *out,
		     char *err, size_t errlen)
{
	struct cursor c = { line, arena, err, errlen };
	struct valbuf vb = { NULL, 0, 0 };

	memset(out, 0, sizeof *out);
	if (parse_metric(&c, out) < 0)
		return -1;
	if (!at_item_end(c.p)) {
		seterr(err, errlen, "unexpected \"%.20s\" after the metric", c.p);
		return -1;
	}
	for (;;) {
		skip_space(&c);
		if (!*c.p)
			break;
		if (parse_item(&c, &vb) < 0) {
			free(vb.v);
			return -1;
		}
	}
	if (vb.n) {
		out->values = arena_alloc(arena, vb.n * sizeof *vb.v);
		memcpy(out->values, vb.v, vb.n * sizeof *vb.v);
	}
	out->nvalues = vb.n;
	free(vb.v);
	return 0;
}

/* ---- commands ---- */

struct lines {
	char **l;
	size_t n;
};

static void split_lines(const char *text, struct arena *a, struct lines *out)
{
	size_t cap = 64;

	out->l = xmalloc(cap * sizeof *out->l);
	out->n = 0;
	for (const char *p = text;;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *s = p;
		while (len && isspace((unsigned char)*s)) {
			s++;
			len--;
		}
		while (len && isspace((unsigned char)s[len - 1]))
			len--;
		if (len && *s == '#')
			len = 0;
		if (out->n == cap) {
			cap *= 2;
			out->l = xrealloc(out->l, cap * sizeof *out->l);
		}
		out->l[out->n++] = arena_strndup(a, s, len);
		if (!e)
			break;
		p = e + 1;
	}
}

static void push_series(struct pqt_series **arr, size_t *n, size_t *cap, struct arena *a,
			const struct pqt_series *s)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct pqt_series *na = arena_alloc(a, ncap * sizeof *na);
		if (*n)
			memcpy(na, *arr, *n * sizeof *na);
		*arr = na;
		*cap = ncap;
	}
	(*arr)[(*n)++] = *s;
}

static int parse_load(struct lines *L, size_t *i, struct arena *a, struct pqt_cmd *cmd,
		      char *err, size_t errlen)
{
	const char *arg = L->l[*i] + 4;
	size_t cap = 0;
	char e2[200];

	while (*arg == ' ' || *arg == '\t')
		arg++;
	if (arg == L->l[*i] + 4 || !*arg ||
	    pqt_parse_duration(arg, strlen(arg), &cmd->step_ms) < 0) {
		seterr(err, errlen, "line %zu: invalid load command (load <step>)", *i + 1);
		return -1;
	}
	while (*i + 1 < L->n && L->l[*i + 1][0]) {
		struct pqt_series s;
		(*i)++;
		if (pqt_parse_series(L->l[*i], a, &s, e2, sizeof e2) < 0) {
			seterr(err, errlen, "line %zu: %s", *i + 1, e2);
			return -1;
		}
		s.line = (int)*i + 1;
		push_series(&cmd->series, &cmd->nseries, &cap, a, &s);
	}
	return 0;
}

static int parse_eval(struct lines *L, size_t *i, struct arena *a, struct pqt_cmd *cmd,
		      char *err, size_t errlen)
{
	const char *l = L->l[*i];
	const char *p = l + 4;
	size_t cap = 0;
	char e2[200];

	if (strncmp(p, "_fail", 5) == 0) {
		cmd->fail = true;
		p += 5;
	} else if (strncmp(p, "_ordered", 8) == 0) {
		cmd->ordered = true;
		p += 8;
	}
	if (*p != ' ' && *p != '\t')
		goto bad;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "range", 5) == 0 && (p[5] == ' ' || p[5] == '\t')) {
		static const char *const kw[3] = { "from", "to", "step" };
		int64_t *dst[3] = { &cmd->start_ms, &cmd->end_ms, &cmd->range_step_ms };
		cmd->range = true;
		p += 5;
		for (int k = 0; k < 3; k++) {
			size_t kl = strlen(kw[k]);
			while (*p == ' ' || *p == '\t')
				p++;
			if (strncmp(p, kw[k], kl) != 0 || (p[kl] != ' ' && p[kl] != '\t'))
				goto bad;
			p += kl;
			while (*p == ' ' || *p == '\t')
				p++;
			const char *d = p;
			while (*p && *p != ' ' && *p != '\t')
				p++;
			if (pqt_parse_duration(d, (size_t)(p - d), dst[k]) < 0)
				goto bad;
		}
		if (cmd->range_step_ms <= 0 || cmd->end_ms < cmd->start_ms)
			goto bad;
	} else {
		if (strncmp(p, "instant", 7) != 0 || (p[7] != ' ' && p[7] != '\t'))
			goto bad;
		p += 7;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "at", 2) != 0 || (p[2] != ' ' && p[2] != '\t'))
			goto bad;
		p += 2;
		while (*p == ' ' || *p == '\t')
			p++;
		const char *d = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (pqt_parse_duration(d, (size_t)(p - d), &cmd->at_ms) < 0)
			goto bad;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		goto bad;
	cmd->expr = p;

	while (*i + 1 < L->n && L->l[*i + 1][0]) {
		struct pqt_series s;
		double num;
		(*i)++;
		if (pqt_parse_number(L->l[*i], &num) == 0) {
			cmd->expect_scalar = true;
			cmd->scalar = num;
			break;
		}
		if (pqt_parse_series(L->l[*i], a, &s, e2, sizeof e2) < 0) {
			seterr(err, errlen, "line %zu: %s", *i + 1, e2);
			return -1;
		}
		if (!cmd->range && s.nvalues != 1) {
			seterr(err, errlen, "line %zu: an expected series needs exactly one value",
			       *i + 1);
			return -1;
		}
		s.line = (int)*i + 1;
		push_series(&cmd->expect, &cmd->nexpect, &cap, a, &s);
	}
	return 0;
bad:
	seterr(err, errlen,
	       "line %zu: invalid eval command (eval[_fail|_ordered] instant at <time> <expr>, "
	       "or eval[_fail] range from <time> to <time> step <step> <expr>)",
	       *i + 1);
	return -1;
}

int pqt_script_parse(const char *text, struct arena *arena, struct pqt_script *out,
		     char *err, size_t errlen)
{
	struct lines L;
	size_t cap = 0;
	int rc = 0;

	memset(out, 0, sizeof *out);
	split_lines(text, arena, &L);
	for (size_t i = 0; i < L.n; i++) {
		const char *l = L.l[i];
		struct pqt_cmd cmd;
		size_t wl = strcspn(l, " \t");

		if (!l[0])
			continue;
		memset(&cmd, 0, sizeof cmd);
		cmd.line = (int)i + 1;
		if (wl == 5 && strncasecmp(l, "clear", 5) == 0) {
			cmd.kind = PQT_CLEAR;
		} else if (wl == 4 && strncasecmp(l, "load", 4) == 0) {
			cmd.kind = PQT_LOAD;
			rc = parse_load(&L, &i, arena, &cmd, err, errlen);
		} else if (wl >= 4 && strncasecmp(l, "eval", 4) == 0) {
			cmd.kind = PQT_EVAL;
			rc = parse_eval(&L, &i, arena, &cmd, err, errlen);
		} else {
			seterr(err, errlen, "line %zu: invalid command \"%.40s\"", i + 1, l);
			rc = -1;
		}
		if (rc < 0)
			break;
		if (out->ncmds == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct pqt_cmd *nc = arena_alloc(arena, ncap * sizeof *nc);
			if (out->ncmds)
				memcpy(nc, out->cmds, out->ncmds * sizeof *nc);
			out->cmds = nc;
			cap = ncap;
		}
		out->cmds[out->ncmds++] = cmd;
	}
	free(L.l);
	return rc;
}
