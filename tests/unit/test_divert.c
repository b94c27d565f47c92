/*
 * test_divert.c - the pure parts of the diversion: nft script text (the tap
 * chain and the standalone upstream's ingress chain), name checks, kernel
 * version and table owner parsing (helper/edge/divert.c); what comes back from
 * nflog: the NFLOG record parser (egress and ingress records) and the
 * busy-group check (helper/edge/capture.c); plus tun_flags parsing (helper/edge/caps.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture.h"
#include "caps.h"
#include "divert.h"

static void test_ruleset_egress(void **state)
{
	char buf[1024];
	int n;

	(void)state;
	n = divert_ruleset(buf, sizeof(buf), DIVERT_EGRESS, 0, "openvpn_mcast",
			   "tap0", 1194, 42, 1);
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf,
		"create table netdev openvpn_mcast { comment \"openvpn-mcast pid 42\"; }\n"
		"add chain netdev openvpn_mcast tap_egress { type filter hook egress "
		"device \"tap0\" priority 0; policy accept; }\n"
		"add rule netdev openvpn_mcast tap_egress "
		"ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 "
		"ip daddr 224.0.0.0/4 ip daddr != 224.0.0.0/24 "
		"log group 1194 queue-threshold 1 drop\n");
	/* "fwd" is an nft keyword; our chain names must never be it. */
	assert_null(strstr(buf, " fwd "));
}

static void test_ruleset_forward(void **state)
{
	char buf[1024];

	(void)state;
	assert_true(divert_ruleset(buf, sizeof(buf), DIVERT_FORWARD, 0, "t",
				   "tap-srv.1", 7, 1, 64) > 0);
	assert_string_equal(buf,
		"create table inet t { comment \"openvpn-mcast pid 1\"; }\n"
		"add chain inet t tap_forward { type filter hook forward priority 0; "
		"policy accept; }\n"
		"add rule inet t tap_forward oifname \"tap-srv.1\" "
		"ip daddr 224.0.0.0/4 ip daddr != 224.0.0.0/24 "
		"log group 7 queue-threshold 64 drop\n");
	assert_null(strstr(buf, "output"));
	/* 0 would be nflog's default, 100 packets or 1 s: never that. */
	assert_true(divert_ruleset(buf, sizeof(buf), DIVERT_EGRESS, 0, "t", "tap0", 7, 1, 0) > 0);
	assert_non_null(strstr(buf, "queue-threshold 1 drop\n"));
}

static void test_ruleset_replace(void **state)
{
	char buf[1024];

	(void)state;
	assert_true(divert_ruleset(buf, sizeof(buf), DIVERT_EGRESS, 1, "x", "tap0",
				   0, 9, 1) > 0);
	assert_memory_equal(buf, "add table netdev x\ndelete table netdev x\n"
			    "create table netdev x ", 63);
}

