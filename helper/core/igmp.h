/*
 * igmp.h - IGMP frame parser and general query builder.
 *
 * Pure code: bytes in, a validated view out. Nothing is allocated and nothing
 * is logged; a rejected frame is reported by reason, and the caller keeps the
 * counters (struct igmp_stats) that become the DROPS rows of the status.
 *
 * All IPv4 addresses are uint32_t in network byte order, as in struct in_addr.
 */
#ifndef IGMP_H
#define IGMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a frame, or one group record of a v3 report, was not used. */
enum igmp_drop {
	IGMP_DROP_TRUNCATED,	/* captured less than the headers claim */
	IGMP_DROP_BAD_CHECKSUM,	/* IP header or IGMP checksum wrong */
	IGMP_DROP_BAD_LENGTH,	/* impossible IP/IGMP length or IHL */
	IGMP_DROP_BAD_RECORD,	/* v3 record count or record overruns */
	IGMP_DROP_NOT_MULTICAST,/* group address not in 224.0.0.0/4 */
	IGMP_DROP_LINK_LOCAL,	/* group in 224.0.0.0/24: never tracked */
	IGMP_DROP_UNKNOWN_TYPE,	/* IGMP type or v3 record type unknown */
	IGMP_DROP_NOT_IGMP,	/* not IPv4/IGMP, fragment, or stacked tags */
	IGMP_DROP_UNKNOWN_MAC,	/* report from a MAC of no known client */
	IGMP_DROP_GROUP_LIMIT,	/* client is in too many groups already */
	IGMP_DROP_SOURCE_LIMIT,	/* source list longer than we keep */
	IGMP_DROP_MAX
};

/* Counters, indexed by enum igmp_drop; the caller owns and prints them. */
struct igmp_stats {
	uint64_t drops[IGMP_DROP_MAX];
};

enum igmp_type {
	IGMP_QUERY = 0x11,
	IGMP_V1_REPORT = 0x12,
	IGMP_V2_REPORT = 0x16,
	IGMP_V2_LEAVE = 0x17,
	IGMP_V3_REPORT = 0x22,
};

/* IGMPv3 group record types (RFC 3376 4.2.12). */
enum igmp_rec_type {
	IGMP_MODE_IS_INCLUDE = 1,
	IGMP_MODE_IS_EXCLUDE = 2,
	IGMP_CHANGE_TO_INCLUDE = 3,
	IGMP_CHANGE_TO_EXCLUDE = 4,
	IGMP_ALLOW_NEW_SOURCES = 5,
	IGMP_BLOCK_OLD_SOURCES = 6,
};

#define IGMP_ETH_HLEN	14
#define IGMP_VLAN_HLEN	4
/* Our queries: Ethernet + IPv4 with Router Alert + v3 query header. */
#define IGMP_QUERY_MAXLEN (IGMP_ETH_HLEN + 24 + 12)

/*
 * A validated IGMP message. Pointers refer into the caller's frame, which
 * must outlive this view.
 */
struct igmp_msg {
	enum igmp_type type;
	uint8_t version;	/* 1, 2 or 3 for reports and queries; 2 for leave */
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	bool tagged;		/* carried one 802.1Q tag */
	uint16_t vid;		/* its VLAN id, 0 if untagged */
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t ip_id;		/* lets the caller recognise its own queries */
	uint8_t ttl;
	bool router_alert;	/* IP Router Alert option present */
	uint32_t group;		/* v1/v2 report, leave, query (0 = general) */

	/* Queries only. */
	uint32_t max_resp_ds;	/* max response time, tenths of a second */
	uint8_t qrv;		/* v3: querier's robustness variable */
	uint32_t qqi;		/* v3: querier's query interval, seconds */
	bool s_flag;		/* v3: suppress router-side processing */
	uint16_t nsrc;		/* v3: sources in a group-and-source query */

	/* v3 reports only: the record area, walked with igmp_rec_next(). */
	uint16_t nrec;		/* records on the wire, valid or not */
	uint16_t nrec_valid;	/* records igmp_rec_next() will return */
	const uint8_t *recs;
	size_t recs_len;
};

/* One usable IGMPv3 group record. */
struct igmp_rec {
	enum igmp_rec_type type;
	uint32_t group;
	uint16_t nsrc;
	const uint8_t *src;	/* nsrc addresses, 4 bytes each, unaligned */
};

struct igmp_rec_iter {
	const uint8_t *p;
	const uint8_t *end;
	uint16_t left;
};

/**
 * igmp_parse() - validate an Ethernet frame carrying IGMP.
 * @frame: the frame as captured on the tap, starting at the Ethernet header.
 * @len: captured length; nothing beyond it is read.
 * @msg: receives the view on success.
 * @drop: optional; receives the reason when the frame is rejected.
 * @st: optional; the reason of a rejected frame, and of every skipped v3
 *      record (link-local or non-multicast group, unknown record type), is
 *      counted here.
 *
 * A v3 report is accepted when its structure is sound, even if some of its
 * records are skipped; igmp_rec_next() then returns only the usable ones.
 *
 * Return: 0, or -1 with errno EINVAL.
 */
int igmp_parse(const uint8_t *frame, size_t len, struct igmp_msg *msg,
	       enum igmp_drop *drop, struct igmp_stats *st);

/**
 * igmp_rec_begin() - start walking the records of a parsed v3 report.
 */
void igmp_rec_begin(const struct igmp_msg *msg, struct igmp_rec_iter *it);

/**
 * igmp_rec_next() - fetch the next usable record.
 * Return: true with @rec filled, or false at the end.
 */
bool igmp_rec_next(struct igmp_rec_iter *it, struct igmp_rec *rec);

/**
 * igmp_rec_src() - source address @i of @rec (network byte order).
 */
static inline uint32_t igmp_rec_src(const struct igmp_rec *rec, unsigned int i)
{
	const uint8_t *p = rec->src + 4 * (size_t)i;
	uint32_t a;

	__builtin_memcpy(&a, p, 4);
	return a;
}

/**
 * igmp_drop_name() - status name of a drop reason, e.g. "igmp_bad_checksum".
 * Return: the name, or "igmp_unknown" for a value out of range.
 */
const char *igmp_drop_name(enum igmp_drop drop);

/* What our own general query looks like. */
struct igmp_query_params {
	int version;		/* 1, 2 or 3 */
	uint32_t src_ip;	/* our address on the tap */
	uint8_t src_mac[6];	/* the tap's MAC */
	uint16_t ip_id;		/* mark to recognise the frame when seen again */
	uint32_t max_resp_ds;	/* v2/v3 max response time, tenths of a second */
	uint8_t qrv;		/* v3 robustness, 0..7 (0 if larger) */
	uint32_t qqi;		/* v3 query interval, seconds */
};

/**
 * igmp_build_query() - build a general query frame to 224.0.0.1.
 * @buf: receives the Ethernet frame (dst 01:00:5e:00:00:01), IPv4 with TTL 1
 *       and Router Alert, and the query with valid checksums.
 * @buflen: room in @buf; IGMP_QUERY_MAXLEN is always enough.
 *
 * Return: frame length, or -1 with errno EINVAL (bad version) or ENOSPC.
 */
int igmp_build_query(uint8_t *buf, size_t buflen,
		     const struct igmp_query_params *qp);

/**
 * igmp_code_decode() - value of a v3 Max Resp Code or QQIC (RFC 3376 4.1.1).
 */
uint32_t igmp_code_decode(uint8_t code);

/**
 * igmp_code_encode() - code for @val, rounded down to what the format can
 * express, saturating at 31744.
 */
uint8_t igmp_code_encode(uint32_t val);


#endif
