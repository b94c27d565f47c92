/*
 * mship.c - per-client multicast group membership.
 *
 * Three indexes over one set of membership records (struct mrec, one per
 * host and group): groups by address (hash), clients by id (hash) with their
 * hosts, and each group's member list. For the data path every group also
 * keeps a precomputed answer ("view"): the destinations for sources no filter
 * names, and one destination list per source that some filter does name.
 * Views are rebuilt when a group's membership changes, so that a lookup is a
 * hash probe plus at most a binary search.
 */
#include <errno.h>
#include <stdbool.h>
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

static void count(struct mship *ms, enum igmp_drop why)
{
	if (ms->stats)
		ms->stats->drops[why]++;
}

static void mark_dirty(struct mship *ms, struct mgroup *g)
{
	if (g->dirty)
		return;
	g->dirty = true;
	g->dnext = ms->dirty;
	ms->dirty = g;
}

/* ---- hash tables ---- */

static inline struct mgroup *group_find(const struct mship *ms, uint32_t addr)
{
	struct mgroup *g = ms->gtab[hash32(addr, ms->gbits)];

	while (g && g->addr != addr)
		g = g->hnext;
	return g;
}

static struct mclient *client_find(const struct mship *ms, uint32_t id)
{
	struct mclient *c = ms->ctab[hash32(id, ms->cbits)];

	while (c && c->id != id)
		c = c->hnext;
	return c;
}

/* Double a table when it is full; on ENOMEM keep the longer chains. */
static void gtab_grow(struct mship *ms)
{
	unsigned int bits = ms->gbits + 1, i;
	struct mgroup **t, *g, *next;

	if (ms->ngroups <= 1u << ms->gbits || bits > 24)
		return;
	t = calloc((size_t)1 << bits, sizeof(*t));
	if (!t)
		return;
	for (i = 0; i < 1u << ms->gbits; i++)
		for (g = ms->gtab[i]; g; g = next) {
			next = g->hnext;
			g->hnext = t[hash32(g->addr, bits)];
			t[hash32(g->addr, bits)] = g;
		}
	free(ms->gtab);
	ms->gtab = t;
	ms->gbits = bits;
}

static void ctab_grow(struct mship *ms)
{
	unsigned int bits = ms->cbits + 1, i;
	struct mclient **t, *c, *next;

	if (ms->nclients <= 1u << ms->cbits || bits > 24)
		return;
	t = calloc((size_t)1 << bits, sizeof(*t));
	if (!t)
		return;
	for (i = 0; i < 1u << ms->cbits; i++)
		for (c = ms->ctab[i]; c; c = next) {
			next = c->hnext;
			c->hnext = t[hash32(c->id, bits)];
			t[hash32(c->id, bits)] = c;
		}
	free(ms->ctab);
	ms->ctab = t;
	ms->cbits = bits;
}

/* ---- records, hosts, clients ---- */

static struct mhost *host_find(const struct mclient *c, const uint8_t *mac)
{
	struct mhost *h;

	for (h = c ? c->hosts : NULL; h; h = h->next)
		if (mac_eq(h->mac, mac))
			return h;
	return NULL;
}

static struct mrec *rec_find(const struct mhost *h, uint32_t group)
{
	struct mrec *r;

	for (r = h ? h->recs : NULL; r; r = r->hnext)
		if (r->grp->addr == group)
			return r;
	return NULL;
}

static void client_free(struct mship *ms, struct mclient *c)
{
	struct mclient **cp = &ms->ctab[hash32(c->id, ms->cbits)];

	while (*cp != c)
		cp = &(*cp)->hnext;
	*cp = c->hnext;
	ms->nclients--;
	free(c);
}

/* Free @h if it has no records left, and its client if it has no hosts. */
static void host_gc(struct mship *ms, struct mhost *h)
{
	struct mclient *c = h->cl;
	struct mhost **hp;

	if (h->recs)
		return;
	for (hp = &c->hosts; *hp != h; hp = &(*hp)->next)
		;
	*hp = h->next;
	free(h);
	if (!c->hosts)
		client_free(ms, c);
}

