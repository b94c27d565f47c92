/* Unit tests of the client registry and the status report. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "registry.h"
#include "status.h"

static const uint8_t MAC_A[6] = { 0xda, 0x8e, 0xf0, 0x44, 0x67, 0x03 };
static const uint8_t MAC_B[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b };

static int setup(void **state)
{
	*state = reg_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	reg_free(*state);
	return 0;
}

static void test_connect_learn_disconnect(void **state)
{
	struct registry *reg = *state;
	struct client *c;

	c = reg_connect(reg, 7, "alice", "10.8.0.2", "198.51.100.7:51820", 1000);
	assert_non_null(c);
	assert_int_equal(reg_count(reg), 1);
	assert_int_equal(reg_learn(reg, 7, "add", "da:8e:f0:44:67:03@0"), 0);
	assert_ptr_equal(reg_find_mac(reg, MAC_A), c);
	assert_int_equal(c->nmacs, 1);
	assert_string_equal(c->cn, "alice");
	assert_string_equal(c->pool_ip, "10.8.0.2");
	assert_int_equal(c->since, 1000);
	assert_int_equal(reg_disconnect(reg, 7), 0);
	assert_int_equal(reg_count(reg), 0);
	assert_null(reg_find_mac(reg, MAC_A));
	assert_int_equal(reg_disconnect(reg, 7), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_duplicate_cn_are_distinct(void **state)
{
	struct registry *reg = *state;

	reg_connect(reg, 1, "shared", "10.8.0.2", "192.0.2.2:1", 1);
	reg_connect(reg, 2, "shared", "10.8.0.3", "192.0.2.3:1", 2);
	assert_int_equal(reg_learn(reg, 1, "add", "da:8e:f0:44:67:03@0"), 0);
	assert_int_equal(reg_learn(reg, 2, "add", "02:00:00:00:00:0b@0"), 0);
	assert_int_equal(reg_count(reg), 2);
	assert_int_equal(reg_find_mac(reg, MAC_A)->id, 1);
	assert_int_equal(reg_find_mac(reg, MAC_B)->id, 2);
	reg_disconnect(reg, 1);
	assert_null(reg_find_mac(reg, MAC_A));
	assert_int_equal(reg_find_mac(reg, MAC_B)->id, 2);
}

static void test_mac_follows_reconnect(void **state)
{
	struct registry *reg = *state;

	reg_connect(reg, 1, "bob", "10.8.0.2", "192.0.2.2:1", 1);
	reg_learn(reg, 1, "add", "da:8e:f0:44:67:03@0");
	/* Reconnect: new instance, OpenVPN says "update"; the old one lingers. */
	reg_connect(reg, 2, "bob", "10.8.0.2", "192.0.2.2:2", 5);
	assert_int_equal(reg_learn(reg, 2, "update", "DA:8E:F0:44:67:03@0"), 0);
	assert_int_equal(reg_find_mac(reg, MAC_A)->id, 2);
	assert_int_equal(reg_find(reg, 1)->nmacs, 0);
	/* The old instance's late delete must not strip the new owner. */
	assert_int_equal(reg_learn(reg, 1, "delete", "da:8e:f0:44:67:03@0"), -1);
	assert_int_equal(reg_find_mac(reg, MAC_A)->id, 2);
	assert_int_equal(reg_learn(reg, 2, "delete", "da:8e:f0:44:67:03@0"), 0);
	assert_null(reg_find_mac(reg, MAC_A));
}

