// SPDX-License-Identifier: GPL-2.0
/*
 * mcast_tc.bpf.c - the in-kernel data plane: one copy per member, made by
 * tc programs that the helper loads and feeds through maps.
 *
 * tap_egress (clsact egress of the tap): group traffic leaving the tap is
 * copied to each member's MAC with bpf_clone_redirect() back into the
 * tap's egress, and the original is dropped. The copies carry a unicast
 * destination, so they pass on their second trip.
 *
 * up_ingress (clsact ingress of the standalone upstream): group traffic
 * arriving there is routed: TTL (IPv6: hop limit) decremented (<= 1 not
 * forwarded), the
 * source MAC set to the tap's, one copy per member into the tap's egress.
 * The original goes on into the host stack unchanged.
 *
 * tap_ingress (clsact ingress of the tap, client_multicast): group traffic
 * a client sent is copied to each other member of the group, never back to
 * the sending client (found by its source MAC in dp_macs). The original goes
 * on into the host stack as it came (local listeners, multicast routing).
 *
 * IPv6 groups use the same lists: the helper gives each IPv6 address a
 * 32-bit key (maddr.h) and writes address -> key into dp_addrs.
 *
 * Only the stable __sk_buff interface is used: no vmlinux.h, no CO-RE.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "dp_core.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct dp_key);
	__type(value, struct dp_list);
} dp_lists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dp_cfg);
} dp_config SEC(".maps");

/* IPv6 group and source addresses -> the helper's keys for them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct dp_addr6);
	__type(value, __u32);
} dp_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct dp_cnt);
} dp_clients SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct dp_gcnt);
} dp_groups SEC(".maps");

/* Client MAC -> client id: who sent a frame into the tap. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct dp_mac);
	__type(value, __u32);
} dp_macs SEC(".maps");

/* Made and removed by the helper as memberships change, so that the
 * programs never add entries of their own. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 131072);
	__type(key, struct dp_cgkey);
	__type(value, struct dp_cnt);
} dp_cg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DP_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} dp_drops SEC(".maps");

struct copy_ctx {
	struct __sk_buff *skb;
	const struct dp_list *list;
	__u32 group;
	__u32 ifindex;
	__u32 len;
	__u32 sent;
	__u32 skip;		/* the sending client's id, 0 = none (ids start at 1) */
};

static __always_inline void drop_count(__u32 why)
{
	__u64 *v = bpf_map_lookup_elem(&dp_drops, &why);

	if (v)
		*v += 1;
}

static long copy_one(__u32 i, void *arg)
{
	struct copy_ctx *c = arg;
	const struct dp_dst *d;
	struct dp_cgkey cg;
	struct dp_cnt *cnt;
	__u32 k = i;

	/* The verifier needs the index bounded here, and clang would drop a
	 * mask that repeats bpf_loop's bound: keep it opaque. */
	asm volatile("" : "+r"(k));
	k &= DP_MAX_DST - 1;
	d = &c->list->d[k];
	if (d->client == c->skip)
		return 0;
	if (bpf_skb_store_bytes(c->skb, 0, d->mac, 6, 0) < 0 ||
	    bpf_clone_redirect(c->skb, c->ifindex, 0) < 0) {
		drop_count(DP_DROP_CLONE);
		return 0;
	}
	c->sent++;
	cnt = bpf_map_lookup_elem(&dp_clients, &d->client);
	if (cnt) {
		cnt->frames++;
		cnt->bytes += c->len;
	}
	cg.group = c->group;
	cg.client = d->client;
	cnt = bpf_map_lookup_elem(&dp_cg, &cg);
	if (cnt) {
		cnt->frames++;
		cnt->bytes += c->len;
	}
	return 0;
}

/* Copy @skb to the members of (@p->src, @p->group) but client @skip;
 * returns copies made, or -1 when the group has no member at all. */
