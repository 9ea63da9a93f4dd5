/* relabel_test.c - relabeling as Prometheus 2.42's model/relabel does it.
 * Expected outputs follow from relabel.go's semantics; hashmod values are
 * md5 → bytes 8..15 big-endian → mod (computed independently with
 * Python's hashlib for these inputs). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../../services/tsdb/relabel.h"
#include "../unit.h"

/* Compile one rule from "key=value" fields; source labels as "a,b". */
static struct relabel_config *rule(struct arena *a, const char *src, const char *sep,
				   const char *regex, const char *target, const char *repl,
				   const char *action, uint64_t modulus, const char **err)
{
	struct relabel_spec sp;
	memset(&sp, 0, sizeof sp);
	const char **names = arena_alloc(a, 16 * sizeof *names);
	size_t n = 0;
	if (src) {
		char *s = arena_strdup(a, src), *save = NULL;
		for (char *t = strtok_r(s, ",", &save); t && n < 15; t = strtok_r(NULL, ",", &save))
			names[n++] = t;
		names[n] = NULL;
		sp.source_labels = names;
		sp.nsource = n;
	}
	sp.separator = sep;
	sp.regex = regex;
	sp.target_label = target;
	sp.replacement = repl;
	sp.action = action;
	if (modulus) {
		sp.has_modulus = 1;
		sp.modulus = modulus;
	}
	struct relabel_config *rc = arena_alloc(a, sizeof *rc);
	const char *e = NULL;
	if (relabel_compile(a, &sp, rc, &e) < 0) {
		if (err)
			*err = e;
		return NULL;
	}
	return rc;
}

/* Apply rules to a set given as "a=1,b=2"; write the result as
 * "a=1,b=2" (sorted) or "DROPPED". */
static const char *run(struct arena *a, const char *in, struct relabel_config **rs, size_t n)
{
	struct labels_builder b = LABELS_BUILDER_INIT;
	labels_builder_reset(&b, NULL);
	char *s = arena_strdup(a, in), *save = NULL;
	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		*eq = 0;
		labels_builder_set(&b, t, eq + 1);
	}
	int keep = relabel_process((const struct relabel_config *const *)rs, n, &b, a);
	if (!keep) {
		labels_builder_free(&b);
		return "DROPPED";
	}
	struct labels l;
	labels_builder_finish(&b, a, &l);
	labels_builder_free(&b);
	struct buf o = BUF_INIT;
	for (size_t i = 0; i < l.n; i++)
		buf_printf(&o, "%s%s=%s", i ? "," : "", l.v[i].name, l.v[i].value);
	const char *r = arena_strdup(a, o.p ? o.p : "");
	buf_free(&o);
	return r;
}

TEST(relabel_md5_matches_rfc1321)
{
	unsigned char h[16];
	char hex[33];
	const struct {
		const char *in, *want;
	} v[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		relabel_md5(v[i].in, strlen(v[i].in), h);
		for (int j = 0; j < 16; j++)
			snprintf(hex + 2 * j, 3, "%02x", h[j]);
		CHECK_STR(hex, v[i].want);
	}
	/* Lengths around the 56-byte padding boundary. */
	char buf[130];
	memset(buf, 'x', sizeof buf);
	relabel_md5(buf, 100, h);
	for (int j = 0; j < 16; j++)
		snprintf(hex + 2 * j, 3, "%02x", h[j]);
	CHECK_STR(hex, "aed563ecafb4bcc5654c597a421547b2");
}

TEST(relabel_hashmod_values_as_prometheus)
{
	CHECK_INT(relabel_hashmod("localhost:9100", 14, 4), 3);
	CHECK_INT(relabel_hashmod("a", 1, 1000), 697);
	CHECK_INT(relabel_hashmod("", 0, 7), 1);
	CHECK_INT(relabel_hashmod("node1:9100;prod", 15, 16), 15);
	struct arena a = ARENA_INIT;
	struct relabel_config *r = rule(&a, "__address__,env", NULL, NULL, "shard", NULL, "hashmod", 16, NULL);
	CHECK(r != NULL);
	CHECK_STR(run(&a, "__address__=node1:9100,env=prod", &r, 1),
		  "__address__=node1:9100,env=prod,shard=15");
	arena_free(&a);
}

