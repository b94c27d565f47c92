/*
 * test_dp_core.c - the pure part of the in-kernel data plane
 * (helper/edge/bpf/dp_core.h), built for the host: which frames the tc programs
 * copy, and which destination list a packet takes. The same header is
 * compiled into the BPF object.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bpf/dp_core.h"

/* Ethernet + IPv4 header: multicast MAC, 10.99.0.2 -> @group, @proto, TTL 8. */
static size_t frame(uint8_t *f, const char *group, uint8_t proto)
{
	static const uint8_t eth[14] = { 0x01, 0x00, 0x5e, 0x01, 0x01, 0x01,
					 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00 };
	uint32_t g, s = inet_addr("10.99.0.2");

	memset(f, 0, 64);
	memcpy(f, eth, 14);
	f[14] = 0x45;
	f[22] = 8;
	f[23] = proto;
	memcpy(f + 26, &s, 4);
	g = inet_addr(group);
	memcpy(f + 30, &g, 4);
	return 14 + 28;
}

static void test_classify_group_data(void **state)
{
	uint8_t f[64];
	struct dp_pkt p;
	size_t n = frame(f, "239.1.1.1", 17);

	(void)state;
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_COPY);
	assert_int_equal(p.group, inet_addr("239.1.1.1"));
	assert_int_equal(p.src, inet_addr("10.99.0.2"));
	assert_int_equal(p.ttl, 8);
	assert_int_equal(dp_classify(f, f + n, DP_UPSTREAM_INGRESS, &p), DP_COPY);
}

static void test_classify_passes(void **state)
{
	uint8_t f[64];
	struct dp_pkt p;
	size_t n;

	(void)state;
	/* Link-local groups reach everyone. */
	n = frame(f, "224.0.0.251", 17);
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_PASS);
	/* 224.0.1.x is routable: copied. */
	n = frame(f, "224.0.1.1", 17);
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_COPY);
	/* Our own copies: unicast destination MAC. */
	n = frame(f, "239.1.1.1", 17);
	f[0] = 0x02;
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_PASS);
	/* Unicast IP. */
	n = frame(f, "10.8.0.2", 17);
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_PASS);
	/* Not IPv4 (ARP ethertype; IPv6 version nibble). */
	n = frame(f, "239.1.1.1", 17);
	f[13] = 0x06;
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_PASS);
	n = frame(f, "239.1.1.1", 17);
	f[14] = 0x65;
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_PASS);
	/* A header length below 20. */
	n = frame(f, "239.1.1.1", 17);
	f[14] = 0x44;
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_PASS);
	/* IGMP to a group: data on the tap, another host's report upstream. */
	n = frame(f, "239.1.1.1", 2);
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_COPY);
	assert_int_equal(dp_classify(f, f + n, DP_UPSTREAM_INGRESS, &p), DP_PASS);
}

static void test_classify_short(void **state)
{
	uint8_t f[64];
	struct dp_pkt p;
	size_t n = frame(f, "239.1.1.1", 17);

	(void)state;
	/* Every length short of a whole IP header is let through untouched. */
	for (size_t len = 0; len < 34; len++)
		assert_int_equal(dp_classify(f, f + len, DP_TAP_EGRESS, &p), DP_PASS);
	assert_int_equal(dp_classify(f, f + 34, DP_TAP_EGRESS, &p), DP_COPY);
	(void)n;
}

/* Ethernet + IPv6 header: 33:33 MAC, 2001:db8::5 -> @group, next header
 * @nh, hop limit 8. */
static size_t frame6(uint8_t *f, const char *group, uint8_t nh)
{
	static const uint8_t eth[14] = { 0x33, 0x33, 0x00, 0x00, 0x80, 0x01,
					 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd };

	memset(f, 0, 96);
	memcpy(f, eth, 14);
	f[14] = 0x60;
	f[19] = 8;	/* payload length */
	f[20] = nh;
	f[21] = 8;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::5", f + 22), 1);
	assert_int_equal(inet_pton(AF_INET6, group, f + 38), 1);
	return 14 + 40 + 8;
}

static void test_classify6(void **state)
{
	uint8_t f[96], a[16];
	struct dp_pkt p;
	size_t n = frame6(f, "ff3e::8000:1", 17);

	(void)state;
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_COPY);
	assert_true(p.v6);
	assert_int_equal(p.group, 0);
	assert_int_equal(p.src, 0);
	assert_int_equal(p.ttl, 8);
	inet_pton(AF_INET6, "ff3e::8000:1", a);
	assert_memory_equal(p.g6.a, a, 16);
	inet_pton(AF_INET6, "2001:db8::5", a);
	assert_memory_equal(p.s6.a, a, 16);
	assert_int_equal(dp_classify(f, f + n, DP_UPSTREAM_INGRESS, &p), DP_COPY);
	/* Site, organisation, global and admin scopes, any flags. */
	n = frame6(f, "ff05::1:3", 17);
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_COPY);
	n = frame6(f, "ff15::42", 17);
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_COPY);
	n = frame6(f, "ff04::1", 58);
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_COPY);
	/* An IPv4 frame after an IPv6 one: not IPv6 any more. */
	n = frame(f, "239.1.1.1", 17);
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_COPY);
	assert_false(p.v6);
}