static __always_inline int copy_to_members(struct __sk_buff *skb, const struct dp_cfg *cfg,
					   const struct dp_pkt *p, struct dp_gcnt **gcp, __u32 skip)
{
	struct dp_key key = { .group = p->group, .src = p->src };
	const struct dp_list *sg, *g, *l;
	struct copy_ctx c = { .skb = skb, .group = p->group, .ifindex = cfg->tap_ifindex,
			      .len = skb->len, .skip = skip };
	struct dp_gcnt *gc;
	__u32 n;

	sg = bpf_map_lookup_elem(&dp_lists, &key);
	key.src = 0;
	g = bpf_map_lookup_elem(&dp_lists, &key);
	l = dp_select(sg, g);
	gc = bpf_map_lookup_elem(&dp_groups, &p->group);
	*gcp = gc;
	if (!l || !l->n) {
		drop_count(DP_DROP_NO_MEMBERS);
		return l ? 0 : -1;
	}
	n = l->n;
	if (l->truncated)
		drop_count(DP_DROP_TOO_MANY);
	if (n > DP_MAX_DST)
		n = DP_MAX_DST;
	c.list = l;
	bpf_loop(n, copy_one, &c, 0);
	if (gc) {
		gc->frames_in++;
		gc->frames_out += c.sent;
		gc->bytes_out += (__u64)c.sent * c.len;
	}
	return (int)c.sent;
}

/*
 * IPv6: the keys of @p's group and source. A group without a key has no
 * member (return 0); a source without one is named by no filter (key 0:
 * the group's default list).
 */
static __always_inline int resolve6(struct dp_pkt *p)
{
	const __u32 *k;

	if (!p->v6)
		return 1;
	k = bpf_map_lookup_elem(&dp_addrs, &p->g6);
	if (!k)
		return 0;
	p->group = *k;
	k = bpf_map_lookup_elem(&dp_addrs, &p->s6);
	p->src = k ? *k : 0;
	return 1;
}

/*
 * up_ingress for IPv6: the hop limit as IPv4's TTL, decremented in the
 * copies only (IPv6 has no header checksum, and UDP's does not cover it).
 */
