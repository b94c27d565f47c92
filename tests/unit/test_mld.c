/*
 * test_mld.c - MLD parser and query builder, on frames built here byte by
 * byte (as RFC 2710 / RFC 3810 lay them out) and on malformed variants.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "csum.h"
#include "mld.h"
#include "mld_frames.h"

static const char *const S[] = { "2001:db8::1", "2001:db8::2", "2001:db8::3" };

/* The report the tests start from: 4 records, 2 of them usable. */
static size_t v2_report(uint8_t *f)
{
	uint8_t m[400] = { 143, 0, 0, 0, 0, 0, 0, 4 };
	size_t n = 8;

	n = rec(m, n, MLD_CHANGE_TO_EXCLUDE, "ff3e::8000:1", NULL, 0, 0);
	n = rec(m, n, MLD_MODE_IS_EXCLUDE, "ff02::fb", NULL, 0, 0);
	n = rec(m, n, MLD_ALLOW_NEW_SOURCES, "ff3e::8000:2", S, 2, 1);
	n = rec(m, n, 9, "ff3e::8000:3", S, 1, 0);
	return build(f, "fe80::99:2", "ff02::16", 1, hbh_ra, 8, m, n);
}

static void parse_ok(const uint8_t *f, size_t len, struct mld_msg *m)
{
	enum mld_drop why = MLD_DROP_MAX;

	assert_int_equal(mld_parse(f, len, m, &why, NULL), 0);
	assert_int_equal(why, MLD_DROP_MAX);
}

