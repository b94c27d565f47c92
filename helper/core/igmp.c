/*
 * igmp.c - IGMP frame parser and general query builder.
 *
 * The frames come from VPN clients, so every length is distrusted: each read
 * is preceded by a check against what was captured and what the headers
 * themselves claim, whichever is smaller.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "csum.h"
#include "grec.h"
#include "igmp.h"

#define ETH_P_IPV4	0x0800
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88a8
#define IPPROTO_IGMP_	2
#define IPOPT_RA	148	/* Router Alert, RFC 2113 */
#define IGMP_HLEN	8
#define IGMP_V3Q_HLEN	12
#define IGMP_REC_HLEN	8

static const char *const drop_names[IGMP_DROP_MAX] = {
	[IGMP_DROP_TRUNCATED] = "igmp_truncated",
	[IGMP_DROP_BAD_CHECKSUM] = "igmp_bad_checksum",
	[IGMP_DROP_BAD_LENGTH] = "igmp_bad_length",
	[IGMP_DROP_BAD_RECORD] = "igmp_bad_record",
	[IGMP_DROP_NOT_MULTICAST] = "igmp_not_multicast",
	[IGMP_DROP_LINK_LOCAL] = "igmp_link_local",
	[IGMP_DROP_UNKNOWN_TYPE] = "igmp_unknown_type",
	[IGMP_DROP_NOT_IGMP] = "igmp_not_igmp",
	[IGMP_DROP_UNKNOWN_MAC] = "igmp_unknown_mac",
	[IGMP_DROP_GROUP_LIMIT] = "igmp_group_limit",
	[IGMP_DROP_SOURCE_LIMIT] = "igmp_source_limit",
};

