/*
 * test_repl.c - checksum repair of diverted packets (IPv4 and IPv6: UDP
 * and ICMPv6 over the pseudo-header) and the TTL/hop limit rule for
 * packets from the standalone upstream (helper/edge/repl.c).
 *
 * Expected checksums were computed independently (a Python one-off over
 * the same bytes), not with csum_add().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "csum.h"
#include "repl.h"

/* IPv4/UDP 192.0.2.2:40000 -> 239.1.1.1:5000, TTL 7, id 0x1234, DF;
 * both checksum fields garbage, to be recomputed. */
static size_t build(uint8_t *p, const char *payload, size_t plen)
{
	size_t ulen = 8 + plen, tot = 20 + ulen;
	static const uint8_t hdr[20] = {
		0x45, 0x00, 0x00, 0x00, 0x12, 0x34, 0x40, 0x00, 7, 17, 0xde, 0xad,
		192, 0, 2, 2, 239, 1, 1, 1,
	};

	memcpy(p, hdr, 20);
	p[2] = (uint8_t)(tot >> 8);
	p[3] = (uint8_t)tot;
	p[20] = 40000 >> 8; p[21] = 40000 & 0xff;
	p[22] = 5000 >> 8; p[23] = 5000 & 0xff;
	p[24] = (uint8_t)(ulen >> 8); p[25] = (uint8_t)ulen;
	p[26] = 0xbe; p[27] = 0xef;
	memcpy(p + 28, payload, plen);
	return tot;
}

static uint16_t at16(const uint8_t *p, size_t off)
{
	return (uint16_t)(p[off] << 8 | p[off + 1]);
}

static void test_csum_rfc1071(void **state)
{
	/* The worked example of RFC 1071, section 3. */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	assert_int_equal(csum_add(b, sizeof(b), 0), 0xddf2);
	/* Odd length: the last byte is the high half of a padded word. */
	assert_int_equal(csum_add(b, 3, 0), 0xf201);	/* 0x0001 + 0xf200 */
}

static void test_fix_known_packet(void **state)
{
	uint8_t p[128];
	size_t tot = build(p, "hello, multicast!", 17);

	(void)state;
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	assert_int_equal(at16(p, 10), 0xaf87);
	assert_int_equal(at16(p, 26), 0x57d7);
	/* Idempotent: fixing a fixed packet changes nothing. */
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	assert_int_equal(at16(p, 10), 0xaf87);
	assert_int_equal(at16(p, 26), 0x57d7);
}

static void test_fix_partial_checksum(void **state)
{
	uint8_t p[128];
	size_t tot = build(p, "hello, multicast!", 17);

	(void)state;
	/* CHECKSUM_PARTIAL leaves the folded pseudo-header sum in the field
	 * and a valid-looking IP header: all of it must be recomputed. */
	p[10] = 0xaf; p[11] = 0x87;
	p[26] = 0xb2; p[27] = 0x2f;
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	assert_int_equal(at16(p, 26), 0x57d7);
}

static void test_fix_odd_length(void **state)
{
	uint8_t p[128];
	size_t tot = build(p, "odd-len-pay", 11);

	(void)state;
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	assert_int_equal(at16(p, 10), 0xaf8d);
	assert_int_equal(at16(p, 26), 0x0674);
}

static void test_fix_trailing_padding(void **state)
{
	uint8_t p[128];
	size_t tot = build(p, "odd-len-pay", 11);

	(void)state;
	/* Ethernet pads short frames to 60 bytes: ignore what follows. */
	memset(p + tot, 0x55, sizeof(p) - tot);
	assert_int_equal(repl_fix_checksums(p, 46), (ssize_t)tot);
	assert_int_equal(at16(p, 26), 0x0674);
}

static void test_fix_zero_becomes_ffff(void **state)
{
	uint8_t p[128];
	size_t tot = build(p, "zero\x4f\xc9" "ab", 8);

	(void)state;
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	assert_int_equal(at16(p, 10), 0xaf90);
	assert_int_equal(at16(p, 26), 0xffff);
}

