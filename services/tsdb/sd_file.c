/* sd_file.c - file_sd_configs: target groups from JSON and YAML files,
 * as Prometheus 2.42's discovery/file. See sd_file.h. */
#include "sd_file.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "../../lib/json.h"
#include "../../lib/yamlconf.h"

#define SD_FILE_MAX_BYTES (16u << 20)
#define SD_FILE_MAX_TARGETS 100000
#define SD_FILE_MAX_FILES 1000

struct grow {
	struct prom_target_group **groups;
	size_t *ngroups;
	size_t ntargets;
};

static struct prom_target_group *add_group(struct arena *a, struct prom_target_group **groups,
					   size_t *ngroups)
{
	/* Arrays grow by doubling in the arena: the old copy stays until the
	 * arena is freed, bounded by twice the final size. */
	size_t n = *ngroups;
	if ((n & (n - 1)) == 0) {
		size_t cap = n ? n * 2 : 4;
		struct prom_target_group *g = arena_alloc(a, cap * sizeof *g);
		if (n)
			memcpy(g, *groups, n * sizeof *g);
		*groups = g;
	}
	struct prom_target_group *g = &(*groups)[n];
	memset(g, 0, sizeof *g);
	*ngroups = n + 1;
	return g;
}

/* Finish a group's labels: the given pairs plus __meta_filepath. */
static int group_labels(struct arena *a, const char *path, const char **names,
			const char **vals, size_t n, struct labels *out)
{
	names[n] = "__meta_filepath";
	vals[n] = path;
	return labels_from_pairs(a, names, vals, n + 1, out);
}

static int count_targets(size_t *total, size_t add)
{
	*total += add;
	return *total > SD_FILE_MAX_TARGETS ? -1 : 0;
}

static int parse_json(const char *path, const char *data, size_t len, struct arena *a,
		      struct prom_target_group **groups, size_t *ngroups, struct buf *errors,
		      size_t *total)
{
	struct json_doc d;
	struct json_value *root;
	char err[200];
	struct json_limits lim = { SD_FILE_MAX_BYTES, 64, 4 * SD_FILE_MAX_TARGETS };
	int rc = json_parse(&d, data, len, &lim, &root, err, sizeof err);
	if (rc < 0) {
		if (errors)
			buf_printf(errors, "%s:%s\n", path, err);
		json_doc_free(&d);
		return -EINVAL;
	}
#define JERR(v, ...)                                                              \
	do {                                                                      \
		if (errors) {                                                     \
			buf_printf(errors, "%s:%d:%d: ", path, (v)->line, (v)->col); \
			buf_printf(errors, __VA_ARGS__);                          \
			buf_putc(errors, '\n');                                   \
		}                                                                 \
		rc = -EINVAL;                                                     \
		goto out;                                                         \
	} while (0)
	if (root->type == JSON_NULL)
		goto out;
	if (root->type != JSON_ARRAY)
		JERR(root, "expected a list of target groups, got %s", json_type_name(root->type));
	for (size_t i = 0; i < root->len; i++) {
		const struct json_value *g = root->items[i];
		if (g->type == JSON_NULL)
			JERR(g, "nil target group item found");
		if (g->type != JSON_OBJECT)
			JERR(g, "expected a target group object, got %s", json_type_name(g->type));
		for (size_t m = 0; m < g->len; m++)
			if (strcmp(g->members[m].key, "targets") != 0 &&
			    strcmp(g->members[m].key, "labels") != 0)
				JERR(g->members[m].val, "unknown field \"%s\"", g->members[m].key);
		const struct json_value *t = json_get(g, "targets");
		const struct json_value *l = json_get(g, "labels");
		size_t nt = t && t->type == JSON_ARRAY ? t->len : 0;
		if (t && t->type != JSON_ARRAY && t->type != JSON_NULL)
			JERR(t, "targets: expected a list of strings, got %s", json_type_name(t->type));
		if (l && l->type != JSON_OBJECT && l->type != JSON_NULL)
			JERR(l, "labels: expected an object, got %s", json_type_name(l->type));
		if (count_targets(total, nt) < 0)
			JERR(t, "more than %d targets", SD_FILE_MAX_TARGETS);
		const char **tv = arena_alloc(a, (nt + 1) * sizeof *tv);
		for (size_t j = 0; j < nt; j++) {
			if (t->items[j]->type != JSON_STRING)
				JERR(t->items[j], "target: expected a string, got %s",
				     json_type_name(t->items[j]->type));
			tv[j] = arena_strdup(a, t->items[j]->str);
		}
		tv[nt] = NULL;
		size_t nl = l && l->type == JSON_OBJECT ? l->len : 0;
		const char **names = arena_alloc(a, (nl + 1) * sizeof *names);
		const char **vals = arena_alloc(a, (nl + 1) * sizeof *vals);
		for (size_t j = 0; j < nl; j++) {
			const struct json_member *mb = &l->members[j];
			if (!labels_valid_name(mb->key) || strlen(mb->key) != mb->key_len)
				JERR(mb->val, "\"%s\" is not a valid label name", mb->key);
			if (mb->val->type != JSON_STRING)
				JERR(mb->val, "label %s: expected a string, got %s", mb->key,
				     json_type_name(mb->val->type));
			names[j] = arena_strdup(a, mb->key);
			vals[j] = arena_strdup(a, mb->val->str);
		}
		struct prom_target_group *pg = add_group(a, groups, ngroups);
		pg->targets = tv;
		pg->ntargets = nt;
		pg->source = arena_printf(a, "%s:%zu", path, i);
		if (group_labels(a, arena_strdup(a, path), names, vals, nl,
				 &pg->labels) < 0)
			JERR(g, "too many labels");
	}
#undef JERR
out:
	json_doc_free(&d);
	return rc;
}