/* Create what is missing on the way to a new record; NULL on ENOMEM. */
static struct mrec *rec_new(struct mship *ms, uint32_t client,
			    const uint8_t *mac, uint32_t group)
{
	struct mclient *c = client_find(ms, client);
	struct mhost *h = host_find(c, mac);
	struct mgroup *g = group_find(ms, group);
	struct mrec *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			goto fail;
		c->id = client;
		c->hnext = ms->ctab[hash32(client, ms->cbits)];
		ms->ctab[hash32(client, ms->cbits)] = c;
		ms->nclients++;
		ctab_grow(ms);
	}
	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h)
			goto fail;
		memcpy(h->mac, mac, 6);
		h->cl = c;
		h->next = c->hosts;
		c->hosts = h;
	}
	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g)
			goto fail;
		g->addr = group;
		g->hnext = ms->gtab[hash32(group, ms->gbits)];
		ms->gtab[hash32(group, ms->gbits)] = g;
		ms->ngroups++;
		gtab_grow(ms);
	}
	r->host = h;
	r->grp = g;
	r->mode = MSHIP_INCLUDE;
	r->gnext = g->members;
	if (g->members)
		g->members->gpprev = &r->gnext;
	g->members = r;
	r->gpprev = &g->members;
	r->hnext = h->recs;
	if (h->recs)
		h->recs->hpprev = &r->hnext;
	h->recs = r;
	r->hpprev = &h->recs;
	g->nmembers++;
	c->nrec++;
	mark_dirty(ms, g);
	return r;
fail:
	/* Undo what was made for nothing; finish() frees an empty group. */
	free(r);
	if (g && !g->members)
		mark_dirty(ms, g);
	if (h && !h->recs)
		host_gc(ms, h);
	else if (c && !c->hosts)
		client_free(ms, c);
	return NULL;
}

/* Unlink and free @r; its host and client stay until host_gc(). */
static void rec_free(struct mship *ms, struct mrec *r)
{
	*r->gpprev = r->gnext;
	if (r->gnext)
		r->gnext->gpprev = r->gpprev;
	*r->hpprev = r->hnext;
	if (r->hnext)
		r->hnext->hpprev = r->hpprev;
	r->grp->nmembers--;
	r->host->cl->nrec--;
	mark_dirty(ms, r->grp);
	free(r->src);
	free(r);
}

static void emit(struct mship *ms, const struct mrec *r,
		 enum mship_ev_type type, enum mship_why why)
{
	struct mship_event ev = {
		.type = type,
		.why = why,
		.client = r->host->cl->id,
		.group = r->grp->addr,
		.mode = type == MSHIP_LEAVE ? MSHIP_INCLUDE : r->mode,
		.nsrc = type == MSHIP_LEAVE ? 0 : r->nsrc,
		/* A leaving record is still linked: do not count it. */
		.members = r->grp->nmembers - (type == MSHIP_LEAVE),
	};

	memcpy(ev.mac, r->host->mac, 6);
	ms->nev++;
	if (ms->notify)
		ms->notify(ms->arg, &ev);
}

/* ---- source lists ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Index of @a in @r, or -(insertion point) - 1. */
static long src_find(const struct mrec *r, uint32_t a)
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

/* Give @a the timer @t (0 = blocked), adding it if needed. */
static void src_set(struct mship *ms, struct mrec *r, uint32_t a, uint64_t t)
{
	long i = src_find(r, a);

	if (i >= 0) {
		if (!r->src[i].timer != !t)
			r->changed = true;
		r->src[i].timer = t;
		arm(ms, t);
		return;
	}
	if (r->nsrc >= ms->max_sources) {
		count(ms, IGMP_DROP_SOURCE_LIMIT);
		return;
	}
	if (r->nsrc == r->cap) {
		unsigned int cap = r->cap ? 2 * r->cap : 4;
		struct mship_src *s = realloc(r->src, cap * sizeof(*s));

		if (!s) {
			ms->err = ENOMEM;
			return;
		}
		r->src = s;
		r->cap = cap;
	}
	i = -i - 1;
	memmove(r->src + i + 1, r->src + i, (r->nsrc - (size_t)i) * sizeof(*r->src));
	r->src[i].addr = a;
	r->src[i].timer = t;
	r->nsrc++;
	r->changed = true;
	arm(ms, t);
}

