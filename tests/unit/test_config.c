/* Unit tests of the config loader: defaults, every key, file:line errors. */
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

#include "config.h"
#include "divert.h"

static char path[64];

static int load(struct cfg *cfg, const char *text, char *err, size_t errlen)
{
	FILE *f;
	int fd;

	strcpy(path, "/tmp/omcfgXXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	cfg_defaults(cfg);
	err[0] = '\0';
	int rc = cfg_load(cfg, path, err, errlen);
	unlink(path);
	return rc;
}

static void test_defaults(void **state)
{
	struct cfg cfg;

	(void)state;
	cfg_defaults(&cfg);
	/* Per instance: both follow from the tap (cfg_instance()). */
	assert_string_equal(cfg.nft_table, "openvpn_mcast_%i");
	assert_int_equal(cfg.nflog_group, 0);
	assert_string_equal(cfg.control_socket, "/run/openvpn-mcast/%i.sock");
	assert_string_equal(cfg.metrics_file, "");
	assert_true(cfg_needs_instance(&cfg));
	assert_int_equal(cfg.nflog_batch_ms, 10);
	assert_int_equal(cfg.igmp.querier, QUERIER_AUTO);
	assert_int_equal(cfg.igmp.version, 2);
	/* 2 x 125 + 10 = 260 s group membership interval. */
	assert_int_equal(cfg.igmp.robustness * cfg.igmp.query_interval +
			 cfg.igmp.query_response_interval, 260);
	assert_string_equal(cfg.status_file, "");
	assert_string_equal(cfg.upstream, "");		/* standalone mode off */
}

static void test_every_key(void **state)
{
	struct cfg cfg;
	char err[512];

	(void)state;
	assert_int_equal(load(&cfg,
			      "helper = \"/opt/h\";\n"
			      "control_socket = \"/run/x.sock\";\n"
			      "status_file = \"/run/x.status\";\n"
			      "status_interval = 5;\n"
			      "nft_table = \"mc_1\";\n"
			      "nflog_group = 7;\n"
			      "nflog_batch_ms = 0;\n"
			      "log_level = 3;\n"
			      "igmp = { querier = \"off\"; version = 3; robustness = 3;\n"
			      "         query_interval = 60; query_response_interval = 5; };\n",
			      err, sizeof(err)), 0);
	assert_string_equal(cfg.helper, "/opt/h");
	assert_string_equal(cfg.control_socket, "/run/x.sock");
	assert_string_equal(cfg.status_file, "/run/x.status");
	assert_int_equal(cfg.status_interval, 5);
	assert_string_equal(cfg.nft_table, "mc_1");
	assert_int_equal(cfg.nflog_group, 7);
	assert_int_equal(cfg.nflog_batch_ms, 0);
	assert_int_equal(cfg.log_level, 3);
	assert_int_equal(cfg.igmp.querier, QUERIER_OFF);
	assert_int_equal(cfg.igmp.version, 3);
	assert_int_equal(cfg.igmp.robustness, 3);
	assert_int_equal(cfg.igmp.query_interval, 60);
	assert_int_equal(cfg.igmp.query_response_interval, 5);
}

/* Each bad file must fail with "file:line: ..." naming the right line. */
static void expect_error(const char *text, int line, const char *needle)
{
	struct cfg cfg;
	char err[512], prefix[96];

	assert_int_equal(load(&cfg, text, err, sizeof(err)), -1);
	assert_int_equal(errno, EINVAL);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, needle))
		fail_msg("got \"%s\", want prefix \"%s\" and \"%s\"", err, prefix, needle);
}

static void test_errors_have_file_line(void **state)
{
	(void)state;
	expect_error("nflog_group = 1;\nbogus = 1;\n", 2, "unknown key 'bogus'");
	expect_error("\n\nnflog_group = \"x\";\n", 3, "must be an integer");
	expect_error("nflog_group = -1;\n", 1, "between 0 and 65535");
	expect_error("nft_table = \"a%x\";\n", 1, "letters, digits");
	expect_error("control_socket = 5;\n", 1, "must be a string");
	expect_error("control_socket = \"rel.sock\";\n", 1, "absolute path");
	expect_error("nft_table = \"bad-name\";\n", 1, "letters, digits");
	expect_error("igmp = { querier = \"maybe\"; };\n", 1, "\"auto\", \"on\" or \"off\"");
	expect_error("igmp = {\n version = 4;\n};\n", 2, "between 1 and 3");
	expect_error("igmp = {\n frob = 4;\n};\n", 2, "unknown key 'igmp.frob'");
	expect_error("nflog_group = 5;\nnft_table = = \"x\";\n", 2, "syntax error");
}

