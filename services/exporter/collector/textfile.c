/* textfile: metrics from the *.prom files of --collector.textfile.directory,
 * plus node_textfile_mtime_seconds{file} and node_textfile_scrape_error.
 *
 * As node_exporter 1.5: the flag names one directory or a glob pattern of
 * directories; files are read in name order; a file that does not parse,
 * or that carries client-side timestamps, is skipped whole and sets
 * node_textfile_scrape_error to 1 (so does an unreadable directory). The
 * families of the other files are merged the way the Go client's registry
 * merges them: a family seen again with the same help text and type gains
 * the new series; with a different help or type its new series are
 * dropped. Families without HELP get a help text naming the files they
 * come from, and within one file every series of a family carries every
 * label name of that family (missing ones empty).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../lib/log.h"
#include "../collector.h"
#include "../gopath.h"
#include "../textparse.h"

static const char *textfile_directory = "";

static struct flag textfile_flags[] = {
	{ "collector.textfile.directory", FLAG_STRING, &textfile_directory,
	  "Directory (or glob pattern of directories) whose *.prom files hold metrics to export.", 0 },
	{ 0 },
};

/* One file that parsed cleanly. */
struct textfile_file {
	const char *path; /* as in the file label: directory and name joined */
	double mtime;     /* whole seconds */
	struct textparse_result res;
};

/* ---- what has been added so far, by family name ---- */

struct tf_name {
	const char *name;
	uint32_t hash;
	const char *files;  /* the files mentioning the family, ", "-separated */
	const char *help;   /* help of the first family added under this name */
	enum metric_type type;
	int state;          /* 0: not added yet, 1: ours, 2: someone else's */
};

struct tf_names {
	struct arena *a;
	struct tf_name *v;
	size_t cap, n;
};

static uint32_t tf_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct tf_name *tf_get(struct tf_names *t, const char *name)
{
	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct tf_name *v = arena_alloc(t->a, cap * sizeof *v);
		memset(v, 0, cap * sizeof *v);
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->v[i].name)
				continue;
			size_t j = t->v[i].hash & (cap - 1);
			while (v[j].name)
				j = (j + 1) & (cap - 1);
			v[j] = t->v[i];
		}
		t->v = v;
		t->cap = cap;
	}
	uint32_t h = tf_hash(name);
	size_t j = h & (t->cap - 1);
	for (; t->v[j].name; j = (j + 1) & (t->cap - 1))
		if (t->v[j].hash == h && !strcmp(t->v[j].name, name))
			return &t->v[j];
	t->v[j].name = name;
	t->v[j].hash = h;
	t->n++;
	return &t->v[j];
}

/* ---- conversion ---- */

struct tf_point {
	double bound, value;
	size_t order;
};

static int tf_point_cmp(const void *x, const void *y)
{
	const struct tf_point *a = x, *b = y;
	/* NaN bounds first, then ascending; equal bounds in input order. */
	int an = isnan(a->bound), bn = isnan(b->bound);
	if (an != bn)
		return bn - an;
	if (!an && a->bound != b->bound)
		return a->bound < b->bound ? -1 : 1;
	return (a->order > b->order) - (a->order < b->order);
}

/* Quantiles or buckets as node_exporter passes them on: through a map
 * keyed by the bound (a repeated bound keeps its first spelling and its
 * last value), then sorted. Returns the count; arrays in the arena. */
static size_t tf_points(struct scrape *s, const struct textparse_metric *m, int histogram,
			double **bounds, double **values)
{
	struct tf_point *pt = arena_alloc(s->arena, (m->npoints ? m->npoints : 1) * sizeof *pt);
	size_t n = 0;
	for (const struct textparse_point *p = m->points; p; p = p->next, n++)
		pt[n] = (struct tf_point){ p->bound, histogram ? (double)p->count : p->value, n };
	qsort(pt, n, sizeof *pt, tf_point_cmp);
	*bounds = arena_alloc(s->arena, (n ? n : 1) * sizeof(double));
	*values = arena_alloc(s->arena, (n ? n : 1) * sizeof(double));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && !isnan(pt[i].bound) && (*bounds)[k - 1] == pt[i].bound) {
			(*values)[k - 1] = pt[i].value;
			continue;
		}
		(*bounds)[k] = pt[i].bound;
		(*values)[k++] = pt[i].value;
	}
	return k;
}

