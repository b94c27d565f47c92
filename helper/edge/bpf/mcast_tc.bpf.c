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
 * arriving there is routed: TTL decremented (TTL <= 1 not forwarded), the
 * source MAC set to the tap's, one copy per member into the tap's egress.
 * The original goes on into the host stack unchanged.
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

/* Copy @skb to the members of (@p->src, @p->group); returns copies made,
 * or -1 when the group has no member at all. */
static __always_inline int copy_to_members(struct __sk_buff *skb, const struct dp_cfg *cfg,
					   const struct dp_pkt *p, struct dp_gcnt **gcp)
{
	struct dp_key key = { .group = p->group, .src = p->src };
	const struct dp_list *sg, *g, *l;
	struct copy_ctx c = { .skb = skb, .group = p->group, .ifindex = cfg->tap_ifindex,
			      .len = skb->len };
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
	copy_to_members(skb, cfg, &p, &gc);
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
	copy_to_members(skb, cfg, &p, &gc);
	/* The original goes on as it came. */
	bpf_l3_csum_replace(skb, DP_ETH_HLEN + 10, new_w, old_w, 2);
	bpf_skb_store_bytes(skb, DP_ETH_HLEN + 8, &old_w, 2, 0);
	bpf_skb_store_bytes(skb, 0, eth, 12, 0);
	return TC_ACT_UNSPEC;
}
