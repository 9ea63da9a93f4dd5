/* keptfile.c: kept /proc files are read afresh; regular files are not
 * kept (a file replaced by rename is seen); errors as the plain reads. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "../unit.h"
#include "nettest.h"
#include "../../../services/exporter/keptfile.h"

TEST(keptfile_proc_is_read_afresh)
{
	struct nettest t;
	nettest_init(&t);
	/* Every read of this file is a new random UUID: a kept descriptor
	 * re-read from offset 0 must give a new one too. */
	const char *uuid = "/proc/sys/kernel/random/uuid";
	char *a = kept_read_arena(&t.s, uuid), *b = kept_read_arena(&t.s, uuid);
	if (!a) {
		printf("    (skipped: no %s)\n", uuid);
		nettest_free(&t);
		return;
	}
	CHECK(b != NULL);
	CHECK_INT((int)strlen(a), 37);
	CHECK(strcmp(a, b) != 0);
	char l1[64], l2[64];
	CHECK_INT(kept_read_line(uuid, l1, sizeof l1), 0);
	CHECK_INT(kept_read_line(uuid, l2, sizeof l2), 0);
	CHECK_INT((int)strlen(l1), 36);
	CHECK(strcmp(l1, l2) != 0);
	uint64_t v1 = 0, v2 = 0;
	CHECK_INT(kept_read_u64("/proc/sys/kernel/pid_max", &v1), 0);
	CHECK_INT(read_u64("/proc/sys/kernel/pid_max", &v2), 0);
	CHECK(v1 == v2 && v1 > 0);
	/* A file larger than the first 16 KiB chunk comes whole. */
	char *big = kept_read_arena(&t.s, "/proc/self/smaps");
	char *big2 = read_file_arena(&t.s, "/proc/self/smaps");
	if (big && big2 && strlen(big2) > 16384)
		CHECK(strlen(big) > 16384);
	nettest_free(&t);
}

TEST(keptfile_regular_files_are_not_kept)
{
	struct nettest t;
	nettest_init(&t);
	CHECK(nettest_tree(&t) != NULL);
	CHECK(nettest_file(&t, "f", "one\n") == 0);
	char path[128], tmp[128];
	snprintf(path, sizeof path, "%s/f", t.dir);
	snprintf(tmp, sizeof tmp, "%s/g", t.dir);
	CHECK_STR(kept_read_arena(&t.s, path), "one\n");
	CHECK(nettest_file(&t, "g", "two\n") == 0);
	CHECK(rename(tmp, path) == 0);
	CHECK_STR(kept_read_arena(&t.s, path), "two\n");
	char out[16];
	CHECK_INT((int)kept_read_once(path, out, 2), 2);
	CHECK(!memcmp(out, "tw", 2));
	uint64_t v;
	CHECK_INT(kept_read_u64(path, &v), -EINVAL);
	errno = 0;
	snprintf(path, sizeof path, "%s/absent", t.dir);
	CHECK(kept_read_arena(&t.s, path) == NULL);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(kept_read_line(path, out, sizeof out), -ENOENT);
	nettest_free(&t);
}