const char *igmp_drop_name(enum igmp_drop drop)
{
	if ((unsigned int)drop >= IGMP_DROP_MAX)
		return "igmp_unknown";
	return drop_names[drop];
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Network byte order in, network byte order out. */
static inline uint32_t get32n(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint32_t igmp_code_decode(uint8_t code)
{
	if (code < 128)
		return code;
	return (uint32_t)((code & 0x0f) | 0x10) << (((code >> 4) & 0x07) + 3);
}

uint8_t igmp_code_encode(uint32_t val)
{
	unsigned int exp = 0;

	if (val < 128)
		return (uint8_t)val;
	if (val >= (uint32_t)0x1f << 10)
		return 0xff;
	while ((val >> (exp + 3)) > 0x1f)
		exp++;
	return (uint8_t)(0x80 | exp << 4 | ((val >> (exp + 3)) & 0x0f));
}

static inline bool is_multicast(uint32_t a)
{
	return (ntohl(a) & 0xf0000000) == 0xe0000000;
}

static inline bool is_link_local(uint32_t a)
{
	return (ntohl(a) & 0xffffff00) == 0xe0000000;
}

/* -1 if a group address may be tracked, else why not. */
static int group_check(uint32_t group)
{
	if (!is_multicast(group))
		return IGMP_DROP_NOT_MULTICAST;
	if (is_link_local(group))
		return IGMP_DROP_LINK_LOCAL;
	return -1;
}

/* -1 if a v3 record header describes a usable record, else why not. */
static int rec_check(const uint8_t *r)
{
	if (r[0] < IGMP_MODE_IS_INCLUDE || r[0] > IGMP_BLOCK_OLD_SOURCES)
		return IGMP_DROP_UNKNOWN_TYPE;
	return group_check(get32n(r + 4));
}


/* Walk the IP options for Router Alert. Return -1 if they are malformed. */
static int ip_options(const uint8_t *opt, size_t len, bool *ra)
{
	size_t i = 0;

	*ra = false;
	while (i < len) {
		uint8_t type = opt[i];

		if (type == 0)		/* end of list */
			break;
		if (type == 1) {	/* no-op */
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || opt[i + 1] > len - i)
			return -1;
		if (type == IPOPT_RA && opt[i + 1] == 4)
			*ra = true;
		i += opt[i + 1];
	}
	return 0;
}

static int parse_query(const uint8_t *g, size_t glen, struct igmp_msg *m)
{
	int why;

	if (glen != IGMP_HLEN && glen < IGMP_V3Q_HLEN)
		return IGMP_DROP_BAD_LENGTH;
	if (m->group) {
		why = group_check(m->group);
		if (why >= 0)
			return why;
	}
	if (glen == IGMP_HLEN) {
		/* RFC 3376 7.1: a zero Max Resp Code in 8 bytes means v1. */
		m->version = g[1] ? 2 : 1;
		m->max_resp_ds = g[1] ? g[1] : 100;
		return -1;
	}
	m->version = 3;
	m->max_resp_ds = igmp_code_decode(g[1]);
	m->s_flag = g[8] & 0x08;
	m->qrv = g[8] & 0x07;
	m->qqi = igmp_code_decode(g[9]);
	m->nsrc = get16(g + 10);
	if (IGMP_V3Q_HLEN + 4 * (size_t)m->nsrc > glen)
		return IGMP_DROP_BAD_LENGTH;
	return -1;
}

/*
 * Structural errors reject the whole report; a record that is well formed but
 * unusable is skipped and counted, so that e.g. a host's report for
 * 224.0.0.251 does not hide its other groups.
 */
static int parse_v3_report(const uint8_t *g, size_t glen, struct igmp_msg *m,
			   struct igmp_stats *st)
{
	unsigned int i, skipped[IGMP_DROP_MAX] = { 0 };

	m->version = 3;
	m->nrec = get16(g + 6);
	m->recs = g + IGMP_HLEN;
	m->recs_len = grec_scan(m->recs, g + glen, m->nrec, 4, rec_check, skipped, &m->nrec_valid);
	if (m->nrec && !m->recs_len)
		return IGMP_DROP_BAD_RECORD;
	if (st)
		for (i = 0; i < IGMP_DROP_MAX; i++)
			st->drops[i] += skipped[i];
	return -1;
}

static int parse(const uint8_t *f, size_t len, struct igmp_msg *m,
		 struct igmp_stats *st)
{
	const uint8_t *ip, *g;
	size_t off = IGMP_ETH_HLEN, ihl, tot, glen;
	uint16_t proto;

	memset(m, 0, sizeof(*m));
	if (len < IGMP_ETH_HLEN)
		return IGMP_DROP_TRUNCATED;
	memcpy(m->dst_mac, f, 6);
	memcpy(m->src_mac, f + 6, 6);
	proto = get16(f + 12);
	if (proto == ETH_P_8021Q) {
		if (len < IGMP_ETH_HLEN + IGMP_VLAN_HLEN)
			return IGMP_DROP_TRUNCATED;
		m->tagged = true;
		m->vid = get16(f + 14) & 0x0fff;
		proto = get16(f + 16);
		off += IGMP_VLAN_HLEN;
	}
	/* One tag is what OpenVPN's --vlan-tagging produces; more is not ours. */
	if (proto != ETH_P_IPV4)
		return IGMP_DROP_NOT_IGMP;

	ip = f + off;
	len -= off;
	if (len < 20)
		return IGMP_DROP_TRUNCATED;
	if ((ip[0] >> 4) != 4 || ip[9] != IPPROTO_IGMP_)
		return IGMP_DROP_NOT_IGMP;
	if (get16(ip + 6) & 0x3fff)	/* MF or offset: reports never fragment */
		return IGMP_DROP_NOT_IGMP;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = get16(ip + 2);
	if (ihl < 20 || tot < ihl)
		return IGMP_DROP_BAD_LENGTH;
	/* Captured beyond tot is Ethernet padding; short of it is truncation. */
	if (tot > len)
		return IGMP_DROP_TRUNCATED;
	if (csum_inet(ip, ihl))
		return IGMP_DROP_BAD_CHECKSUM;
	if (ip_options(ip + 20, ihl - 20, &m->router_alert) < 0)
		return IGMP_DROP_BAD_LENGTH;
	m->ip_id = get16(ip + 4);
	m->ttl = ip[8];
	m->src_ip = get32n(ip + 12);
	m->dst_ip = get32n(ip + 16);

	g = ip + ihl;
	glen = tot - ihl;
	if (glen < IGMP_HLEN)
		return IGMP_DROP_BAD_LENGTH;
	if (csum_inet(g, glen))
		return IGMP_DROP_BAD_CHECKSUM;
	m->type = g[0];
	m->group = get32n(g + 4);

	switch (g[0]) {
	case IGMP_QUERY:
		return parse_query(g, glen, m);
	case IGMP_V1_REPORT:
		m->version = 1;
		return group_check(m->group);
	case IGMP_V2_REPORT:
	case IGMP_V2_LEAVE:
		m->version = 2;
		return group_check(m->group);
	case IGMP_V3_REPORT:
		m->group = 0;
		return parse_v3_report(g, glen, m, st);
	default:
		return IGMP_DROP_UNKNOWN_TYPE;
	}
}

int igmp_parse(const uint8_t *frame, size_t len, struct igmp_msg *msg,
	       enum igmp_drop *drop, struct igmp_stats *st)
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

void igmp_rec_begin(const struct igmp_msg *msg, struct igmp_rec_iter *it)
{
	it->p = it->end = msg->recs;
	it->left = 0;
	if (msg->type == IGMP_V3_REPORT && msg->recs) {
		it->end = msg->recs + msg->recs_len;
		it->left = msg->nrec;
	}
}

bool igmp_rec_next(struct igmp_rec_iter *it, struct igmp_rec *rec)
{
	const uint8_t *r = grec_next(&it->p, it->end, &it->left, 4, rec_check);

	if (!r)
		return false;
	rec->type = r[0];
	rec->nsrc = get16(r + 2);
	rec->group = get32n(r + 4);
	rec->src = r + IGMP_REC_HLEN;
	return true;
}

int igmp_build_query(uint8_t *buf, size_t buflen,
		     const struct igmp_query_params *qp)
{
	static const uint8_t all_hosts_mac[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	size_t glen, len;
	uint8_t *ip, *g;
	uint32_t all_hosts = htonl(0xe0000001);

	if (qp->version < 1 || qp->version > 3) {
		errno = EINVAL;
		return -1;
	}
	glen = qp->version == 3 ? IGMP_V3Q_HLEN : IGMP_HLEN;
	len = IGMP_ETH_HLEN + 24 + glen;
	if (buflen < len) {
		errno = ENOSPC;
		return -1;
	}
	memset(buf, 0, len);
	memcpy(buf, all_hosts_mac, 6);
	memcpy(buf + 6, qp->src_mac, 6);
	put16(buf + 12, ETH_P_IPV4);

	ip = buf + IGMP_ETH_HLEN;
	ip[0] = 0x46;			/* v4, 24 byte header */
	ip[1] = 0xc0;			/* precedence: internetwork control */
	put16(ip + 2, (uint16_t)(24 + glen));
	put16(ip + 4, qp->ip_id);
	put16(ip + 6, 0x4000);		/* DF */
	ip[8] = 1;
	ip[9] = IPPROTO_IGMP_;
	memcpy(ip + 12, &qp->src_ip, 4);
	memcpy(ip + 16, &all_hosts, 4);
	ip[20] = IPOPT_RA;
	ip[21] = 4;
	put16(ip + 10, csum_inet(ip, 24));

	g = ip + 24;
	g[0] = IGMP_QUERY;
	switch (qp->version) {
	case 1:
		g[1] = 0;
		break;
	case 2:
		/* A zero code would turn this into a v1 query. */
		g[1] = (uint8_t)(qp->max_resp_ds == 0 ? 1 :
				 qp->max_resp_ds > 255 ? 255 : qp->max_resp_ds);
		break;
	case 3:
		g[1] = igmp_code_encode(qp->max_resp_ds);
		g[8] = qp->qrv <= 7 ? qp->qrv : 0;
		g[9] = igmp_code_encode(qp->qqi);
		break;
	}
	put16(g + 2, csum_inet(g, glen));
	return (int)len;
}
