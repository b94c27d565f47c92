/*
 * upmerge.c - RFC 4605 4.1 merge of downstream filters into one upstream
 * filter. Sets are kept sorted so every operation is one linear pass.
 */
#include <stdlib.h>
#include <string.h>

#include "upmerge.h"

void upmerge_init(struct upfilter *f)
{
	memset(f, 0, sizeof(*f));
	f->mode = MSHIP_INCLUDE;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort and deduplicate @n addresses into @out (room for @n). */
static unsigned int set_make(uint32_t *out, const uint32_t *in, unsigned int n)
{
	unsigned int i, k = 0;

	memcpy(out, in, n * sizeof(*in));
	qsort(out, n, sizeof(*out), cmp_u32);
	for (i = 0; i < n; i++)
		if (!k || out[k - 1] != out[i])
			out[k++] = out[i];
	return k;
}

static int set_has(const uint32_t *set, unsigned int n, uint32_t a)
{
	return bsearch(&a, set, n, sizeof(*set), cmp_u32) != NULL;
}

static void widen(struct upfilter *f)
{
	f->mode = MSHIP_EXCLUDE;
	f->nsrc = 0;
	f->widened = 1;
}

void upmerge_add(struct upfilter *acc, enum mship_mode mode, const uint32_t *src, unsigned int n)
{
	uint32_t *b, out[UPMERGE_MAX_SRC];
	unsigned int i, j, k = 0, nb;

	if (acc->widened && acc->mode == MSHIP_EXCLUDE && !acc->nsrc)
		return;	/* already every source */
	b = malloc((n ? n : 1) * sizeof(*b));
	if (!b) {
		widen(acc);	/* asking for too much is safe; too little is not */
		return;
	}
	nb = set_make(b, src, n);

	if (acc->mode == MSHIP_INCLUDE && mode == MSHIP_INCLUDE) {
		/* A u B */
		for (i = j = 0; i < acc->nsrc || j < nb;) {
			uint32_t v;

			if (j >= nb || (i < acc->nsrc && acc->src[i] < b[j]))
				v = acc->src[i++];
			else if (i >= acc->nsrc || b[j] < acc->src[i])
				v = b[j++];
			else
				v = acc->src[i++], j++;
			if (k == UPMERGE_MAX_SRC) {
				free(b);
				widen(acc);
				return;
			}
			out[k++] = v;
		}
	} else if (acc->mode == MSHIP_EXCLUDE && mode == MSHIP_EXCLUDE) {
		/* X n Y */
		for (i = 0; i < acc->nsrc; i++)
			if (set_has(b, nb, acc->src[i]))
				out[k++] = acc->src[i];
	} else if (acc->mode == MSHIP_EXCLUDE) {
		/* EXCLUDE(X) + INCLUDE(B) = EXCLUDE(X - B) */
		for (i = 0; i < acc->nsrc; i++)
			if (!set_has(b, nb, acc->src[i]))
				out[k++] = acc->src[i];
	} else {
		/* INCLUDE(A) + EXCLUDE(Y) = EXCLUDE(Y - A); a Y that does not
		 * fit only loses exclusions, which widens the filter. */
		for (j = 0; j < nb && k < UPMERGE_MAX_SRC; j++)
			if (!set_has(acc->src, acc->nsrc, b[j]))
				out[k++] = b[j];
		if (j < nb)
			acc->widened = 1;
		acc->mode = MSHIP_EXCLUDE;
	}
	free(b);
	memcpy(acc->src, out, k * sizeof(*out));
	acc->nsrc = k;
}

void upmerge_host(struct upfilter *acc, const struct mship_filter *host)
{
	uint32_t src[UPMERGE_MAX_SRC];
	unsigned int i, n = 0;

	for (i = 0; i < host->nsrc; i++) {
		/* EXCLUDE: only blocked sources (timer 0) are unwanted. */
		if (host->mode == MSHIP_EXCLUDE && host->src[i].timer)
			continue;
		if (n == UPMERGE_MAX_SRC) {
			if (host->mode == MSHIP_INCLUDE) {
				widen(acc);
				return;
			}
			break;	/* fewer exclusions: wider, still correct */
		}
		src[n++] = host->src[i].addr;
	}
	upmerge_add(acc, host->mode, src, n);
}

int upmerge_equal(const struct upfilter *a, const struct upfilter *b)
{
	return a->mode == b->mode && a->nsrc == b->nsrc &&
	       !memcmp(a->src, b->src, a->nsrc * sizeof(a->src[0]));
}

int upmerge_empty(const struct upfilter *f)
{
	return f->mode == MSHIP_INCLUDE && !f->nsrc;
}

int upmerge_wants(const struct upfilter *f, uint32_t s)
{
	int listed = set_has(f->src, f->nsrc, s);

	return f->mode == MSHIP_INCLUDE ? listed : !listed;
}
