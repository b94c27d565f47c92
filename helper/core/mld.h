/*
 * mld.h - MLD (RFC 2710, RFC 3810) frame parser and general query builder.
 *
 * Pure code, the IPv6 sibling of igmp.h: bytes in, a validated view out.
 * Nothing is allocated and nothing is logged; a rejected frame is reported
 * by reason, and the caller keeps the counters (struct mld_stats) that
 * become the mld_* DROPS rows of the status.
 *
 * IPv6 addresses are 16 bytes in network order. MLDv1 maps onto IGMPv2 and
 * MLDv2 onto IGMPv3: the record types have the same numbers.
 */
#ifndef MLD_H
#define MLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a frame, or one record of a v2 report, was not used. */
enum mld_drop {
	MLD_DROP_TRUNCATED,	/* captured less than the headers claim */
	MLD_DROP_BAD_CHECKSUM,	/* ICMPv6 checksum wrong */
	MLD_DROP_BAD_LENGTH,	/* impossible IPv6, Hop-by-Hop or MLD length */
	MLD_DROP_BAD_RECORD,	/* v2 record count or record overruns */
	MLD_DROP_NOT_MULTICAST,	/* group address not in ff00::/8 */
	MLD_DROP_RESERVED,	/* group of reserved scope 0 or 15 */
	MLD_DROP_LINK_LOCAL,	/* group of scope 1 or 2: never tracked */
	MLD_DROP_UNKNOWN_TYPE,	/* ICMPv6 type or v2 record type unknown */
	MLD_DROP_NOT_MLD,	/* not IPv6 + Hop-by-Hop + ICMPv6, or stacked tags */
	MLD_DROP_NO_ROUTER_ALERT, /* no Router Alert (value 0) option */
	MLD_DROP_BAD_HOP_LIMIT,	/* IPv6 hop limit not 1 */
	MLD_DROP_BAD_SOURCE,	/* source neither link-local nor :: (reports) */
	MLD_DROP_UNKNOWN_MAC,	/* report from a MAC of no known client */
	MLD_DROP_TABLE_FULL,	/* no key left for one more IPv6 address */
	MLD_DROP_MAX
};

/* Counters, indexed by enum mld_drop; the caller owns and prints them. */
struct mld_stats {
	uint64_t drops[MLD_DROP_MAX];
};

enum mld_type {
	MLD_QUERY = 130,
	MLD_V1_REPORT = 131,
	MLD_V1_DONE = 132,
	MLD_V2_REPORT = 143,
};

/* MLDv2 record types (RFC 3810 5.2.12): the numbers of enum igmp_rec_type. */
enum mld_rec_type {
	MLD_MODE_IS_INCLUDE = 1,
	MLD_MODE_IS_EXCLUDE = 2,
	MLD_CHANGE_TO_INCLUDE = 3,
	MLD_CHANGE_TO_EXCLUDE = 4,
	MLD_ALLOW_NEW_SOURCES = 5,
	MLD_BLOCK_OLD_SOURCES = 6,
};

#define MLD_ETH_HLEN	14
#define MLD_VLAN_HLEN	4
#define MLD_IP6_HLEN	40
#define MLD_HBH_LEN	8	/* our Hop-by-Hop header: Router Alert + PadN */
#define MLD_V1_LEN	24
#define MLD_V2Q_LEN	28
/* Our queries: Ethernet + IPv6 + Hop-by-Hop + v2 query header. */
#define MLD_QUERY_MAXLEN (MLD_ETH_HLEN + MLD_IP6_HLEN + MLD_HBH_LEN + MLD_V2Q_LEN)

/*
 * A validated MLD message. Pointers refer into the caller's frame, which
 * must outlive this view.
 */
struct mld_msg {
	enum mld_type type;
	uint8_t version;	/* 1 or 2 (a v1 report and done are 1) */
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	bool tagged;		/* carried one 802.1Q tag */
	uint16_t vid;		/* its VLAN id, 0 if untagged */
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t flow;		/* flow label: lets the caller recognise its queries */
	uint8_t hop_limit;
	uint8_t group[16];	/* v1 report, done, query (:: = general) */

