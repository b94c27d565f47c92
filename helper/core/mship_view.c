/*
 * mship_view.c - the per-group destination lists ("views") that make
 * mship_lookup() a hash probe plus at most a binary search, the read-only
 * queries over them and the indexes, and mship_check().
 *
 * A view is derived data: mship.c only marks groups dirty, and finish()
 * calls mship_group_rebuild() once per touched group.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "mship_int.h"

/* ---- views for the data path ---- */

static int member_cmp(const void *a, const void *b)
{
	const struct mrec *x = *(struct mrec *const *)a;
	const struct mrec *y = *(struct mrec *const *)b;

	if (x->host->cl->id != y->host->cl->id)
		return x->host->cl->id < y->host->cl->id ? -1 : 1;
	return memcmp(x->host->mac, y->host->mac, 6);
}

static void put(struct mship_dest *d, const struct mrec *r)
{
	d->client = r->host->cl->id;
	memcpy(d->mac, r->host->mac, 6);
}

/*
 * Recompute @g's view. On ENOMEM the view is emptied rather than left
 * stale: a stale entry could name a MAC that now belongs to someone else.
 */
int mship_group_rebuild(struct mgroup *g)
{
	size_t nm = g->nmembers, nall = 0, total, i, j, k, s;
	struct mship_dest *dst = NULL;
	struct gsrc *srcv = NULL;
	struct mrec **m, *r;
	uint32_t *u = NULL, nu = 0, ndef = 0;

	m = malloc(nm * sizeof(*m));
	if (!m)
		goto fail;
	for (i = 0, r = g->members; r; r = r->gnext) {
		m[i++] = r;
		for (j = 0; j < r->nsrc; j++)
			nall += named(r, j);
	}
	qsort(m, nm, sizeof(*m), member_cmp);
	if (nall && !(u = malloc(nall * sizeof(*u))))
		goto fail;
	for (i = 0, k = 0; i < nm; i++)
		for (j = 0; j < m[i]->nsrc; j++)
			if (named(m[i], j))
				u[k++] = m[i]->src[j].addr;
	if (nall)
		qsort(u, nall, sizeof(*u), cmp_u32);
	for (k = 0; k < nall; k++)
		if (!nu || u[nu - 1] != u[k])
			u[nu++] = u[k];

	for (i = 0; i < nm; i++)
		ndef += m[i]->mode == MSHIP_EXCLUDE;
	total = ndef;
	for (s = 0; s < nu; s++)
		for (i = 0; i < nm; i++)
			total += wants(m[i], u[s]);
	if (total > UINT32_MAX / 2)
		goto fail;
	if (total && !(dst = malloc(total * sizeof(*dst))))
		goto fail;
	if (nu && !(srcv = malloc(nu * sizeof(*srcv))))
		goto fail;
	for (i = 0, k = 0; i < nm; i++)
		if (m[i]->mode == MSHIP_EXCLUDE)
			put(&dst[k++], m[i]);
	for (s = 0; s < nu; s++) {
		srcv[s].addr = u[s];
		srcv[s].off = (uint32_t)k;
		for (i = 0; i < nm; i++)
			if (wants(m[i], u[s]))
				put(&dst[k++], m[i]);
		srcv[s].n = (uint32_t)k - srcv[s].off;
	}
	free(g->dst);
	free(g->srcv);
	g->dst = dst;
	g->srcv = srcv;
	g->ndef = ndef;
	g->nsrcv = nu;
	g->ndst = (uint32_t)total;
	free(m);
	free(u);
	return 0;
fail:
	free(m);
	free(u);
	free(dst);
	free(srcv);
	free(g->dst);
	free(g->srcv);
	g->dst = NULL;
	g->srcv = NULL;
	g->ndef = 0;
	g->nsrcv = 0;
	g->ndst = 0;
	return -1;
}

/* ---- queries ---- */

int mship_group_view(const struct mship *ms, uint32_t group,
		     int (*cb)(void *arg, int named, uint32_t src,
			       const struct mship_dest *dst, size_t n),
		     void *arg)
{
	const struct mgroup *g = group_find(ms, group);
	int ret;

	if (!g)
		return 0;
	ret = cb(arg, 0, 0, g->dst, g->ndef);
	for (uint32_t i = 0; i < g->nsrcv && !ret; i++)
		ret = cb(arg, 1, g->srcv[i].addr, g->dst + g->srcv[i].off, g->srcv[i].n);
	return ret;
}

