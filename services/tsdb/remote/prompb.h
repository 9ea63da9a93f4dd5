/* prompb.h - the protobuf wire format of remote write 1.0's WriteRequest
 * (prometheus/prompb remote.proto and types.proto), read and written by
 * hand: no generated code, no reflection.
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1;
 *                  repeated MetricMetadata metadata = 3; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
 *                  repeated Exemplar exemplars = 3;
 *                  repeated Histogram histograms = 4; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }
 *
 * Reading is a pull iterator over the series of one message, so memory
 * stays bounded by one series whatever the message holds: labels and
 * samples of the current series go into scratch arrays the reader reuses,
 * and label strings point into the message (not NUL-terminated). Fields
 * the reader does not know are skipped by their wire type (varint,
 * fixed64, length-delimited, fixed32, groups), as protobuf requires;
 * metadata, exemplars and histograms are counted and skipped. A known
 * field with the wrong wire type is an error, as in Go's decoders.
 * Missing fields take proto3's defaults (0, empty string).
 *
 * Writing appends to a struct buf (lib/buf.h). Label order is the
 * caller's: remote write wants labels sorted by name.
 *
 * Nothing here validates label names or UTF-8, sorts, or looks for
 * duplicates: the receiver does (remote_write.c).
 */
#ifndef PHAROS_TSDB_PROMPB_H
#define PHAROS_TSDB_PROMPB_H

#include <stddef.h>
#include <stdint.h>

#include "../../../lib/buf.h"

/* Error codes (negative); prompb_reader.err says where (byte offset). */
enum {
	PROMPB_ERR_TRUNCATED = -1, /* a varint, fixed field or length runs past its message */
	PROMPB_ERR_VARINT = -2,    /* a varint longer than 10 bytes or above 64 bits */
	PROMPB_ERR_WIRETYPE = -3,  /* a known field with the wrong wire type, or wire type 6/7 */
	PROMPB_ERR_FIELD = -4,     /* field number 0, or a group that does not close */
	PROMPB_ERR_LIMIT = -5,     /* a limit of struct prompb_limits was exceeded */
};

struct prompb_limits {
	size_t max_series;         /* timeseries entries per message */
	size_t max_samples;        /* samples per message, all series together */
	size_t max_series_samples; /* samples in one series (scratch bound) */
	size_t max_labels;         /* labels in one series */
	size_t max_name_len;       /* bytes of one label name */
	size_t max_value_len;      /* bytes of one label value */
};

/* The defaults used when NULL is passed: 1,000,000 series, 10,000,000
 * samples, 1,000,000 samples in a series, 4096 labels, names up to
 * 4096 bytes, values up to 65536 bytes. */
extern const struct prompb_limits prompb_default_limits;

struct prompb_str {
	const char *p; /* into the message; NOT NUL-terminated */
	size_t len;
};

struct prompb_label {
	struct prompb_str name, value;
};

struct prompb_sample {
	double value;
	int64_t timestamp; /* milliseconds */
};

/* One TimeSeries. Arrays are owned by the reader and valid until the next
 * prompb_reader_next() or prompb_reader_free(); strings point into the
 * message given to prompb_reader_init(). */
struct prompb_series {
	const struct prompb_label *labels;
	size_t nlabels;
	const struct prompb_sample *samples;
	size_t nsamples;
	size_t nexemplars, nhistograms; /* present in the message, skipped */
	size_t offset;                  /* byte offset of the TimeSeries message */
};

struct prompb_reader {
	const uint8_t *base, *p, *end;
	struct prompb_limits lim;
	size_t nseries, nsamples; /* read so far */
	size_t nmetadata;         /* MetricMetadata entries skipped so far */
	struct prompb_label *lab; /* heap scratch, owned */
	size_t lab_cap;
	struct prompb_sample *smp; /* heap scratch, owned */
	size_t smp_cap;
	int code;      /* 0, or the error the reader stopped at */
	char err[160]; /* after an error: "byte N: what" */
};

/* Start reading the message msg[0..n) (borrowed: it must outlive the
 * reader and every series it returns). lim NULL = prompb_default_limits
 * (copied). */
void prompb_reader_init(struct prompb_reader *r, const void *msg, size_t n,
			const struct prompb_limits *lim);
/* The next series into *s. Returns 1 with a series, 0 at the end of the
 * message, or a PROMPB_ERR_* with r->err set (the reader then stays at
 * that error). */
int prompb_reader_next(struct prompb_reader *r, struct prompb_series *s);
/* Release the scratch arrays. */
void prompb_reader_free(struct prompb_reader *r);

/* ---- writing ---- */

/* Append v as a base-128 varint. */
void prompb_put_varint(struct buf *b, uint64_t v);
/* Append one TimeSeries.labels entry (field 1: a Label message). */
void prompb_put_label(struct buf *b, const char *name, size_t name_len, const char *value,
		      size_t value_len);
/* Append one WriteRequest.timeseries entry (field 1): the labels, already
 * encoded as TimeSeries.labels entries by prompb_put_label() (labels_pb,
 * copied), then the n samples. */
void prompb_put_series(struct buf *b, const void *labels_pb, size_t labels_len,
		       const struct prompb_sample *samples, size_t n);

#endif
