#include "../unit.h"

#include "../../../supervisor/svcmetrics.h"

TEST(svcmetrics_format_per_service)
{
	struct cfg_service c = { .name = "exporter", .enabled = 1 };
	struct svc_ops ops = { 0 };
	struct svc_timing t = { 1000, 60000, 30000, 10000, 200 };
	static struct svc s;
	svc_init(&s, &c, &ops, &t);
	s.state = SVC_UP;
	s.restarts = 3;
	s.starts = 4;
	s.pid = 42;
	s.started_at = 1000;
	s.backoff_ms = 2500;
	s.last_status = 9; /* killed by SIGKILL */
	struct buf b = BUF_INIT;
	svcmetrics_format(&b, &s, 1, 3000, 1700000000000LL);
	CHECK(strstr(b.p, "# TYPE pharos_service_up gauge\npharos_service_up{service=\"exporter\"} 1\n"));
	CHECK(strstr(b.p, "pharos_service_restarts_total{service=\"exporter\"} 3\n"));
	CHECK(strstr(b.p, "pharos_service_state{service=\"exporter\",state=\"up\"} 1\n"));
	CHECK(strstr(b.p, "pharos_service_state{service=\"exporter\",state=\"down\"} 0\n"));
	CHECK(strstr(b.p, "pharos_service_backoff_seconds{service=\"exporter\"} 2.500\n"));
	CHECK(strstr(b.p, "pharos_service_start_time_seconds{service=\"exporter\"} 1699999998.000\n"));
	CHECK(strstr(b.p, "pharos_service_last_exit_code{service=\"exporter\"} 137\n"));
	buf_free(&b);
}