static void parse_bad(const uint8_t *d, size_t len, enum mld_drop expect)
{
	struct mld_stats st = { { 0 } };
	enum mld_drop why = MLD_DROP_MAX;
	struct mld_msg m;

	errno = 0;
	assert_int_equal(mld_parse(d, len, &m, &why, &st), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(mld_drop_name(why), mld_drop_name(expect));
	assert_int_equal(st.drops[expect], 1);
}

static void test_v1_report_done(void **state)
{
	uint8_t f[256], g[16];
	struct mld_msg m;
	size_t n;

	(void)state;
	A6("ff3e::8000:1", g);
	n = v1(f, MLD_V1_REPORT, "ff3e::8000:1", 0);
	parse_ok(f, n, &m);
	assert_int_equal(m.type, MLD_V1_REPORT);
	assert_int_equal(m.version, 1);
	assert_memory_equal(m.group, g, 16);
	assert_memory_equal(m.src_mac, host_mac, 6);
	assert_int_equal(m.hop_limit, 1);
	assert_false(m.tagged);

	n = v1(f, MLD_V1_DONE, "ff3e::8000:1", 0);
	parse_ok(f, n, &m);
	assert_int_equal(m.type, MLD_V1_DONE);
	assert_memory_equal(m.group, g, 16);

	/* A host without an address yet reports from :: (RFC 3810 5.2.13). */
	f[L3 + 8] = 0, f[L3 + 9] = 0;
	memset(f + L3 + 8, 0, 16);
	fix_csum(f, L3);
	parse_ok(f, n, &m);
}

static void test_v2_report(void **state)
{
	struct mld_stats st = { { 0 } };
	struct mld_rec_iter it;
	struct mld_rec r;
	uint8_t f[512], g[16], s[16];
	struct mld_msg m;
	size_t n = v2_report(f);

	(void)state;
	assert_int_equal(mld_parse(f, n, &m, NULL, &st), 0);
	assert_int_equal(m.type, MLD_V2_REPORT);
	assert_int_equal(m.version, 2);
	assert_int_equal(m.nrec, 4);
	assert_int_equal(m.nrec_valid, 2);
	/* The skipped records are counted. */
	assert_int_equal(st.drops[MLD_DROP_LINK_LOCAL], 1);
	assert_int_equal(st.drops[MLD_DROP_UNKNOWN_TYPE], 1);

	mld_rec_begin(&m, &it);
	assert_true(mld_rec_next(&it, &r));
	assert_int_equal(r.type, MLD_CHANGE_TO_EXCLUDE);
	A6("ff3e::8000:1", g);
	assert_memory_equal(r.group, g, 16);
	assert_int_equal(r.nsrc, 0);
	assert_true(mld_rec_next(&it, &r));
	assert_int_equal(r.type, MLD_ALLOW_NEW_SOURCES);
	A6("ff3e::8000:2", g);
	assert_memory_equal(r.group, g, 16);
	assert_int_equal(r.nsrc, 2);
	A6(S[1], s);
	assert_memory_equal(r.src + 16, s, 16);
	assert_false(mld_rec_next(&it, &r));
	assert_false(mld_rec_next(&it, &r));

	/* Every record type is usable. */
	for (int t = MLD_MODE_IS_INCLUDE; t <= MLD_BLOCK_OLD_SOURCES; t++) {
		uint8_t mm[64] = { 143, 0, 0, 0, 0, 0, 0, 1 };
		size_t k = rec(mm, 8, (uint8_t)t, "ff15::1", S, 1, 0);

		n = build(f, "fe80::1", "ff02::16", 1, hbh_ra, 8, mm, k);
		parse_ok(f, n, &m);
		mld_rec_begin(&m, &it);
		assert_true(mld_rec_next(&it, &r));
		assert_int_equal(r.type, t);
	}

	/* No records at all is a sound, empty report. */
	{
		uint8_t mm[8] = { 143 };

		n = build(f, "fe80::1", "ff02::16", 1, hbh_ra, 8, mm, 8);
		parse_ok(f, n, &m);
		mld_rec_begin(&m, &it);
		assert_false(mld_rec_next(&it, &r));
	}
}

static void test_queries(void **state)
{
	uint8_t f[512], g[16];
	struct mld_msg m;
	size_t n;

	(void)state;
	/* v1 general query: 24 bytes, delay in ms. */
	{
		uint8_t q[24] = { 130, 0, 0, 0, 0x27, 0x10 };

		n = build(f, "fe80::1", "ff02::1", 1, hbh_ra, 8, q, sizeof(q));
		parse_ok(f, n, &m);
		assert_int_equal(m.type, MLD_QUERY);
		assert_int_equal(m.version, 1);
		assert_int_equal(m.max_resp_ms, 10000);
	}
	/* v2 group-and-source query with 2 sources, exponential code. */
	{
		uint8_t q[28 + 32] = { 130, 0, 0, 0, 0x80 | 0x01, 0x00 };

		A6("ff3e::8000:1", q + 8);
		q[24] = 0x08 | 3;
		q[25] = 125;
		q[27] = 2;
		A6(S[0], q + 28);
		A6(S[1], q + 44);
		n = build(f, "fe80::1", "ff3e::8000:1", 1, hbh_ra, 8, q, sizeof(q));
		parse_ok(f, n, &m);
		assert_int_equal(m.version, 2);
		assert_int_equal(m.max_resp_ms, mld_code_decode(0x8100));
		assert_int_equal(m.max_resp_ms, (0x100 | 0x1000) << 3);
		assert_true(m.s_flag);
		assert_int_equal(m.qrv, 3);
		assert_int_equal(m.qqi, 125);
		assert_int_equal(m.nsrc, 2);
		A6("ff3e::8000:1", g);
		assert_memory_equal(m.group, g, 16);
		/* A source count beyond the message. */
		q[27] = 3;
		n = build(f, "fe80::1", "ff3e::8000:1", 1, hbh_ra, 8, q, sizeof(q));
		parse_bad(f, n, MLD_DROP_BAD_LENGTH);
		/* 25..27 bytes is neither v1 nor v2. */
		n = build(f, "fe80::1", "ff02::1", 1, hbh_ra, 8, q, 26);
		parse_bad(f, n, MLD_DROP_BAD_LENGTH);
		/* A query about a link-local group names no group of ours. */
		q[27] = 0;
		A6("ff02::fb", q + 8);
		n = build(f, "fe80::1", "ff02::fb", 1, hbh_ra, 8, q, 28);
		parse_bad(f, n, MLD_DROP_LINK_LOCAL);
		/* Queries only come from link-local addresses, never ::. */
		memset(q + 8, 0, 16);
		n = build(f, "::", "ff02::1", 1, hbh_ra, 8, q, 28);
		parse_bad(f, n, MLD_DROP_BAD_SOURCE);
		n = build(f, "2001:db8::1", "ff02::1", 1, hbh_ra, 8, q, 28);
		parse_bad(f, n, MLD_DROP_BAD_SOURCE);
	}
}

static void test_truncated(void **state)
{
	uint8_t f[512], c[512];
	size_t n = v2_report(f), q;

	(void)state;
	/* Every shorter capture of a sound frame is refused, never overread:
	 * each copy sits at the end of a buffer valgrind/ASan would guard. */
	for (size_t l = 0; l < n; l++) {
		struct mld_msg m;
		uint8_t *p = c + sizeof(c) - l;

		memcpy(p, f, l);
		assert_int_equal(mld_parse(p, l, &m, NULL, NULL), -1);
	}
	parse_bad(f, 13, MLD_DROP_TRUNCATED);
	parse_bad(f, L3 + 39, MLD_DROP_TRUNCATED);
	parse_bad(f, n - 1, MLD_DROP_TRUNCATED);
	q = v1(f, MLD_V1_REPORT, "ff3e::1", 0);
	for (size_t l = 0; l < q; l++)
		parse_bad(f, l, MLD_DROP_TRUNCATED);
	/* Ethernet padding after the payload is fine. */
	memset(f + q, 0, 20);
	{
		struct mld_msg m;

		parse_ok(f, q + 20, &m);
	}
}

static void test_bad_checksum(void **state)
{
	uint8_t f[512];
	size_t n = v2_report(f);

	(void)state;
	f[ICMP + 2] ^= 0x01;
	parse_bad(f, n, MLD_DROP_BAD_CHECKSUM);
	f[ICMP + 2] ^= 0x01;
	/* The pseudo-header counts: another destination breaks it. */
	f[L3 + 39] ^= 0x01;
	parse_bad(f, n, MLD_DROP_BAD_CHECKSUM);
	f[L3 + 39] ^= 0x01;
	n = v1(f, MLD_V1_REPORT, "ff3e::1", 0);
	f[n - 1] ^= 0x80;
	parse_bad(f, n, MLD_DROP_BAD_CHECKSUM);
}

static void test_bad_length(void **state)
{
	uint8_t f[512];
	size_t n;

	(void)state;
	/* Payload length 0 (jumbogram). */
	n = v1(f, MLD_V1_REPORT, "ff3e::1", 0);
	f[L3 + 4] = f[L3 + 5] = 0;
	parse_bad(f, n, MLD_DROP_BAD_LENGTH);
	/* Hop-by-Hop longer than the payload. */
	n = v1(f, MLD_V1_REPORT, "ff3e::1", 0);
	f[HBH + 1] = 4;
	parse_bad(f, n, MLD_DROP_BAD_LENGTH);
	/* An option running past its header. */
	n = v1(f, MLD_V1_REPORT, "ff3e::1", 0);
	f[HBH + 7] = 1;
	parse_bad(f, n, MLD_DROP_BAD_LENGTH);
	/* A payload of fewer than 8 bytes cannot hold a Hop-by-Hop header. */
	{
		uint8_t m[4] = { 131 };

		n = build(f, "fe80::1", "ff02::16", 1, NULL, 0, m, 4);
		f[L3 + 6] = 0;
		f[L3 + 5] = 4;
		parse_bad(f, n, MLD_DROP_BAD_LENGTH);
		/* Fewer than 4 bytes of ICMPv6. */
		n = build(f, "fe80::1", "ff02::16", 1, hbh_ra, 8, m, 2);
		parse_bad(f, n, MLD_DROP_BAD_LENGTH);
	}
	/* A v1 report of 20 bytes; a v2 report of 6. */
	{
		uint8_t m[24] = { 131 };

		A6("ff3e::1", m + 8);
		n = build(f, "fe80::1", "ff02::16", 1, hbh_ra, 8, m, 20);
		parse_bad(f, n, MLD_DROP_BAD_LENGTH);
		m[0] = 143;
		n = build(f, "fe80::1", "ff02::16", 1, hbh_ra, 8, m, 6);
		parse_bad(f, n, MLD_DROP_BAD_LENGTH);
	}
}

static void test_bad_record(void **state)
{
	uint8_t f[512];
	size_t n;

	(void)state;
	/* One record more than there are. */
	n = v2_report(f);
	f[ICMP + 7] = 5;
	fix_csum(f, L3);
	parse_bad(f, n, MLD_DROP_BAD_RECORD);
	/* A source count running past the end. */
	n = v2_report(f);
	f[ICMP + 8 + 3] = 40;
	fix_csum(f, L3);
	parse_bad(f, n, MLD_DROP_BAD_RECORD);
	/* Aux data running past the end. */
	n = v2_report(f);
	f[ICMP + 8 + 1] = 200;
	fix_csum(f, L3);
	parse_bad(f, n, MLD_DROP_BAD_RECORD);
	/* Half a record header. */
	{
		uint8_t m[8 + 10] = { 143, 0, 0, 0, 0, 0, 0, 1, 4 };

		n = build(f, "fe80::1", "ff02::16", 1, hbh_ra, 8, m, sizeof(m));
		parse_bad(f, n, MLD_DROP_BAD_RECORD);
	}
}

static void test_groups(void **state)
{
	static const struct {
		const char *g;
		int why;
	} cases[] = {
		{ "ff3e::8000:1", -1 },
		{ "ff15::1", -1 },
		{ "ff05::2", -1 },
		{ "ff0e::1", -1 },
		{ "ff38::1", -1 },
		{ "ff02::1", MLD_DROP_LINK_LOCAL },
		{ "ff12::1", MLD_DROP_LINK_LOCAL },
		{ "ff01::1", MLD_DROP_LINK_LOCAL },
		{ "ff00::1", MLD_DROP_RESERVED },
		{ "ff30::1", MLD_DROP_RESERVED },
		{ "ff0f::1", MLD_DROP_RESERVED },
		{ "fe80::1", MLD_DROP_NOT_MULTICAST },
		{ "2001:db8::1", MLD_DROP_NOT_MULTICAST },
		{ "::", MLD_DROP_NOT_MULTICAST },
	};
	uint8_t f[256], a[16];
	struct mld_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t n = v1(f, MLD_V1_REPORT, cases[i].g, 0);

		A6(cases[i].g, a);
		assert_int_equal(mld_group_trackable(a), cases[i].why < 0);
		if (cases[i].why < 0)
			parse_ok(f, n, &m);
		else
			parse_bad(f, n, cases[i].why);
		n = v1(f, MLD_V1_DONE, cases[i].g, 0);
		if (cases[i].why >= 0)
			parse_bad(f, n, cases[i].why);
	}
}