static void src_del(struct mrec *r, unsigned int i)
{
	memmove(r->src + i, r->src + i + 1, (r->nsrc - i - 1) * sizeof(*r->src));
	r->nsrc--;
	r->changed = true;
}

static inline bool in_set(const uint32_t *b, unsigned int n, uint32_t a)
{
	return bsearch(&a, b, n, sizeof(*b), cmp_u32) != NULL;
}

static int rec_compat(const struct mrec *r, uint64_t now)
{
	if (r->v1_until > now)
		return 1;
	if (r->v2_until > now)
		return 2;
	return 3;
}

static void set_mode(struct mrec *r, enum mship_mode mode)
{
	if (r->mode != mode)
		r->changed = true;
	r->mode = mode;
}

/*
 * RFC 3376 6.4.1 (INCLUDE) and 6.4.2 (EXCLUDE) for one host, with the
 * compatibility rules of 7.3.2. Where the RFC sends Q(G,S) or Q(G), the
 * queried sources (or the group timer) expire now: the host that would have
 * to answer has just said it does not want them. So TO_IN(B) always ends in
 * INCLUDE(B), TO_EX(B) in EXCLUDE({}, B), and BLOCK(B) removes B from an
 * INCLUDE list or adds it to the EXCLUDE list's blocked part.
 */
static void rec_process(struct mship *ms, struct mrec *r, int version,
			enum igmp_rec_type type, const uint32_t *b,
			unsigned int nb, uint64_t now)
{
	uint64_t gmi = now + ms->gmi;
	int compat = rec_compat(r, now);
	unsigned int i;

	/* v1 hosts cannot leave; a Leave must come from someone else. */
	if (version == 2 && type == IGMP_CHANGE_TO_INCLUDE && compat == 1)
		return;
	if (compat < 3 && type == IGMP_BLOCK_OLD_SOURCES)
		return;
	if (compat < 3 && type == IGMP_CHANGE_TO_EXCLUDE)
		nb = 0;

	switch (type) {
	case IGMP_MODE_IS_INCLUDE:
	case IGMP_ALLOW_NEW_SOURCES:
		/* IN(A) -> IN(A+B); EX(X,Y) -> EX(X+B,Y-B); (B)=GMI */
		for (i = 0; i < nb; i++)
			src_set(ms, r, b[i], gmi);
		break;
	case IGMP_CHANGE_TO_INCLUDE:
		/* IN(A) -> IN(B); EX(X,Y) -> IN(B); (B)=GMI */
		for (i = r->nsrc; i-- > 0;)
			if (!in_set(b, nb, r->src[i].addr))
				src_del(r, i);
		set_mode(r, MSHIP_INCLUDE);
		for (i = 0; i < nb; i++)
			src_set(ms, r, b[i], gmi);
		break;
	case IGMP_BLOCK_OLD_SOURCES:
		/* IN(A) -> IN(A-B); EX(X,Y) -> EX(X-B,Y+B) */
		if (r->mode == MSHIP_EXCLUDE) {
			for (i = 0; i < nb; i++)
				src_set(ms, r, b[i], 0);
			break;
		}
		for (i = r->nsrc; i-- > 0;)
			if (in_set(b, nb, r->src[i].addr))
				src_del(r, i);
		break;
	case IGMP_MODE_IS_EXCLUDE:
		/*
		 * IN(A) -> EX(A*B, B-A), (B-A)=0;
		 * EX(X,Y) -> EX(B-Y, Y*B), (B-X-Y)=GMI; GT=GMI
		 */
		for (i = r->nsrc; i-- > 0;)
			if (!in_set(b, nb, r->src[i].addr))
				src_del(r, i);
		for (i = 0; i < nb; i++)
			if (src_find(r, b[i]) < 0)
				src_set(ms, r, b[i],
					r->mode == MSHIP_INCLUDE ? 0 : gmi);
		set_mode(r, MSHIP_EXCLUDE);
		r->gtimer = gmi;
		arm(ms, gmi);
		break;
	case IGMP_CHANGE_TO_EXCLUDE:
		/* IN(A) -> EX({}, B); EX(X,Y) -> EX({}, B); GT=GMI */
		for (i = r->nsrc; i-- > 0;)
			if (!in_set(b, nb, r->src[i].addr))
				src_del(r, i);
		for (i = 0; i < nb; i++)
			src_set(ms, r, b[i], 0);
		set_mode(r, MSHIP_EXCLUDE);
		r->gtimer = gmi;
		arm(ms, gmi);
		break;
	}
}