TEST(relabel_replace_defaults_and_groups)
{
	struct arena a = ARENA_INIT;
	struct relabel_config *r[4];
	/* Defaults: regex (.*), replacement $1, separator ";". */
	r[0] = rule(&a, "a,b", NULL, NULL, "c", NULL, NULL, 0, NULL);
	CHECK(r[0] != NULL);
	CHECK_INT(r[0]->action, RELABEL_REPLACE);
	CHECK_STR(r[0]->separator, ";");
	CHECK_STR(r[0]->regex, "(.*)");
	CHECK_STR(r[0]->replacement, "$1");
	CHECK_STR(run(&a, "a=x,b=y", r, 1), "a=x,b=y,c=x;y");
	/* Anchored: a partial match does not replace. */
	r[0] = rule(&a, "a", NULL, "x", "c", "hit", NULL, 0, NULL);
	CHECK_STR(run(&a, "a=xx", r, 1), "a=xx");
	CHECK_STR(run(&a, "a=x", r, 1), "a=x,c=hit");
	/* Groups, ${n}, named groups, $$ and the "$1x" rule. */
	r[0] = rule(&a, "a", NULL, "(\\w+)-(\\w+)", "c", "$2.${1}z", NULL, 0, NULL);
	CHECK_STR(run(&a, "a=foo-bar", r, 1), "a=foo-bar,c=bar.fooz");
	r[0] = rule(&a, "a", NULL, "(\\w+)-(\\w+)", "c", "$1x", NULL, 0, NULL);
	CHECK_STR(run(&a, "a=foo-bar", r, 1), "a=foo-bar"); /* "$1x" is group "1x": empty → delete */
	r[0] = rule(&a, "a", NULL, "(?P<host>[^:]+):(?P<port>\\d+)", "c", "${port}@$host", NULL, 0, NULL);
	CHECK_STR(run(&a, "a=h:80", r, 1), "a=h:80,c=80@h");
	r[0] = rule(&a, "a", NULL, "(.*)", "c", "$$1 ${9} $ {x", NULL, 0, NULL);
	CHECK_STR(run(&a, "a=v", r, 1), "a=v,c=$1  $ {x");
	/* Target label from a group; an invalid result name deletes the
	 * (literal) target label. */
	r[0] = rule(&a, "a", NULL, "(\\w+)=(.*)", "${1}", "$2", NULL, 0, NULL);
	CHECK_STR(run(&a, "a=key=val", r, 1), "a=key=val,key=val");
	r[0] = rule(&a, "a", NULL, "(.*)", "l_$1", "v", NULL, 0, NULL);
	CHECK_STR(run(&a, "a=not-valid", r, 1), "a=not-valid");
	/* An empty result deletes the target label. */
	r[0] = rule(&a, "a", NULL, "(.*)", "b", "$1", NULL, 0, NULL);
	CHECK_STR(run(&a, "b=old", r, 1), "");
	/* Missing source labels join as empty strings. */
	r[0] = rule(&a, "a,b,c", "|", NULL, "d", NULL, NULL, 0, NULL);
	CHECK_STR(run(&a, "b=2", r, 1), "b=2,d=|2|");
	arena_free(&a);
}

TEST(relabel_keep_drop_and_equal)
{
	struct arena a = ARENA_INIT;
	struct relabel_config *r[2];
	r[0] = rule(&a, "job", NULL, "node|api", NULL, NULL, "keep", 0, NULL);
	CHECK_STR(run(&a, "job=node", r, 1), "job=node");
	CHECK_STR(run(&a, "job=nodes", r, 1), "DROPPED");
	r[0] = rule(&a, "job", NULL, "no.*", NULL, NULL, "DROP", 0, NULL);
	CHECK_STR(run(&a, "job=node", r, 1), "DROPPED");
	CHECK_STR(run(&a, "job=api", r, 1), "job=api");
	r[0] = rule(&a, "a", NULL, NULL, "b", NULL, "keepequal", 0, NULL);
	CHECK_STR(run(&a, "a=1,b=1", r, 1), "a=1,b=1");
	CHECK_STR(run(&a, "a=1,b=2", r, 1), "DROPPED");
	CHECK_STR(run(&a, "c=1", r, 1), "c=1"); /* "" == "" */
	r[0] = rule(&a, "a", NULL, NULL, "b", NULL, "dropequal", 0, NULL);
	CHECK_STR(run(&a, "a=1,b=1", r, 1), "DROPPED");
	CHECK_STR(run(&a, "a=1,b=2", r, 1), "a=1,b=2");
	/* Rules run in order; the second sees the first's output. */
	r[0] = rule(&a, "a", NULL, NULL, "b", NULL, NULL, 0, NULL);
	r[1] = rule(&a, "b", NULL, "x", NULL, NULL, "keep", 0, NULL);
	CHECK_STR(run(&a, "a=x", r, 2), "a=x,b=x");
	CHECK_STR(run(&a, "a=y", r, 2), "DROPPED");
	arena_free(&a);
}

TEST(relabel_labelmap_labeldrop_labelkeep)
{
	struct arena a = ARENA_INIT;
	struct relabel_config *r[1];
	r[0] = rule(&a, NULL, NULL, "__meta_(.+)", NULL, "m_$1", "labelmap", 0, NULL);
	CHECK(r[0] != NULL);
	CHECK_STR(run(&a, "__meta_x=1,__meta_y=2,z=3", r, 1),
		  "__meta_x=1,__meta_y=2,m_x=1,m_y=2,z=3");
	/* Default replacement $1. */
	r[0] = rule(&a, NULL, NULL, "__meta_kubernetes_(.+)", NULL, NULL, "labelmap", 0, NULL);
	CHECK_STR(run(&a, "__meta_kubernetes_pod=p", r, 1), "__meta_kubernetes_pod=p,pod=p");
	r[0] = rule(&a, NULL, NULL, "tmp_.*", NULL, NULL, "labeldrop", 0, NULL);
	CHECK_STR(run(&a, "tmp_a=1,tmp=2,xtmp_b=3", r, 1), "tmp=2,xtmp_b=3");
	r[0] = rule(&a, NULL, NULL, "job|instance", NULL, NULL, "labelkeep", 0, NULL);
	CHECK_STR(run(&a, "job=j,instance=i,other=o,__name__=up", r, 1), "instance=i,job=j");
	arena_free(&a);
}