static int parse_yaml(const char *path, const char *data, size_t len, struct arena *a,
		      struct prom_target_group **groups, size_t *ngroups, struct buf *errors,
		      size_t *total)
{
	struct yamlconf yc;
	yamlconf_init(&yc);
	yc.max_bytes = SD_FILE_MAX_BYTES;
	int rc = yamlconf_parse(&yc, path, data, len);
	static const char *const keys[] = { "targets", "labels", NULL };
	const struct yamlconf_node *root = yc.root;
	if (rc < 0 || !root || yamlconf_is_null(root))
		goto out;
	if (root->kind != YAMLCONF_SEQ) {
		yamlconf_error(&yc, root, "expected a list of target groups");
		goto out;
	}
	for (size_t i = 0; i < root->len && !yc.nerrors; i++) {
		const struct yamlconf_node *g = root->items[i];
		if (yamlconf_is_null(g)) {
			yamlconf_error(&yc, g, "nil target group item found");
			break;
		}
		if (yamlconf_strict(&yc, g, keys))
			break;
		const struct yamlconf_node *t = yamlconf_get(g, "targets");
		const struct yamlconf_node *l = yamlconf_get(g, "labels");
		size_t nt = 0;
		const char **tv = NULL;
		if (t && !yamlconf_is_null(t)) {
			if (t->kind != YAMLCONF_SEQ) {
				yamlconf_error(&yc, t, "targets: expected a list of strings");
				break;
			}
			nt = t->len;
			if (count_targets(total, nt) < 0) {
				yamlconf_error(&yc, t, "more than %d targets", SD_FILE_MAX_TARGETS);
				break;
			}
			tv = arena_alloc(a, (nt + 1) * sizeof *tv);
			for (size_t j = 0; j < nt; j++) {
				const char *s = "";
				if (!yamlconf_is_null(t->items[j]) &&
				    yamlconf_node_str(&yc, t->items[j], &s) < 0)
					break;
				tv[j] = arena_strdup(a, s);
			}
			tv[nt] = NULL;
		}
		if (yc.nerrors)
			break;
		size_t nl = 0;
		if (l && !yamlconf_is_null(l)) {
			if (l->kind != YAMLCONF_MAP) {
				yamlconf_error(&yc, l, "labels: expected a map");
				break;
			}
			nl = l->len;
		}
		const char **names = arena_alloc(a, (nl + 1) * sizeof *names);
		const char **vals = arena_alloc(a, (nl + 1) * sizeof *vals);
		for (size_t j = 0; j < nl; j++) {
			const struct yamlconf_node *k = l->pairs[j].key, *v = l->pairs[j].val;
			if (!labels_valid_name(k->str)) {
				yamlconf_error(&yc, k, "\"%s\" is not a valid label name", k->str);
				break;
			}
			const char *s = "";
			if (!yamlconf_is_null(v) && yamlconf_node_str(&yc, v, &s) < 0)
				break;
			names[j] = arena_strdup(a, k->str);
			vals[j] = arena_strdup(a, s);
		}
		if (yc.nerrors)
			break;
		if (!tv) {
			static const char *const none[] = { NULL };
			tv = (const char **)none;
		}
		struct prom_target_group *pg = add_group(a, groups, ngroups);
		pg->targets = tv;
		pg->ntargets = nt;
		pg->source = arena_printf(a, "%s:%zu", path, i);
		if (group_labels(a, arena_strdup(a, path), names, vals, nl, &pg->labels) < 0)
			yamlconf_error(&yc, g, "too many labels");
	}
out:
	if (yc.nerrors && errors)
		buf_put(errors, yc.errors.p, yc.errors.len);
	rc = yc.nerrors ? -EINVAL : 0;
	yamlconf_free(&yc);
	return rc;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcasecmp(s + n - m, suf) == 0;
}