static void test_ruleset_rejects(void **state)
{
	char buf[1024], small[64];
	static const char *const bad_tables[] = {
		"", "1abc", "a b", "a\"b", "a;b", "a\nb", "a-b",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	static const char *const bad_ifs[] = {
		"", "tap\"0", "tap 0", "tap0;", "tap/0", "0123456789abcdef",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_tables) / sizeof(bad_tables[0]); i++) {
		errno = 0;
		assert_int_equal(divert_ruleset(buf, sizeof(buf), DIVERT_EGRESS, 0,
						bad_tables[i], "tap0", 1, 1, 1), -1);
		assert_int_equal(errno, EINVAL);
	}
	for (i = 0; i < sizeof(bad_ifs) / sizeof(bad_ifs[0]); i++) {
		errno = 0;
		assert_int_equal(divert_ruleset(buf, sizeof(buf), DIVERT_EGRESS, 0,
						"t", bad_ifs[i], 1, 1, 1), -1);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(divert_ruleset(buf, sizeof(buf), DIVERT_EGRESS, 0, "t",
					"tap0", -1, 1, 1), -1);
	assert_int_equal(divert_ruleset(buf, sizeof(buf), DIVERT_EGRESS, 0, "t",
					"tap0", 65536, 1, 1), -1);
	assert_int_equal(divert_ruleset(buf, sizeof(buf), DIVERT_AUTO, 0, "t",
					"tap0", 1, 1, 1), -1);
	assert_int_equal(divert_ruleset(buf, sizeof(buf), DIVERT_EGRESS, 0, NULL,
					"tap0", 1, 1, 1), -1);
	errno = 0;
	assert_int_equal(divert_ruleset(small, sizeof(small), DIVERT_EGRESS, 1, "t",
					"tap0", 1, 1, 1), -1);
	assert_int_equal(errno, ENOSPC);
	assert_true(divert_name_ok("_t0", 0));
	assert_true(divert_name_ok("tap.srv-1:a", 1));
	assert_true(divert_name_ok("012345678901234", 1));
}

/* The standalone upstream's ingress chain, added to the netdev table. */
static void test_rules6(void **state)
{
	char buf[1024];
	int n;

	(void)state;
	n = divert_rules6(buf, sizeof(buf), DIVERT_EGRESS, "openvpn_mcast", "tap0", "", 1194, 1);
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf,
		"add rule netdev openvpn_mcast tap_egress "
		"ether daddr & ff:ff:00:00:00:00 == 33:33:00:00:00:00 "
		"ip6 daddr ff00::/8 @nh,204,4 > 2 ip6 nexthdr != 0 "
		"log group 1194 queue-threshold 1 drop\n");
	/* Standalone: the upstream's ingress logs the same, without a drop. */
	assert_true(divert_rules6(buf, sizeof(buf), DIVERT_EGRESS, "t", "tap0", "eth0", 7, 64) > 0);
	assert_string_equal(buf,
		"add rule netdev t tap_egress "
		"ether daddr & ff:ff:00:00:00:00 == 33:33:00:00:00:00 "
		"ip6 daddr ff00::/8 @nh,204,4 > 2 ip6 nexthdr != 0 "
		"log group 7 queue-threshold 64 drop\n"
		"add rule netdev t up_ingress "
		"ether daddr & ff:ff:00:00:00:00 == 33:33:00:00:00:00 "
		"ip6 daddr ff00::/8 @nh,204,4 > 2 ip6 nexthdr != 0 "
		"log group 7 queue-threshold 64\n");
	assert_true(divert_rules6(buf, sizeof(buf), DIVERT_FORWARD, "t", "tap-srv.1", NULL, 7, 1) > 0);
	assert_string_equal(buf,
		"add rule inet t tap_forward oifname \"tap-srv.1\" "
		"ip6 daddr ff00::/8 @nh,204,4 > 2 ip6 nexthdr != 0 "
		"log group 7 queue-threshold 1 drop\n");
	/* Bad names, group, hook; too small a buffer. */
	errno = 0;
	assert_int_equal(divert_rules6(buf, sizeof(buf), DIVERT_EGRESS, "t", "tap0", "e\"th", 7, 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(divert_rules6(buf, sizeof(buf), DIVERT_AUTO, "t", "tap0", "", 7, 1), -1);
	assert_int_equal(divert_rules6(buf, sizeof(buf), DIVERT_EGRESS, "t", "tap0", "", 65536, 1), -1);
	errno = 0;
	assert_int_equal(divert_rules6(buf, 40, DIVERT_EGRESS, "t", "tap0", "eth0", 7, 1), -1);
	assert_int_equal(errno, ENOSPC);
}

static void test_client_rules6(void **state)
{
	char buf[512];

	(void)state;
	assert_true(divert_client_rules6(buf, sizeof(buf), "t", 7, 64) > 0);
	assert_string_equal(buf,
		"add rule netdev t tap_ingress "
		"ether daddr & ff:ff:00:00:00:00 == 33:33:00:00:00:00 "
		"ip6 daddr ff00::/8 @nh,204,4 > 2 ip6 nexthdr != 0 "
		"log group 7 queue-threshold 64\n");
	assert_null(strstr(buf, "drop"));
	errno = 0;
	assert_int_equal(divert_client_rules6(buf, sizeof(buf), "1t", 7, 1), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(divert_client_rules6(buf, 20, "t", 7, 1), -1);
	assert_int_equal(errno, ENOSPC);
}

static void test_upstream_rules(void **state)
{
	char buf[1024], *rule;
	int n;

	(void)state;
	n = divert_upstream_rules(buf, sizeof(buf), "openvpn_mcast", "up0", 1194, 1);
	assert_true(n > 0);
	assert_int_equal(n, (int)strlen(buf));
	assert_non_null(strstr(buf, "add chain netdev openvpn_mcast " DIVERT_CHAIN_UPSTREAM " {"));
	assert_non_null(strstr(buf, "type filter hook ingress device \"up0\" priority 0;"));
	assert_non_null(strstr(buf, "policy accept;"));
	rule = strstr(buf, "add rule netdev openvpn_mcast " DIVERT_CHAIN_UPSTREAM " ");
	assert_non_null(rule);
	assert_non_null(strstr(rule, " ip daddr 224.0.0.0/4 "));
	assert_non_null(strstr(rule, " ip daddr != 224.0.0.0/24 "));
	assert_non_null(strstr(rule, " ip protocol != igmp "));
	assert_non_null(strstr(rule, " log group 1194 "));
	/* Logged and accepted: local listeners on the server still get it,
	 * and it is no diversion of the tap. */
	assert_null(strstr(buf, "drop"));
	assert_null(strstr(buf, "egress"));
	assert_null(strstr(buf, "tap_"));
	/* It adds to the table divert_ruleset(, 1) creates; it makes no table. */
	assert_null(strstr(buf, "table"));
	assert_int_equal(buf[n - 1], '\n');

	/* Another device and group. */
	assert_true(divert_upstream_rules(buf, sizeof(buf), "t", "eth0.7", 7, 1) > 0);
	assert_non_null(strstr(buf, "add chain netdev t " DIVERT_CHAIN_UPSTREAM " "));
	assert_non_null(strstr(buf, "device \"eth0.7\""));
	assert_non_null(strstr(buf, "log group 7 "));
	assert_null(strstr(buf, "1194"));
}

static void test_upstream_rules_reject(void **state)
{
	static const char *const bad_ifs[] = {
		"", "up 0", "up\"0", "up0;", "up/0", "up0}", "0123456789abcdef",
	};
	static const char *const bad_tables[] = { "", "1abc", "a-b", "a b", "a;b" };
	char buf[1024];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(bad_ifs) / sizeof(bad_ifs[0]); i++) {
		errno = 0;
		assert_int_equal(divert_upstream_rules(buf, sizeof(buf), "t", bad_ifs[i], 1, 1), -1);
		assert_int_equal(errno, EINVAL);
	}
	for (i = 0; i < sizeof(bad_tables) / sizeof(bad_tables[0]); i++) {
		errno = 0;
		assert_int_equal(divert_upstream_rules(buf, sizeof(buf), bad_tables[i], "up0", 1, 1),
				 -1);
		assert_int_equal(errno, EINVAL);
	}
	errno = 0;
	assert_int_equal(divert_upstream_rules(buf, sizeof(buf), "t", NULL, 1, 1), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(divert_upstream_rules(buf, sizeof(buf), NULL, "up0", 1, 1), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(divert_upstream_rules(buf, sizeof(buf), "t", "up0", -1, 1), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(divert_upstream_rules(buf, sizeof(buf), "t", "up0", 65536, 1), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(divert_upstream_rules(NULL, sizeof(buf), "t", "up0", 1, 1), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(divert_upstream_rules(buf, 0, "t", "up0", 1, 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(divert_upstream_rules(buf, sizeof(buf), "t", "up0", 0, 1) > 0);
	assert_true(divert_upstream_rules(buf, sizeof(buf), "t", "up0", 65535, 1) > 0);
	assert_true(divert_upstream_rules(buf, sizeof(buf), "t", "012345678901234", 1, 1) > 0);

	/* Too small by one byte (the NUL) is ENOSPC; exactly enough is not. */
	n = divert_upstream_rules(buf, sizeof(buf), "t", "up0", 1, 1);
	assert_true(n > 0);
	errno = 0;
	assert_int_equal(divert_upstream_rules(buf, (size_t)n, "t", "up0", 1, 1), -1);
	assert_int_equal(errno, ENOSPC);
	errno = 0;
	assert_int_equal(divert_upstream_rules(buf, 16, "t", "up0", 1, 1), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(divert_upstream_rules(buf, (size_t)n + 1, "t", "up0", 1, 1), n);
}

/* client_multicast: the tap's ingress chain, logged and accepted. */
static void test_client_rules(void **state)
{
	char buf[1024], *rule;
	int n;

	(void)state;
	n = divert_client_rules(buf, sizeof(buf), "openvpn_mcast", "tap0", 1194, 64);
	assert_true(n > 0);
	assert_int_equal(n, (int)strlen(buf));
	assert_non_null(strstr(buf, "add chain netdev openvpn_mcast " DIVERT_CHAIN_CLIENT " {"));
	assert_non_null(strstr(buf, "type filter hook ingress device \"tap0\" priority 0;"));
	rule = strstr(buf, "add rule netdev openvpn_mcast " DIVERT_CHAIN_CLIENT " ");
	assert_non_null(rule);
	assert_non_null(strstr(rule, " ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 "));
	assert_non_null(strstr(rule, " ip daddr 224.0.0.0/4 "));
	assert_non_null(strstr(rule, " ip daddr != 224.0.0.0/24 "));
	/* A v1/v2 report goes to its group: no data to copy. */
	assert_non_null(strstr(rule, " ip protocol != igmp "));
	assert_non_null(strstr(rule, " log group 1194 queue-threshold 64\n"));
	/* The original goes on into the host stack. */
	assert_null(strstr(buf, "drop"));
	assert_null(strstr(buf, "egress"));
	assert_null(strstr(buf, "table"));

	errno = 0;
	assert_int_equal(divert_client_rules(buf, sizeof(buf), "t", "tap 0", 1, 1), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(divert_client_rules(buf, sizeof(buf), "1t", "tap0", 1, 1), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(divert_client_rules(buf, sizeof(buf), "t", "tap0", 65536, 1), -1);
	assert_int_equal(errno, EINVAL);
	n = divert_client_rules(buf, sizeof(buf), "t", "tap0", 1, 1);
	errno = 0;
	assert_int_equal(divert_client_rules(buf, (size_t)n, "t", "tap0", 1, 1), -1);
	assert_int_equal(errno, ENOSPC);
}

static void test_kernel_egress(void **state)
{
	(void)state;
	assert_false(divert_kernel_has_egress("5.15.0-91-generic"));
	assert_false(divert_kernel_has_egress("4.19.0-26-amd64"));
	assert_false(divert_kernel_has_egress("5"));
	assert_true(divert_kernel_has_egress("5.16"));
	assert_true(divert_kernel_has_egress("6.1.0-18-amd64"));
	assert_true(divert_kernel_has_egress("10.0.1"));
	assert_false(divert_kernel_has_egress(""));
	assert_false(divert_kernel_has_egress("linux"));
	assert_false(divert_kernel_has_egress(NULL));
}

static void test_owner_pid(void **state)
{
	(void)state;
	assert_int_equal(divert_owner_pid(
		"table netdev openvpn_mcast {\n\tcomment \"openvpn-mcast pid 4242\"\n"
		"\tchain tap_egress {\n"), 4242);
	assert_int_equal(divert_owner_pid("table netdev x {\n\tchain c {\n"), 0);
	assert_int_equal(divert_owner_pid("comment \"openvpn-mcast pid \""), 0);
	assert_int_equal(divert_owner_pid("comment \"openvpn-mcast pid 12x\""), 0);
	assert_int_equal(divert_owner_pid("comment \"openvpn-mcast pid -3\""), 0);
	assert_int_equal(divert_owner_pid("comment \"someone else\""), 0);
	assert_int_equal(divert_owner_pid(NULL), 0);
}

static void test_group_busy(void **state)
{
	static const char proc[] =
		"   11   3720     0 2 65531    100  1\n"
		" 1194   4242     0 2 65535    100  1\n";
	unsigned long port = 0;

	(void)state;
	assert_int_equal(capture_group_busy(proc, 1194, &port), 1);
	assert_int_equal(port, 4242);
	assert_int_equal(capture_group_busy(proc, 11, NULL), 1);
	assert_int_equal(capture_group_busy(proc, 119, NULL), 0);
	assert_int_equal(capture_group_busy(proc, 1, NULL), 0);
	assert_int_equal(capture_group_busy("", 1194, NULL), 0);
	assert_int_equal(capture_group_busy("garbage\n\n", 0, NULL), 0);
}

static void test_tun_flags(void **state)
{
	(void)state;
	assert_int_equal(caps_tun_flags("0x1802\n"), 0x1802);
	assert_int_equal(caps_tun_flags("0x1001"), 0x1001);
	assert_int_equal(caps_tun_flags(""), -1);
	assert_int_equal(caps_tun_flags("tap"), -1);
	assert_int_equal(caps_tun_flags("0x12zz"), -1);
}

/* NFLOG records: 4-byte header, then TLVs with host-order length/type. */
struct rec {
	uint8_t b[2048];
	size_t len;
};

static void rec_init(struct rec *r, uint8_t family)
{
	memset(r, 0, sizeof(*r));
	r->b[0] = family;
	r->len = 4;
}

static void rec_tlv(struct rec *r, uint16_t type, uint16_t len_field,
		    const void *val, size_t vlen, int pad)
{
	memcpy(r->b + r->len, &len_field, 2);
	memcpy(r->b + r->len + 2, &type, 2);
	memcpy(r->b + r->len + 4, val, vlen);
	r->len += 4 + vlen;
	if (pad)
		r->len = (r->len + 3) & ~(size_t)3;
}

static const uint8_t ip_pkt[28] = {
	0x45, 0, 0, 28, 0, 0, 0x40, 0, 7, 17, 0, 0, 192, 0, 2, 2, 239, 1, 1, 1,
	0x9c, 0x40, 0x13, 0x88, 0, 8, 0, 0,
};

static void frame(uint8_t *f)
{
	static const uint8_t eth[14] = {
		0x01, 0x00, 0x5e, 0x01, 0x01, 0x01, 2, 0, 0, 0, 0, 9, 0x08, 0x00,
	};

	memcpy(f, eth, 14);
	memcpy(f + 14, ip_pkt, sizeof(ip_pkt));
}

static void rec_netdev(struct rec *r)
{
	static const uint8_t phdr[4] = { 0x08, 0x00, 5, 0 };
	uint8_t f[42];

	frame(f);
	rec_init(r, 5);
	rec_tlv(r, 1, 8, phdr, 4, 1);
	rec_tlv(r, 12, 8, "\0\0\0\1", 4, 1);		/* NFULA_SEQ, ignored */
	rec_tlv(r, 9, 4 + sizeof(f), f, sizeof(f), 1);
}

static void test_nflog_netdev(void **state)
{
	struct nflog_pkt pkt;
	struct rec r;
	const uint8_t *ip;
	size_t len;

	(void)state;
	rec_netdev(&r);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
	assert_int_equal(pkt.family, 5);
	assert_true(pkt.has_hdr);
	assert_int_equal(pkt.hw_protocol, 0x0800);
	assert_int_equal(pkt.payload_len, 42);
	assert_int_equal(capture_ip(&pkt, &ip, &len), 0);
	assert_int_equal(len, 28);
	assert_memory_equal(ip, ip_pkt, 28);
	/* The last TLV may come without its padding. */
	assert_int_equal(capture_nflog_parse(r.b, r.len - 2, &pkt), 0);
}

static void test_nflog_ipv4_family(void **state)
{
	struct nflog_pkt pkt;
	struct rec r;
	const uint8_t *ip;
	size_t len;

	(void)state;
	rec_init(&r, 2);
	/* Netlink flag bits in the type must not hide the payload. */
	rec_tlv(&r, 0x8000 | 9, 4 + sizeof(ip_pkt), ip_pkt, sizeof(ip_pkt), 1);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
	assert_false(pkt.has_hdr);
	assert_int_equal(capture_ip(&pkt, &ip, &len), 0);
	assert_ptr_equal(ip, pkt.payload);
	assert_int_equal(len, 28);
}

/* Netdev ingress (standalone upstream): an input device, and the payload
 * is the bare IP packet, the Ethernet header already pulled. */
static void test_nflog_netdev_ingress(void **state)
{
	static const uint8_t phdr[4] = { 0x08, 0x00, 0, 0 };
	static const uint8_t indev[4] = { 0x00, 0x01, 0x02, 0x03 };	/* big endian */
	struct nflog_pkt pkt;
	struct rec r;
	const uint8_t *ip;
	size_t len;

	(void)state;
	rec_init(&r, 5);
	rec_tlv(&r, 1, 8, phdr, 4, 1);
	rec_tlv(&r, 4, 8, indev, 4, 1);
	rec_tlv(&r, 9, 4 + sizeof(ip_pkt), ip_pkt, sizeof(ip_pkt), 1);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
	assert_int_equal(pkt.family, 5);
	assert_int_equal(pkt.indev, 0x00010203);
	assert_int_equal(pkt.hw_protocol, 0x0800);
	assert_int_equal(pkt.payload_len, sizeof(ip_pkt));
	assert_int_equal(capture_ip(&pkt, &ip, &len), 0);
	assert_ptr_equal(ip, pkt.payload);		/* offset 0, nothing skipped */
	assert_int_equal(len, sizeof(ip_pkt));
	assert_memory_equal(ip, ip_pkt, sizeof(ip_pkt));

	/* The input device may come after the payload, too. */
	rec_init(&r, 5);
	rec_tlv(&r, 9, 4 + sizeof(ip_pkt), ip_pkt, sizeof(ip_pkt), 1);
	rec_tlv(&r, 4, 8, "\0\0\0\x07", 4, 1);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
	assert_int_equal(pkt.indev, 7);
	assert_int_equal(capture_ip(&pkt, &ip, &len), 0);
	assert_ptr_equal(ip, pkt.payload);
	assert_int_equal(len, sizeof(ip_pkt));

	/* Egress records name no input device: Ethernet header skipped. */
	rec_netdev(&r);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
	assert_int_equal(pkt.indev, 0);
	assert_int_equal(capture_ip(&pkt, &ip, &len), 0);
	assert_ptr_equal(ip, pkt.payload + 14);

	/* A bare IPv6 packet at ingress is taken as it is; 39 bytes are
	 * malformed; another version is neither family. */
	{
		uint8_t v6[40] = { 0x60 };

		rec_init(&r, 5);
		rec_tlv(&r, 4, 8, indev, 4, 1);
		rec_tlv(&r, 9, 4 + sizeof(v6), v6, sizeof(v6), 1);
		assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
		assert_int_equal(capture_ip(&pkt, &ip, &len), 0);
		assert_ptr_equal(ip, pkt.payload);
		assert_int_equal(len, 40);
		rec_init(&r, 5);
		rec_tlv(&r, 4, 8, indev, 4, 1);
		rec_tlv(&r, 9, 4 + 39, v6, 39, 1);
		assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
		errno = 0;
		assert_int_equal(capture_ip(&pkt, &ip, &len), -1);
		assert_int_equal(errno, EINVAL);
		v6[0] = 0x50;
		rec_init(&r, 5);
		rec_tlv(&r, 4, 8, indev, 4, 1);
		rec_tlv(&r, 9, 4 + sizeof(v6), v6, sizeof(v6), 1);
		assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
		errno = 0;
		assert_int_equal(capture_ip(&pkt, &ip, &len), -1);
		assert_int_equal(errno, EPROTONOSUPPORT);
	}
	/* Egress: an IPv6 frame (EtherType 0x86dd) too, but not ARP. */
	{
		uint8_t f6[14 + 40] = { 0x33, 0x33, 0, 0, 0x80, 1, 2, 0, 0, 0, 0, 9, 0x86, 0xdd, 0x60 };

		rec_init(&r, 5);
		rec_tlv(&r, 9, 4 + sizeof(f6), f6, sizeof(f6), 1);
		assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
		assert_int_equal(capture_ip(&pkt, &ip, &len), 0);
		assert_ptr_equal(ip, pkt.payload + 14);
		assert_int_equal(len, 40);
		f6[12] = 0x08;
		f6[13] = 0x06;
		rec_init(&r, 5);
		rec_tlv(&r, 9, 4 + sizeof(f6), f6, sizeof(f6), 1);
		assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
		errno = 0;
		assert_int_equal(capture_ip(&pkt, &ip, &len), -1);
		assert_int_equal(errno, EPROTONOSUPPORT);
	}
	/* A bare IP packet shorter than a header is malformed. */
	rec_init(&r, 5);
	rec_tlv(&r, 4, 8, indev, 4, 1);
	rec_tlv(&r, 9, 4 + 19, ip_pkt, 19, 1);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
	errno = 0;
	assert_int_equal(capture_ip(&pkt, &ip, &len), -1);
	assert_int_equal(errno, EINVAL);
}

/* Tap ingress (client_multicast): the record carries the sender's MAC. */
static void test_nflog_hwaddr(void **state)
{
	static const uint8_t hw[12] = { 0, 6, 0, 0, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0, 0 };
	static const uint8_t hw8[12] = { 0, 8, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct nflog_pkt pkt;
	struct rec r;

	(void)state;
	rec_init(&r, 5);
	rec_tlv(&r, 4, 8, "\0\0\0\x07", 4, 1);
	rec_tlv(&r, 8, 4 + sizeof(hw), hw, sizeof(hw), 1);
	rec_tlv(&r, 9, 4 + sizeof(ip_pkt), ip_pkt, sizeof(ip_pkt), 1);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
	assert_non_null(pkt.hwaddr);
	assert_memory_equal(pkt.hwaddr, hw + 4, 6);
	assert_int_equal(pkt.indev, 7);

	/* Not 6 bytes long: no Ethernet address, but the record stands. */
	rec_init(&r, 5);
	rec_tlv(&r, 8, 4 + sizeof(hw8), hw8, sizeof(hw8), 1);
	rec_tlv(&r, 9, 4 + sizeof(ip_pkt), ip_pkt, sizeof(ip_pkt), 1);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
	assert_null(pkt.hwaddr);

	/* Too short to hold an address: the record is broken. */
	rec_init(&r, 5);
	rec_tlv(&r, 8, 4 + 8, hw, 8, 1);
	rec_tlv(&r, 9, 4 + sizeof(ip_pkt), ip_pkt, sizeof(ip_pkt), 1);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), -1);

	/* Egress records have none. */
	rec_netdev(&r);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
	assert_null(pkt.hwaddr);
}

static void expect_bad(const struct rec *r, size_t len)
{
	struct nflog_pkt pkt;

	errno = 0;
	assert_int_equal(capture_nflog_parse(r->b, len, &pkt), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_nflog_hostile_lengths(void **state)
{
	static const uint8_t phdr[4] = { 0x08, 0x00, 5, 0 };
	struct rec r;
	uint16_t v;

	(void)state;
	rec_init(&r, 5);
	expect_bad(&r, 0);
	expect_bad(&r, 3);			/* not even a header */
	expect_bad(&r, 4);			/* no TLV, no payload */

	rec_init(&r, 5);
	rec_tlv(&r, 9, 0, ip_pkt, 28, 1);	/* length 0: would never advance */
	expect_bad(&r, r.len);
	rec_init(&r, 5);
	rec_tlv(&r, 9, 3, ip_pkt, 28, 1);	/* shorter than its own header */
	expect_bad(&r, r.len);
	rec_init(&r, 5);
	rec_tlv(&r, 9, 4 + 29, ip_pkt, 28, 0);	/* one byte past the record */
	expect_bad(&r, r.len);
	rec_init(&r, 5);
	rec_tlv(&r, 9, 0xffff, ip_pkt, 28, 1);	/* wildly past it */
	expect_bad(&r, r.len);
	rec_init(&r, 5);
	rec_tlv(&r, 1, 5, phdr, 1, 1);		/* packet header too short */
	rec_tlv(&r, 9, 4 + 28, ip_pkt, 28, 1);
	expect_bad(&r, r.len);
	rec_init(&r, 5);			/* two payloads */
	rec_tlv(&r, 9, 4 + 28, ip_pkt, 28, 1);
	rec_tlv(&r, 9, 4 + 28, ip_pkt, 28, 1);
	expect_bad(&r, r.len);

	/* An input device TLV too short for its 4-byte ifindex. */
	rec_init(&r, 5);
	rec_tlv(&r, 4, 4 + 2, "\0\7", 2, 1);
	rec_tlv(&r, 9, 4 + 28, ip_pkt, 28, 1);
	expect_bad(&r, r.len);
	rec_init(&r, 5);
	rec_tlv(&r, 4, 4 + 3, "\0\0\7", 3, 1);
	rec_tlv(&r, 9, 4 + 28, ip_pkt, 28, 1);
	expect_bad(&r, r.len);
	rec_init(&r, 5);
	rec_tlv(&r, 4, 4, "", 0, 1);		/* no value at all */
	rec_tlv(&r, 9, 4 + 28, ip_pkt, 28, 1);
	expect_bad(&r, r.len);
	rec_init(&r, 5);			/* ... also after the payload */
	rec_tlv(&r, 9, 4 + 28, ip_pkt, 28, 1);
	rec_tlv(&r, 4, 4 + 2, "\0\7", 2, 1);
	expect_bad(&r, r.len);
	rec_init(&r, 5);			/* ... or cut off by the record's end */
	rec_tlv(&r, 9, 4 + 28, ip_pkt, 28, 1);
	rec_tlv(&r, 4, 8, "\0\0\0\7", 4, 1);
	expect_bad(&r, r.len - 2);

	/* A good record cut anywhere inside the payload TLV is refused. */
	rec_netdev(&r);
	for (v = 21; v < r.len - 3; v++)
		expect_bad(&r, v);
}

static void test_nflog_not_ipv4(void **state)
{
	struct nflog_pkt pkt;
	struct rec r;
	const uint8_t *ip;
	uint8_t f[42];
	size_t len;

	(void)state;
	frame(f);
	f[12] = 0x81;				/* VLAN tag */
	rec_init(&r, 5);
	rec_tlv(&r, 9, 4 + sizeof(f), f, sizeof(f), 1);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
	errno = 0;
	assert_int_equal(capture_ip(&pkt, &ip, &len), -1);
	assert_int_equal(errno, EPROTONOSUPPORT);

	rec_init(&r, 5);			/* Ethernet header cut short */
	rec_tlv(&r, 9, 4 + 10, f, 10, 1);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
	errno = 0;
	assert_int_equal(capture_ip(&pkt, &ip, &len), -1);
	assert_int_equal(errno, EINVAL);

	frame(f);				/* IP header cut short */
	rec_init(&r, 5);
	rec_tlv(&r, 9, 4 + 30, f, 30, 1);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
	assert_int_equal(capture_ip(&pkt, &ip, &len), -1);

	rec_init(&r, 10);			/* IPv6 family, IPv4 packet */
	rec_tlv(&r, 9, 4 + 28, ip_pkt, 28, 1);
	assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
	errno = 0;
	assert_int_equal(capture_ip(&pkt, &ip, &len), -1);
	assert_int_equal(errno, EINVAL);
	{
		uint8_t v6[40] = { 0x60 };

		rec_init(&r, 10);		/* IPv6 family, IPv6 packet */
		rec_tlv(&r, 9, 4 + sizeof(v6), v6, sizeof(v6), 1);
		assert_int_equal(capture_nflog_parse(r.b, r.len, &pkt), 0);
		assert_int_equal(capture_ip(&pkt, &ip, &len), 0);
		assert_int_equal(len, 40);
	}
}

/* Random records: the parser may refuse them, but every pointer it
 * returns must lie inside the record. */
static void test_nflog_random(void **state)
{
	struct nflog_pkt pkt;
	uint8_t b[256];
	const uint8_t *ip;
	size_t i, j, len, n;

	(void)state;
	srand(1194);
	for (i = 0; i < 200000; i++) {
		n = (size_t)rand() % sizeof(b);
		for (j = 0; j < n; j++)
			b[j] = (uint8_t)rand();
		/* Small lengths make walking several TLVs likely. */
		for (j = 4; j + 1 < n; j += 4)
			if (rand() & 1) {
				b[j] = (uint8_t)(rand() % 48);
				b[j + 1] = 0;
			}
		if (capture_nflog_parse(b, n, &pkt) < 0)
			continue;
		assert_true(pkt.payload >= b + 8 && pkt.payload + pkt.payload_len <= b + n);
		if (capture_ip(&pkt, &ip, &len) == 0)
			assert_true(ip >= pkt.payload && ip + len <= b + n && len >= 20);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ruleset_egress),
		cmocka_unit_test(test_ruleset_forward),
		cmocka_unit_test(test_rules6),
		cmocka_unit_test(test_client_rules6),
		cmocka_unit_test(test_ruleset_replace),
		cmocka_unit_test(test_ruleset_rejects),
		cmocka_unit_test(test_upstream_rules),
		cmocka_unit_test(test_upstream_rules_reject),
		cmocka_unit_test(test_client_rules),
		cmocka_unit_test(test_kernel_egress),
		cmocka_unit_test(test_owner_pid),
		cmocka_unit_test(test_group_busy),
		cmocka_unit_test(test_tun_flags),
		cmocka_unit_test(test_nflog_netdev),
		cmocka_unit_test(test_nflog_ipv4_family),
		cmocka_unit_test(test_nflog_netdev_ingress),
		cmocka_unit_test(test_nflog_hwaddr),
		cmocka_unit_test(test_nflog_hostile_lengths),
		cmocka_unit_test(test_nflog_not_ipv4),
		cmocka_unit_test(test_nflog_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
