/* libFuzzer target for the PromQL front end (lexer, parser, checks,
 * printer, label matchers).
 *
 * Whatever the input, parsing must end cleanly (the sanitizers report
 * crashes, leaks and undefined behaviour). When it succeeds, the printer's
 * canonical form must parse again and print identically: a printer or
 * parser that disagrees with itself aborts. The same bytes also go through
 * the series-selector entry point and the raw lexer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/tsdb/promql/lex.h"
#include "../../services/tsdb/promql/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	const char *q = (const char *)data;
	struct arena a = ARENA_INIT;
	struct promql_node *n = NULL;
	struct promql_error err;
	struct buf b1 = BUF_INIT, b2 = BUF_INIT;

	if (promql_parse(q, size, &a, &n, &err) == 0) {
		promql_format(n, &b1);
		(void)promql_node_type(n);
		struct promql_node *n2 = NULL;
		if (promql_parse(b1.p, b1.len, &a, &n2, &err) != 0) {
			fprintf(stderr, "canonical form does not parse: %s\n  %d:%d: %s\n", b1.p,
				err.line, err.col, err.msg);
			abort();
		}
		promql_format(n2, &b2);
		/* @ timestamps beyond 2^53 ms may round on the way back. */
		if (strcmp(b1.p, b2.p) != 0 && !strchr(b1.p, '@')) {
			fprintf(stderr, "canonical form is not stable:\n  %s\n  %s\n", b1.p, b2.p);
			abort();
		}
	} else {
		if (err.line < 1 || err.col < 1 || err.pos.start > size || !err.msg[0])
			abort();
		promql_error_format(&err, &b1);
	}

	if (promql_parse_selector(q, size, &a, &n, &err) == 0) {
		buf_reset(&b1);
		promql_format(n, &b1);
	}

	struct promql_lexer lx;
	struct promql_token t;
	promql_lex_init(&lx, q, size);
	for (int i = 0; i < 100000; i++) {
		promql_lex_next(&lx, &t);
		if (t.type == PROMQL_TOK_STRING) {
			char msg[96];
			buf_reset(&b2);
			(void)promql_lex_unquote(t.text, t.len, &b2, msg, sizeof msg);
		}
		if (t.type == PROMQL_TOK_EOF || t.type == PROMQL_TOK_ERROR)
			break;
	}

	buf_free(&b1);
	buf_free(&b2);
	arena_free(&a);
	return 0;
}
