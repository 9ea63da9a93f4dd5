/* sd_file_test.c - file_sd: parsing JSON and YAML target files, errors
 * with positions, and change detection on disk. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../services/tsdb/sd_file.h"
#include "../unit.h"

TEST(sd_file_parses_json_groups)
{
	struct arena a = ARENA_INIT;
	struct prom_target_group *g = NULL;
	size_t n = 0;
	struct buf err = BUF_INIT;
	const char *j = "[{\"targets\": [\"a:1\", \"b:2\"], \"labels\": {\"env\": \"prod\"}}, {\"targets\": []}]";
	CHECK_INT(sd_file_parse("/sd/t.json", j, strlen(j), &a, &g, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_INT(g[0].ntargets, 2);
	CHECK_STR(g[0].targets[1], "b:2");
	CHECK_STR(labels_get(&g[0].labels, "env"), "prod");
	CHECK_STR(labels_get(&g[0].labels, "__meta_filepath"), "/sd/t.json");
	CHECK_STR(g[0].source, "/sd/t.json:0");
	CHECK_STR(g[1].source, "/sd/t.json:1");
	CHECK_INT(g[1].ntargets, 0);
	arena_free(&a);
	buf_free(&err);
}

TEST(sd_file_parses_yaml_groups)
{
	struct arena a = ARENA_INIT;
	struct prom_target_group *g = NULL;
	size_t n = 0;
	struct buf err = BUF_INIT;
	const char *y = "- targets: ['x:1']\n  labels: {dc: eu}\n- targets: [y:2, z:3]\n";
	CHECK_INT(sd_file_parse("t.yaml", y, strlen(y), &a, &g, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_STR(labels_get(&g[0].labels, "dc"), "eu");
	CHECK_STR(g[1].targets[1], "z:3");
	CHECK_STR(labels_get(&g[1].labels, "__meta_filepath"), "t.yaml");
	arena_free(&a);
	buf_free(&err);
}

TEST(sd_file_errors_with_positions)
{
	const struct {
		const char *name, *text, *want;
	} bad[] = {
		{ "b.json", "[{\"targets\": [\"a:1\"], \"lables\": {}}]", "b.json:1:33: unknown field \"lables\"" },
		{ "b.json", "[{\"targets\": [1]}]", "b.json:1:15: target: expected a string, got number" },
		{ "b.json", "[{\"labels\": {\"a-b\": \"x\"}}]", "b.json:1:21: \"a-b\" is not a valid label name" },
		{ "b.json", "{\"targets\": []}", "b.json:1:1: expected a list of target groups, got object" },
		{ "b.json", "[null]", "b.json:1:2: nil target group item found" },
		{ "b.json", "[{\"targets\": [\"a\"]", "b.json:1:19: unexpected end of input in object" },
		{ "b.yml", "- targets: a:1\n", "b.yml:1:12: targets: expected a list of strings" },
		{ "b.yml", "- targets: [a]\n  labelz: {}\n", "b.yml:2:3: unknown field \"labelz\"" },
		{ "b.yml", "- labels: {0a: x}\n", "b.yml:1:12: \"0a\" is not a valid label name" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct arena a = ARENA_INIT;
		struct prom_target_group *g = NULL;
		size_t n = 0;
		struct buf err = BUF_INIT;
		int rc = sd_file_parse(bad[i].name, bad[i].text, strlen(bad[i].text), &a, &g, &n, &err);
		int ok = rc == -EINVAL && n == 0 && err.p && strstr(err.p, bad[i].want) == err.p;
		if (!ok)
			unit_fail(__FILE__, __LINE__, "%s: rc %d n %zu err \"%s\", want \"%s\"", bad[i].text,
				  rc, n, err.p ? err.p : "", bad[i].want);
		arena_free(&a);
		buf_free(&err);
		if (!ok)
			return;
	}
}

TEST(sd_file_reads_globs_and_sees_changes)
{
	char dir[] = "/tmp/pharos-sdfile-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char p1[256], p2[256], p3[256], glob1[256], glob2[256];
	snprintf(p1, sizeof p1, "%s/a.json", dir);
	snprintf(p2, sizeof p2, "%s/b.yml", dir);
	snprintf(p3, sizeof p3, "%s/ignored.txt", dir);
	snprintf(glob1, sizeof glob1, "%s/*.json", dir);
	snprintf(glob2, sizeof glob2, "%s/*.yml", dir);
	FILE *f = fopen(p1, "w");
	fputs("[{\"targets\": [\"a:1\"]}]", f);
	fclose(f);
	f = fopen(p3, "w");
	fputs("junk", f);
	fclose(f);
	const char *files[] = { glob1, glob2, NULL };
	struct prom_file_sd_config cfg = { files, 2, 300000, 0, 0 };
	struct sd_file sd;
	sd_file_init(&sd, &cfg);
	CHECK_INT(sd_file_changed(&sd), 1);
	struct arena a = ARENA_INIT;
	struct prom_target_group *g;
	size_t n;
	struct buf err = BUF_INIT;
	CHECK_INT(sd_file_read(&sd, &a, &g, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK_INT(sd_file_changed(&sd), 0);
	/* A new file appears. */
	f = fopen(p2, "w");
	fputs("- targets: [b:2]\n", f);
	fclose(f);
	CHECK_INT(sd_file_changed(&sd), 1);
	CHECK_INT(sd_file_read(&sd, &a, &g, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_STR(g[1].targets[0], "b:2");
	CHECK_INT(sd_file_changed(&sd), 0);
	/* A file changes size. */
	f = fopen(p1, "w");
	fputs("[{\"targets\": [\"a:1\", \"c:3\"]}]", f);
	fclose(f);
	CHECK_INT(sd_file_changed(&sd), 1);
	/* A broken file contributes nothing, the good one still does. */
	f = fopen(p1, "w");
	fputs("[{\"targets\": ", f);
	fclose(f);
	CHECK_INT(sd_file_read(&sd, &a, &g, &n, &err), -EINVAL);
	CHECK_INT(n, 1);
	CHECK(strstr(err.p, "a.json:1:14: unexpected end of input") != NULL);
	/* A file vanishes. */
	unlink(p2);
	CHECK_INT(sd_file_changed(&sd), 1);
	unlink(p1);
	unlink(p3);
	rmdir(dir);
	sd_file_free(&sd);
	arena_free(&a);
	buf_free(&err);
}

TEST(sd_file_fixture_files)
{
	char g1[512], g2[512];
	snprintf(g1, sizeof g1, "%s/sdfile/*.json", unit_data_dir());
	snprintf(g2, sizeof g2, "%s/sdfile/*.yml", unit_data_dir());
	const char *files[] = { g1, g2, NULL };
	struct prom_file_sd_config cfg = { files, 2, 300000, 0, 0 };
	struct sd_file sd;
	sd_file_init(&sd, &cfg);
	struct arena a = ARENA_INIT;
	struct prom_target_group *g;
	size_t n;
	struct buf err = BUF_INIT;
	int rc = sd_file_read(&sd, &a, &g, &n, &err);
	if (rc)
		fprintf(stderr, "%s", err.p);
	CHECK_INT(rc, 0);
	CHECK_INT(n, 4);
	CHECK_INT(g[0].ntargets, 2);
	CHECK_STR(labels_get(&g[2].labels, "team"), "db");
	CHECK_INT(g[3].ntargets, 0);
	sd_file_free(&sd);
	arena_free(&a);
	buf_free(&err);
}
