/* Tests for collector/processes.c: the stat parser and a whole scrape of
 * a fake /proc in a scratch directory. */
#include "../unit.h"
#include "xtest.h"

#include <errno.h>

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

static int pr_collect(const char *root, char **out)
{
	return xtest_collect(&processes_collector, root, NULL, NULL, XTEST_NO_HELP, out);
}

TEST(processes_fake_proc)
{
	char *root = xtest_tree("processes");
	CHECK(root != NULL);
	char thread[] = "12 (worker) D 1 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 3 0 30 109604864 "
			"2507 18446744073709551615 1 1 0 0 0 0 0 4096 1260 0 0 0 -1 0 0 0 0\n";
	char main_thread[] = "11 (rcu) I 2 0 0 0 -1 2129984 0 0 0 0 0 346 0 0 -2 0 3 0 32 0 0 "
			     "18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 2 1 1 0 0 0\n";
	int ok = xtest_write(root, "1/stat", pr_systemd) == 0 &&
		 xtest_write(root, "11/stat", main_thread) == 0 &&
		 xtest_write(root, "11/task/11/stat", "ignored: the process's own state counts\n") == 0 &&
		 xtest_write(root, "11/task/12/stat", thread) == 0 &&
		 xtest_write(root, "11/task/13/stat", thread) == 0 &&
		 xtest_write(root, "11/task/comm", "not a thread\n") == 0 &&
		 xtest_write(root, "self/stat", "not a pid\n") == 0 &&
		 xtest_write(root, "sys/kernel/threads-max", "7801\n") == 0 &&
		 xtest_write(root, "sys/kernel/pid_max", "123") == 0;
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
	xtest_unlink(root, "sys/kernel/pid_max");
	rc = pr_collect(root, &out);
	int partial = rc == -ENOENT && strstr(out, "node_processes_threads_state") &&
		      !strstr(out, "node_processes_pids");
	free(out);

	/* A malformed stat of a live process fails the collector. */
	xtest_write(root, "11/task/13/stat", "13 (x) S 1 2\n");
	rc = pr_collect(root, &out);
	int failed = rc == -EINVAL;
	free(out);
	xtest_rmtree(root);
	free(root);
	CHECK(same);
	CHECK(partial);
	CHECK(failed);
}