static __always_inline int up_forward6(struct __sk_buff *skb, struct dp_pkt *p)
{
	const struct dp_cfg *cfg;
	struct dp_gcnt *gc = NULL;
	__u32 zero = 0;
	__u8 eth[12], hl;
	int known = resolve6(p);

	if (known) {
		gc = bpf_map_lookup_elem(&dp_groups, &p->group);
		if (gc)
			gc->up_in++;
	}
	if (!dp_ttl_forward(p->ttl)) {
		drop_count(DP_DROP_TTL);
		if (gc)
			gc->up_ttl++;
		return TC_ACT_UNSPEC;
	}
	cfg = bpf_map_lookup_elem(&dp_config, &zero);
	if (!known || !cfg || !cfg->tap_ifindex)
		return TC_ACT_UNSPEC;
	hl = p->ttl - 1;
	if (bpf_skb_load_bytes(skb, 0, eth, 12) < 0 ||
	    bpf_skb_store_bytes(skb, DP_ETH_HLEN + 7, &hl, 1, 0) < 0 ||
	    bpf_skb_store_bytes(skb, 6, cfg->tap_mac, 6, 0) < 0)
		return TC_ACT_UNSPEC;
	copy_to_members(skb, cfg, p, &gc, 0);
	/* The original goes on as it came. */
	bpf_skb_store_bytes(skb, DP_ETH_HLEN + 7, &p->ttl, 1, 0);
	bpf_skb_store_bytes(skb, 0, eth, 12, 0);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int tap_egress(struct __sk_buff *skb)
{
	const __u8 *data = (const __u8 *)(long)skb->data;
	const __u8 *end = (const __u8 *)(long)skb->data_end;
	const struct dp_cfg *cfg;
	struct dp_gcnt *gc;
	struct dp_pkt p;
	__u32 zero = 0;

	if (dp_classify(data, end, DP_TAP_EGRESS, &p) != DP_COPY)
		return TC_ACT_OK;
	cfg = bpf_map_lookup_elem(&dp_config, &zero);
	if (!cfg || !cfg->tap_ifindex)
		return TC_ACT_SHOT;	/* never flood */
	if (!resolve6(&p)) {
		drop_count(DP_DROP_NO_MEMBERS);
		return TC_ACT_SHOT;
	}
	copy_to_members(skb, cfg, &p, &gc, 0);
	return TC_ACT_SHOT;
}

SEC("tc")
int up_ingress(struct __sk_buff *skb)
{
	const __u8 *data = (const __u8 *)(long)skb->data;
	const __u8 *end = (const __u8 *)(long)skb->data_end;
	const struct dp_cfg *cfg;
	struct dp_gcnt *gc;
	struct dp_pkt p;
	__u8 eth[12];
	__u32 zero = 0;
	__u16 old_w, new_w;

	/* Every packet goes on to the next filter (TC_ACT_UNSPEC, not OK, which
	 * would end the chain): another instance's helper on this upstream
	 * makes its own copies from it. */
	if (dp_classify(data, end, DP_UPSTREAM_INGRESS, &p) != DP_COPY)
		return TC_ACT_UNSPEC;
	if (p.v6)
		return up_forward6(skb, &p);
	gc = bpf_map_lookup_elem(&dp_groups, &p.group);
	if (gc)
		gc->up_in++;
	if (!dp_ttl_forward(p.ttl)) {
		drop_count(DP_DROP_TTL);
		if (gc)
			gc->up_ttl++;
		return TC_ACT_UNSPEC;
	}
	cfg = bpf_map_lookup_elem(&dp_config, &zero);
	if (!cfg || !cfg->tap_ifindex)
		return TC_ACT_UNSPEC;
	__builtin_memcpy(eth, data, 12);
	/* TTL is the high byte of the 16-bit word at IP offset 8. */
	old_w = bpf_htons((__u16)p.ttl << 8 | data[DP_ETH_HLEN + 9]);
	new_w = bpf_htons((__u16)(p.ttl - 1) << 8 | data[DP_ETH_HLEN + 9]);
	if (bpf_l3_csum_replace(skb, DP_ETH_HLEN + 10, old_w, new_w, 2) < 0 ||
	    bpf_skb_store_bytes(skb, DP_ETH_HLEN + 8, &new_w, 2, 0) < 0 ||
	    bpf_skb_store_bytes(skb, 6, cfg->tap_mac, 6, 0) < 0)
		return TC_ACT_UNSPEC;
	copy_to_members(skb, cfg, &p, &gc, 0);
	/* The original goes on as it came. */
	bpf_l3_csum_replace(skb, DP_ETH_HLEN + 10, new_w, old_w, 2);
	bpf_skb_store_bytes(skb, DP_ETH_HLEN + 8, &old_w, 2, 0);
	bpf_skb_store_bytes(skb, 0, eth, 12, 0);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int tap_ingress(struct __sk_buff *skb)
{
	const __u8 *data = (const __u8 *)(long)skb->data;
	const __u8 *end = (const __u8 *)(long)skb->data_end;
	const struct dp_cfg *cfg;
	const __u32 *sender;
	struct dp_gcnt *gc;
	struct dp_mac key;
	struct dp_pkt p;
	__u8 dst[6];
	__u32 zero = 0;

	if (dp_classify_client(data, end, &p) != DP_COPY)
		return TC_ACT_UNSPEC;
	cfg = bpf_map_lookup_elem(&dp_config, &zero);
	if (!cfg || !cfg->tap_ifindex)
		return TC_ACT_UNSPEC;
	dp_mac_key(&key, data);
	sender = bpf_map_lookup_elem(&dp_macs, &key);
	if (!sender) {
		/* Which copy would be the sender's own? Nobody gets one. */
		drop_count(DP_DROP_UNKNOWN_SENDER);
		return TC_ACT_UNSPEC;
	}
	if (!resolve6(&p)) {
		drop_count(DP_DROP_NO_MEMBERS);
		return TC_ACT_UNSPEC;
	}
	__builtin_memcpy(dst, data, 6);
	copy_to_members(skb, cfg, &p, &gc, *sender);
	/* The original goes on as it came. */
	bpf_skb_store_bytes(skb, 0, dst, 6, 0);
	return TC_ACT_UNSPEC;
}
