/*
 * mship_int.h - internals shared by mship.c, mship_index.c and mship_view.c;
 * not an API, include mship.h instead.
 *
 * Three indexes over one set of membership records (struct mrec, one per
 * host and group): groups by address (hash), clients by id (hash) with their
 * hosts, and each group's member list. For the data path every group also
 * keeps a precomputed answer ("view"): the destinations for sources no filter
 * names, and one destination list per source that some filter does name.
 * Views are rebuilt when a group's membership changes, so that a lookup is a
 * hash probe plus at most a binary search.
 */
#ifndef MSHIP_INT_H
#define MSHIP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "mship.h"

struct gsrc {
	uint32_t addr;
	uint32_t off;
	uint32_t n;
};

/* Fields used by mship_lookup() first, to share a cache line. */
struct mgroup {
	uint32_t addr;
	uint32_t ndef;		/* dst[0..ndef): for sources no filter names */
	struct mgroup *hnext;
	struct mship_dest *dst;
	struct gsrc *srcv;	/* named sources, sorted; lists inside dst */
	uint32_t nsrcv;
	uint32_t ndst;
	unsigned int nmembers;
	struct mship_group_stats st;
	struct mrec *members;
	struct mgroup *dnext;
	bool dirty;
};

struct mrec {
	struct mhost *host;
	struct mgroup *grp;
	struct mrec *gnext, **gpprev;
	struct mrec *hnext, **hpprev;
	enum mship_mode mode;
	bool changed;		/* forwarding may differ since last event */
	uint64_t gtimer;
	uint64_t v1_until;	/* older version host present timers */
	uint64_t v2_until;
	unsigned int nsrc, cap;
	struct mship_src *src;	/* sorted by addr */
};

struct mhost {
	struct mclient *cl;
	struct mhost *next;
	struct mrec *recs;
	uint8_t mac[6];
};

struct mclient {
	uint32_t id;
	unsigned int nrec;
	struct mclient *hnext;
	struct mhost *hosts;
};

struct mship {
	struct mgroup **gtab;
	unsigned int gbits, ngroups;
	struct mclient **ctab;
	unsigned int cbits, nclients;
	struct mgroup *dirty;
	uint64_t gmi;
	uint64_t next_exp;
	unsigned int max_groups, max_sources;
	int (*admit_group)(void *, uint32_t, uint32_t, unsigned int);
	int (*admit_source)(void *, uint32_t, uint32_t, unsigned int);
	void (*notify)(void *, const struct mship_event *);
	void *arg;
	struct igmp_stats *stats;
	int nev;		/* events notified by the current call */
	int err;		/* errno to report for the current call */
};

#define TAB_BITS_MIN 6

static inline unsigned int hash32(uint32_t v, unsigned int bits)
{
	return (uint32_t)(v * 0x9e3779b1u) >> (32 - bits);
}

static inline bool mac_eq(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 6) == 0;
}

static inline void arm(struct mship *ms, uint64_t t)
{
	if (t && t < ms->next_exp)
		ms->next_exp = t;
}

static inline void count(struct mship *ms, enum igmp_drop why)
{
	if (ms->stats)
		ms->stats->drops[why]++;
}

static inline void mark_dirty(struct mship *ms, struct mgroup *g)
{
	if (g->dirty)
		return;
	g->dirty = true;
	g->dnext = ms->dirty;
	ms->dirty = g;
}

/*
 * Helpers needed by more than one mship*.c file. Static inline, as they were
 * when mship.c was one file, so that the split adds no calls to the lookup
 * and view rebuild paths.
 */
static inline struct mgroup *group_find(const struct mship *ms, uint32_t addr)
{
	struct mgroup *g = ms->gtab[hash32(addr, ms->gbits)];

	while (g && g->addr != addr)
		g = g->hnext;
	return g;
}

static inline struct mclient *client_find(const struct mship *ms,
					  uint32_t id)
{
	struct mclient *c = ms->ctab[hash32(id, ms->cbits)];

	while (c && c->id != id)
		c = c->hnext;
	return c;
}

static inline struct mhost *host_find(const struct mclient *c,
				      const uint8_t *mac)
{
	struct mhost *h;

	for (h = c ? c->hosts : NULL; h; h = h->next)
		if (mac_eq(h->mac, mac))
			return h;
	return NULL;
}

static inline struct mrec *rec_find(const struct mhost *h, uint32_t group)
{
	struct mrec *r;

	for (r = h ? h->recs : NULL; r; r = r->hnext)
		if (r->grp->addr == group)
			return r;
	return NULL;
}

static inline int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Index of @a in @r, or -(insertion point) - 1. */
static inline long src_find(const struct mrec *r, uint32_t a)
{
	long lo = 0, hi = (long)r->nsrc - 1;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;

		if (r->src[mid].addr == a)
			return mid;
		if (r->src[mid].addr < a)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static inline bool wants(const struct mrec *r, uint32_t s)
{
	long i = src_find(r, s);

	if (r->mode == MSHIP_INCLUDE)
		return i >= 0;
	return i < 0 || r->src[i].timer != 0;
}

/* Named sources: those whose answer differs from the default list. */
static inline bool named(const struct mrec *r, unsigned int j)
{
	return r->mode == MSHIP_INCLUDE || !r->src[j].timer;
}

/*
 * An IPv4 group outside 224.0.0.0/24, or an interned IPv6 group (a class E
 * key, see maddr.h): the MLD side checks an IPv6 group's scope before it
 * interns it.
 */
static inline bool valid_group(uint32_t group)
{
	uint32_t g = ntohl(group);

	if ((g & 0xf0000000) == 0xf0000000)
		return true;
	return (g & 0xf0000000) == 0xe0000000 && (g & 0xffffff00) != 0xe0000000;
}

/* mship_index.c */
struct mrec *mship_rec_new(struct mship *ms, uint32_t client,
			   const uint8_t *mac, uint32_t group);
void mship_rec_free(struct mship *ms, struct mrec *r);
void mship_host_gc(struct mship *ms, struct mhost *h);

/* mship_view.c */
int mship_group_rebuild(struct mgroup *g);

#endif