/* Add one family of one file under the registry's rules. */
static void tf_add_family(struct scrape *s, struct tf_names *names,
			  const struct textparse_family *f, const char *file)
{
	struct tf_name *e = tf_get(names, f->name);
	const char *help = f->help;
	if (!help)
		help = arena_printf(s->arena, "Read by the textfile collector from %s", e->files);
	if (e->state == 2)
		return;
	if (e->state == 1) {
		if (strcmp(e->help, help) != 0 || e->type != f->type) {
			log_error("textfile %s: %s has a different help text or type than in an "
				  "earlier file; its series there are dropped", file, f->name);
			return;
		}
	}
	size_t before = mset_count(s->ms);
	struct mfamily *fam = mset_family(s->ms, f->name, help, f->type);
	if (!fam)
		return;
	if (e->state == 0) {
		if (mset_count(s->ms) == before) {
			/* Another collector exports this name already. */
			log_error("textfile %s: %s is already exported by another collector; "
				  "dropped", file, f->name);
			e->state = 2;
			return;
		}
		e->state = 1;
		e->help = help;
		e->type = f->type;
	}

	/* Every label name of the family, for padding. */
	const char *all[MSET_MAX_LABELS];
	size_t nall = 0;
	for (const struct textparse_metric *m = f->metrics; m; m = m->next)
		for (size_t i = 0; i < m->nlabels; i++) {
			size_t j = 0;
			while (j < nall && strcmp(all[j], m->labels[i].name) != 0)
				j++;
			if (j < nall)
				continue;
			if (nall == MSET_MAX_LABELS) {
				log_error("textfile %s: %s has more than %d label names; dropped", file,
					  f->name, MSET_MAX_LABELS);
				return;
			}
			all[nall++] = m->labels[i].name;
		}

	const char *ln[MSET_MAX_LABELS], *lv[MSET_MAX_LABELS];
	for (const struct textparse_metric *m = f->metrics; m; m = m->next) {
		size_t n = 0;
		for (size_t i = 0; i < m->nlabels; i++) {
			ln[n] = m->labels[i].name;
			lv[n++] = m->labels[i].value;
		}
		for (size_t j = 0; j < nall; j++) {
			size_t i = 0;
			while (i < m->nlabels && strcmp(m->labels[i].name, all[j]) != 0)
				i++;
			if (i == m->nlabels) {
				ln[n] = all[j];
				lv[n++] = "";
			}
		}
		if (f->type == METRIC_SUMMARY || f->type == METRIC_HISTOGRAM) {
			double *b, *v;
			size_t nb = tf_points(s, m, f->type == METRIC_HISTOGRAM, &b, &v);
			mset_add_dist(s->ms, fam, n, ln, lv, (double)m->count, m->sum, nb, b, v);
		} else {
			mset_add(s->ms, fam, m->value, n, ln, lv);
		}
	}
}

/* What node_exporter could not export from a parsed file: label names
 * with the reserved "__" prefix (its client library refuses them, and
 * node_exporter 1.5 dies on that). Returns 0, or -1 naming the problem. */
int textfile_check(const struct textparse_result *r, const char *file, char *err, size_t errlen)
{
	for (const struct textparse_family *f = r->families; f; f = f->next)
		for (const struct textparse_metric *m = f->metrics; m; m = m->next)
			for (size_t i = 0; i < m->nlabels; i++)
				if (!strncmp(m->labels[i].name, "__", 2)) {
					snprintf(err, errlen, "%s: %s: label name %s is reserved", file,
						 f->name, m->labels[i].name);
					return -1;
				}
	if (r->has_timestamps) {
		snprintf(err, errlen, "%s: client-side timestamps are not supported; file skipped",
			 file);
		return -1;
	}
	return 0;
}

/* Add the families of files[0..n) (in that order) to the scrape, merged
 * as node_exporter merges them, then one node_textfile_mtime_seconds per
 * file and node_textfile_scrape_error (1 if errored). */
