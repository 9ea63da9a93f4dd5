/* unit.h - the unit test harness: TEST() cases register themselves, the
 * runner (runner.c) runs them all and prints "N passed, N failed".
 *
 *   TEST(meminfo_parses_units) {
 *       CHECK(x == 1);
 *       CHECK_STR(got, "want");
 *   }
 * A failed CHECK prints file:line and ends the case. */
#ifndef PHAROS_UNIT_H
#define PHAROS_UNIT_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void unit_register(const char *name, void (*fn)(void), const char *file);
void unit_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Directory of the repository's tests/unit/data (for fixture files). */
const char *unit_data_dir(void);

#define TEST(name)                                                   \
	static void name(void);                                      \
	__attribute__((constructor)) static void reg_##name(void)    \
	{                                                            \
		unit_register(#name, name, __FILE__);                \
	}                                                            \
	static void name(void)

#define CHECK(cond)                                                   \
	do {                                                          \
		if (!(cond)) {                                        \
			unit_fail(__FILE__, __LINE__, "%s", #cond);   \
			return;                                       \
		}                                                     \
	} while (0)

#define CHECK_STR(got, want)                                                     \
	do {                                                                     \
		const char *g_ = (got), *w_ = (want);                            \
		if (!g_ || strcmp(g_, w_) != 0) {                                \
			unit_fail(__FILE__, __LINE__, "%s:\n  got:  \"%s\"\n  want: \"%s\"", \
				  #got, g_ ? g_ : "(null)", w_);                \
			return;                                                  \
		}                                                                \
	} while (0)

#define CHECK_INT(got, want)                                                     \
	do {                                                                     \
		long long g_ = (long long)(got), w_ = (long long)(want);         \
		if (g_ != w_) {                                                  \
			unit_fail(__FILE__, __LINE__, "%s: got %lld, want %lld", #got, g_, w_); \
			return;                                                  \
		}                                                                \
	} while (0)

#define CHECK_DBL(got, want)                                                     \
	do {                                                                     \
		double g_ = (got), w_ = (want);                                  \
		if (!(g_ == w_ || (isnan(g_) && isnan(w_)) ||                    \
		      fabs(g_ - w_) <= 1e-9 * fabs(w_))) {                       \
			unit_fail(__FILE__, __LINE__, "%s: got %.17g, want %.17g", #got, g_, w_); \
			return;                                                  \
		}                                                                \
	} while (0)

#endif