static bool valid_group(uint32_t group)
{
	uint32_t g = ntohl(group);

	return (g & 0xf0000000) == 0xe0000000 && (g & 0xffffff00) != 0xe0000000;
}

static void record_one(struct mship *ms, uint32_t client, const uint8_t *mac,
		       int version, uint32_t group, enum igmp_rec_type type,
		       const uint8_t *src, unsigned int nsrc, uint64_t now)
{
	uint32_t stackbuf[64], *b = stackbuf;
	unsigned int nb = 0, i;
	struct mclient *c;
	struct mhost *h;
	struct mrec *r;
	bool created = false;

	if (version < 1 || version > 3 || type < IGMP_MODE_IS_INCLUDE ||
	    type > IGMP_BLOCK_OLD_SOURCES || !valid_group(group) ||
	    (nsrc && !src)) {
		ms->err = EINVAL;
		return;
	}
	if (nsrc > sizeof(stackbuf) / sizeof(*stackbuf)) {
		b = malloc(nsrc * sizeof(*b));
		if (!b) {
			ms->err = ENOMEM;
			return;
		}
	}
	for (i = 0; i < nsrc; i++)
		memcpy(&b[i], src + 4 * (size_t)i, 4);
	qsort(b, nsrc, sizeof(*b), cmp_u32);
	for (i = 0; i < nsrc; i++)
		if (!nb || b[nb - 1] != b[i])
			b[nb++] = b[i];

	c = client_find(ms, client);
	r = rec_find(host_find(c, mac), group);
	if (!r) {
		/* From no state, i.e. INCLUDE({}), these change nothing. */
		if (type == IGMP_BLOCK_OLD_SOURCES ||
		    (nb == 0 && type != IGMP_MODE_IS_EXCLUDE &&
		     type != IGMP_CHANGE_TO_EXCLUDE))
			goto out;
		if (c && c->nrec >= ms->max_groups) {
			count(ms, IGMP_DROP_GROUP_LIMIT);
			goto out;
		}
		r = rec_new(ms, client, mac, group);
		if (!r) {
			ms->err = ENOMEM;
			goto out;
		}
		created = true;
	}
	if (version == 1 && type == IGMP_MODE_IS_EXCLUDE)
		r->v1_until = now + ms->gmi;
	else if (version == 2 && type == IGMP_MODE_IS_EXCLUDE)
		r->v2_until = now + ms->gmi;

	rec_process(ms, r, version, type, b, nb, now);

	if (r->mode == MSHIP_INCLUDE && r->nsrc == 0) {
		h = r->host;
		if (!created)
			emit(ms, r, MSHIP_LEAVE, MSHIP_WHY_REPORT);
		rec_free(ms, r);
		host_gc(ms, h);
		goto out;
	}
	if (created || r->changed) {
		emit(ms, r, created ? MSHIP_JOIN : MSHIP_FILTER,
		     MSHIP_WHY_REPORT);
		mark_dirty(ms, r->grp);
	}
	r->changed = false;
out:
	if (b != stackbuf)
		free(b);
}

/* ---- views for the data path ---- */

static int member_cmp(const void *a, const void *b)
{
	const struct mrec *x = *(struct mrec *const *)a;
	const struct mrec *y = *(struct mrec *const *)b;

	if (x->host->cl->id != y->host->cl->id)
		return x->host->cl->id < y->host->cl->id ? -1 : 1;
	return memcmp(x->host->mac, y->host->mac, 6);
}

static bool wants(const struct mrec *r, uint32_t s)
{
	long i = src_find(r, s);

	if (r->mode == MSHIP_INCLUDE)
		return i >= 0;
	return i < 0 || r->src[i].timer != 0;
}

static void put(struct mship_dest *d, const struct mrec *r)
{
	d->client = r->host->cl->id;
	memcpy(d->mac, r->host->mac, 6);
}

/* Named sources: those whose answer differs from the default list. */
static inline bool named(const struct mrec *r, unsigned int j)
{
	return r->mode == MSHIP_INCLUDE || !r->src[j].timer;
}

