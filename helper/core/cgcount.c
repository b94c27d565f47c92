/*
 * cgcount.c - per (client, group) counters; see cgcount.h.
 *
 * A sorted array: lookups are a binary search, and a change rewrites one
 * group's run, which membership changes (rare next to packets) can pay.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgcount.h"

struct cgcount {
	struct cg_entry *e;
	size_t n, cap, max;
	struct cgc_hooks hooks;
};

struct cgcount *cgc_new(unsigned int max, const struct cgc_hooks *hooks)
{
	struct cgcount *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->max = max ? max : CGC_MAX_DEFAULT;
	if (hooks)
		t->hooks = *hooks;
	return t;
}

void cgc_free(struct cgcount *t)
{
	if (!t)
		return;
	free(t->e);
	free(t);
}

static int cg_cmp(uint32_t g1, uint32_t c1, const struct cg_entry *e)
{
	if (g1 != e->group)
		return g1 < e->group ? -1 : 1;
	if (c1 != e->client)
		return c1 < e->client ? -1 : 1;
	return 0;
}

/* First index whose key is >= (@group, @client). */
static size_t cg_lower(const struct cgcount *t, uint32_t group, uint32_t client)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cg_cmp(group, client, &t->e[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct cg_entry *cgc_find(struct cgcount *t, uint32_t group, uint32_t client)
{
	size_t i = cg_lower(t, group, client);

	return i < t->n && !cg_cmp(group, client, &t->e[i]) ? &t->e[i] : NULL;
}

static void cg_removed(struct cgcount *t, const struct cg_entry *e)
{
	if (t->hooks.removed)
		t->hooks.removed(t->hooks.arg, e->group, e->client);
}

static int cg_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int cgc_set_group(struct cgcount *t, uint32_t group, const uint32_t *clients, size_t n)
{
	size_t lo = cg_lower(t, group, 0), hi = lo, m = 0, nn, w, j, k;
	struct cg_entry *run;
	uint32_t *want = NULL;
	int err = 0;

	while (hi < t->n && t->e[hi].group == group)
		hi++;
	if (n) {
		want = malloc(n * sizeof(*want));
		if (!want)
			return -1;
		memcpy(want, clients, n * sizeof(*want));
		qsort(want, n, sizeof(*want), cg_u32_cmp);
		for (size_t i = 0; i < n; i++)
			if (!m || want[m - 1] != want[i])
				want[m++] = want[i];
	}
	/* The new run is at most m long; cap it by room in the table. */
	if (t->n - (hi - lo) + m > t->max) {
		m = t->max - (t->n - (hi - lo));
		err = ENOSPC;
	}
	/* Room first: once the hooks have been told, nothing may fail. */
	nn = t->n - (hi - lo) + m;
	if (nn > t->cap) {
		size_t cap = t->cap ? t->cap : 64;
		struct cg_entry *p;

		while (cap < nn)
			cap *= 2;
		p = realloc(t->e, cap * sizeof(*p));
		if (!p) {
			free(want);
			return -1;
		}
		t->e = p;
		t->cap = cap;
	}
	run = malloc((m ? m : 1) * sizeof(*run));
	if (!run) {
		free(want);
		return -1;
	}
	/* Merge the old run with the wanted clients. */
	for (j = lo, k = 0, w = 0; j < hi || k < m;) {
		if (k < m && (j == hi || want[k] < t->e[j].client)) {
			run[w++] = (struct cg_entry){ .group = group, .client = want[k] };
			if (t->hooks.added)
				t->hooks.added(t->hooks.arg, group, want[k]);
			k++;
		} else if (k < m && want[k] == t->e[j].client) {
			run[w++] = t->e[j++];
			k++;
		} else {
			cg_removed(t, &t->e[j++]);
		}
	}
	nn = t->n - (hi - lo) + w;
	memmove(&t->e[lo + w], &t->e[hi], (t->n - hi) * sizeof(*t->e));
	memcpy(&t->e[lo], run, w * sizeof(*run));
	t->n = nn;
	free(run);
	free(want);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

void cgc_drop_client(struct cgcount *t, uint32_t client)
{
	size_t w = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (t->e[i].client == client)
			cg_removed(t, &t->e[i]);
		else
			t->e[w++] = t->e[i];
	}
	t->n = w;
}

size_t cgc_count(const struct cgcount *t)
{
	return t->n;
}

struct cg_entry *cgc_at(const struct cgcount *t, size_t i)
{
	return &t->e[i];
}