size_t mship_lookup(const struct mship *ms, uint32_t src, uint32_t group,
		    const struct mship_dest **dst, struct mship_group_stats **gs)
{
	struct mgroup *g = group_find(ms, group);
	uint32_t lo, hi;

	if (gs)
		*gs = g ? &g->st : NULL;
	if (!g) {
		*dst = NULL;
		return 0;
	}
	for (lo = 0, hi = g->nsrcv; lo < hi;) {
		uint32_t mid = (lo + hi) / 2;

		if (g->srcv[mid].addr == src) {
			*dst = g->srcv[mid].n ? g->dst + g->srcv[mid].off : NULL;
			return g->srcv[mid].n;
		}
		if (g->srcv[mid].addr < src)
			lo = mid + 1;
		else
			hi = mid;
	}
	*dst = g->ndef ? g->dst : NULL;
	return g->ndef;
}

unsigned int mship_members(const struct mship *ms, uint32_t src, uint32_t group,
			   uint32_t *ids, uint8_t (*macs)[6], unsigned int max,
			   struct mship_group_stats **gs)
{
	const struct mship_dest *d;
	size_t n = mship_lookup(ms, src, group, &d, gs), i;

	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		ids[i] = d[i].client;
		memcpy(macs[i], d[i].mac, 6);
	}
	return (unsigned int)n;
}

unsigned int mship_member_count(const struct mship *ms, uint32_t group)
{
	const struct mgroup *g = group_find(ms, group);

	return g ? g->nmembers : 0;
}

static int cmp_host_order(const void *a, const void *b)
{
	uint32_t x = ntohl(*(const uint32_t *)a), y = ntohl(*(const uint32_t *)b);

	return x < y ? -1 : x > y;
}

int mship_client_groups(const struct mship *ms, uint32_t client,
			uint32_t *groups, size_t max)
{
	const struct mclient *c = client_find(ms, client);
	const struct mhost *h;
	const struct mrec *r;
	uint32_t *all;
	size_t n = 0, k = 0, i;

	if (!c)
		return 0;
	all = malloc(c->nrec * sizeof(*all));
	if (!all) {
		errno = ENOMEM;
		return -1;
	}
	for (h = c->hosts; h; h = h->next)
		for (r = h->recs; r; r = r->hnext)
			all[n++] = r->grp->addr;
	qsort(all, n, sizeof(*all), cmp_host_order);
	for (i = 0; i < n; i++) {
		if (i && all[i] == all[i - 1])
			continue;
		if (k < max)
			groups[k] = all[i];
		k++;
	}
	free(all);
	return (int)k;
}

static int cmp_group(const void *a, const void *b)
{
	const struct mgroup *x = *(struct mgroup *const *)a;
	const struct mgroup *y = *(struct mgroup *const *)b;

	return cmp_host_order(&x->addr, &y->addr);
}

int mship_group_foreach(const struct mship *ms,
			int (*cb)(void *arg, uint32_t group, unsigned int members,
				  const struct mship_group_stats *gs),
			void *arg)
{
	struct mgroup **all, *g;
	unsigned int i, n = 0;
	int ret = 0;

	all = malloc((ms->ngroups + 1) * sizeof(*all));
	if (!all) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < 1u << ms->gbits; i++)
		for (g = ms->gtab[i]; g; g = g->hnext)
			all[n++] = g;
	qsort(all, n, sizeof(*all), cmp_group);
	for (i = 0; i < n && !ret; i++)
		ret = cb(arg, all[i]->addr, all[i]->nmembers, &all[i]->st);
	free(all);
	return ret;
}

unsigned int mship_group_count(const struct mship *ms)
{
	return ms->ngroups;
}

/* ---- self-check for tests and the fuzzer ---- */

#define CHECK(cond, msg)                       \
	do {                                   \
		if (!(cond)) {                 \
			if (why)               \
				*why = (msg);  \
			errno = EPROTO;        \
			return -1;             \
		}                              \
	} while (0)

/* Is @list exactly the members of @g that want @s (or the default)? */
static bool list_ok(const struct mgroup *g, const struct mship_dest *list,
		    uint32_t n, bool any, uint32_t s)
{
	const struct mrec *r;
	uint32_t want = 0, i;

	for (i = 1; i < n; i++) {
		const struct mship_dest *a = &list[i - 1], *b = &list[i];

		if (a->client > b->client ||
		    (a->client == b->client && memcmp(a->mac, b->mac, 6) >= 0))
			return false;
	}
	for (r = g->members; r; r = r->gnext) {
		if (any ? r->mode != MSHIP_EXCLUDE : !wants(r, s))
			continue;
		want++;
		for (i = 0; i < n; i++)
			if (list[i].client == r->host->cl->id &&
			    mac_eq(list[i].mac, r->host->mac))
				break;
		if (i == n)
			return false;
	}
	return want == n;
}

