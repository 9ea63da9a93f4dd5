/* remote_write.c - the remote-write receiver (POST /api/v1/write).
 *
 * Follows Prometheus 2.42's write handler: the whole request goes through
 * one appender; the first sample the store refuses ends the request, the
 * appender is rolled back (nothing of the request is stored) and the reply
 * is 400 for out-of-order, duplicate and out-of-bounds samples (a sender
 * must not retry those) or 500 for anything else (it should retry). A
 * series whose labels are invalid is skipped and counted, as Prometheus's
 * labels.IsValid() check does, without failing the request. */
#include "remote.h"
#include "remote_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../../../lib/httpd.h"
#include "../../../lib/log.h"
#include "../../../lib/metricset.h"
#include "../store/store.h"
#include "prompb.h"
#include "snappy.h"

static atomic_ullong remote_recv_requests, remote_recv_samples, remote_recv_invalid;

static bool remote_valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned min;
		if ((c & 0xe0) == 0xc0) {
			len = 2, min = 0x80, c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, min = 0x800, c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, min = 0x10000, c &= 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

bool remote_valid_metric_name(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
			  (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}

static bool remote_valid_label_name(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}

static int remote_label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct label *)a)->name, ((const struct label *)b)->name);
}

int remote_series_labels(const struct prompb_series *s, struct arena *a, struct labels *out,
			 const char **why)
{
	struct label *v = arena_alloc(a, (s->nlabels ? s->nlabels : 1) * sizeof *v);
	size_t n = 0;
	bool has_name = false;
	for (size_t i = 0; i < s->nlabels; i++) {
		const struct prompb_label *l = &s->labels[i];
		if (!remote_valid_label_name(l->name.p, l->name.len)) {
			*why = "invalid label name";
			return -1;
		}
		/* Values are stored as C strings: a NUL byte cannot be kept. */
		if (memchr(l->value.p, 0, l->value.len) ||
		    !remote_valid_utf8((const unsigned char *)l->value.p, l->value.len)) {
			*why = "label value is not valid UTF-8";
			return -1;
		}
		if (l->name.len == 8 && memcmp(l->name.p, "__name__", 8) == 0) {
			if (!remote_valid_metric_name(l->value.p, l->value.len)) {
				*why = "invalid metric name";
				return -1;
			}
			has_name = true;
		}
		/* Prometheus's head drops empty values before storing. */
		if (l->value.len == 0)
			continue;
		v[n].name = arena_strndup(a, l->name.p, l->name.len);
		v[n].value = arena_strndup(a, l->value.p, l->value.len);
		n++;
	}
	if (!has_name) {
		*why = "no metric name";
		return -1;
	}
	/* Senders should sort; Prometheus sorts what it receives. */
	qsort(v, n, sizeof *v, remote_label_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(v[i - 1].name, v[i].name) == 0) {
			*why = "duplicate label name";
			return -1;
		}
	}
	out->v = v;
	out->n = n;
	return 0;
}

/* Prometheus's texts for the storage errors a sender must not retry. */
static const char *remote_bad_sample_text(int rc)
{
	switch (rc) {
	case TSDB_ERR_OUT_OF_ORDER: return "out of order sample";
	case TSDB_ERR_DUPLICATE: return "duplicate sample for timestamp";
	case TSDB_ERR_OUT_OF_BOUNDS: return "out of bounds";
	}
	return NULL;
}

