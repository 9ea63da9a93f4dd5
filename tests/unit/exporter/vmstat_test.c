/* Tests for collector/vmstat.c. */
#include "../unit.h"
#include "xtest.h"

int vmstat_parse(struct scrape *s, char *text);
int vmstat_set_fields(const char *pattern);

#define VM_DEFAULT "^(oom_kill|pgpg|pswp|pg.*fault).*"

static const char vm_text[] = "nr_free_pages 1152305\n"
			      "pgpgin 7344136\n"
			      "pgpgout 1541180581\n"
			      "pswpin 1476\n"
			      "pswpout 35045\n"
			      "pgalloc_dma 0\n"
			      "pgfault 2320168809\n"
			      "pgmajfault 507162\n"
			      "thp_fault_alloc 0\n"
			      "oom_kill 0\n"
			      "malformed\n"
			      "pgsteal_fault notanumber\n"
			      "pgfault_extra 1 2\n";

/* vmstat_parse on vm_text: its result, the output without HELP in *out. */
static int vm_run(char **out)
{
	return xtest_parse(vmstat_parse, vm_text, XTEST_NO_HELP, out);
}

TEST(vmstat_default_fields)
{
	CHECK_INT(vmstat_set_fields(VM_DEFAULT), 0);
	char *out;
	CHECK_INT(vm_run(&out), 8);
	CHECK_STR(out, "# TYPE node_vmstat_oom_kill untyped\nnode_vmstat_oom_kill 0\n"
		       "# TYPE node_vmstat_pgfault untyped\nnode_vmstat_pgfault 2.320168809e+09\n"
		       "# TYPE node_vmstat_pgfault_extra untyped\nnode_vmstat_pgfault_extra 1\n"
		       "# TYPE node_vmstat_pgmajfault untyped\nnode_vmstat_pgmajfault 507162\n"
		       "# TYPE node_vmstat_pgpgin untyped\nnode_vmstat_pgpgin 7.344136e+06\n"
		       "# TYPE node_vmstat_pgpgout untyped\nnode_vmstat_pgpgout 1.541180581e+09\n"
		       "# TYPE node_vmstat_pswpin untyped\nnode_vmstat_pswpin 1476\n"
		       "# TYPE node_vmstat_pswpout untyped\nnode_vmstat_pswpout 35045\n");
	free(out);
}

/* The code path for the default pattern agrees with the regex. */
TEST(vmstat_default_matches_regex)
{
	/* The same pattern spelled differently goes through regexec. */
	CHECK_INT(vmstat_set_fields("^(oom_kill|pgpg|pswp|pg.*fault).*$|^(oom_kill|pgpg|pswp|pg.*fault).*"), 0);
	char *slow;
	int n = vm_run(&slow);
	CHECK_INT(vmstat_set_fields(VM_DEFAULT), 0);
	char *fast;
	CHECK_INT(vm_run(&fast), n);
	int same = !strcmp(slow, fast);
	free(slow);
	free(fast);
	CHECK(same);
}

TEST(vmstat_custom_fields)
{
	CHECK_INT(vmstat_set_fields("^nr_"), 0);
	char *out;
	CHECK_INT(vm_run(&out), 1);
	CHECK_STR(out, "# TYPE node_vmstat_nr_free_pages untyped\nnode_vmstat_nr_free_pages 1.152305e+06\n");
	free(out);
	CHECK_INT(vmstat_set_fields(""), 0); /* everything */
	CHECK_INT(vm_run(&out), 11);
	free(out);
	CHECK(vmstat_set_fields("(") != 0);
	CHECK_INT(vmstat_set_fields(VM_DEFAULT), 0);
}