static int check_rec(const struct mship *ms, const struct mrec *r,
		     const char **why)
{
	unsigned int j;

	CHECK(r->nsrc <= r->cap && r->nsrc <= ms->max_sources, "source count");
	CHECK(r->mode != MSHIP_INCLUDE || r->nsrc, "empty INCLUDE record");
	CHECK(r->mode != MSHIP_EXCLUDE || r->gtimer >= ms->next_exp,
	      "group timer before next expiry");
	for (j = 0; j < r->nsrc; j++) {
		CHECK(!j || r->src[j - 1].addr < r->src[j].addr,
		      "source list not sorted");
		CHECK(r->mode != MSHIP_INCLUDE || r->src[j].timer,
		      "stopped timer in INCLUDE mode");
		CHECK(!r->src[j].timer || r->src[j].timer >= ms->next_exp,
		      "source timer before next expiry");
		CHECK(!named(r, j) || r->grp->nsrcv || r->grp->dirty,
		      "named source without view");
	}
	CHECK(rec_find(r->host, r->grp->addr) == r, "record not in its host");
	CHECK(client_find(ms, r->host->cl->id) == r->host->cl,
	      "record's client not in table");
	return 0;
}

static int check_group(const struct mship *ms, const struct mgroup *g,
		       const char **why)
{
	const struct mrec *r;
	unsigned int n = 0, i, j;

	CHECK(group_find(ms, g->addr) == g, "group not findable");
	CHECK(valid_group(g->addr), "group address not trackable");
	CHECK(g->nmembers, "empty group");
	/* A group whose rebuild failed waits, dirty, with an empty view. */
	CHECK(!g->dirty || (!g->ndst && !g->ndef && !g->nsrcv && !g->dst),
	      "dirty group with a view");
	for (r = g->members; r; r = r->gnext, n++) {
		CHECK(r->grp == g && *r->gpprev == r, "group list links");
		if (check_rec(ms, r, why) < 0)
			return -1;
		for (j = 0; j < r->nsrc && !g->dirty; j++) {
			if (!named(r, j))
				continue;
			for (i = 0; i < g->nsrcv; i++)
				if (g->srcv[i].addr == r->src[j].addr)
					break;
			CHECK(i < g->nsrcv, "named source missing from view");
		}
	}
	CHECK(n == g->nmembers, "member count");
	if (g->dirty)
		return 0;
	CHECK(g->ndef <= g->ndst, "default list size");
	CHECK(list_ok(g, g->dst, g->ndef, true, 0), "default list wrong");
	for (i = 0; i < g->nsrcv; i++) {
		const struct gsrc *v = &g->srcv[i];

		CHECK(!i || g->srcv[i - 1].addr < v->addr, "view not sorted");
		CHECK(v->off <= g->ndst && v->n <= g->ndst - v->off,
		      "view list out of bounds");
		CHECK(list_ok(g, g->dst + v->off, v->n, false, v->addr),
		      "source list wrong");
	}
	return 0;
}

int mship_check(const struct mship *ms, const char **why)
{
	const struct mclient *c;
	const struct mgroup *g;
	const struct mhost *h;
	const struct mrec *r;
	unsigned int i, ng = 0, nc = 0, nrec;

	for (g = ms->dirty, ng = 0; g; g = g->dnext, ng++)
		CHECK(g->dirty && ng < ms->ngroups, "dirty list");
	ng = 0;
	for (i = 0; i < 1u << ms->gbits; i++)
		for (g = ms->gtab[i]; g; g = g->hnext, ng++)
			if (check_group(ms, g, why) < 0)
				return -1;
	CHECK(ng == ms->ngroups, "group count");
	for (i = 0; i < 1u << ms->cbits; i++)
		for (c = ms->ctab[i]; c; c = c->hnext, nc++) {
			CHECK(c->hosts, "client without hosts");
			nrec = 0;
			for (h = c->hosts; h; h = h->next) {
				CHECK(h->cl == c && h->recs, "host links");
				CHECK(host_find(c, h->mac) == h, "duplicate host");
				for (r = h->recs; r; r = r->hnext, nrec++)
					CHECK(r->host == h && *r->hpprev == r &&
					      group_find(ms, r->grp->addr) == r->grp,
					      "host list links");
			}
			CHECK(nrec == c->nrec && nrec <= ms->max_groups,
			      "client record count");
		}
	CHECK(nc == ms->nclients, "client count");
	return 0;
}
