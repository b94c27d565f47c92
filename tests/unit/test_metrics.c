/*
 * test_metrics - the Prometheus textfile: families with HELP and TYPE, one
 * sample per group/client/reason from the status report, label values
 * escaped as the text format asks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "cgcount.h"
#include "maddr.h"
#include "metrics.h"
#include "registry.h"
#include "status.h"

static void groups(void *arg, FILE *out)
{
	(void)arg;
	fputs("GROUP,239.1.1.1,2,1000,2000,2716000\nGROUP,239.1.1.2,0,5,0,0\n", out);
}

static void drops(void *arg, FILE *out)
{
	(void)arg;
	fputs("DROPS,data_no_members,5\nDROPS,igmp_bad_checksum,0\n", out);
}

static char *render_cg(struct registry *reg, const struct cgcount *cg, const struct maddr *addrs)
{
	struct status_view v = { .reg = reg, .cg = cg, .addrs = addrs, .group_rows = groups,
				 .drop_rows = drops };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(metrics_write(f, &v, 1795480700), 0);
	fclose(f);
	return buf;
}

static char *render(struct registry *reg)
{
	return render_cg(reg, NULL, NULL);
}

static void has(const char *text, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (!strstr(text, want))
		fail_msg("missing line: %s\n--- got:\n%s", line, text);
}

static void test_families(void **state)
{
	struct registry *reg = reg_new();
	struct client *c;
	char *t;

	(void)state;
	c = reg_connect(reg, 7, "alice", "10.8.0.2", "198.51.100.7:51820", 1795480700);
	c->frames_sent = 1000;
	c->bytes_sent = 1358000;
	reg_connect(reg, 8, "bob", "10.8.0.3", "198.51.100.8:51820", 1795480700);
	t = render(reg);
	has(t, "# TYPE openvpn_mcast_clients gauge");
	has(t, "openvpn_mcast_clients 2");
	has(t, "# HELP openvpn_mcast_frames_in_total Group frames taken in for replication "
	       "(diverted from the tap or from the upstream).");
	has(t, "# TYPE openvpn_mcast_frames_in_total counter");
	has(t, "openvpn_mcast_frames_in_total{group=\"239.1.1.1\"} 1000");
	has(t, "openvpn_mcast_copies_out_total{group=\"239.1.1.1\"} 2000");
	has(t, "openvpn_mcast_copies_out_total{group=\"239.1.1.2\"} 0");
	has(t, "openvpn_mcast_group_bytes_out_total{group=\"239.1.1.1\"} 2716000");
	has(t, "openvpn_mcast_members{group=\"239.1.1.1\"} 2");
	has(t, "openvpn_mcast_members{group=\"239.1.1.2\"} 0");
	has(t, "openvpn_mcast_client_bytes_out_total{client=\"alice\",id=\"7\"} 1358000");
	has(t, "openvpn_mcast_client_bytes_out_total{client=\"bob\",id=\"8\"} 0");
	has(t, "openvpn_mcast_client_copies_out_total{client=\"alice\",id=\"7\"} 1000");
	has(t, "openvpn_mcast_drops_total{reason=\"data_no_members\"} 5");
	has(t, "openvpn_mcast_drops_total{reason=\"igmp_bad_checksum\"} 0");
	/* Every sample's family was announced before it. */
	for (char *l = t; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char name[128], type[160];
		size_t n = strcspn(l, "{ \n");

		if (*l == '#' || n >= sizeof(name))
			continue;
		memcpy(name, l, n);
		name[n] = '\0';
		snprintf(type, sizeof(type), "# TYPE %s ", name);
		if (!strstr(t, type) || strstr(t, type) > l)
			fail_msg("sample of %s before its TYPE line", name);
	}
	free(t);
	reg_free(reg);
}

/* Common names are the user's: quotes, backslashes and newlines are
 * escaped; bytes that are not UTF-8 become '?'; UTF-8 stays. */
static void test_label_escaping(void **state)
{
	struct registry *reg = reg_new();
	char *t;

	(void)state;
	reg_connect(reg, 1, "a\"b\\c\nd", "10.8.0.2", "198.51.100.7:1", 0);
	reg_connect(reg, 2, "J\xc3\xbcrgen \xff\xc3", "10.8.0.3", "198.51.100.7:2", 0);
	t = render(reg);
	has(t, "openvpn_mcast_client_bytes_out_total{client=\"a\\\"b\\\\c\\nd\",id=\"1\"} 0");
	has(t, "openvpn_mcast_client_bytes_out_total{client=\"J\xc3\xbcrgen ??\",id=\"2\"} 0");
	free(t);
	reg_free(reg);
}

/* Bytes per member and group: one sample per (client, group) entry, the
 * group in its own family, nothing for a client no longer connected. */
static void test_client_group(void **state)
{
	struct registry *reg = reg_new();
	struct cgcount *cg = cgc_new(0, NULL);
	struct maddr *addrs = maddr_new(0);
	uint32_t g4, g6, ids[] = { 7, 8, 9 };
	uint8_t a6[16];
	char *t;

	(void)state;
	reg_connect(reg, 7, "alice", "10.8.0.2", "198.51.100.7:51820", 0);
	reg_connect(reg, 8, "bob", "10.8.0.3", "198.51.100.8:51820", 0);
	inet_pton(AF_INET, "239.1.1.1", &g4);
	inet_pton(AF_INET6, "ff3e::8000:1", a6);
	assert_int_equal(maddr_intern(addrs, a6, &g6), 0);
	assert_int_equal(cgc_set_group(cg, g4, ids, 3), 0);
	assert_int_equal(cgc_set_group(cg, g6, ids, 1), 0);
	cgc_find(cg, g4, 7)->bytes = 1358000;
	cgc_find(cg, g4, 8)->bytes = 679;
	cgc_find(cg, g6, 7)->bytes = 1062;
	t = render_cg(reg, cg, addrs);
	has(t, "# TYPE openvpn_mcast_bytes_out_total counter");
	has(t, "openvpn_mcast_bytes_out_total{client=\"alice\",id=\"7\",group=\"239.1.1.1\"} 1358000");
	has(t, "openvpn_mcast_bytes_out_total{client=\"bob\",id=\"8\",group=\"239.1.1.1\"} 679");
	has(t, "openvpn_mcast_bytes_out_total{client=\"alice\",id=\"7\",group=\"ff3e::8000:1\"} 1062");
	assert_null(strstr(t, "id=\"9\""));
	free(t);
	maddr_free(addrs);
	cgc_free(cg);
	reg_free(reg);
}

/* The file appears whole (rename) and readable by a collector. */
static void test_file(void **state)
{
	struct registry *reg = reg_new();
	struct status_view v = { .reg = reg, .group_rows = groups, .drop_rows = drops };
	char dir[] = "/tmp/ommetricsXXXXXX", path[64], line[128];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tap0.prom", dir);
	assert_int_equal(metrics_write_file(path, &v, 0), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "# HELP openvpn_mcast_clients Connected clients.\n");
	fclose(f);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);	/* no temporary file left */
	snprintf(path, sizeof(path), "/nonexistent/dir/tap0.prom");
	assert_int_equal(metrics_write_file(path, &v, 0), -1);
	reg_free(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_client_group),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
