/*
 * test_mroute.c - reading /proc/net/ip_mr_vif (helper/edge/mroute.c): is the
 * tap already a multicast routing interface (standalone upstream refuses
 * to start then)?
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mroute.h"

/* As the kernel prints it: "%2td %-10s %8ld %7ld  %8ld %7ld %05X %08X %08X\n". */
#define HDR "Interface      BytesIn  PktsIn  BytesOut PktsOut Flags Local    Remote\n"

static void test_vif_listed(void **state)
{
	static const char proc[] = HDR
		" 0 up0              0       0         0       0 00000 0100630A 00000000\n"
		" 1 tap0          1234      10      5678      20 00000 0108000A 00000000\n"
		" 2 pimreg           0       0         0       0 00004 00000000 00000000\n"
		"10 tap-srv.1        0       0         0       0 00000 0200000A 00000000\n";

	(void)state;
	assert_int_equal(mroute_vif_listed(proc, "up0"), 1);
	assert_int_equal(mroute_vif_listed(proc, "tap0"), 1);
	assert_int_equal(mroute_vif_listed(proc, "pimreg"), 1);
	assert_int_equal(mroute_vif_listed(proc, "tap-srv.1"), 1);
	assert_int_equal(mroute_vif_listed(proc, "eth0"), 0);
	assert_int_equal(mroute_vif_listed(proc, "TAP0"), 0);
	/* Column headings and other fields are no interface names. */
	assert_int_equal(mroute_vif_listed(proc, "Interface"), 0);
	assert_int_equal(mroute_vif_listed(proc, "BytesIn"), 0);
	assert_int_equal(mroute_vif_listed(proc, "00000"), 0);
	assert_int_equal(mroute_vif_listed(proc, "1234"), 0);
}

static void test_vif_prefix(void **state)
{
	static const char only_long[] = HDR
		" 0 tap01            0       0         0       0 00000 0100630A 00000000\n";
	static const char only_short[] = HDR
		" 0 tap0             0       0         0       0 00000 0100630A 00000000\n";

	(void)state;
	assert_int_equal(mroute_vif_listed(only_long, "tap0"), 0);
	assert_int_equal(mroute_vif_listed(only_long, "tap"), 0);
	assert_int_equal(mroute_vif_listed(only_long, "tap01"), 1);
	assert_int_equal(mroute_vif_listed(only_short, "tap01"), 0);
	assert_int_equal(mroute_vif_listed(only_short, "tap0"), 1);
}

static void test_vif_long_name(void **state)
{
	/* 15 characters, the longest the kernel allows: wider than %-10s. */
	static const char proc[] = HDR
		" 0 abcdefghijklmno       0       0         0       0 00000 0100630A 00000000\n";

	(void)state;
	assert_int_equal(mroute_vif_listed(proc, "abcdefghijklmno"), 1);
	assert_int_equal(mroute_vif_listed(proc, "abcdefghijklmn"), 0);
}

static void test_vif_empty(void **state)
{
	(void)state;
	assert_int_equal(mroute_vif_listed(NULL, "tap0"), 0);
	assert_int_equal(mroute_vif_listed("", "tap0"), 0);
	assert_int_equal(mroute_vif_listed(HDR, "tap0"), 0);
	assert_int_equal(mroute_vif_listed("Interface      BytesIn  PktsIn  BytesOut PktsOut "
					   "Flags Local    Remote", "tap0"), 0);
	assert_int_equal(mroute_vif_listed("\n\n\n", "tap0"), 0);
}

static void test_vif_last_line_unterminated(void **state)
{
	static const char proc[] = HDR
		" 0 up0              0       0         0       0 00000 0100630A 00000000\n"
		" 1 tap0             0       0         0       0 00000 0108000A 00000000";

	(void)state;
	assert_int_equal(mroute_vif_listed(proc, "tap0"), 1);
	assert_int_equal(mroute_vif_listed(proc, "up0"), 1);
}

/* The header is skipped even if it happened to read like a vif line. */
static void test_vif_header_skipped(void **state)
{
	(void)state;
	assert_int_equal(mroute_vif_listed(" 0 tap0 0 0 0 0 00000 00000000 00000000\n", "tap0"), 0);
	assert_int_equal(mroute_vif_listed(" 0 tap0 0 0 0 0 00000 00000000 00000000\n"
					   " 0 tap0 0 0 0 0 00000 00000000 00000000\n", "tap0"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vif_listed),
		cmocka_unit_test(test_vif_prefix),
		cmocka_unit_test(test_vif_long_name),
		cmocka_unit_test(test_vif_empty),
		cmocka_unit_test(test_vif_last_line_unterminated),
		cmocka_unit_test(test_vif_header_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