static void test_fix_ip_options(void **state)
{
	uint8_t p[128], q[128];
	size_t tot = build(q, "hello, multicast!", 17);

	(void)state;
	/* Same packet with a 4-byte NOP option: UDP checksum is unchanged,
	 * as the pseudo-header does not cover options. */
	memcpy(p, q, 20);
	p[0] = 0x46;
	p[2] = (uint8_t)((tot + 4) >> 8);
	p[3] = (uint8_t)(tot + 4);
	memset(p + 20, 1, 4);
	memcpy(p + 24, q + 20, tot - 20);
	assert_int_equal(repl_fix_checksums(p, tot + 4), (ssize_t)(tot + 4));
	assert_int_equal(csum_add(p, 24, 0), 0xffff);
	assert_int_equal(at16(p, 30), 0x57d7);
}

static void test_fragment_keeps_l4(void **state)
{
	uint8_t p[128];
	size_t tot = build(p, "hello, multicast!", 17);

	(void)state;
	p[6] = 0x20;	/* MF: first fragment */
	p[7] = 0x00;
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	assert_int_equal(at16(p, 26), 0xbeef);
	assert_int_equal(csum_add(p, 20, 0), 0xffff);

	build(p, "hello, multicast!", 17);
	p[6] = 0x00;	/* offset 8: a later fragment, no UDP header at all */
	p[7] = 0x01;
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	assert_int_equal(at16(p, 26), 0xbeef);
}

static void test_other_protocol_keeps_l4(void **state)
{
	uint8_t p[128];
	size_t tot = build(p, "hello, multicast!", 17);

	(void)state;
	p[9] = 103;	/* PIM */
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	assert_int_equal(at16(p, 26), 0xbeef);
	assert_int_equal(csum_add(p, 20, 0), 0xffff);
}

