/*
 * mld.c - MLD frame parser and general query builder.
 *
 * The frames come from VPN clients, so every length is distrusted: each read
 * is preceded by a check against what was captured and what the headers
 * themselves claim, whichever is smaller.
 */
#include <errno.h>
#include <string.h>

#include "csum.h"
#include "igmp.h"
#include "grec.h"
#include "mld.h"

#define ETH_P_IPV6	0x86dd
#define ETH_P_8021Q	0x8100
#define NH_HOPOPTS	0
#define NH_ICMPV6	58
#define OPT_PAD1	0
#define OPT_PADN	1
#define OPT_RA		5	/* Router Alert, RFC 2711; value 0 = MLD */
#define MLD_V2R_HLEN	8
#define MLD_REC_HLEN	20

static const char *const drop_names[MLD_DROP_MAX] = {
	[MLD_DROP_TRUNCATED] = "mld_truncated",
	[MLD_DROP_BAD_CHECKSUM] = "mld_bad_checksum",
	[MLD_DROP_BAD_LENGTH] = "mld_bad_length",
	[MLD_DROP_BAD_RECORD] = "mld_bad_record",
	[MLD_DROP_NOT_MULTICAST] = "mld_not_multicast",
	[MLD_DROP_RESERVED] = "mld_reserved",
	[MLD_DROP_LINK_LOCAL] = "mld_link_local",
	[MLD_DROP_UNKNOWN_TYPE] = "mld_unknown_type",
	[MLD_DROP_NOT_MLD] = "mld_not_mld",
	[MLD_DROP_NO_ROUTER_ALERT] = "mld_no_router_alert",
	[MLD_DROP_BAD_HOP_LIMIT] = "mld_bad_hop_limit",
	[MLD_DROP_BAD_SOURCE] = "mld_bad_source",
	[MLD_DROP_UNKNOWN_MAC] = "mld_unknown_mac",
	[MLD_DROP_TABLE_FULL] = "mld_table_full",
};

_Static_assert((int)MLD_BLOCK_OLD_SOURCES == (int)IGMP_BLOCK_OLD_SOURCES &&
	       (int)MLD_MODE_IS_INCLUDE == (int)IGMP_MODE_IS_INCLUDE,
	       "MLDv2 and IGMPv3 record types share their numbers");

const char *mld_drop_name(enum mld_drop drop)
{
	if ((unsigned int)drop >= MLD_DROP_MAX)
		return "mld_unknown";
	return drop_names[drop];
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint32_t mld_code_decode(uint16_t code)
{
	if (code < 0x8000)
		return code;
	return (uint32_t)((code & 0x0fff) | 0x1000) << (((code >> 12) & 0x07) + 3);
}

uint16_t mld_code_encode(uint32_t val)
{
	unsigned int exp = 0;

	if (val < 0x8000)
		return (uint16_t)val;
	if (val >= (uint32_t)0x1fff << 10)
		return 0xffff;
	while ((val >> (exp + 3)) > 0x1fff)
		exp++;
	return (uint16_t)(0x8000 | exp << 12 | ((val >> (exp + 3)) & 0x0fff));
}

/* -1 if a group address may be tracked, else why not. */
static int group_check(const uint8_t *a)
{
	unsigned int scope = a[1] & 0x0f;

	if (a[0] != 0xff)
		return MLD_DROP_NOT_MULTICAST;
	if (scope == 0 || scope == 15)
		return MLD_DROP_RESERVED;
	/* Interface- and link-local: queries, ND, mDNS... stay with OpenVPN. */
	if (scope <= 2)
		return MLD_DROP_LINK_LOCAL;
	return -1;
}

bool mld_group_trackable(const uint8_t a[16])
{
	return group_check(a) < 0;
}

static bool is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, 16);
}