static void test_learn_rejects(void **state)
{
	struct registry *reg = *state;
	char addr[32];

	reg_connect(reg, 1, "carol", "", "", 1);
	assert_int_equal(reg_learn(reg, 1, "add", "10.8.0.2"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(reg_learn(reg, 1, "add", "da:8e:f0:44:67"), -1);
	assert_int_equal(reg_learn(reg, 1, "add", "da:8e:f0:44:67:03@"), -1);
	assert_int_equal(reg_learn(reg, 1, "add", "da:8e:f0:44:67:03@4096"), -1);
	assert_int_equal(reg_learn(reg, 1, "add", "da:8e:f0:44:67:03x"), -1);
	assert_int_equal(reg_learn(reg, 1, "frob", "da:8e:f0:44:67:03@0"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(reg_learn(reg, 99, "add", "da:8e:f0:44:67:03@0"), -1);
	assert_int_equal(errno, ENOENT);
	for (int i = 0; i < REG_MAX_MACS; i++) {
		snprintf(addr, sizeof(addr), "02:00:00:00:01:%02x@0", i);
		assert_int_equal(reg_learn(reg, 1, "add", addr), 0);
	}
	assert_int_equal(reg_learn(reg, 1, "add", "02:00:00:00:02:00@0"), -1);
	assert_int_equal(errno, ENOSPC);
	/* Learning a MAC twice is harmless. */
	assert_int_equal(reg_learn(reg, 1, "add", "02:00:00:00:01:00@0"), 0);
	assert_int_equal(reg_find(reg, 1)->nmacs, REG_MAX_MACS);
}

/* The id hash must stay right across collisions, reconnects and removals. */
static void test_many_clients(void **state)
{
	struct registry *reg = *state;

	for (uint32_t id = 1; id <= 3000; id++)
		assert_non_null(reg_connect(reg, id * 1024, "x", "", "", id));
	assert_non_null(reg_connect(reg, 5 * 1024, "again", "", "", 1));
	for (uint32_t id = 1; id <= 3000; id += 2)
		assert_int_equal(reg_disconnect(reg, id * 1024), 0);
	assert_int_equal(reg_count(reg), 1500);
	for (uint32_t id = 1; id <= 3000; id++) {
		struct client *c = reg_find(reg, id * 1024);

		if (id % 2)
			assert_null(c);
		else
			assert_true(c && c->id == id * 1024);
	}
	assert_null(reg_find(reg, 5 * 1024));
}

static void test_parse_mac_vid(void **state)
{
	uint8_t mac[6];
	uint16_t vid = 99;
	char buf[18];

	(void)state;
	assert_int_equal(reg_parse_mac("02:00:5e:00:01:ff@12", mac, &vid), 0);
	assert_int_equal(vid, 12);
	assert_string_equal(reg_format_mac(mac, buf), "02:00:5e:00:01:ff");
	assert_int_equal(reg_parse_mac("02:00:5e:00:01:ff", mac, &vid), 0);
	assert_int_equal(vid, 0);
	assert_int_equal(reg_parse_mac("", mac, &vid), -1);
	assert_int_equal(reg_parse_mac("0:0:0:0:0:0", mac, &vid), -1);
}

static void groups_stub(void *arg, const struct client *c, FILE *out)
{
	(void)arg;
	if (c->id == 7)
		fputs("239.1.1.1 239.1.1.2", out);
}

static void test_status_format(void **state)
{
	struct registry *reg = *state;
	struct status_view v = { .reg = reg, .client_groups = groups_stub };
	struct client *c;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	c = reg_connect(reg, 7, "al,ice\n", "10.8.0.2", "198.51.100.7:51820", 1795480700);
	reg_learn(reg, 7, "add", "da:8e:f0:44:67:03@0");
	c->frames_sent = 1000;
	c->bytes_sent = 1358000;
	c->refused[POLICY_MAX_SOURCES_HIT] = 3;
	assert_int_equal(status_write(out, &v, 1795480800), 0);
	fclose(out);
	assert_non_null(strstr(buf, "TITLE,openvpn-mcast "));
	assert_non_null(strstr(buf, ",1795480800\n"));
	assert_non_null(strstr(buf, "HEADER,CLIENT,Id,Common Name,Real Address,Virtual Address,MAC,"
				    "Groups,Frames Sent,Bytes Sent,Connected Since (time_t),Policy,"
				    "Refused Not Allowed,Refused Denied,Refused Max Groups,"
				    "Refused Max Sources\n"));
	/* A comma or newline in a common name must not break the row. */
	assert_non_null(strstr(buf, "\nCLIENT,7,al_ice_,198.51.100.7:51820,10.8.0.2,"
				    "da:8e:f0:44:67:03,239.1.1.1 239.1.1.2,1000,1358000,1795480700,"
				    "default,0,0,0,3\n"));
	assert_non_null(strstr(buf, "HEADER,GROUP,Group,Members,Frames In,Frames Out,Bytes Out\n"));
	assert_non_null(strstr(buf, "HEADER,DROPS,Reason,Count\n"));
	assert_int_equal(strcmp(buf + len - 4, "END\n"), 0);
	free(buf);
}

/* The status file is replaced whole: readers never see half a report. */
static void test_status_file_atomic(void **state)
{
	struct registry *reg = *state;
	struct status_view v = { .reg = reg };
	char dir[] = "/tmp/omstatusXXXXXX", path[64], buf[4096];
	FILE *f;
	size_t n;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/status", dir);
	reg_connect(reg, 1, "alice", "10.8.0.2", "192.0.2.2:1", 5);
	assert_int_equal(status_write_file(path, &v, 10), 0);
	reg_connect(reg, 2, "bob", "10.8.0.3", "192.0.2.3:1", 6);
	assert_int_equal(status_write_file(path, &v, 11), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\nCLIENT,2,bob,"));
	assert_int_equal(strcmp(buf + n - 4, "END\n"), 0);
	/* An unwritable place fails cleanly and leaves no temporary behind. */
	snprintf(path, sizeof(path), "%s/missing/status", dir);
	assert_int_equal(status_write_file(path, &v, 12), -1);
	snprintf(path, sizeof(path), "%s/status", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);	/* no temporary file left */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_learn_disconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_cn_are_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac_follows_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_clients, setup, teardown),
		cmocka_unit_test(test_parse_mac_vid),
		cmocka_unit_test_setup_teardown(test_status_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_file_atomic, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
