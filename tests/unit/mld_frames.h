/*
 * mld_frames.h - MLD frames built byte by byte for the unit tests, as
 * RFC 2710 / RFC 3810 lay them out, with the ICMPv6 checksum computed
 * here from the pseudo-header, independently of mld.c.
 */
#ifndef MLD_FRAMES_H
#define MLD_FRAMES_H

#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include "csum.h"

#define L3 14			/* IPv6 header offset, untagged */
#define HBH (L3 + 40)
#define ICMP (HBH + 8)		/* MLD message offset with our HbH header */

static const uint8_t host_mac[6] __attribute__((unused)) = { 0x02, 0x99, 0, 0, 0, 0x02 };
/* Hop-by-Hop: next ICMPv6, 8 bytes, Router Alert 0 (MLD), PadN. */
static const uint8_t hbh_ra[8] __attribute__((unused)) = { 58, 0, 5, 2, 0, 0, 1, 0 };

static inline void A6(const char *s, uint8_t a[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

/* Recompute the ICMPv6 checksum of an untagged-or-tagged frame at @l3. */
static inline void fix_csum(uint8_t *f, size_t l3)
{
	uint8_t *ip = f + l3, buf[1024];
	size_t plen = (size_t)ip[4] << 8 | ip[5], hl = 0, ilen;
	uint8_t *g;
	uint16_t c;

	if (ip[6] == 0)
		hl = ((size_t)ip[41] + 1) * 8;
	g = ip + 40 + hl;
	ilen = plen - hl;
	g[2] = g[3] = 0;
	/* The pseudo-header laid out in memory, then the message. */
	memset(buf, 0, 40);
	memcpy(buf, ip + 8, 32);
	buf[34] = (uint8_t)(ilen >> 8);
	buf[35] = (uint8_t)ilen;
	buf[39] = 58;
	memcpy(buf + 40, g, ilen);
	c = htons(csum_inet(buf, 40 + ilen));
	memcpy(g + 2, &c, 2);
}

/*
 * An Ethernet + IPv6 (+ Hop-by-Hop @hbh of @hlen bytes, if any) frame
 * around MLD message @msg; returns its length.
 */
static inline size_t build(uint8_t *f, const char *src, const char *dst, uint8_t hop,
		    const uint8_t *hbh, size_t hlen, const uint8_t *msg, size_t mlen)
{
	uint8_t *ip = f + L3;
	size_t plen = hlen + mlen;

	memset(f, 0, L3 + 40 + plen);
	f[0] = 0x33, f[1] = 0x33, f[5] = 0x16;
	memcpy(f + 6, host_mac, 6);
	f[12] = 0x86, f[13] = 0xdd;
	ip[0] = 0x60;
	ip[4] = (uint8_t)(plen >> 8);
	ip[5] = (uint8_t)plen;
	ip[6] = hlen ? 0 : 58;
	ip[7] = hop;
	A6(src, ip + 8);
	A6(dst, ip + 24);
	if (hlen)
		memcpy(ip + 40, hbh, hlen);
	memcpy(ip + 40 + hlen, msg, mlen);
	fix_csum(f, L3);
	return L3 + 40 + plen;
}

/* A v1 message (report, done, query) about @group. */
static inline size_t v1(uint8_t *f, uint8_t type, const char *group, uint16_t delay)
{
	uint8_t m[24] = { type, 0, 0, 0, (uint8_t)(delay >> 8), (uint8_t)delay };

	A6(group, m + 8);
	return build(f, "fe80::99:2", "ff02::16", 1, hbh_ra, 8, m, sizeof(m));
}

/* Append a v2 record to @m at @off; returns the new end. */
static inline size_t rec(uint8_t *m, size_t off, uint8_t type, const char *group,
		  const char *const *src, unsigned int nsrc, uint8_t aux)
{
	m[off] = type;
	m[off + 1] = aux;
	m[off + 2] = 0;
	m[off + 3] = (uint8_t)nsrc;
	A6(group, m + off + 4);
	for (unsigned int i = 0; i < nsrc; i++)
		A6(src[i], m + off + 20 + 16 * i);
	memset(m + off + 20 + 16 * nsrc, 0xaa, 4 * (size_t)aux);
	return off + 20 + 16 * nsrc + 4 * (size_t)aux;
}

#endif