static bool is_link_local(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* -1 if a v2 record header describes a usable record, else why not. */
static int rec_check(const uint8_t *r)
{
	if (r[0] < MLD_MODE_IS_INCLUDE || r[0] > MLD_BLOCK_OLD_SOURCES)
		return MLD_DROP_UNKNOWN_TYPE;
	return group_check(r + 4);
}


/* The ICMPv6 checksum over the pseudo-header (RFC 8200 8.1), not complemented. */
static uint16_t icmp6_sum(const uint8_t *src, const uint8_t *dst,
			  const uint8_t *icmp, size_t len)
{
	uint8_t ph[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16),
			  (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, NH_ICMPV6 };
	uint16_t s = csum_add(src, 16, 0);

	s = csum_add(dst, 16, s);
	s = csum_add(ph, sizeof(ph), s);
	return csum_add(icmp, len, s);
}

/*
 * Walk the Hop-by-Hop options (@opt, @len bytes) for Router Alert.
 * Return -1 if they are malformed.
 */
static int hbh_options(const uint8_t *opt, size_t len, bool *ra)
{
	size_t i = 0;

	*ra = false;
	while (i < len) {
		if (opt[i] == OPT_PAD1) {
			i++;
			continue;
		}
		if (i + 2 > len || (size_t)opt[i + 1] > len - i - 2)
			return -1;
		if (opt[i] == OPT_RA && opt[i + 1] == 2 && get16(opt + i + 2) == 0)
			*ra = true;
		i += 2 + (size_t)opt[i + 1];
	}
	return 0;
}

static int parse_query(const uint8_t *g, size_t glen, struct mld_msg *m)
{
	int why;

	if (glen != MLD_V1_LEN && glen < MLD_V2Q_LEN)
		return MLD_DROP_BAD_LENGTH;
	/* RFC 3810 5.1.14: a query's source is always link-local. */
	if (!is_link_local(m->src))
		return MLD_DROP_BAD_SOURCE;
	if (!is_unspecified(m->group)) {
		why = group_check(m->group);
		if (why >= 0)
			return why;
	}
	if (glen == MLD_V1_LEN) {
		m->version = 1;
		m->max_resp_ms = get16(g + 4);
		return -1;
	}
	m->version = 2;
	m->max_resp_ms = mld_code_decode(get16(g + 4));
	m->s_flag = g[24] & 0x08;
	m->qrv = g[24] & 0x07;
	m->qqi = igmp_code_decode(g[25]);
	m->nsrc = get16(g + 26);
	if (MLD_V2Q_LEN + 16 * (size_t)m->nsrc > glen)
		return MLD_DROP_BAD_LENGTH;
	return -1;
}

/*
 * Structural errors reject the whole report; a record that is well formed
 * but unusable is skipped and counted, so that e.g. a host's record for
 * ff02::fb does not hide its other groups.
 */
static int parse_v2_report(const uint8_t *g, size_t glen, struct mld_msg *m,
			   struct mld_stats *st)
{
	unsigned int i, skipped[MLD_DROP_MAX] = { 0 };

	m->version = 2;
	m->nrec = get16(g + 6);
	m->recs = g + MLD_V2R_HLEN;
	m->recs_len = grec_scan(m->recs, g + glen, m->nrec, 16, rec_check, skipped, &m->nrec_valid);
	if (m->nrec && !m->recs_len)
		return MLD_DROP_BAD_RECORD;
	if (st)
		for (i = 0; i < MLD_DROP_MAX; i++)
			st->drops[i] += skipped[i];
	return -1;
}

static int parse(const uint8_t *f, size_t len, struct mld_msg *m, struct mld_stats *st)
{
	const uint8_t *ip, *h, *g;
	size_t off = MLD_ETH_HLEN, plen, hlen, glen;
	uint16_t proto;
	bool ra;

	memset(m, 0, sizeof(*m));
	if (len < MLD_ETH_HLEN)
		return MLD_DROP_TRUNCATED;
	memcpy(m->dst_mac, f, 6);
	memcpy(m->src_mac, f + 6, 6);
	proto = get16(f + 12);
	if (proto == ETH_P_8021Q) {
		if (len < MLD_ETH_HLEN + MLD_VLAN_HLEN)
			return MLD_DROP_TRUNCATED;
		m->tagged = true;
		m->vid = get16(f + 14) & 0x0fff;
		proto = get16(f + 16);
		off += MLD_VLAN_HLEN;
	}
	/* One tag is what OpenVPN's --vlan-tagging produces; more is not ours. */
	if (proto != ETH_P_IPV6)
		return MLD_DROP_NOT_MLD;

	ip = f + off;
	len -= off;
	if (len < MLD_IP6_HLEN)
		return MLD_DROP_TRUNCATED;
	if ((ip[0] >> 4) != 6)
		return MLD_DROP_NOT_MLD;
	/* MLD always rides behind a Hop-by-Hop header (Router Alert). */
	if (ip[6] != NH_HOPOPTS && ip[6] != NH_ICMPV6)
		return MLD_DROP_NOT_MLD;
	plen = get16(ip + 4);
	if (plen == 0)		/* a jumbogram: never MLD */
		return MLD_DROP_BAD_LENGTH;
	/* Captured beyond plen is Ethernet padding; short of it is truncation. */
	if (plen > len - MLD_IP6_HLEN)
		return MLD_DROP_TRUNCATED;
	m->flow = (uint32_t)(ip[1] & 0x0f) << 16 | get16(ip + 2);
	m->hop_limit = ip[7];
	memcpy(m->src, ip + 8, 16);
	memcpy(m->dst, ip + 24, 16);

	h = ip + MLD_IP6_HLEN;
	ra = false;
	hlen = 0;
	if (ip[6] == NH_HOPOPTS) {
		if (plen < 8)
			return MLD_DROP_BAD_LENGTH;
		hlen = ((size_t)h[1] + 1) * 8;
		if (hlen > plen)
			return MLD_DROP_BAD_LENGTH;
		if (hbh_options(h + 2, hlen - 2, &ra) < 0)
			return MLD_DROP_BAD_LENGTH;
		if (h[0] != NH_ICMPV6)
			return MLD_DROP_NOT_MLD;
	}

	g = h + hlen;
	glen = plen - hlen;
	if (glen < 4)
		return MLD_DROP_BAD_LENGTH;
	if (g[0] != MLD_QUERY && g[0] != MLD_V1_REPORT && g[0] != MLD_V1_DONE &&
	    g[0] != MLD_V2_REPORT) {
		/* Other ICMPv6 (neighbour discovery) is not ours to judge. */
		return hlen ? MLD_DROP_UNKNOWN_TYPE : MLD_DROP_NOT_MLD;
	}
	if (glen < MLD_V2R_HLEN || (g[0] != MLD_V2_REPORT && glen < MLD_V1_LEN))
		return MLD_DROP_BAD_LENGTH;
	if (icmp6_sum(m->src, m->dst, g, glen) != 0xffff)
		return MLD_DROP_BAD_CHECKSUM;
	if (!ra)
		return MLD_DROP_NO_ROUTER_ALERT;
	if (m->hop_limit != 1)
		return MLD_DROP_BAD_HOP_LIMIT;
	m->type = g[0];

	switch (g[0]) {
	case MLD_QUERY:
		memcpy(m->group, g + 8, 16);
		return parse_query(g, glen, m);
	case MLD_V1_REPORT:
	case MLD_V1_DONE:
		m->version = 1;
		/* RFC 3810 5.2.13: :: is what a host without an address uses. */
		if (!is_link_local(m->src) && !is_unspecified(m->src))
			return MLD_DROP_BAD_SOURCE;
		memcpy(m->group, g + 8, 16);
		return group_check(m->group);
	default:		/* MLD_V2_REPORT */
		if (!is_link_local(m->src) && !is_unspecified(m->src))
			return MLD_DROP_BAD_SOURCE;
		return parse_v2_report(g, glen, m, st);
	}
}

int mld_parse(const uint8_t *frame, size_t len, struct mld_msg *msg,
	      enum mld_drop *drop, struct mld_stats *st)
{
	int why = parse(frame, len, msg, st);

	if (why < 0)
		return 0;
	if (drop)
		*drop = why;
	if (st)
		st->drops[why]++;
	errno = EINVAL;
	return -1;
}

void mld_rec_begin(const struct mld_msg *msg, struct mld_rec_iter *it)
{
	it->p = it->end = msg->recs;
	it->left = 0;
	if (msg->type == MLD_V2_REPORT && msg->recs) {
		it->end = msg->recs + msg->recs_len;
		it->left = msg->nrec;
	}
}

bool mld_rec_next(struct mld_rec_iter *it, struct mld_rec *rec)
{
	const uint8_t *r = grec_next(&it->p, it->end, &it->left, 16, rec_check);

	if (!r)
		return false;
	rec->type = r[0];
	rec->nsrc = get16(r + 2);
	rec->group = r + 4;
	rec->src = r + MLD_REC_HLEN;
	return true;
}

int mld_build_query(uint8_t *buf, size_t buflen, const struct mld_query_params *qp)
{
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	size_t glen, len;
	uint8_t *ip, *h, *g;

	if (qp->version < 1 || qp->version > 2) {
		errno = EINVAL;
		return -1;
	}
	glen = qp->version == 2 ? MLD_V2Q_LEN : MLD_V1_LEN;
	len = MLD_ETH_HLEN + MLD_IP6_HLEN + MLD_HBH_LEN + glen;
	if (buflen < len) {
		errno = ENOSPC;
		return -1;
	}
	memset(buf, 0, len);
	memcpy(buf, all_nodes_mac, 6);
	memcpy(buf + 6, qp->src_mac, 6);
	put16(buf + 12, ETH_P_IPV6);

	ip = buf + MLD_ETH_HLEN;
	ip[0] = 0x60;
	ip[1] = (uint8_t)((qp->flow >> 16) & 0x0f);
	put16(ip + 2, (uint16_t)qp->flow);
	put16(ip + 4, (uint16_t)(MLD_HBH_LEN + glen));
	ip[6] = NH_HOPOPTS;
	ip[7] = 1;
	memcpy(ip + 8, qp->src, 16);
	memcpy(ip + 24, all_nodes, 16);

	h = ip + MLD_IP6_HLEN;
	h[0] = NH_ICMPV6;
	h[1] = 0;			/* 8 bytes */
	h[2] = OPT_RA;
	h[3] = 2;			/* value 0: MLD */
	h[6] = OPT_PADN;
	h[7] = 0;

	g = h + MLD_HBH_LEN;
	g[0] = MLD_QUERY;
	if (qp->version == 1) {
		put16(g + 4, (uint16_t)(qp->max_resp_ms > 0xffff ? 0xffff : qp->max_resp_ms));
	} else {
		put16(g + 4, mld_code_encode(qp->max_resp_ms));
		g[24] = qp->qrv <= 7 ? qp->qrv : 0;
		g[25] = igmp_code_encode(qp->qqi);
	}
	put16(g + 2, (uint16_t)~icmp6_sum(ip + 8, ip + 24, g, glen));
	return (int)len;
}
