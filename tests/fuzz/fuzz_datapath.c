/*
 * fuzz_datapath.c - libFuzzer target over the data path's packet handling
 * of IPv4 and IPv6: the tc programs' classifier (dp_classify(), as
 * compiled for the host), the nflog record parser and IP locator
 * (capture_nflog_parse(), capture_ip()), and the checksum repair and TTL
 * rule (repl_fix_checksums(), repl_ttl_forward()).
 *
 * The input is taken as an Ethernet frame for the classifier and as an
 * nflog record for the parser, whose IP packet then goes through the
 * repair, as in fwd.c. Checked: no access outside the input (ASan), the
 * classifier's addresses come from the frame, the repaired length fits,
 * and a repaired UDP or ICMPv6 message right after an IPv6 header verifies
 * over the pseudo-header. Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/dp_core.h"
#include "capture.h"
#include "repl.h"

static void die(const char *what)
{
	fprintf(stderr, "fuzz_datapath: %s\n", what);
	abort();
}

/* The receiver's check, written out apart from csum.h. */
static int sum_ok6(const uint8_t *p, size_t plen)
{
	uint32_t sum = (uint32_t)plen + p[6];

	for (size_t i = 8; i < 40; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	for (size_t i = 0; i < plen; i++)
		sum += (i & 1) ? p[40 + i] : (uint32_t)p[40 + i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static void classify(const uint8_t *d, size_t n)
{
	struct dp_pkt p;

	for (int hook = DP_TAP_EGRESS; hook <= DP_UPSTREAM_INGRESS; hook++) {
		if (dp_classify(d, d + n, (enum dp_hook)hook, &p) != DP_COPY)
			continue;
		if (!p.v6)
			continue;
		if (n < 54 || memcmp(p.g6.a, d + 38, 16) || memcmp(p.s6.a, d + 22, 16) ||
		    p.g6.a[0] != 0xff || (p.g6.a[1] & 0x0f) <= 2 || d[20] == 0)
			die("IPv6 classification disagrees with the frame");
	}
}

static void repair(const uint8_t *ip, size_t len)
{
	static uint8_t buf[CAPTURE_SNAPLEN];
	ssize_t n;

	if (len > sizeof(buf))
		return;
	memcpy(buf, ip, len);
	if (len >= 40)
		repl_ttl_forward(buf);
	n = repl_fix_checksums(buf, len);
	if (n < 0)
		return;
	if ((size_t)n > len)
		die("repaired length beyond the packet");
	if ((buf[0] >> 4) == 6 && (buf[6] == 17 || buf[6] == 58) && !sum_ok6(buf, (size_t)n - 40))
		die("repaired IPv6 checksum does not verify");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nflog_pkt pkt;
	const uint8_t *ip;
	size_t len;

	classify(data, size);
	if (capture_nflog_parse(data, size, &pkt) == 0 && capture_ip(&pkt, &ip, &len) == 0) {
		if (ip < data || ip + len > data + size)
			die("IP packet outside the record");
		repair(ip, len);
	}
	/* The input as a bare IP packet, as at the upstream's ingress. */
	repair(data, size);
	return 0;
}