/*
 * Recompute @g's view. On ENOMEM the view is emptied rather than left
 * stale: a stale entry could name a MAC that now belongs to someone else.
 */
static int group_rebuild(struct mgroup *g)
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

static void begin(struct mship *ms)
{
	ms->nev = 0;
	ms->err = 0;
}

/* Rebuild or free the groups touched by this call, and report. */
static int finish(struct mship *ms)
{
	struct mgroup *g, *next, *retry = NULL, **pp;

	for (g = ms->dirty; g; g = next) {
		next = g->dnext;
		if (g->nmembers) {
			if (group_rebuild(g) < 0) {
				/* No copies until a later call manages it. */
				ms->err = ENOMEM;
				g->dnext = retry;
				retry = g;
				continue;
			}
			g->dirty = false;
			g->dnext = NULL;
			continue;
		}
		for (pp = &ms->gtab[hash32(g->addr, ms->gbits)]; *pp != g;
		     pp = &(*pp)->hnext)
			;
		*pp = g->hnext;
		ms->ngroups--;
		free(g->dst);
		free(g->srcv);
		free(g);
	}
	ms->dirty = retry;
	if (ms->err) {
		errno = ms->err;
		return -1;
	}
	return ms->nev;
}

/* ---- public API ---- */

struct mship *mship_new(const struct mship_params *p)
{
	struct mship *ms = calloc(1, sizeof(*ms));
	uint64_t r = p->robustness ? p->robustness : 2;
	uint64_t qi = p->query_interval_ms ? p->query_interval_ms : 125000;
	uint64_t qri = p->query_response_interval_ms ?
		       p->query_response_interval_ms : 10000;

	if (!ms)
		goto fail;
	ms->gbits = ms->cbits = TAB_BITS_MIN;
	ms->gtab = calloc(1u << TAB_BITS_MIN, sizeof(*ms->gtab));
	ms->ctab = calloc(1u << TAB_BITS_MIN, sizeof(*ms->ctab));
	if (!ms->gtab || !ms->ctab)
		goto fail;
	ms->gmi = r * qi + qri;
	ms->next_exp = MSHIP_NEVER;
	ms->max_groups = p->max_groups ? p->max_groups : 256;
	ms->max_sources = p->max_sources ? p->max_sources : 64;
	ms->notify = p->notify;
	ms->arg = p->arg;
	ms->stats = p->stats;
	return ms;
fail:
	if (ms) {
		free(ms->gtab);
		free(ms->ctab);
		free(ms);
	}
	errno = ENOMEM;
	return NULL;
}

void mship_free(struct mship *ms)
{
	unsigned int i;

	if (!ms)
		return;
	ms->notify = NULL;
	for (i = 0; i < 1u << ms->cbits; i++)
		while (ms->ctab[i])
			mship_client_remove(ms, ms->ctab[i]->id);
	/* Only empty groups can be left; finish() freed them already. */
	free(ms->gtab);
	free(ms->ctab);
	free(ms);
}

int mship_apply(struct mship *ms, uint32_t client, const uint8_t mac[6],
		const struct igmp_msg *msg, uint64_t now)
{
	struct igmp_rec_iter it;
	struct igmp_rec rec;

	begin(ms);
	switch (msg->type) {
	case IGMP_V1_REPORT:
		record_one(ms, client, mac, 1, msg->group,
			   IGMP_MODE_IS_EXCLUDE, NULL, 0, now);
		break;
	case IGMP_V2_REPORT:
		record_one(ms, client, mac, 2, msg->group,
			   IGMP_MODE_IS_EXCLUDE, NULL, 0, now);
		break;
	case IGMP_V2_LEAVE:
		record_one(ms, client, mac, 2, msg->group,
			   IGMP_CHANGE_TO_INCLUDE, NULL, 0, now);
		break;
	case IGMP_V3_REPORT:
		igmp_rec_begin(msg, &it);
		while (igmp_rec_next(&it, &rec))
			record_one(ms, client, mac, 3, rec.group, rec.type,
				   rec.src, rec.nsrc, now);
		break;
	default:
		break;
	}
	return finish(ms);
}

int mship_record(struct mship *ms, uint32_t client, const uint8_t mac[6],
		 int version, uint32_t group, enum igmp_rec_type type,
		 const void *src, unsigned int nsrc, uint64_t now)
{
	begin(ms);
	record_one(ms, client, mac, version, group, type, src, nsrc, now);
	return finish(ms);
}