	/* Queries only. */
	uint32_t max_resp_ms;	/* maximum response delay */
	uint8_t qrv;		/* v2: querier's robustness variable */
	uint32_t qqi;		/* v2: querier's query interval, seconds */
	bool s_flag;		/* v2: suppress router-side processing */
	uint16_t nsrc;		/* v2: sources in a group-and-source query */

	/* v2 reports only: the record area, walked with mld_rec_next(). */
	uint16_t nrec;		/* records on the wire, valid or not */
	uint16_t nrec_valid;	/* records mld_rec_next() will return */
	const uint8_t *recs;
	size_t recs_len;
};

/* One usable MLDv2 record. */
struct mld_rec {
	enum mld_rec_type type;
	const uint8_t *group;	/* 16 bytes, inside the frame */
	uint16_t nsrc;
	const uint8_t *src;	/* nsrc addresses, 16 bytes each */
};

struct mld_rec_iter {
	const uint8_t *p;
	const uint8_t *end;
	uint16_t left;
};

/**
 * mld_parse() - validate an Ethernet frame carrying MLD.
 * @frame: the frame as captured on the tap, starting at the Ethernet header.
 * @len: captured length; nothing beyond it is read.
 * @msg: receives the view on success.
 * @drop: optional; receives the reason when the frame is rejected.
 * @st: optional; the reason of a rejected frame, and of every skipped v2
 *      record (link-local, reserved or non-multicast group, unknown record
 *      type), is counted here.
 *
 * The IPv6 header must be followed by exactly one Hop-by-Hop header with a
 * Router Alert option of value 0, then ICMPv6; the hop limit must be 1; the
 * source must be link-local (fe80::/10), or :: for a report or done.
 *
 * Return: 0, or -1 with errno EINVAL.
 */
int mld_parse(const uint8_t *frame, size_t len, struct mld_msg *msg,
	      enum mld_drop *drop, struct mld_stats *st);

/** mld_rec_begin() - start walking the records of a parsed v2 report. */
void mld_rec_begin(const struct mld_msg *msg, struct mld_rec_iter *it);

/**
 * mld_rec_next() - fetch the next usable record.
 * Return: true with @rec filled, or false at the end.
 */
bool mld_rec_next(struct mld_rec_iter *it, struct mld_rec *rec);

/**
 * mld_drop_name() - status name of a drop reason, e.g. "mld_bad_checksum".
 * Return: the name, or "mld_unknown" for a value out of range.
 */
const char *mld_drop_name(enum mld_drop drop);

/**
 * mld_group_trackable() - whether @a is a group the helper tracks:
 * multicast, of a scope above link-local and not reserved.
 */
bool mld_group_trackable(const uint8_t a[16]);

/* What our own general query looks like. */
struct mld_query_params {
	int version;		/* 1 or 2 */
	uint8_t src[16];	/* a link-local address of the tap */
	uint8_t src_mac[6];	/* the tap's MAC */
	uint32_t flow;		/* flow label, marks our own frames (20 bits) */
	uint32_t max_resp_ms;	/* maximum response delay */
	uint8_t qrv;		/* v2 robustness, 0..7 (0 if larger) */
	uint32_t qqi;		/* v2 query interval, seconds */
};

/**
 * mld_build_query() - build a general query frame to ff02::1.
 * @buf: receives the Ethernet frame (dst 33:33:00:00:00:01), IPv6 with hop
 *       limit 1, a Hop-by-Hop Router Alert, and the query with a valid
 *       ICMPv6 checksum.
 * @buflen: room in @buf; MLD_QUERY_MAXLEN is always enough.
 *
 * Return: frame length, or -1 with errno EINVAL (bad version) or ENOSPC.
 */
int mld_build_query(uint8_t *buf, size_t buflen, const struct mld_query_params *qp);

/** mld_code_decode() - value of a v2 Maximum Response Code (RFC 3810 5.1.3). */
uint32_t mld_code_decode(uint16_t code);

/**
 * mld_code_encode() - code for @val, rounded down to what the format can
 * express, saturating at 8387584.
 */
uint16_t mld_code_encode(uint32_t val);

#endif
