/* timex: node_timex_* from adjtimex(2) in read-only mode: the kernel's
 * clock discipline state (offset, frequency, error bounds, PPS counters),
 * in seconds and ratios as node_exporter 1.5 exports them. */
#include <errno.h>
#include <string.h>
#include <sys/timex.h>

#include "../collector.h"

#define TIMEX_STA_NANO 0x2000 /* offsets in nanoseconds instead of microseconds */
#define TIMEX_TIME_ERROR 5    /* adjtimex's "clock not synchronised" state */

/* Add the families for one adjtimex(2) result: tx as filled in, state the
 * call's return value. */
void timex_emit(struct scrape *s, const struct timex *tx, int state)
{
	/* Frequencies are in parts per million with a 16-bit fraction. */
	const double ppm16frac = 1000000.0 * 65536.0;
	double div = (tx->status & TIMEX_STA_NANO) ? 1e9 : 1e6;
	struct mset *ms = s->ms;
	mset_gauge(ms, "node_timex_sync_status",
		   "1 if the kernel considers the clock synchronised, else 0.",
		   state == TIMEX_TIME_ERROR ? 0 : 1, NULL);
	mset_gauge(ms, "node_timex_offset_seconds",
		   "Offset of the system clock from the reference clock, in seconds.",
		   (double)tx->offset / div, NULL);
	mset_gauge(ms, "node_timex_frequency_adjustment_ratio",
		   "Rate the system clock runs at after the kernel's frequency correction (1: none).",
		   1 + (double)tx->freq / ppm16frac, NULL);
	mset_gauge(ms, "node_timex_maxerror_seconds", "Largest possible clock error, in seconds.",
		   (double)tx->maxerror / 1e6, NULL);
	mset_gauge(ms, "node_timex_estimated_error_seconds", "Estimated clock error, in seconds.",
		   (double)tx->esterror / 1e6, NULL);
	mset_gauge(ms, "node_timex_status", "The clock status bits (STA_*) as one number.",
		   (double)tx->status, NULL);
	mset_gauge(ms, "node_timex_loop_time_constant",
		   "Time constant of the kernel's phase-locked loop.", (double)tx->constant, NULL);
	mset_gauge(ms, "node_timex_tick_seconds", "Time between clock ticks, in seconds.",
		   (double)tx->tick / 1e6, NULL);
	mset_gauge(ms, "node_timex_pps_frequency_hertz",
		   "Frequency offset measured from the PPS signal.", (double)tx->ppsfreq / ppm16frac,
		   NULL);
	mset_gauge(ms, "node_timex_pps_jitter_seconds", "Jitter of the PPS signal, in seconds.",
		   (double)tx->jitter / div, NULL);
	mset_gauge(ms, "node_timex_pps_shift_seconds",
		   "Length of the PPS calibration interval (as a power of two seconds).",
		   (double)tx->shift, NULL);
	mset_gauge(ms, "node_timex_pps_stability_hertz",
		   "PPS frequency stability: the average of recent frequency changes.",
		   (double)tx->stabil / ppm16frac, NULL);
	mset_counter(ms, "node_timex_pps_jitter_total",
		     "PPS samples rejected for exceeding the jitter limit.", (double)tx->jitcnt, NULL);
	mset_counter(ms, "node_timex_pps_calibration_total", "PPS calibration intervals so far.",
		     (double)tx->calcnt, NULL);
	mset_counter(ms, "node_timex_pps_error_total", "PPS calibration errors so far.",
		     (double)tx->errcnt, NULL);
	mset_counter(ms, "node_timex_pps_stability_exceeded_total",
		     "PPS samples rejected for exceeding the stability limit.", (double)tx->stbcnt,
		     NULL);
	mset_gauge(ms, "node_timex_tai_offset_seconds",
		   "Offset of International Atomic Time (TAI) from UTC, in seconds.", (double)tx->tai,
		   NULL);
}

static int timex_update(struct scrape *s)
{
	struct timex tx;
	memset(&tx, 0, sizeof tx); /* modes 0: read only */
	int state = adjtimex(&tx);
	if (state < 0)
		return -errno; /* EPERM included: node_exporter reports no data */
	timex_emit(s, &tx, state);
	return 0;
}

const struct collector timex_collector = { "timex", 1, timex_update, NULL, NULL };
