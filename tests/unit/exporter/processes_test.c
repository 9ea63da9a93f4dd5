/* Tests for collector/processes.c: the stat parser and a whole scrape of
 * a fake /proc in a scratch directory. */
#define _XOPEN_SOURCE 700
#include "../unit.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../services/exporter/collector.h"

struct processes_stat {
	char state[8];
	long long threads;
};
int processes_parse_stat(char *text, struct processes_stat *out);
extern const struct collector processes_collector;

/* node_exporter's fixture /proc/1/stat, and a thread of it. */
static const char pr_systemd[] =
	"1 (systemd) S 0 1 1 0 -1 4194560 9061 9416027 94 2620 36 98 54406 13885 20 0 1 0 29 "
	"109604864 2507 18446744073709551615 1 1 0 0 0 0 671173123 4096 1260 0 0 0 17 0 0 0 19 "
	"0 0 0 0 0 0 0 0 0 0\n";

TEST(processes_stat_fields)
{
	struct processes_stat st;
	char a[sizeof pr_systemd];
	memcpy(a, pr_systemd, sizeof a);
	CHECK_INT(processes_parse_stat(a, &st), 0);
	CHECK_STR(st.state, "S");
	CHECK_INT(st.threads, 1);
	/* A command with blanks and parentheses; exit_signal -1 (threads). */
	char b[] = "59 (a (b) c) R 0 0 0 0 -1 4194624 448 3520878 0 863 2 16 11698 5832 20 0 13 0 "
		   "40 43225088 3036 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 -1 1 0 0 0";
	CHECK_INT(processes_parse_stat(b, &st), 0);
	CHECK_STR(st.state, "R");
	CHECK_INT(st.threads, 13);
}

TEST(processes_stat_malformed)
{
	struct processes_stat st;
	char no_paren[] = "1 systemd S 0 1";
	CHECK(processes_parse_stat(no_paren, &st) != 0);
	char cut[] = "1 (systemd)";
	CHECK(processes_parse_stat(cut, &st) != 0);
	char too_few[] = "1 (x) S 0 1 1 0 -1 4194560 9061 9416027 94 2620 36 98";
	CHECK(processes_parse_stat(too_few, &st) != 0);
	/* flags is unsigned in procfs: a negative value does not scan. */
	char neg[] = "1 (x) S 0 1 1 0 -1 -4 9061 9416027 94 2620 36 98 54406 13885 20 0 1 0 29 "
		     "109604864 2507 18446744073709551615 1 1 0 0 0 0 671173123 4096 1260 0 0 0 17 0 "
		     "0 0 19";
	CHECK(processes_parse_stat(neg, &st) != 0);
	char word[] = "1 (x) S 0 1 1 0 -1 4 9061 9416027 94 2620 36 98 54406 13885 20 0 one 0 29 "
		      "109604864 2507 18446744073709551615 1 1 0 0 0 0 671173123 4096 1260 0 0 0 17 0 "
		      "0 0 19";
	CHECK(processes_parse_stat(word, &st) != 0);
	char empty[] = "";
	CHECK(processes_parse_stat(empty, &st) != 0);
}

static int pr_write(const char *root, const char *rel, const char *text)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = 0;
		mkdir(path, 0700);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	return 0;
}

static int pr_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void pr_rm(char *root)
{
	nftw(root, pr_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

static int pr_collect(const char *root, char **out)
{
	const char *saved = exporter_paths.procfs;
	exporter_paths.procfs = root;
	struct mset ms;
	struct arena a = ARENA_INIT;
	mset_init(&ms);
	struct scrape s = { &ms, &a };
	int rc = processes_collector.update(&s);
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

TEST(processes_fake_proc)
{
	char tmpl[] = "/tmp/pharos-processes-XXXXXX";
	CHECK(mkdtemp(tmpl) != NULL);
	char *root = strdup(tmpl);
	char thread[] = "12 (worker) D 1 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 3 0 30 109604864 "
			"2507 18446744073709551615 1 1 0 0 0 0 0 4096 1260 0 0 0 -1 0 0 0 0\n";
	char main_thread[] = "11 (rcu) I 2 0 0 0 -1 2129984 0 0 0 0 0 346 0 0 -2 0 3 0 32 0 0 "
			     "18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 2 1 1 0 0 0\n";
	int ok = pr_write(root, "1/stat", pr_systemd) == 0 &&
		 pr_write(root, "11/stat", main_thread) == 0 &&
		 pr_write(root, "11/task/11/stat", "ignored: the process's own state counts\n") == 0 &&
		 pr_write(root, "11/task/12/stat", thread) == 0 &&
		 pr_write(root, "11/task/13/stat", thread) == 0 &&
		 pr_write(root, "11/task/comm", "not a thread\n") == 0 &&
		 pr_write(root, "self/stat", "not a pid\n") == 0 &&
		 pr_write(root, "sys/kernel/threads-max", "7801\n") == 0 &&
		 pr_write(root, "sys/kernel/pid_max", "123") == 0;
	CHECK(ok);
	char *out;
	int rc = pr_collect(root, &out);
	const char *want =
		"# TYPE node_processes_max_processes gauge\nnode_processes_max_processes 123\n"
		"# TYPE node_processes_max_threads gauge\nnode_processes_max_threads 7801\n"
		"# TYPE node_processes_pids gauge\nnode_processes_pids 2\n"
		"# TYPE node_processes_state gauge\nnode_processes_state{state=\"I\"} 1\n"
		"node_processes_state{state=\"S\"} 1\n"
		"# TYPE node_processes_threads gauge\nnode_processes_threads 4\n"
		"# TYPE node_processes_threads_state gauge\n"
		"node_processes_threads_state{thread_state=\"D\"} 2\n"
		"node_processes_threads_state{thread_state=\"I\"} 1\n";
	int same = rc == 0 && !strcmp(out, want);
	if (!same)
		fprintf(stderr, "rc %d, got:\n%s", rc, out);
	free(out);

	/* Without pid_max: everything up to it, then failure. */
	char path[1024];
	snprintf(path, sizeof path, "%s/sys/kernel/pid_max", root);
	unlink(path);
	rc = pr_collect(root, &out);
	int partial = rc == -ENOENT && strstr(out, "node_processes_threads_state") &&
		      !strstr(out, "node_processes_pids");
	free(out);

	/* A malformed stat of a live process fails the collector. */
	pr_write(root, "11/task/13/stat", "13 (x) S 1 2\n");
	rc = pr_collect(root, &out);
	int failed = rc == -EINVAL;
	free(out);
	pr_rm(root);
	CHECK(same);
	CHECK(partial);
	CHECK(failed);
}
