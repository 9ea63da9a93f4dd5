/* filefd: node_filefd_allocated and node_filefd_maximum from
 * /proc/sys/fs/file-nr ("allocated<TAB>unused<TAB>maximum"). */
#include <errno.h>
#include <string.h>

#include "../collector.h"
#include "../keptfile.h"

/* Parse file-nr text (modified in place) and add the two gauges.
 * The fields are tab-separated, as node_exporter splits them; the middle
 * one (always 0 since Linux 2.6) is ignored. Returns 0, or -EINVAL when
 * there are fewer than three fields or a value is not a number (then
 * nothing is added). */
int filefd_parse(struct scrape *s, char *text)
{
	size_t len = strlen(text);
	while (len && strchr(" \t\n\r\v\f", text[len - 1]))
		text[--len] = 0;
	while (*text && strchr(" \t\n\r\v\f", *text))
		text++;
	char *part[3];
	int n = 0;
	char *p = text;
	while (n < 3) {
		part[n++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = 0;
		p = tab + 1;
	}
	if (n < 3)
		return -EINVAL;
	/* A third field runs up to the next tab, if any. */
	char *tab = strchr(part[2], '\t');
	if (tab)
		*tab = 0;
	double allocated, maximum;
	if (parse_double(part[0], &allocated) != 0 || parse_double(part[2], &maximum) != 0)
		return -EINVAL;
	mset_gauge(s->ms, "node_filefd_allocated",
		   "Number of file handles the kernel has allocated (file-nr, first field).",
		   allocated, NULL);
	mset_gauge(s->ms, "node_filefd_maximum",
		   "Most file handles the kernel will allocate (file-nr, third field).", maximum,
		   NULL);
	return 0;
}

static int filefd_update(struct scrape *s)
{
	char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "sys/fs/file-nr"));
	if (!text)
		return -errno;
	return filefd_parse(s, text);
}

const struct collector filefd_collector = { "filefd", 1, filefd_update, NULL, NULL };
