/* Tests for collector/entropy.c, against files in a scratch directory. */
#include "../unit.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../services/exporter/collector.h"

int entropy_read(struct scrape *s, const char *dir, uint64_t v[5], int have[5]);
extern const struct collector entropy_collector;

static void en_write(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void en_rm(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
}

/* A fake procfs with sys/kernel/random/ in it; returns the procfs root. */
static char *en_procfs(void)
{
	char tmpl[] = "/tmp/pharos-entropy-XXXXXX";
	if (!mkdtemp(tmpl))
		return NULL;
	char path[512];
	snprintf(path, sizeof path, "%s/sys", tmpl);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/sys/kernel", tmpl);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/sys/kernel/random", tmpl);
	mkdir(path, 0700);
	return strdup(tmpl);
}

static void en_cleanup(char *root)
{
	char dir[512], path[600];
	snprintf(dir, sizeof dir, "%s/sys/kernel/random", root);
	const char *names[] = { "entropy_avail", "poolsize", "urandom_min_reseed_secs",
				"write_wakeup_threshold", "read_wakeup_threshold" };
	for (int i = 0; i < 5; i++)
		en_rm(dir, names[i]);
	rmdir(dir);
	snprintf(path, sizeof path, "%s/sys/kernel", root);
	rmdir(path);
	snprintf(path, sizeof path, "%s/sys", root);
	rmdir(path);
	rmdir(root);
	free(root);
}

/* Run the collector on procfs root; output without HELP lines (malloc). */
static int en_collect(const char *root, char **out)
{
	const char *saved = exporter_paths.procfs;
	exporter_paths.procfs = root;
	struct mset ms;
	struct arena a = ARENA_INIT;
	mset_init(&ms);
	struct scrape s = { &ms, &a };
	int rc = entropy_collector.update(&s);
	exporter_paths.procfs = saved;
	struct buf b = BUF_INIT, o = BUF_INIT;
	mset_write(&ms, &b);
	char *p = b.p ? b.p : "", *line;
	while ((line = next_line(&p)) != NULL)
		if (strncmp(line, "# HELP", 6))
			buf_printf(&o, "%s\n", line);
	buf_free(&b);
	mset_free(&ms);
	arena_free(&a);
	*out = buf_steal(&o);
	return rc;
}

TEST(entropy_fixture)
{
	char *root = en_procfs();
	CHECK(root != NULL);
	char dir[512];
	snprintf(dir, sizeof dir, "%s/sys/kernel/random", root);
	en_write(dir, "entropy_avail", "1337\n");
	en_write(dir, "poolsize", "4096\n");
	char *out;
	int rc = en_collect(root, &out);
	CHECK_INT(rc, 0);
	CHECK_STR(out, "# TYPE node_entropy_available_bits gauge\nnode_entropy_available_bits 1337\n"
		       "# TYPE node_entropy_pool_size_bits gauge\nnode_entropy_pool_size_bits 4096\n");
	free(out);

	/* An optional file that exists must hold a number. */
	en_write(dir, "write_wakeup_threshold", "lots\n");
	rc = en_collect(root, &out);
	CHECK(rc < 0);
	CHECK_STR(out, "");
	free(out);
	en_write(dir, "write_wakeup_threshold", "896\n");

	/* Without poolsize: the available bits, then failure. */
	en_rm(dir, "poolsize");
	rc = en_collect(root, &out);
	CHECK_INT(rc, -ENOENT);
	CHECK_STR(out, "# TYPE node_entropy_available_bits gauge\nnode_entropy_available_bits 1337\n");
	free(out);

	en_rm(dir, "entropy_avail");
	rc = en_collect(root, &out);
	CHECK_INT(rc, -ENOENT);
	CHECK_STR(out, "");
	free(out);
	en_cleanup(root);
}

TEST(entropy_read_values)
{
	char *root = en_procfs();
	CHECK(root != NULL);
	char dir[512];
	snprintf(dir, sizeof dir, "%s/sys/kernel/random", root);
	en_write(dir, "entropy_avail", "256");
	en_write(dir, "read_wakeup_threshold", "64\n");
	struct mset ms;
	struct arena a = ARENA_INIT;
	mset_init(&ms);
	struct scrape s = { &ms, &a };
	uint64_t v[5];
	int have[5];
	int rc = entropy_read(&s, dir, v, have);
	mset_free(&ms);
	arena_free(&a);
	en_cleanup(root);
	CHECK_INT(rc, 0);
	CHECK(have[0] && !have[1] && !have[2] && !have[3] && have[4]);
	CHECK_INT(v[0], 256);
	CHECK_INT(v[4], 64);
}