static void test_unknown_type(void **state)
{
	uint8_t f[256];
	size_t n;

	(void)state;
	/* ICMPv6 that is not MLD behind a Router Alert. */
	n = v1(f, 135, "ff3e::1", 0);
	parse_bad(f, n, MLD_DROP_UNKNOWN_TYPE);
	n = v1(f, 144, "ff3e::1", 0);
	parse_bad(f, n, MLD_DROP_UNKNOWN_TYPE);
}

static void test_not_mld(void **state)
{
	uint8_t f[256], m[24] = { 135 };
	size_t n;

	(void)state;
	/* IPv4. */
	n = v1(f, MLD_V1_REPORT, "ff3e::1", 0);
	f[12] = 0x08, f[13] = 0x00;
	parse_bad(f, n, MLD_DROP_NOT_MLD);
	/* IP version field not 6. */
	n = v1(f, MLD_V1_REPORT, "ff3e::1", 0);
	f[L3] = 0x40;
	parse_bad(f, n, MLD_DROP_NOT_MLD);
	/* UDP. */
	n = v1(f, MLD_V1_REPORT, "ff3e::1", 0);
	f[L3 + 6] = 17;
	parse_bad(f, n, MLD_DROP_NOT_MLD);
	/* Hop-by-Hop followed by UDP. */
	n = v1(f, MLD_V1_REPORT, "ff3e::1", 0);
	f[HBH] = 17;
	parse_bad(f, n, MLD_DROP_NOT_MLD);
	/* Neighbour discovery without Hop-by-Hop. */
	n = build(f, "fe80::1", "ff02::1:ff00:1", 255, NULL, 0, m, sizeof(m));
	parse_bad(f, n, MLD_DROP_NOT_MLD);
	/* Two stacked tags (QinQ) are not ours. */
	{
		uint8_t t[300];

		n = v1(f, MLD_V1_REPORT, "ff3e::1", 0);
		memcpy(t, f, 12);
		t[12] = 0x81, t[13] = 0, t[14] = 0, t[15] = 5;
		t[16] = 0x81, t[17] = 0, t[18] = 0, t[19] = 6;
		memcpy(t + 20, f + 12, n - 12);
		parse_bad(t, n + 8, MLD_DROP_NOT_MLD);
	}
}