static void test_upstream(void **state)
{
	struct cfg cfg;
	char err[512];

	(void)state;
	assert_int_equal(load(&cfg, "nflog_group = 5;\nupstream = \"eth0\";\n", err, sizeof(err)), 0);
	assert_string_equal(cfg.upstream, "eth0");
	assert_int_equal(cfg.nflog_group, 5);
	assert_string_equal(err, "");
	/* Longest name the kernel allows, and its other characters. */
	assert_int_equal(load(&cfg, "upstream = \"veth-up.12_ab3x\";\n", err, sizeof(err)), 0);
	assert_string_equal(cfg.upstream, "veth-up.12_ab3x");
	assert_int_equal(strlen(cfg.upstream), 15);
	/* "" means off. */
	assert_int_equal(load(&cfg, "upstream = \"\";\n", err, sizeof(err)), 0);
	assert_string_equal(cfg.upstream, "");
}

static void test_upstream_errors(void **state)
{
	(void)state;
	expect_error("nflog_group = 5;\nupstream = \"0123456789abcdef\";\n", 2, "too long");
	expect_error("upstream = \"0123456789abcdef\";\n", 1, "'upstream'");
	expect_error("\n\nupstream = \"eth 0\";\n", 3, "not a valid interface name");
	expect_error("upstream = \"eth/0\";\n", 1, "not a valid interface name");
	expect_error("upstream = \"eth0:1\";\n", 1, "not a valid interface name");
	expect_error("upstream = \"eth\\\"0\";\n", 1, "not a valid interface name");
	expect_error("upstream = \"eth\\t0\";\n", 1, "not a valid interface name");
	expect_error("upstream = \" \";\n", 1, "'upstream'");
	expect_error("upstream = 5;\n", 1, "must be a string");
}

/* client_multicast: on by default, a boolean, errors as file:line. */
static void test_client_multicast(void **state)
{
	struct cfg cfg;
	char err[512];

	(void)state;
	cfg_defaults(&cfg);
	assert_int_equal(cfg.client_multicast, 1);
	assert_int_equal(load(&cfg, "client_multicast = false;\n", err, sizeof(err)), 0);
	assert_int_equal(cfg.client_multicast, 0);
	assert_int_equal(load(&cfg, "client_multicast = true;\n", err, sizeof(err)), 0);
	assert_int_equal(cfg.client_multicast, 1);
	expect_error("\nclient_multicast = 0;\n", 2, "must be true or false");
	expect_error("client_multicast = \"no\";\n", 1, "must be true or false");
}

/* restart = { crashes; window; }: the supervisor's crash-loop limit. */
static void test_restart(void **state)
{
	struct cfg cfg;
	char err[512];

	(void)state;
	cfg_defaults(&cfg);
	assert_int_equal(cfg.restart.crashes, 5);
	assert_int_equal(cfg.restart.window, 60);
	assert_int_equal(load(&cfg, "restart = { crashes = 1; window = 600; };\n", err, sizeof(err)), 0);
	assert_int_equal(cfg.restart.crashes, 1);
	assert_int_equal(cfg.restart.window, 600);
	assert_int_equal(load(&cfg, "restart = { window = 10; };\n", err, sizeof(err)), 0);
	assert_int_equal(cfg.restart.crashes, 5);
	expect_error("\nrestart = { crashes = 0; };\n", 2, "'crashes' must be between 1 and 1000");
	expect_error("restart = { window = 0; };\n", 1, "'window' must be between 1 and 86400");
	expect_error("restart = { tries = 3; };\n", 1, "unknown key 'restart.tries'");
	expect_error("restart = 3;\n", 1, "'restart' must be a group");
}

/* Two taps from one config file get their own table, group, socket and
 * files; explicit settings win. */
