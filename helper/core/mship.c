/*
 * mship.c - per-client multicast group membership: the RFC 3376 router-side
 * state of each record and the entry points that change it.
 *
 * Every such entry point runs between begin() and finish(), so that a report
 * with many records rebuilds each touched group's view once, not once per
 * record. The indexes are in mship_index.c, the views and the read-only
 * queries in mship_view.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mship_int.h"

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
	if (ms->admit_source &&
	    ms->admit_source(ms->arg, r->host->cl->id, r->grp->addr, r->nsrc) < 0)
		return;
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

/*
 * The groups of @c, counted once however many of its hosts are in them, and
 * whether @group is one of them. Only on a join: a client has a few hosts.
 */
static unsigned int client_groups(const struct mclient *c, uint32_t group, bool *has)
{
	unsigned int n = 0;

	*has = false;
	for (const struct mhost *h = c ? c->hosts : NULL; h; h = h->next)
		for (const struct mrec *r = h->recs; r; r = r->hnext) {
			const struct mhost *o;

			if (r->grp->addr == group)
				*has = true;
			for (o = c->hosts; o != h && !rec_find(o, r->grp->addr); o = o->next)
				;
			n += o == h;
		}
	return n;
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
		if (ms->admit_group) {
			bool has;
			unsigned int n = client_groups(c, group, &has);

			if (!has && ms->admit_group(ms->arg, client, group, n) < 0)
				goto out;
		}
		r = mship_rec_new(ms, client, mac, group);
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
		mship_rec_free(ms, r);
		mship_host_gc(ms, h);
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
			if (mship_group_rebuild(g) < 0) {
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
	ms->admit_group = p->admit_group;
	ms->admit_source = p->admit_source;
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
		mship_rec_free(ms, h->recs);
		n++;
	}
	mship_host_gc(ms, h);
	return n;
}

int mship_client_remove(struct mship *ms, uint32_t client)
{
	struct mclient *c = client_find(ms, client);
	bool last = false;
	int n = 0;

	begin(ms);
	/* The last mship_host_gc() frees the client itself. */
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

int mship_client_group_remove(struct mship *ms, uint32_t client, uint32_t group)
{
	struct mclient *c = client_find(ms, client);
	struct mhost *h, *hn;
	struct mrec *r;
	int n = 0;

	begin(ms);
	/* The gc may free the host, and with the last host the client: the
	 * next host is read first, and is NULL when the client goes. */
	for (h = c ? c->hosts : NULL; h; h = hn) {
		hn = h->next;
		r = rec_find(h, group);
		if (!r)
			continue;
		emit(ms, r, MSHIP_LEAVE, MSHIP_WHY_REVOKE);
		mship_rec_free(ms, r);
		mship_host_gc(ms, h);
		n++;
	}
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
					mship_rec_free(ms, r);
					mship_host_gc(ms, h);
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

static void rec_view(const struct mrec *r, uint64_t now, struct mship_filter *f)
{
	f->mode = r->mode;
	f->group_timer = r->mode == MSHIP_EXCLUDE ? r->gtimer : 0;
	f->compat = rec_compat(r, now);
	f->nsrc = r->nsrc;
	f->src = r->src;
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
	rec_view(r, now, f);
	return 0;
}

int mship_group_hosts(const struct mship *ms, uint32_t group, uint64_t now,
		      int (*cb)(void *arg, const struct mship_filter *f), void *arg)
{
	const struct mgroup *g = group_find(ms, group);
	const struct mrec *r;
	struct mship_filter f;
	int ret = 0;

	for (r = g ? g->members : NULL; r && !ret; r = r->gnext) {
		rec_view(r, now, &f);
		ret = cb(arg, &f);
	}
	return ret;
}