TEST(relabel_lowercase_uppercase)
{
	struct arena a = ARENA_INIT;
	struct relabel_config *r[1];
	r[0] = rule(&a, "a,b", NULL, NULL, "l", NULL, "lowercase", 0, NULL);
	CHECK_STR(run(&a, "a=HeLLo,b=WÖRLD", r, 1), "a=HeLLo,b=WÖRLD,l=hello;wörld");
	r[0] = rule(&a, "a", NULL, NULL, "u", NULL, "uppercase", 0, NULL);
	CHECK_STR(run(&a, "a=abc-1", r, 1), "a=abc-1,u=ABC-1");
	arena_free(&a);
}

TEST(relabel_compile_refuses_as_prometheus)
{
	struct arena a = ARENA_INIT;
	const char *e = NULL;
	CHECK(rule(&a, "a", NULL, "(abc", "b", NULL, NULL, 0, &e) == NULL);
	CHECK(strstr(e, "invalid regular expression") != NULL);
	CHECK(rule(&a, "a", NULL, NULL, NULL, NULL, "replace", 0, &e) == NULL);
	CHECK_STR(e, "relabel configuration for replace action requires 'target_label' value");
	CHECK(rule(&a, "a", NULL, NULL, "t", NULL, "hashmod", 0, &e) == NULL);
	CHECK_STR(e, "relabel configuration for hashmod requires non-zero modulus");
	CHECK(rule(&a, "a", NULL, NULL, "t", NULL, "boom", 0, &e) == NULL);
	CHECK_STR(e, "unknown relabel action \"boom\"");
	CHECK(rule(&a, "a", NULL, NULL, "a-b", NULL, NULL, 0, &e) == NULL);
	CHECK_STR(e, "\"a-b\" is invalid 'target_label' for replace action");
	CHECK(rule(&a, "a", NULL, NULL, "x$", NULL, NULL, 0, &e) == NULL);
	CHECK(rule(&a, "a", NULL, NULL, "${1}x_$name", NULL, NULL, 0, &e) != NULL);
	CHECK(rule(&a, "a", NULL, NULL, "${1}", NULL, "hashmod", 3, &e) == NULL);
	CHECK(rule(&a, "a", NULL, NULL, "t", "x", "uppercase", 0, &e) == NULL);
	CHECK_STR(e, "'replacement' can not be set for uppercase action");
	CHECK(rule(&a, "a", ",", NULL, "t", NULL, "keepequal", 0, &e) == NULL);
	CHECK(rule(&a, "a", NULL, "(.*)", "t", NULL, "dropequal", 0, &e) == NULL);
	CHECK(rule(&a, NULL, NULL, "x", "t", NULL, "labelkeep", 0, &e) == NULL);
	CHECK_STR(e, "labelkeep action requires only 'regex', and no other fields");
	CHECK(rule(&a, NULL, NULL, "(.*)", NULL, "1x", "labelmap", 0, &e) == NULL);
	CHECK(rule(&a, "a-b", NULL, NULL, "t", NULL, NULL, 0, &e) == NULL);
	CHECK_STR(e, "\"a-b\" is not a valid label name");
	CHECK(rule(&a, "a", NULL, "a(?=b)", "t", NULL, NULL, 0, &e) == NULL); /* RE2 has no lookahead */
	CHECK(rule(&a, "a", NULL, NULL, "t", NULL, "", 0, &e) == NULL);
	CHECK_STR(e, "relabel action cannot be empty");
	enum relabel_action act;
	CHECK(relabel_action_parse("LabelMap", &act) == 0 && act == RELABEL_LABELMAP);
	CHECK_STR(relabel_action_name(RELABEL_KEEPEQUAL), "keepequal");
	arena_free(&a);
}

TEST(relabel_regex_is_linear_on_hostile_input)
{
	/* (a+)+b against many a's: a backtracking engine explodes; the keep
	 * must answer quickly (PCRE2 limits + DFA fallback). */
	struct arena a = ARENA_INIT;
	struct relabel_config *r[1];
	r[0] = rule(&a, "x", NULL, "(a+)+b", NULL, NULL, "keep", 0, NULL);
	char in[80] = "x=";
	memset(in + 2, 'a', 60);
	in[62] = 0;
	CHECK_STR(run(&a, in, r, 1), "DROPPED");
	arena_free(&a);
}