static int host_remove(struct mship *ms, struct mhost *h)
{
	int n = 0;

	while (h->recs) {
		emit(ms, h->recs, MSHIP_LEAVE, MSHIP_WHY_REMOVE);
		rec_free(ms, h->recs);
		n++;
	}
	host_gc(ms, h);
	return n;
}

int mship_client_remove(struct mship *ms, uint32_t client)
{
	struct mclient *c = client_find(ms, client);
	bool last = false;
	int n = 0;

	begin(ms);
	/* The last host_gc() frees the client itself. */
	while (c && !last) {
		last = !c->hosts->next;
		n += host_remove(ms, c->hosts);
	}
	return finish(ms) < 0 ? -1 : n;
}

int mship_mac_remove(struct mship *ms, uint32_t client, const uint8_t mac[6])
{
	struct mhost *h = host_find(client_find(ms, client), mac);
	int n;

	begin(ms);
	n = h ? host_remove(ms, h) : 0;
	return finish(ms) < 0 ? -1 : n;
}

/* Run @r's timers; return true if nothing is left of it. */
static bool rec_expire(struct mrec *r, uint64_t now)
{
	unsigned int i;

	if (r->mode == MSHIP_EXCLUDE && r->gtimer <= now) {
		/* 6.5: INCLUDE with the sources whose timers still run. */
		for (i = r->nsrc; i-- > 0;)
			if (!r->src[i].timer || r->src[i].timer <= now)
				src_del(r, i);
		set_mode(r, MSHIP_INCLUDE);
		return r->nsrc == 0;
	}
	for (i = r->nsrc; i-- > 0;) {
		uint64_t t = r->src[i].timer;

		if (!t || t > now)
			continue;
		if (r->mode == MSHIP_INCLUDE) {
			src_del(r, i);
		} else {
			/* EXCLUDE: an expired requested source becomes blocked. */
			r->src[i].timer = 0;
			r->changed = true;
		}
	}
	return r->mode == MSHIP_INCLUDE && r->nsrc == 0;
}

static uint64_t rec_next(const struct mrec *r)
{
	uint64_t t = r->mode == MSHIP_EXCLUDE ? r->gtimer : MSHIP_NEVER;
	unsigned int i;

	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].timer && r->src[i].timer < t)
			t = r->src[i].timer;
	return t;
}

int mship_expire(struct mship *ms, uint64_t now)
{
	uint64_t next = MSHIP_NEVER, t;
	struct mrec *r, *rn;
	struct mgroup *g;
	struct mhost *h;
	unsigned int i;

	begin(ms);
	if (now < ms->next_exp)
		return finish(ms);	/* only retries a failed rebuild */
	for (i = 0; i < 1u << ms->gbits; i++)
		for (g = ms->gtab[i]; g; g = g->hnext)
			for (r = g->members; r; r = rn) {
				rn = r->gnext;
				if (rec_expire(r, now)) {
					h = r->host;
					emit(ms, r, MSHIP_LEAVE, MSHIP_WHY_EXPIRE);
					rec_free(ms, r);
					host_gc(ms, h);
					continue;
				}
				if (r->changed) {
					emit(ms, r, MSHIP_FILTER, MSHIP_WHY_EXPIRE);
					mark_dirty(ms, g);
					r->changed = false;
				}
				t = rec_next(r);
				if (t < next)
					next = t;
			}
	ms->next_exp = next;
	return finish(ms);
}

uint64_t mship_next_expiry(const struct mship *ms)
{
	return ms->next_exp;
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

int mship_get(const struct mship *ms, uint32_t client, const uint8_t mac[6],
	      uint32_t group, uint64_t now, struct mship_filter *f)
{
	const struct mrec *r;

	r = rec_find(host_find(client_find(ms, client), mac), group);
	if (!r) {
		errno = ENOENT;
		return -1;
	}
	f->mode = r->mode;
	f->group_timer = r->mode == MSHIP_EXCLUDE ? r->gtimer : 0;
	f->compat = rec_compat(r, now);
	f->nsrc = r->nsrc;
	f->src = r->src;
	return 0;
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
