/* lex.h - the PromQL lexer (internal to the parser, public for tests).
 *
 * The lexer is context-sensitive exactly as Prometheus's: inside { } words
 * are plain identifiers (keywords are not recognised) and =~ !~ exist;
 * inside [ ] a duration is expected and ':' separates range from step;
 * '#' starts a comment that runs to the end of the line.
 *
 * Tokens point into the query text (no copies): text/len stay valid as
 * long as the query buffer does. String literals are returned raw (quotes
 * and escapes included); promql_lex_unquote() decodes them.
 */
#ifndef PHAROS_PROMQL_LEX_H
#define PHAROS_PROMQL_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../../lib/buf.h"

enum promql_tok {
	PROMQL_TOK_EOF,
	PROMQL_TOK_ERROR,      /* text is the error message (NUL-terminated) */
	PROMQL_TOK_COMMENT,
	PROMQL_TOK_IDENTIFIER, /* [a-zA-Z_][a-zA-Z0-9_]* */
	PROMQL_TOK_METRIC_IDENTIFIER, /* an identifier containing ':' */
	PROMQL_TOK_NUMBER,
	PROMQL_TOK_STRING,
	PROMQL_TOK_DURATION,
	PROMQL_TOK_LEFT_PAREN,
	PROMQL_TOK_RIGHT_PAREN,
	PROMQL_TOK_LEFT_BRACE,
	PROMQL_TOK_RIGHT_BRACE,
	PROMQL_TOK_LEFT_BRACKET,
	PROMQL_TOK_RIGHT_BRACKET,
	PROMQL_TOK_COMMA,
	PROMQL_TOK_EQL,        /* = (matchers) */
	PROMQL_TOK_COLON,
	PROMQL_TOK_AT,
	/* operators */
	PROMQL_TOK_ADD,
	PROMQL_TOK_SUB,
	PROMQL_TOK_MUL,
	PROMQL_TOK_DIV,
	PROMQL_TOK_MOD,
	PROMQL_TOK_POW,
	PROMQL_TOK_EQLC,       /* == */
	PROMQL_TOK_NEQ,        /* != */
	PROMQL_TOK_LTE,
	PROMQL_TOK_LSS,
	PROMQL_TOK_GTE,
	PROMQL_TOK_GTR,
	PROMQL_TOK_EQL_REGEX,  /* =~ */
	PROMQL_TOK_NEQ_REGEX,  /* !~ */
	PROMQL_TOK_LAND,
	PROMQL_TOK_LOR,
	PROMQL_TOK_LUNLESS,
	PROMQL_TOK_ATAN2,
	/* aggregators */
	PROMQL_TOK_SUM,
	PROMQL_TOK_AVG,
	PROMQL_TOK_COUNT,
	PROMQL_TOK_MIN,
	PROMQL_TOK_MAX,
	PROMQL_TOK_GROUP,
	PROMQL_TOK_STDDEV,
	PROMQL_TOK_STDVAR,
	PROMQL_TOK_TOPK,
	PROMQL_TOK_BOTTOMK,
	PROMQL_TOK_COUNT_VALUES,
	PROMQL_TOK_QUANTILE,
	/* keywords */
	PROMQL_TOK_OFFSET,
	PROMQL_TOK_BY,
	PROMQL_TOK_WITHOUT,
	PROMQL_TOK_ON,
	PROMQL_TOK_IGNORING,
	PROMQL_TOK_GROUP_LEFT,
	PROMQL_TOK_GROUP_RIGHT,
	PROMQL_TOK_BOOL,
	/* preprocessors */
	PROMQL_TOK_START,
	PROMQL_TOK_END,
};

struct promql_token {
	enum promql_tok type;
	uint32_t pos;     /* byte offset of the token's start */
	const char *text; /* points into the query; for ERROR, the message */
	size_t len;       /* bytes of text */
};

struct promql_lexer {
	const char *input; /* borrowed */
	size_t len;
	size_t pos, start;
	int paren_depth;
	size_t last_width; /* bytes of the rune read last by the duration scan */
	bool brace_open, bracket_open, got_colon, done;
	bool want_duration; /* the token after '[' is a duration */
	char errmsg[160]; /* storage for an ERROR token's text */
};

/* Start lexing input[0..len) (borrowed for the lexer's life). */
void promql_lex_init(struct promql_lexer *l, const char *input, size_t len);

/* Produce the next token into *t. After an ERROR or EOF token every
 * further call returns EOF. Comments are returned as tokens; the parser
 * skips them. */
void promql_lex_next(struct promql_lexer *l, struct promql_token *t);

/* Is the token type a keyword/aggregator/operator word (and/or/sum/by/...)?
 * Such words may still serve as label names in by(...), on(...). */
bool promql_tok_is_keyword(enum promql_tok t);
bool promql_tok_is_aggregator(enum promql_tok t);
bool promql_tok_is_operator(enum promql_tok t);

/* How the token is named in error messages: "end of input", "identifier
 * \"foo\"", "\"(\"", "number \"1\"", ... */
void promql_tok_describe(const struct promql_token *t, struct buf *out);

/* Decode a STRING token's text (with its quotes) into out, applying Go's
 * escapes for "..." and '...' (\a \b \f \n \r \t \v \\ \' \" \NNN octal
 * \xNN \uNNNN \UNNNNNNNN) and none for `...`. Returns 0, or -1 with a
 * message in errmsg (size errlen) for an invalid escape, or -2 if the
 * decoded string would contain a NUL byte (unsupported). */
int promql_lex_unquote(const char *text, size_t len, struct buf *out, char *errmsg,
		       size_t errlen);

#endif
