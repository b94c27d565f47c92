/*
 * dp_core.h - the pure part of the in-kernel data plane, shared by the tc
 * programs (mcast_tc.bpf.c, clang -target bpf) and the helper (a host
 * build, so unit tests reach it): the map layouts, which frames are the
 * data plane's business, and which destination list a packet takes.
 *
 * Everything here is static inline and free of helpers calls; the frame
 * parser checks every access against @end, as the verifier demands.
 */
#ifndef DP_CORE_H
#define DP_CORE_H

#include <linux/types.h>

#define DP_MAX_DST	1024	/* copies per packet; a power of 2 (index mask) */
#define DP_ETH_HLEN	14
#define DP_TC_HANDLE	0x6d63	/* "mc": high half of our tc filters' handle */
#define DP_TC_PRIO	0xc0

/* One copy: the member's client id (for its counters) and MAC. */
struct dp_dst {
	__u32 client;
	__u8 mac[6];
	__u16 pad;
};

/* A destination list; the map value, replaced whole by the helper. */
struct dp_list {
	__u32 n;
	__u32 truncated;	/* the group had more members than DP_MAX_DST */
	struct dp_dst d[DP_MAX_DST];
};

/* Key of the list map: (S,G) for a source some filter names, (0,G) for
 * the sources none names. Addresses in network byte order. */
struct dp_key {
	__u32 group;
	__u32 src;
};

/* The one entry of the config map. */
struct dp_cfg {
	__u32 tap_ifindex;
	__u8 tap_mac[6];
	__u16 pad;
};

/* Per-CPU counters: per client (frames, bytes) and per group. */
struct dp_cnt {
	__u64 frames;
	__u64 bytes;
};

/* Key of the per (group, client) counters: bytes_out per member. */
struct dp_cgkey {
	__u32 group;
	__u32 client;
};

struct dp_gcnt {
	__u64 frames_in;
	__u64 frames_out;
	__u64 bytes_out;
	__u64 up_in;		/* arrived on the standalone upstream */
	__u64 up_ttl;		/* of those, TTL ran out */
};

/* Slots of the per-CPU drop counter array. */
enum dp_drop {
	DP_DROP_NO_MEMBERS,	/* diverted, nobody to copy to */
	DP_DROP_TTL,		/* upstream packet with TTL <= 1 (any group) */
	DP_DROP_CLONE,		/* bpf_clone_redirect failed */
	DP_DROP_TOO_MANY,	/* packets to a list cut at DP_MAX_DST */
	DP_DROP_MAX
};

/* Where a frame was seen. */
enum dp_hook { DP_TAP_EGRESS, DP_UPSTREAM_INGRESS };

/* What the data plane does with a frame. */
enum dp_verdict {
	DP_PASS,	/* not ours: let it go (incl. our own unicast copies) */
	DP_COPY,	/* group data: copy to the members */
};

struct dp_pkt {
	__u32 group;
	__u32 src;
	__u8 ttl;
};

/* Four bytes as they are in the packet (network order, like mship's). */
static inline __u32 dp_load32(const __u8 *p)
{
	__u32 v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

/*
 * dp_classify() - is the Ethernet frame [@data, @end) group traffic the
 * data plane copies? At the tap's egress: a multicast destination MAC,
 * IPv4 to 224.0.0.0/4 outside 224.0.0.0/24 (what the nflog path diverts).
 * At the upstream's ingress also not IGMP (other hosts' reports).
 * Fills @out (addresses in network byte order, as read) for DP_COPY.
 */
static inline enum dp_verdict dp_classify(const __u8 *data, const __u8 *end,
					  enum dp_hook hook, struct dp_pkt *out)
{
	const __u8 *ip = data + DP_ETH_HLEN;
	__u32 ihl;

	if (ip + 20 > end)
		return DP_PASS;
	if (!(data[0] & 1) || data[12] != 0x08 || data[13] != 0x00)
		return DP_PASS;
	if ((ip[0] >> 4) != 4)
		return DP_PASS;
	ihl = (__u32)(ip[0] & 0x0f) * 4;
	if (ihl < 20)
		return DP_PASS;
	if ((ip[16] & 0xf0) != 0xe0)
		return DP_PASS;
	if (ip[16] == 224 && ip[17] == 0 && ip[18] == 0)
		return DP_PASS;
	if (hook == DP_UPSTREAM_INGRESS && ip[9] == 2 /* IGMP */)
		return DP_PASS;
	out->src = dp_load32(ip + 12);
	out->group = dp_load32(ip + 16);
	out->ttl = ip[8];
	return DP_COPY;
}

/*
 * dp_select() - the list a packet from (S,G) goes to: the (S,G) list if
 * some filter names S (even an empty one: then nobody wants S), else the
 * group's default list. NULL: the group has no members.
 */
static inline const struct dp_list *dp_select(const struct dp_list *sg, const struct dp_list *g)
{
	return sg ? sg : g;
}

/* dp_ttl_forward() - the router's rule: only a TTL of 2 or more goes on. */
static inline int dp_ttl_forward(__u8 ttl)
{
	return ttl > 1;
}

#endif