void textfile_export(struct scrape *s, const struct textfile_file *files, size_t n, int errored)
{
	struct tf_names names = { s->arena, NULL, 0, 0 };
	for (size_t i = 0; i < n; i++)
		for (const struct textparse_family *f = files[i].res.families; f; f = f->next) {
			struct tf_name *e = tf_get(&names, f->name);
			e->files = e->files ? arena_printf(s->arena, "%s, %s", e->files, files[i].path)
					    : files[i].path;
		}
	for (size_t i = 0; i < n; i++)
		for (const struct textparse_family *f = files[i].res.families; f; f = f->next)
			tf_add_family(s, &names, f, files[i].path);
	for (size_t i = 0; i < n; i++)
		mset_gauge(s->ms, "node_textfile_mtime_seconds",
			   "Modification time of each text file read without error, in seconds "
			   "since the epoch.",
			   files[i].mtime, "file", files[i].path, NULL);
	mset_gauge(s->ms, "node_textfile_scrape_error",
		   "1 if a text file or the directory could not be read or parsed, else 0.",
		   errored ? 1 : 0, NULL);
}

/* ---- reading ---- */

/* Go's UnixNano()/1e9 in integers: whole seconds, truncated toward zero. */
static double tf_mtime(const struct stat *st)
{
	int64_t sec = (int64_t)st->st_mtim.tv_sec, ns = st->st_mtim.tv_nsec;
	if (sec < 0 && ns > 0)
		sec++;
	return (double)sec;
}

static int tf_read(struct scrape *s, const char *path, struct textfile_file *out,
		   char *err, size_t errlen)
{
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct buf b = BUF_INIT;
	int rc = -1;
	for (;;) {
		buf_reserve(&b, 65536);
		ssize_t r = read(fd, b.p + b.len, b.cap - b.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		/* A read error ends the input where it happened, as it ends
		 * node_exporter's parser: cleanly at the start of a line (so a
		 * directory named *.prom is an empty file), else as a
		 * truncated file. */
		if (r <= 0)
			break;
		b.len += (size_t)r;
		if (b.len > TEXTPARSE_MAX_BYTES) {
			snprintf(err, errlen, "%s: larger than %u bytes", path, TEXTPARSE_MAX_BYTES);
			goto fail;
		}
	}
	if (textparse_parse(b.p ? b.p : "", b.len, path, s->arena, &out->res, err, errlen) != 0 ||
	    textfile_check(&out->res, path, err, errlen) != 0)
		goto fail;
	/* The time is taken after parsing so that a failed file never looks fresh. */
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	out->path = path;
	out->mtime = tf_mtime(&st);
	rc = 0;
fail:
	buf_free(&b);
	close(fd);
	return rc;
}

static int tf_has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);
	return n >= k && !strcmp(name + n - k, suffix);
}

static int textfile_update(struct scrape *s)
{
	char **dirs;
	int ndirs = gopath_glob(s->arena, textfile_directory, &dirs);
	if (ndirs <= 0) {
		dirs = arena_alloc(s->arena, sizeof *dirs);
		dirs[0] = (char *)textfile_directory;
		ndirs = 1;
	}
	int errored = 0;
	size_t nfiles = 0, cap = 16;
	struct textfile_file *files = arena_alloc(s->arena, cap * sizeof *files);
	for (int d = 0; d < ndirs; d++) {
		char **names;
		int n = *dirs[d] ? list_dir(s, dirs[d], &names) : -ENOENT;
		if (n < 0) {
			if (*dirs[d]) {
				errored = 1;
				log_error("textfile: cannot read directory %s: %s", dirs[d], strerror(-n));
			}
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (!tf_has_suffix(names[i], ".prom"))
				continue;
			if (nfiles == cap) {
				struct textfile_file *more = arena_alloc(s->arena, 2 * cap * sizeof *more);
				memcpy(more, files, cap * sizeof *files);
				files = more;
				cap *= 2;
			}
			char err[512];
			const char *path = gopath_join(s->arena, dirs[d], names[i]);
			if (tf_read(s, path, &files[nfiles], err, sizeof err) != 0) {
				errored = 1;
				log_error("textfile: %s", err);
				continue;
			}
			nfiles++;
		}
	}
	textfile_export(s, files, nfiles, errored);
	return 0;
}

const struct collector textfile_collector = { "textfile", 1, textfile_update, textfile_flags, NULL };
