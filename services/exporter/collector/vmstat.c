/* vmstat: node_vmstat_<field> (untyped) from /proc/vmstat, for the fields
 * that match --collector.vmstat.fields. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collector.h"
#include "../keptfile.h"

#define VMSTAT_DEFAULT_FIELDS "^(oom_kill|pgpg|pswp|pg.*fault).*"

static const char *vmstat_fields = VMSTAT_DEFAULT_FIELDS;
static struct dev_filter vmstat_filter; /* include = the fields pattern */
static int vmstat_fast = 1;             /* pattern is the default one */

static struct flag vmstat_flags[] = {
	{ "collector.vmstat.fields", FLAG_STRING, &vmstat_fields,
	  "Regular expression of the /proc/vmstat fields to export.", 0 },
	{ 0 },
};

/* The default pattern, without a regex: it is matched against every line
 * of /proc/vmstat on every scrape. */
static int vmstat_default_match(const char *name)
{
	if (!strncmp(name, "oom_kill", 8) || !strncmp(name, "pgpg", 4) ||
	    !strncmp(name, "pswp", 4))
		return 1;
	return !strncmp(name, "pg", 2) && strstr(name + 2, "fault") != NULL;
}

/* Compile pattern as the field filter. Returns 0 or -1 after printing why.
 * A previous filter is released first, so tests may call it again. */
int vmstat_set_fields(const char *pattern)
{
	dev_filter_free(&vmstat_filter);
	vmstat_fast = !strcmp(pattern, VMSTAT_DEFAULT_FIELDS);
	if (vmstat_fast)
		return 0;
	return dev_filter_init(&vmstat_filter, pattern, NULL, "collector.vmstat.fields");
}

static int vmstat_setup(void)
{
	return vmstat_set_fields(vmstat_fields);
}

/* Add one untyped family per line of /proc/vmstat text (modified in
 * place) whose name matches the fields pattern. Lines that are not
 * "<name> <number>" are skipped. Returns the number of families added. */
int vmstat_parse(struct scrape *s, char *text)
{
	int added = 0;
	char *line;
	while ((line = next_line(&text)) != NULL) {
		char *f[3];
		int n = split_fields(line, f, 3);
		if (n < 2)
			continue;
		if (vmstat_fast ? !vmstat_default_match(f[0]) : dev_filter_ignored(&vmstat_filter, f[0]))
			continue;
		double v;
		if (parse_double(f[1], &v) != 0)
			continue;
		char name[160], help[200];
		cat_str(name, sizeof name, "node_vmstat_", f[0], NULL);
		cat_str(help, sizeof help, "Field ", f[0], " of /proc/vmstat.", NULL);
		if (mset_untyped(s->ms, name, help, v, NULL) == 0)
			added++;
	}
	return added;
}

static int vmstat_update(struct scrape *s)
{
	char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "vmstat"));
	if (!text)
		return -errno;
	vmstat_parse(s, text);
	return 0;
}

const struct collector vmstat_collector = { "vmstat", 1, vmstat_update, vmstat_flags,
					    vmstat_setup };
