/* libFuzzer target for the HTTP client's response parser (httpclient.h,
 * http_response_parse(): the same reader the client runs on a socket).
 *
 * The first byte picks the limits (bit 0: a 256-byte head limit, bit 1: a
 * 64-byte body limit); the rest is the response. Besides what the
 * sanitizers catch, the target checks the parser's promises: a message
 * with every error, a body within the limit, headers with names and
 * values free of CR and LF, and a status in 100..599. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/httpclient.h"

static void httpresp_fuzz_check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned mode = data[0];
	size_t len = size - 1;
	char *copy = malloc(len ? len : 1);
	memcpy(copy, data + 1, len);
	size_t max_head = (mode & 1) ? 256 : 0;
	size_t max_body = (mode & 2) ? 64 : 0;
	struct http_response r;
	char err[256];
	err[0] = 0;
	int rc = http_response_parse(copy, len, max_head, max_body, &r, err, sizeof err);
	if (rc < 0) {
		httpresp_fuzz_check(err[0] != 0);
	} else {
		httpresp_fuzz_check(rc == 0);
		httpresp_fuzz_check(r.status >= 100 && r.status <= 599);
		httpresp_fuzz_check(!max_body || r.body.len <= max_body);
		httpresp_fuzz_check(r.body.len <= len);
		for (size_t i = 0; i < r.nheaders; i++) {
			httpresp_fuzz_check(r.headers[i].name[0] != 0);
			httpresp_fuzz_check(!strpbrk(r.headers[i].name, "\r\n:"));
			httpresp_fuzz_check(!strpbrk(r.headers[i].value, "\r\n"));
		}
		const char *ct = http_response_header(&r, "content-type");
		httpresp_fuzz_check(!ct || !strpbrk(ct, "\r\n"));
		char msg[128];
		http_status_error(&r, msg, sizeof msg);
		httpresp_fuzz_check(strncmp(msg, "server returned HTTP status ", 28) == 0);
	}
	http_response_free(&r);
	free(copy);
	return 0;
}