static void expect_einval(uint8_t *p, size_t len)
{
	errno = 0;
	assert_int_equal(repl_fix_checksums(p, len), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_malformed(void **state)
{
	uint8_t p[128];
	size_t tot;

	(void)state;
	expect_einval(NULL, 40);
	tot = build(p, "hello, multicast!", 17);
	expect_einval(p, 19);			/* shorter than a header */
	expect_einval(p, tot - 1);		/* total length > captured */

	p[0] = 0x65;				/* version 6 */
	expect_einval(p, tot);
	p[0] = 0x44;				/* IHL 16 bytes */
	expect_einval(p, tot);
	p[0] = 0x4f;				/* IHL 60 > total length */
	p[2] = 0; p[3] = 40;
	expect_einval(p, sizeof(p));

	tot = build(p, "", 0);
	p[2] = 0; p[3] = 27;			/* UDP header cut short */
	expect_einval(p, tot);

	tot = build(p, "hello, multicast!", 17);
	p[24] = 0; p[25] = (uint8_t)(tot - 20 + 1);	/* UDP length > payload */
	expect_einval(p, tot);
	p[24] = 0; p[25] = 7;			/* UDP length < header */
	expect_einval(p, tot);
}

/* The router's TTL rule for packets from the standalone upstream. */
static void test_ttl_not_forwarded(void **state)
{
	uint8_t p[128], q[128];
	size_t tot;
	int ttl;

	(void)state;
	for (ttl = 0; ttl <= 1; ttl++) {
		tot = build(p, "hello, multicast!", 17);
		p[8] = (uint8_t)ttl;
		memcpy(q, p, sizeof(p));
		assert_int_equal(repl_ttl_forward(p), 0);
		assert_int_equal(p[8], ttl);
		assert_memory_equal(p, q, tot);		/* untouched */
	}
}

static void test_ttl_decremented(void **state)
{
	uint8_t p[128], q[128];
	size_t tot;

	(void)state;
	tot = build(p, "hello, multicast!", 17);
	p[8] = 2;
	memcpy(q, p, sizeof(p));
	assert_int_equal(repl_ttl_forward(p), 1);
	assert_int_equal(p[8], 1);
	q[8] = 1;
	assert_memory_equal(p, q, tot);			/* only the TTL changed */

	p[8] = 255;
	assert_int_equal(repl_ttl_forward(p), 1);
	assert_int_equal(p[8], 254);

	/* Each call is one hop: 3 -> 2 -> 1, then no more. */
	p[8] = 3;
	assert_int_equal(repl_ttl_forward(p), 1);
	assert_int_equal(repl_ttl_forward(p), 1);
	assert_int_equal(p[8], 1);
	assert_int_equal(repl_ttl_forward(p), 0);
	assert_int_equal(p[8], 1);
}

static void test_ttl_then_checksum(void **state)
{
	uint8_t p[128];
	size_t tot;

	(void)state;
	/* TTL 7 -> 6: the header sum drops by 0x0100, so its complement,
	 * 0xaf87 for TTL 7 (test_fix_known_packet), becomes 0xb087. */
	tot = build(p, "hello, multicast!", 17);
	assert_int_equal(repl_ttl_forward(p), 1);
	assert_int_equal(p[8], 6);
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	assert_int_equal(at16(p, 10), 0xb087);
	assert_int_equal(csum_add(p, 20, 0), 0xffff);
	/* The UDP checksum does not cover the TTL. */
	assert_int_equal(at16(p, 26), 0x57d7);

	tot = build(p, "odd-len-pay", 11);
	p[8] = 255;
	assert_int_equal(repl_ttl_forward(p), 1);
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	assert_int_equal(p[8], 254);
	assert_int_equal(csum_add(p, 20, 0), 0xffff);
	assert_int_equal(at16(p, 26), 0x0674);
}

/*
 * IPv6: 2001:db8::2 -> ff3e::8000:1, hop limit 7, next header @nh, then
 * @l4 (@l4len bytes) with its checksum field garbage.
 */
static size_t build6(uint8_t *p, uint8_t nh, const uint8_t *l4, size_t l4len)
{
	static const uint8_t hdr[40] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0, 7,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		0xff, 0x3e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0, 1,
	};

	memcpy(p, hdr, 40);
	p[4] = (uint8_t)(l4len >> 8);
	p[5] = (uint8_t)l4len;
	p[6] = nh;
	memcpy(p + 40, l4, l4len);
	return 40 + l4len;
}

/* UDP 40000 -> 5000 carrying @payload, checksum field 0xdead. */
static size_t build6_udp(uint8_t *p, const char *payload)
{
	uint8_t udp[64];
	size_t plen = strlen(payload), ulen = 8 + plen;

	udp[0] = 40000 >> 8; udp[1] = 40000 & 0xff;
	udp[2] = 5000 >> 8; udp[3] = 5000 & 0xff;
	udp[4] = (uint8_t)(ulen >> 8); udp[5] = (uint8_t)ulen;
	udp[6] = 0xde; udp[7] = 0xad;
	memcpy(udp + 8, payload, plen);
	return build6(p, 17, udp, ulen);
}

/*
 * The check a receiver makes, written out independently of csum_add(): the
 * one's complement sum of pseudo-header and upper-layer message, checksum
 * included, is 0xffff.
 */
static int ones_sum_ok6(const uint8_t *p)
{
	size_t plen = (size_t)(p[4] << 8 | p[5]);
	uint32_t sum = 0;

	for (size_t i = 8; i < 40; i += 2)	/* source and destination */
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	sum += (uint32_t)(plen >> 16) + (uint32_t)(plen & 0xffff) + p[6];
	for (size_t i = 0; i < plen; i++)
		sum += (i & 1) ? p[40 + i] : (uint32_t)p[40 + i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static void test_fix6_udp_known(void **state)
{
	uint8_t p[128];
	size_t tot = build6_udp(p, "hello, multicast!");

	(void)state;
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	/* Known-good values, computed by a Python one-off over these bytes. */
	assert_int_equal(at16(p, 46), 0x5ce1);
	assert_true(ones_sum_ok6(p));
	/* Even payload length, and link padding after the packet. */
	tot = build6_udp(p, "hello, multicast");
	memset(p + tot, 0xaa, 6);
	assert_int_equal(repl_fix_checksums6(p, tot + 6), (ssize_t)tot);
	assert_int_equal(at16(p, 46), 0x7de3);
	assert_true(ones_sum_ok6(p));
}

static void test_fix6_partial_checksum(void **state)
{
	uint8_t p[128];
	size_t tot = build6_udp(p, "offloaded");

	(void)state;
	/* CHECKSUM_PARTIAL: the field holds the pseudo-header sum only. */
	p[46] = 0x12;
	p[47] = 0x34;
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	assert_true(ones_sum_ok6(p));
	/* The hop limit is not covered: decrementing keeps it valid. */
	assert_int_equal(repl_ttl_forward(p), 1);
	assert_int_equal(p[7], 6);
	assert_true(ones_sum_ok6(p));
}

static void test_fix6_icmpv6(void **state)
{
	/* Echo request, id 0x1234, seq 1, "ping6"; checksum field garbage. */
	static const uint8_t echo[] = { 128, 0, 0xbe, 0xef, 0x12, 0x34, 0x00, 0x01,
					'p', 'i', 'n', 'g', '6' };
	uint8_t p[128];
	size_t tot = build6(p, 58, echo, sizeof(echo));

	(void)state;
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	assert_int_equal(at16(p, 42), 0xabb6);
	assert_true(ones_sum_ok6(p));
}

static void test_fix6_keeps_other(void **state)
{
	/* A fragment header (44) first: the UDP checksum behind it covers the
	 * whole datagram, which we do not have. */
	static const uint8_t frag[16] = { 17, 0, 0, 1, 0, 0, 0, 42, 0xde, 0xad, 0xbe, 0xef };
	uint8_t p[128], copy[128];
	size_t tot = build6(p, 44, frag, sizeof(frag));

	(void)state;
	memcpy(copy, p, tot);
	assert_int_equal(repl_fix_checksums(p, tot), (ssize_t)tot);
	assert_memory_equal(p, copy, tot);
}

static void test_fix6_malformed(void **state)
{
	uint8_t p[128];
	size_t tot = build6_udp(p, "x");

	(void)state;
	/* Truncated at every length short of the payload. */
	for (size_t len = 0; len < tot; len++) {
		build6_udp(p, "x");
		errno = 0;
		assert_int_equal(repl_fix_checksums(p, len), -1);
		assert_int_equal(errno, EINVAL);
	}
	/* UDP length disagreeing with the payload length. */
	build6_udp(p, "x");
	p[45] = 8;
	assert_int_equal(repl_fix_checksums(p, tot), -1);
	/* A jumbogram (payload length 0). */
	build6_udp(p, "x");
	p[4] = p[5] = 0;
	assert_int_equal(repl_fix_checksums6(p, tot), -1);
	/* Version 4 handed to the IPv6 fixer. */
	build6_udp(p, "x");
	p[0] = 0x45;
	assert_int_equal(repl_fix_checksums6(p, tot), -1);
	/* Hop limit 1 is not forwarded. */
	build6_udp(p, "x");
	p[7] = 1;
	assert_int_equal(repl_ttl_forward(p), 0);
	assert_int_equal(p[7], 1);
}

static void test_send_closed_counts(void **state)
{
	static const uint8_t macs[2][6] = { { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 } };
	uint8_t p[64];
	size_t tot = build(p, "x", 1);

	(void)state;
	assert_int_equal(repl_send(p, tot, macs, 2), 0);
	assert_int_equal(repl_stats()->drop_closed, 2);
	assert_int_equal(repl_send(p, tot, macs, 0), 0);
	assert_int_equal(repl_ifindex(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_rfc1071),
		cmocka_unit_test(test_fix_known_packet),
		cmocka_unit_test(test_fix_partial_checksum),
		cmocka_unit_test(test_fix_odd_length),
		cmocka_unit_test(test_fix_trailing_padding),
		cmocka_unit_test(test_fix_zero_becomes_ffff),
		cmocka_unit_test(test_fix_ip_options),
		cmocka_unit_test(test_fragment_keeps_l4),
		cmocka_unit_test(test_other_protocol_keeps_l4),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_ttl_not_forwarded),
		cmocka_unit_test(test_ttl_decremented),
		cmocka_unit_test(test_ttl_then_checksum),
		cmocka_unit_test(test_fix6_udp_known),
		cmocka_unit_test(test_fix6_partial_checksum),
		cmocka_unit_test(test_fix6_icmpv6),
		cmocka_unit_test(test_fix6_keeps_other),
		cmocka_unit_test(test_fix6_malformed),
		cmocka_unit_test(test_send_closed_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