static void test_instance(void **state)
{
	struct cfg a, b, x;
	char err[512];

	(void)state;
	assert_int_equal(load(&a, "metrics_file = \"/run/om/%i.prom\";\n"
				  "status_file = \"/var/log/om-%i.csv\";\n", err, sizeof(err)), 0);
	b = a;
	assert_int_equal(cfg_instance(&a, "tap0", 7, err, sizeof(err)), 0);
	assert_int_equal(cfg_instance(&b, "tap-udp.1", 8, err, sizeof(err)), 0);
	assert_false(cfg_needs_instance(&a));
	assert_string_equal(a.nft_table, "openvpn_mcast_tap0");
	assert_string_equal(b.nft_table, "openvpn_mcast_tap_udp_1");
	assert_int_equal(a.nflog_group, CFG_NFLOG_BASE + 7);
	assert_int_equal(b.nflog_group, CFG_NFLOG_BASE + 8);
	assert_string_equal(a.control_socket, "/run/openvpn-mcast/tap0.sock");
	assert_string_equal(b.control_socket, "/run/openvpn-mcast/tap-udp.1.sock");
	assert_string_equal(b.metrics_file, "/run/om/tap-udp.1.prom");
	assert_string_equal(b.status_file, "/var/log/om-tap-udp.1.csv");

	assert_int_equal(load(&x, "nft_table = \"mine\";\nnflog_group = 5;\n"
				  "control_socket = \"/run/c.sock\";\n", err, sizeof(err)), 0);
	assert_false(cfg_needs_instance(&x));
	assert_int_equal(cfg_instance(&x, "tap3", 9, err, sizeof(err)), 0);
	assert_string_equal(x.nft_table, "mine");
	assert_int_equal(x.nflog_group, 5);
	assert_string_equal(x.control_socket, "/run/c.sock");

	/* The group is a u16. */
	cfg_defaults(&x);
	assert_int_equal(cfg_instance(&x, "tap0", 65535 - CFG_NFLOG_BASE, err, sizeof(err)), 0);
	assert_int_equal(x.nflog_group, 65535);
	cfg_defaults(&x);
	assert_int_equal(cfg_instance(&x, "tap0", 65536 - CFG_NFLOG_BASE, err, sizeof(err)), -1);
	assert_int_equal(errno, ERANGE);
	assert_non_null(strstr(err, "set nflog_group"));
}

/* `user`: a name, looked up only when the helper drops privileges. */
static void test_user(void **state)
{
	struct cfg cfg;
	char err[512];

	(void)state;
	cfg_defaults(&cfg);
	assert_string_equal(cfg.user, "");		/* stays root */
	assert_int_equal(load(&cfg, "user = \"nobody\";\n", err, sizeof(err)), 0);
	assert_string_equal(cfg.user, "nobody");
	/* Unknown users are the helper's concern at the drop, not the
	 * loader's: the plugin reads this file too. */
	assert_int_equal(load(&cfg, "user = \"no-such-user\";\n", err, sizeof(err)), 0);
	expect_error("\nuser = \"\";\n", 2, "user must be a user name");
	expect_error("user = \"a:b\";\n", 1, "user must be a user name");
	expect_error("user = \"a b\";\n", 1, "user must be a user name");
	expect_error("user = \"-x\";\n", 1, "user must be a user name");
	expect_error("user = 65534;\n", 1, "must be a string");
	expect_error("user = \"0123456789012345678901234567890123456789012345678901234567890123\";\n",
		     1, "too long");
}

static void test_missing_file(void **state)
{
	struct cfg cfg;
	char err[512];

	(void)state;
	cfg_defaults(&cfg);
	assert_int_equal(cfg_load(&cfg, "/nonexistent/mcast.conf", err, sizeof(err)), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "/nonexistent/mcast.conf"));
}

/* Every upstream name the config accepts is one the nft script can carry
 * (else the helper would start and fail at the tap's UP); "." and ".."
 * are never interface names. */
static void test_upstream_names_fit_divert(void **state)
{
	static const char *const names[] = { "eth+0", "eth@0", "br#1", "eth0,1", ".", ".." };
	char err[256], buf[1024], path[] = "/tmp/omcfgnXXXXXX";
	struct cfg c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int fd = mkstemp(path);
		FILE *f = fdopen(fd, "w");
		int accepted, scriptable;

		fprintf(f, "upstream = \"%s\";\n", names[i]);
		fclose(f);
		cfg_defaults(&c);
		accepted = cfg_load(&c, path, err, sizeof(err)) == 0;
		unlink(path);
		snprintf(path, sizeof(path), "/tmp/omcfgnXXXXXX");
		scriptable = divert_upstream_rules(buf, sizeof(buf), "t", names[i], 1, 1) > 0;
		if (accepted && !scriptable)
			fail_msg("config accepts upstream \"%s\", divert refuses it", names[i]);
		if (accepted && (!strcmp(names[i], ".") || !strcmp(names[i], "..")))
			fail_msg("config accepts upstream \"%s\", the kernel never does", names[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_errors_have_file_line),
		cmocka_unit_test(test_upstream),
		cmocka_unit_test(test_upstream_errors),
		cmocka_unit_test(test_client_multicast),
		cmocka_unit_test(test_upstream_names_fit_divert),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_instance),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
