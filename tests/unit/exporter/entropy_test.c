/* Tests for collector/entropy.c, against files in a scratch directory. */
#include "../unit.h"
#include "xtest.h"

#include <errno.h>
#include <stdint.h>

int entropy_read(struct scrape *s, const char *dir, uint64_t v[5], int have[5]);
extern const struct collector entropy_collector;

/* Where the files are, below the fake procfs. */
#define EN_DIR "sys/kernel/random"

/* Run the collector on procfs root; output without HELP lines (malloc). */
static int en_collect(const char *root, char **out)
{
	return xtest_collect(&entropy_collector, root, NULL, NULL, XTEST_NO_HELP, out);
}

TEST(entropy_fixture)
{
	char *root = xtest_tree("entropy");
	CHECK(root != NULL);
	xtest_write(root, EN_DIR "/entropy_avail", "1337\n");
	xtest_write(root, EN_DIR "/poolsize", "4096\n");
	char *out;
	int rc = en_collect(root, &out);
	CHECK_INT(rc, 0);
	CHECK_STR(out, "# TYPE node_entropy_available_bits gauge\nnode_entropy_available_bits 1337\n"
		       "# TYPE node_entropy_pool_size_bits gauge\nnode_entropy_pool_size_bits 4096\n");
	free(out);

	/* An optional file that exists must hold a number. */
	xtest_write(root, EN_DIR "/write_wakeup_threshold", "lots\n");
	rc = en_collect(root, &out);
	CHECK(rc < 0);
	CHECK_STR(out, "");
	free(out);
	xtest_write(root, EN_DIR "/write_wakeup_threshold", "896\n");

	/* Without poolsize: the available bits, then failure. */
	xtest_unlink(root, EN_DIR "/poolsize");
	rc = en_collect(root, &out);
	CHECK_INT(rc, -ENOENT);
	CHECK_STR(out, "# TYPE node_entropy_available_bits gauge\nnode_entropy_available_bits 1337\n");
	free(out);

	xtest_unlink(root, EN_DIR "/entropy_avail");
	rc = en_collect(root, &out);
	CHECK_INT(rc, -ENOENT);
	CHECK_STR(out, "");
	free(out);
	xtest_rmtree(root);
	free(root);
}

TEST(entropy_read_values)
{
	char *root = xtest_tree("entropy");
	CHECK(root != NULL);
	char dir[512];
	snprintf(dir, sizeof dir, "%s/" EN_DIR, root);
	xtest_write(root, EN_DIR "/entropy_avail", "256");
	xtest_write(root, EN_DIR "/read_wakeup_threshold", "64\n");
	struct xtest t;
	xtest_init(&t);
	uint64_t v[5];
	int have[5];
	int rc = entropy_read(&t.s, dir, v, have);
	xtest_free(&t);
	xtest_rmtree(root);
	free(root);
	CHECK_INT(rc, 0);
	CHECK(have[0] && !have[1] && !have[2] && !have[3] && have[4]);
	CHECK_INT(v[0], 256);
	CHECK_INT(v[4], 64);
}