static void test_router_alert(void **state)
{
	uint8_t f[256], m[24] = { MLD_V1_REPORT };
	uint8_t h[8];
	size_t n;

	(void)state;
	A6("ff3e::1", m + 8);
	/* No Hop-by-Hop header at all. */
	n = build(f, "fe80::1", "ff3e::1", 1, NULL, 0, m, sizeof(m));
	parse_bad(f, n, MLD_DROP_NO_ROUTER_ALERT);
	/* Only padding. */
	memcpy(h, (const uint8_t[8]){ 58, 0, 1, 4, 0, 0, 0, 0 }, 8);
	n = build(f, "fe80::1", "ff3e::1", 1, h, 8, m, sizeof(m));
	parse_bad(f, n, MLD_DROP_NO_ROUTER_ALERT);
	/* Router Alert for RSVP (value 1), not MLD. */
	memcpy(h, (const uint8_t[8]){ 58, 0, 5, 2, 0, 1, 1, 0 }, 8);
	n = build(f, "fe80::1", "ff3e::1", 1, h, 8, m, sizeof(m));
	parse_bad(f, n, MLD_DROP_NO_ROUTER_ALERT);
	/* Pad1 options before it, and a 16-byte header, are fine. */
	{
		uint8_t h16[16] = { 58, 1, 0, 0, 5, 2, 0, 0, 1, 6 };
		struct mld_msg mm;

		n = build(f, "fe80::1", "ff3e::1", 1, h16, 16, m, sizeof(m));
		parse_ok(f, n, &mm);
		assert_int_equal(mm.type, MLD_V1_REPORT);
	}
}

