/* api_internal.h - what the api_*.c files share; not for other modules.
 *
 * Each handler is an httpd_handler whose ctx is the struct api. */
#ifndef PHAROS_TSDB_API_INTERNAL_H
#define PHAROS_TSDB_API_INTERNAL_H

#include "api.h"

/* api_query.c */
void api_handle_query(struct httpd_req *req, void *ctx);
void api_handle_query_range(struct httpd_req *req, void *ctx);
void api_handle_query_exemplars(struct httpd_req *req, void *ctx);
/* Write a query result as the "data" value. */
void api_write_value(struct jsonw *w, const struct promql_value *v);
/* Read the time parameter name (def when absent or empty). Returns 0, or
 * -1 after answering bad_data. */
int api_time_param(struct httpd_req *req, const struct api_params *p, const char *name,
		   int64_t def, int64_t *out);
/* api_params_parse() for a JSON API handler: on failure answers
 * bad_data "error parsing form values: ..." (or nothing more when the
 * body reader already answered). Returns 0, or -1 after answering. */
int api_form_params(struct httpd_req *req, struct api_params *p);

/* api_series.c */
void api_handle_series(struct httpd_req *req, void *ctx);
void api_handle_labels(struct httpd_req *req, void *ctx);
void api_handle_label_values(struct httpd_req *req, void *ctx);
/* Parse the form and match[] of a request (required: at least one).
 * Returns 0, or -1 after answering. */
int api_match_params(struct httpd_req *req, struct api_params *p, bool required,
		     struct api_matcher_set **sets, size_t *nsets);

/* api_federate.c */
void api_handle_federate(struct httpd_req *req, void *ctx);

/* api_status.c */
void api_handle_buildinfo(struct httpd_req *req, void *ctx);
void api_handle_config(struct httpd_req *req, void *ctx);
void api_handle_flags(struct httpd_req *req, void *ctx);
void api_handle_runtimeinfo(struct httpd_req *req, void *ctx);
void api_handle_tsdb(struct httpd_req *req, void *ctx);
void api_handle_targets(struct httpd_req *req, void *ctx);
void api_handle_metadata(struct httpd_req *req, void *ctx);
void api_handle_target_metadata(struct httpd_req *req, void *ctx);
void api_handle_rules(struct httpd_req *req, void *ctx);
void api_handle_alerts(struct httpd_req *req, void *ctx);
void api_handle_alertmanagers(struct httpd_req *req, void *ctx);

/* api_admin.c */
/* Record the status code of the answer being sent (for
 * prometheus_http_requests_total); every answer of the API calls it. */
void api_note_status(int status);
void api_handle_healthy(struct httpd_req *req, void *ctx);
void api_handle_ready(struct httpd_req *req, void *ctx);
void api_handle_reload(struct httpd_req *req, void *ctx);
void api_handle_quit(struct httpd_req *req, void *ctx);
void api_handle_metrics(struct httpd_req *req, void *ctx);
void api_handle_api_not_found(struct httpd_req *req, void *ctx);

/* api_web.c: the UI's pages and files. */
void api_handle_web(struct httpd_req *req, void *ctx);

#endif
