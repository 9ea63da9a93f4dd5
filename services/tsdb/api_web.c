/* api_web.c - the web UI: / redirects to /graph; /graph, /targets,
 * /alerts and /status serve the one page (web/index.html), whose script
 * (web/app.js) draws what the path names from the HTTP API; /static/<file>
 * serves web/<file>. The files are embedded at build time: the Makefile
 * turns services/tsdb/web/ into tsdb_web.h. */
#include <stdio.h>
#include <string.h>

#include <civetweb.h>

#include "api.h"
#include "api_internal.h"

struct web_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};

#if defined(__has_include)
#if __has_include("tsdb_web.h")
#include "tsdb_web.h" /* defines TSDB_WEB_FILES: { name, data, len }, ... */
#endif
#endif

#ifdef TSDB_WEB_FILES
static const struct web_file files[] = { TSDB_WEB_FILES };
static const size_t nfiles = sizeof files / sizeof files[0];
#else
/* Built without the generated header (a fuzz or bench build): no UI. */
static const struct web_file *const files = NULL;
static const size_t nfiles = 0;
#endif

static const struct web_file *find(const char *name)
{
	for (size_t i = 0; i < nfiles; i++)
		if (!strcmp(files[i].name, name))
			return &files[i];
	return NULL;
}

static const char *content_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot)
		return "application/octet-stream";
	if (!strcmp(dot, ".html"))
		return "text/html; charset=utf-8";
	if (!strcmp(dot, ".js"))
		return "text/javascript; charset=utf-8";
	if (!strcmp(dot, ".css"))
		return "text/css; charset=utf-8";
	if (!strcmp(dot, ".svg"))
		return "image/svg+xml";
	return "application/octet-stream";
}

static void send_file(struct httpd_req *req, const char *name)
{
	const struct web_file *f = find(name);
	if (!f) {
		api_note_status(404);
		httpd_error(req, 404, "404 page not found");
		return;
	}
	api_note_status(200);
	httpd_reply(req, 200, content_type(name), f->data, f->len);
}

void api_handle_web(struct httpd_req *req, void *ctx)
{
	(void)ctx;
	const char *p = req->path;
	if (!strcmp(p, "/")) {
		static const char body[] = "<a href=\"/graph\">Found</a>.\n";
		char head[160];
		/* httpd_reply() sends no Location header: written here */
		int n = snprintf(head, sizeof head,
				 "HTTP/1.1 302 Found\r\nLocation: /graph\r\n"
				 "Content-Type: text/html; charset=utf-8\r\n"
				 "Content-Length: %zu\r\n\r\n",
				 sizeof body - 1);
		api_note_status(302);
		req->replied = 1;
		mg_write(req->conn, head, (size_t)n);
		if (req->method_bit != HTTPD_HEAD)
			mg_write(req->conn, body, sizeof body - 1);
		return;
	}
	if (!strncmp(p, "/static/", 8)) {
		const char *name = p + 8;
		if (!*name || strchr(name, '/') || !strcmp(name, "index.html")) {
			api_note_status(404);
			httpd_error(req, 404, "404 page not found");
			return;
		}
		send_file(req, name);
		return;
	}
	send_file(req, "index.html");
}