static void test_hop_limit_and_source(void **state)
{
	uint8_t f[256], m[24] = { MLD_V1_REPORT };
	size_t n;

	(void)state;
	A6("ff3e::1", m + 8);
	n = build(f, "fe80::1", "ff3e::1", 2, hbh_ra, 8, m, sizeof(m));
	parse_bad(f, n, MLD_DROP_BAD_HOP_LIMIT);
	n = build(f, "fe80::1", "ff3e::1", 255, hbh_ra, 8, m, sizeof(m));
	parse_bad(f, n, MLD_DROP_BAD_HOP_LIMIT);
	n = build(f, "2001:db8::5", "ff3e::1", 1, hbh_ra, 8, m, sizeof(m));
	parse_bad(f, n, MLD_DROP_BAD_SOURCE);
	n = build(f, "fec0::5", "ff3e::1", 1, hbh_ra, 8, m, sizeof(m));
	parse_bad(f, n, MLD_DROP_BAD_SOURCE);
	n = v2_report(f);
	f[L3 + 8] = 0x20;
	fix_csum(f, L3);
	parse_bad(f, n, MLD_DROP_BAD_SOURCE);
}

static void test_vlan(void **state)
{
	uint8_t f[512], t[520];
	struct mld_msg m;
	size_t n = v2_report(f);

	(void)state;
	memcpy(t, f, 12);
	t[12] = 0x81, t[13] = 0x00, t[14] = 0x20, t[15] = 0x64;
	memcpy(t + 16, f + 12, n - 12);
	parse_ok(t, n + 4, &m);
	assert_true(m.tagged);
	assert_int_equal(m.vid, 100);
	assert_int_equal(m.nrec_valid, 2);
	parse_bad(t, 15, MLD_DROP_TRUNCATED);
	parse_bad(t, n + 3, MLD_DROP_TRUNCATED);
}