int remote_write_ingest(struct tsdb_store *store, const void *body, size_t len, struct buf *msg)
{
	atomic_fetch_add(&remote_recv_requests, 1);
	if (!store) {
		buf_puts(msg, "storage is not available");
		return 503;
	}
	if (len > REMOTE_MAX_COMPRESSED) {
		buf_printf(msg, "request body of %zu bytes is over the limit of %u", len,
			   REMOTE_MAX_COMPRESSED);
		return 413;
	}
	size_t want, got;
	int rc = snappy_decoded_length(body, len, &want);
	if (rc) {
		buf_puts(msg, snappy_strerror(rc));
		return 400;
	}
	if (want > REMOTE_MAX_DECODED) {
		buf_printf(msg, "snappy: decoded length %zu is over the limit of %u", want,
			   REMOTE_MAX_DECODED);
		return 400;
	}
	uint8_t *raw = malloc(want ? want : 1);
	if (!raw) {
		buf_puts(msg, "out of memory");
		return 500;
	}
	rc = snappy_decompress(body, len, raw, want, &got);
	if (rc) {
		free(raw);
		buf_puts(msg, snappy_strerror(rc));
		return 400;
	}

	struct tsdb_appender *app = tsdb_appender_begin(store);
	if (!app) {
		free(raw);
		buf_puts(msg, "cannot start an append");
		return 500;
	}
	struct prompb_reader r;
	struct prompb_series s;
	struct arena a = ARENA_INIT;
	uint64_t appended = 0, invalid = 0;
	int status = 204;
	prompb_reader_init(&r, raw, got, NULL);
	while ((rc = prompb_reader_next(&r, &s)) == 1) {
		arena_reset(&a);
		struct labels ls;
		const char *why = NULL;
		if (remote_series_labels(&s, &a, &ls, &why) < 0) {
			if (invalid == 0)
				log_warn("remote write: series at byte %zu skipped: %s", s.offset, why);
			invalid += s.nsamples;
			continue;
		}
		uint64_t ref = 0;
		for (size_t i = 0; i < s.nsamples; i++) {
			int e = tsdb_append(app, &ref, &ls, s.samples[i].timestamp, s.samples[i].value);
			if (e == 0) {
				appended++;
				continue;
			}
			const char *bad = remote_bad_sample_text(e);
			struct buf lb = BUF_INIT;
			labels_format(&ls, &lb);
			if (bad) {
				log_error("remote write: %s: series %s timestamp %lld", bad, lb.p,
					  (long long)s.samples[i].timestamp);
				buf_puts(msg, bad);
				status = 400;
			} else if (e == TSDB_ERR_LABELS) {
				buf_printf(msg, "invalid labels: %s", lb.p);
				status = 400;
			} else {
				log_error("remote write: appending %s: %s", lb.p, tsdb_strerror(e));
				buf_puts(msg, tsdb_strerror(e));
				status = 500;
			}
			buf_free(&lb);
			goto done;
		}
	}
	if (rc < 0) {
		buf_printf(msg, "prompb: %s", r.err);
		status = 400;
	}
done:
	prompb_reader_free(&r);
	arena_free(&a);
	free(raw);
	if (invalid)
		atomic_fetch_add(&remote_recv_invalid, invalid);
	if (status != 204) {
		tsdb_appender_rollback(app);
		return status;
	}
	rc = tsdb_appender_commit(app);
	if (rc) {
		log_error("remote write: commit: %s", tsdb_strerror(rc));
		buf_puts(msg, tsdb_strerror(rc));
		return 500;
	}
	atomic_fetch_add(&remote_recv_samples, appended);
	return 204;
}

void remote_write_handler(struct httpd_req *req, void *ctx)
{
	struct buf body = BUF_INIT, msg = BUF_INIT;
	if (httpd_read_body(req, &body) < 0) {
		buf_free(&body);
		return; /* replied */
	}
	int status = remote_write_ingest(ctx, body.p, body.len, &msg);
	if (status == 204)
		httpd_reply(req, 204, NULL, NULL, 0);
	else
		httpd_error(req, status, msg.p ? msg.p : "error");
	buf_free(&body);
	buf_free(&msg);
}

void remote_write_receiver_metrics(struct mset *ms)
{
	mset_counter(ms, "prometheus_api_remote_write_invalid_labels_samples_total",
		     "Remote-write samples skipped because their series' labels were invalid.",
		     (double)atomic_load(&remote_recv_invalid), NULL);
	mset_counter(ms, "pharos_remote_write_received_requests_total",
		     "Remote-write requests received on /api/v1/write.",
		     (double)atomic_load(&remote_recv_requests), NULL);
	mset_counter(ms, "pharos_remote_write_received_samples_total",
		     "Samples stored from remote-write requests.",
		     (double)atomic_load(&remote_recv_samples), NULL);
}
