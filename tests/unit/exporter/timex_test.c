/* Tests of the timex collector (services/exporter/collector/timex.c): the
 * conversion of an adjtimex(2) result into node_exporter's units. */
#include <sys/timex.h>

#include "../unit.h"
#include "xtest.h"

void timex_emit(struct scrape *s, const struct timex *tx, int state);

static double tx_value(const char *out, const char *name)
{
	char key[96];
	snprintf(key, sizeof key, "\n%s ", name);
	const char *p = strstr(out, key);
	return p ? strtod(p + strlen(key), NULL) : NAN;
}

TEST(timex_units)
{
	struct xtest t;
	xtest_init(&t);
	struct timex tx;
	memset(&tx, 0, sizeof tx);
	tx.offset = -250;           /* microseconds: no STA_NANO */
	tx.freq = -1234567;         /* ppm with a 16-bit fraction */
	tx.maxerror = 16000;
	tx.esterror = 1500;
	tx.status = 0x0001;         /* STA_PLL */
	tx.constant = 7;
	tx.tick = 10000;
	tx.ppsfreq = 65536;
	tx.jitter = 20;
	tx.shift = 4;
	tx.stabil = 131072;
	tx.jitcnt = 1;
	tx.calcnt = 2;
	tx.errcnt = 3;
	tx.stbcnt = 4;
	tx.tai = 37;
	timex_emit(&t.s, &tx, 0);
	char *o = xtest_render(&t.ms, XTEST_HELP);
	xtest_free(&t);
	CHECK_DBL(tx_value(o, "node_timex_sync_status"), 1);
	CHECK_DBL(tx_value(o, "node_timex_offset_seconds"), -0.00025);
	CHECK_DBL(tx_value(o, "node_timex_frequency_adjustment_ratio"), 1 + -1234567 / 65536e6);
	CHECK_DBL(tx_value(o, "node_timex_maxerror_seconds"), 0.016);
	CHECK_DBL(tx_value(o, "node_timex_estimated_error_seconds"), 0.0015);
	CHECK_DBL(tx_value(o, "node_timex_status"), 1);
	CHECK_DBL(tx_value(o, "node_timex_loop_time_constant"), 7);
	CHECK_DBL(tx_value(o, "node_timex_tick_seconds"), 0.01);
	CHECK_DBL(tx_value(o, "node_timex_pps_frequency_hertz"), 1e-6);
	CHECK_DBL(tx_value(o, "node_timex_pps_jitter_seconds"), 2e-5);
	CHECK_DBL(tx_value(o, "node_timex_pps_shift_seconds"), 4);
	CHECK_DBL(tx_value(o, "node_timex_pps_stability_hertz"), 2e-6);
	CHECK_DBL(tx_value(o, "node_timex_pps_jitter_total"), 1);
	CHECK_DBL(tx_value(o, "node_timex_pps_calibration_total"), 2);
	CHECK_DBL(tx_value(o, "node_timex_pps_error_total"), 3);
	CHECK_DBL(tx_value(o, "node_timex_pps_stability_exceeded_total"), 4);
	CHECK_DBL(tx_value(o, "node_timex_tai_offset_seconds"), 37);
	CHECK(strstr(o, "# TYPE node_timex_pps_error_total counter\n"));
	CHECK(strstr(o, "# TYPE node_timex_offset_seconds gauge\n"));
	free(o);

	/* Nanosecond resolution, and the unsynchronised state. */
	xtest_init(&t);
	tx.status = 0x2000 | 0x0040; /* STA_NANO | STA_UNSYNC */
	tx.offset = 1500;
	tx.jitter = 1000;
	timex_emit(&t.s, &tx, 5);
	o = xtest_render(&t.ms, XTEST_HELP);
	xtest_free(&t);
	CHECK_DBL(tx_value(o, "node_timex_sync_status"), 0);
	CHECK_DBL(tx_value(o, "node_timex_offset_seconds"), 1.5e-6);
	CHECK_DBL(tx_value(o, "node_timex_pps_jitter_seconds"), 1e-6);
	CHECK_DBL(tx_value(o, "node_timex_status"), 8256);
	free(o);
}