static void test_names_and_stats(void **state)
{
	struct mld_stats st = { { 0 } };
	uint8_t f[512];
	struct mld_msg m;
	size_t n;
	int i, j;

	(void)state;
	for (i = 0; i < MLD_DROP_MAX; i++) {
		assert_int_equal(strncmp(mld_drop_name(i), "mld_", 4), 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(mld_drop_name(i), mld_drop_name(j));
	}
	assert_string_equal(mld_drop_name(MLD_DROP_BAD_CHECKSUM), "mld_bad_checksum");
	assert_string_equal(mld_drop_name(MLD_DROP_TABLE_FULL), "mld_table_full");
	assert_string_equal(mld_drop_name(MLD_DROP_UNKNOWN_MAC), "mld_unknown_mac");
	assert_string_equal(mld_drop_name(MLD_DROP_NO_ROUTER_ALERT), "mld_no_router_alert");
	assert_string_equal(mld_drop_name(MLD_DROP_MAX), "mld_unknown");
	assert_string_equal(mld_drop_name(-1), "mld_unknown");

	n = v1(f, MLD_V1_REPORT, "ff3e::1", 0);
	assert_int_equal(mld_parse(f, n, &m, NULL, &st), 0);
	for (i = 0; i < 3; i++)
		mld_parse(f, 10, &m, NULL, &st);
	for (i = 0; i < MLD_DROP_MAX; i++)
		assert_int_equal(st.drops[i], i == MLD_DROP_TRUNCATED ? 3 : 0);
}

static void test_build_query(void **state)
{
	struct mld_query_params qp = {
		.version = 2,
		.src_mac = { 0x02, 0, 0, 0, 0, 0xfe },
		.flow = 0x6d63,
		.max_resp_ms = 10000,
		.qrv = 2,
		.qqi = 125,
	};
	uint8_t b[MLD_QUERY_MAXLEN], all[16], zero[16] = { 0 };
	struct mld_msg m;
	int n;

	(void)state;
	A6("fe80::1", qp.src);
	A6("ff02::1", all);
	n = mld_build_query(b, sizeof(b), &qp);
	assert_int_equal(n, MLD_QUERY_MAXLEN);
	parse_ok(b, (size_t)n, &m);
	assert_int_equal(m.type, MLD_QUERY);
	assert_int_equal(m.version, 2);
	assert_int_equal(m.max_resp_ms, 10000);
	assert_int_equal(m.qrv, 2);
	assert_int_equal(m.qqi, 125);
	assert_int_equal(m.flow, 0x6d63);
	assert_int_equal(m.hop_limit, 1);
	assert_memory_equal(m.src, qp.src, 16);
	assert_memory_equal(m.dst, all, 16);
	assert_memory_equal(m.group, zero, 16);
	assert_memory_equal(m.src_mac, qp.src_mac, 6);
	assert_memory_equal(b, ((const uint8_t[6]){ 0x33, 0x33, 0, 0, 0, 1 }), 6);
	/* The checksum checked independently of the parser. */
	fix_csum(b, L3);
	parse_ok(b, (size_t)n, &m);

	qp.version = 1;
	qp.max_resp_ms = 70000;		/* saturates at 65535 ms in v1 */
	n = mld_build_query(b, sizeof(b), &qp);
	assert_int_equal(n, L3 + 40 + 8 + 24);
	parse_ok(b, (size_t)n, &m);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.max_resp_ms, 65535);

	qp.version = 3;
	errno = 0;
	assert_int_equal(mld_build_query(b, sizeof(b), &qp), -1);
	assert_int_equal(errno, EINVAL);
	qp.version = 2;
	errno = 0;
	assert_int_equal(mld_build_query(b, MLD_QUERY_MAXLEN - 1, &qp), -1);
	assert_int_equal(errno, ENOSPC);
}

static void test_codes(void **state)
{
	(void)state;
	assert_int_equal(mld_code_decode(0), 0);
	assert_int_equal(mld_code_decode(32767), 32767);
	assert_int_equal(mld_code_decode(0x8000), 0x1000 << 3);
	assert_int_equal(mld_code_decode(0xffff), 0x1fff << 10);
	assert_int_equal(mld_code_encode(10000), 10000);
	assert_int_equal(mld_code_encode(0xffffffff), 0xffff);
	for (uint32_t v = 0; v < 9000000; v += 977) {
		uint32_t d = mld_code_decode(mld_code_encode(v));

		assert_true(d <= v);
		/* Rounded down by less than one step of the mantissa. */
		assert_true(v >= 0x1fff << 10 || v - d < (v >> 12) + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_report_done),
		cmocka_unit_test(test_v2_report),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_checksum),
		cmocka_unit_test(test_bad_length),
		cmocka_unit_test(test_bad_record),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_not_mld),
		cmocka_unit_test(test_router_alert),
		cmocka_unit_test(test_hop_limit_and_source),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_names_and_stats),
		cmocka_unit_test(test_build_query),
		cmocka_unit_test(test_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