static void test_classify6_passes(void **state)
{
	static const char *const local[] = { "ff02::1", "ff02::16", "ff02::1:ff00:5", "ff01::1",
					     "ff12::8000:1", "ff00::1", "ff30::1" };
	uint8_t f[96];
	struct dp_pkt p;
	size_t n;

	(void)state;
	/* Node- and link-local scope (ND, MLD queries) and scope 0 reach everyone. */
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		n = frame6(f, local[i], 17);
		assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_PASS);
		assert_int_equal(dp_classify(f, f + n, DP_UPSTREAM_INGRESS, &p), DP_PASS);
	}
	/* MLD: a Hop-by-Hop header first, even to a routable group. */
	n = frame6(f, "ff3e::8000:1", 0);
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_PASS);
	assert_int_equal(dp_classify(f, f + n, DP_UPSTREAM_INGRESS, &p), DP_PASS);
	/* Unicast IPv6. */
	n = frame6(f, "2001:db8::9", 17);
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_PASS);
	/* Our own copies: unicast destination MAC; other multicast MACs. */
	n = frame6(f, "ff3e::8000:1", 17);
	f[0] = 0x02;
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_PASS);
	n = frame6(f, "ff3e::8000:1", 17);
	f[1] = 0x00;
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_PASS);
	/* The IPv6 EtherType with a version 4 header. */
	n = frame6(f, "ff3e::8000:1", 17);
	f[14] = 0x45;
	assert_int_equal(dp_classify(f, f + n, DP_TAP_EGRESS, &p), DP_PASS);
	/* Every length short of the whole IPv6 header. */
	n = frame6(f, "ff3e::8000:1", 17);
	for (size_t len = 0; len < 54; len++)
		assert_int_equal(dp_classify(f, f + len, DP_TAP_EGRESS, &p), DP_PASS);
	assert_int_equal(dp_classify(f, f + 54, DP_TAP_EGRESS, &p), DP_COPY);
}

/* What a client sends into the tap (client_multicast): group data above
 * link-local scope is copied, reports and link-local groups are not. */
static void test_classify_client(void **state)
{
	static const uint8_t src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	uint8_t f[64];
	struct dp_pkt p;
	struct dp_mac k;
	size_t n;

	(void)state;
	n = frame(f, "239.255.255.250", 17);
	assert_int_equal(dp_classify_client(f, f + n, &p), DP_COPY);
	assert_int_equal(p.group, inet_addr("239.255.255.250"));
	assert_int_equal(p.src, inet_addr("10.99.0.2"));
	/* mDNS, and any other 224.0.0.0/24 group: OpenVPN's plain behaviour. */
	n = frame(f, "224.0.0.251", 17);
	assert_int_equal(dp_classify_client(f, f + n, &p), DP_PASS);
	/* A v2 report travels to its group: membership, not data. */
	n = frame(f, "239.255.255.250", 2);
	assert_int_equal(dp_classify_client(f, f + n, &p), DP_PASS);
	/* Unicast to a client: OpenVPN's business. */
	n = frame(f, "239.255.255.250", 17);
	f[0] = 0x02;
	assert_int_equal(dp_classify_client(f, f + n, &p), DP_PASS);
	n = frame(f, "239.255.255.250", 17);
	for (size_t len = 0; len < 34; len++)
		assert_int_equal(dp_classify_client(f, f + len, &p), DP_PASS);

	/* The sender map's key: the source MAC, padding zeroed. */
	memset(&k, 0xff, sizeof(k));
	assert_int_equal(sizeof(k), 8);
	n = frame(f, "239.255.255.250", 17);
	assert_memory_equal(f + 6, src, 6);
	dp_mac_key(&k, f);
	assert_memory_equal(k.mac, src, 6);
	assert_int_equal(k.pad, 0);
}

static void test_select(void **state)
{
	static struct dp_list sg, g;

	(void)state;
	/* A named source has its own list, even an empty one. */
	assert_ptr_equal(dp_select(&sg, &g), &sg);
	sg.n = 0;
	assert_ptr_equal(dp_select(&sg, NULL), &sg);
	/* Any other source takes the default list. */
	assert_ptr_equal(dp_select(NULL, &g), &g);
	/* No list at all: the group has no member. */
	assert_null(dp_select(NULL, NULL));
}

static void test_ttl(void **state)
{
	(void)state;
	assert_false(dp_ttl_forward(0));
	assert_false(dp_ttl_forward(1));
	assert_true(dp_ttl_forward(2));
	assert_true(dp_ttl_forward(255));
}

static void test_layout(void **state)
{
	(void)state;
	/* The maps' value sizes are fixed by the BPF object: per-CPU values
	 * must be multiples of 8, and the index mask needs a power of 2. */
	assert_int_equal(sizeof(struct dp_dst), 12);
	assert_int_equal(sizeof(struct dp_cnt) % 8, 0);
	assert_int_equal(sizeof(struct dp_gcnt) % 8, 0);
	assert_int_equal(DP_MAX_DST & (DP_MAX_DST - 1), 0);
	assert_true(DP_MAX_DST >= 1024);
	assert_int_equal(sizeof(struct dp_addr6), 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_group_data),
		cmocka_unit_test(test_classify_passes),
		cmocka_unit_test(test_classify_short),
		cmocka_unit_test(test_classify6),
		cmocka_unit_test(test_classify6_passes),
		cmocka_unit_test(test_classify_client),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
