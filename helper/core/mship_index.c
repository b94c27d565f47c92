/*
 * mship_index.c - creating and freeing the records, hosts, clients and
 * groups of the indexes described in mship_int.h.
 *
 * Only the structure lives here; what a record means is mship.c's business,
 * and its group's view is brought up to date by finish() there.
 */
#include <stdlib.h>
#include <string.h>

#include "mship_int.h"

/* ---- hash tables ---- */

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
void mship_host_gc(struct mship *ms, struct mhost *h)
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
struct mrec *mship_rec_new(struct mship *ms, uint32_t client,
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
		mship_host_gc(ms, h);
	else if (c && !c->hosts)
		client_free(ms, c);
	return NULL;
}

/* Unlink and free @r; its host and client stay until mship_host_gc(). */
void mship_rec_free(struct mship *ms, struct mrec *r)
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