int sd_file_parse(const char *path, const char *data, size_t len, struct arena *a,
		  struct prom_target_group **groups, size_t *ngroups, struct buf *errors)
{
	size_t total = 0;
	size_t n0 = *ngroups;
	int rc;
	if (has_suffix(path, ".json"))
		rc = parse_json(path, data, len, a, groups, ngroups, errors, &total);
	else
		rc = parse_yaml(path, data, len, a, groups, ngroups, errors, &total);
	if (rc < 0)
		*ngroups = n0; /* a bad file contributes nothing */
	return rc;
}

/* ---- files on disk ---- */

void sd_file_init(struct sd_file *sd, const struct prom_file_sd_config *cfg)
{
	memset(sd, 0, sizeof *sd);
	sd->cfg = cfg;
}

static void free_stamps(struct sd_file_stamp *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].path);
	free(s);
}

void sd_file_free(struct sd_file *sd)
{
	free_stamps(sd->stamps, sd->nstamps);
	sd->stamps = NULL;
	sd->nstamps = 0;
}

/* The files the globs match now, with their stamps (heap; caller frees). */
static int list_files(const struct sd_file *sd, struct sd_file_stamp **out, size_t *nout,
		      struct buf *errors)
{
	struct sd_file_stamp *v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	for (size_t i = 0; i < sd->cfg->nfiles; i++) {
		glob_t g;
		memset(&g, 0, sizeof g);
		int gr = glob(sd->cfg->files[i], 0, NULL, &g);
		if (gr != 0) {
			globfree(&g);
			continue; /* no match is not an error */
		}
		for (size_t j = 0; j < g.gl_pathc; j++) {
			const char *p = g.gl_pathv[j];
			if (!has_suffix(p, ".json") && !has_suffix(p, ".yml") && !has_suffix(p, ".yaml"))
				continue;
			int dup = 0;
			for (size_t k = 0; k < n; k++)
				dup |= strcmp(v[k].path, p) == 0;
			if (dup)
				continue;
			if (n >= SD_FILE_MAX_FILES) {
				if (errors)
					buf_printf(errors, "%s: more than %d files match\n",
						   sd->cfg->files[i], SD_FILE_MAX_FILES);
				rc = -EINVAL;
				break;
			}
			struct stat st;
			if (stat(p, &st) < 0)
				continue; /* vanished between glob and stat */
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				v = xrealloc(v, cap * sizeof *v);
			}
			v[n].path = xstrdup(p);
			v[n].dev = st.st_dev;
			v[n].ino = st.st_ino;
			v[n].size = st.st_size;
			v[n].mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
			n++;
		}
		globfree(&g);
	}
	*out = v;
	*nout = n;
	return rc;
}

int sd_file_changed(const struct sd_file *sd)
{
	if (!sd->read_once)
		return 1;
	struct sd_file_stamp *now;
	size_t n;
	list_files(sd, &now, &n, NULL);
	int changed = n != sd->nstamps;
	for (size_t i = 0; !changed && i < n; i++) {
		const struct sd_file_stamp *a = &now[i], *b = &sd->stamps[i];
		changed = strcmp(a->path, b->path) != 0 || a->dev != b->dev || a->ino != b->ino ||
			  a->size != b->size || a->mtime_ns != b->mtime_ns;
	}
	free_stamps(now, n);
	return changed;
}

static int read_file(const char *path, struct buf *out, struct buf *errors)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errors)
			buf_printf(errors, "%s: cannot open: %s\n", path, strerror(errno));
		return -EIO;
	}
	char chunk[65536];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_put(out, chunk, n);
		if (out->len > SD_FILE_MAX_BYTES) {
			if (errors)
				buf_printf(errors, "%s: file is larger than %u bytes\n", path,
					   SD_FILE_MAX_BYTES);
			rc = -EFBIG;
			break;
		}
	}
	if (!rc && ferror(f)) {
		if (errors)
			buf_printf(errors, "%s: read error\n", path);
		rc = -EIO;
	}
	fclose(f);
	return rc;
}

int sd_file_read(struct sd_file *sd, struct arena *a, struct prom_target_group **groups,
		 size_t *ngroups, struct buf *errors)
{
	*groups = NULL;
	*ngroups = 0;
	struct sd_file_stamp *now;
	size_t n;
	int rc = list_files(sd, &now, &n, errors);
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		struct buf b = BUF_INIT;
		if (read_file(now[i].path, &b, errors) < 0) {
			rc = -EINVAL;
			buf_free(&b);
			continue;
		}
		size_t n0 = *ngroups;
		int r;
		if (has_suffix(now[i].path, ".json"))
			r = parse_json(now[i].path, b.p ? b.p : "", b.len, a, groups, ngroups, errors,
				       &total);
		else
			r = parse_yaml(now[i].path, b.p ? b.p : "", b.len, a, groups, ngroups, errors,
				       &total);
		if (r < 0) {
			*ngroups = n0;
			rc = -EINVAL;
		}
		buf_free(&b);
	}
	free_stamps(sd->stamps, sd->nstamps);
	sd->stamps = now;
	sd->nstamps = n;
	sd->read_once = 1;
	return rc;
}
