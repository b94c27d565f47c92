/*
 * maddr.c - IPv6 address interning into class E keys; see maddr.h.
 *
 * Slot i holds the address of key 240.0.0.0 + i. A hash of chains (slot
 * numbers + 1, 0 ends a chain) finds the slot of an address; free slots
 * form a list, so a sweep and later interning cost O(1) per address.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "maddr.h"

struct mslot {
	uint8_t a[16];
	uint32_t next;		/* hash chain or free list, slot + 1 */
	bool used;
	bool mark;
};

struct maddr {
	struct mslot *slot;
	uint32_t *bucket;	/* slot + 1 */
	unsigned int max, nslot, cap, nused, bits;
	uint32_t free;		/* free list head, slot + 1 */
};

static unsigned int maddr_hash(const uint8_t a[16], unsigned int bits)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	return (h * 0x9e3779b1u) >> (32 - bits);
}

static uint32_t maddr_key(uint32_t i)
{
	return htonl(0xf0000000u | i);
}

/* The slot of an IPv6 key, or -1. */
static long maddr_slot(const struct maddr *t, uint32_t key)
{
	uint32_t i;

	if (!maddr_is6(key))
		return -1;
	i = ntohl(key) & 0x0fffffffu;
	if (i >= t->nslot || !t->slot[i].used)
		return -1;
	return i;
}

struct maddr *maddr_new(unsigned int max)
{
	struct maddr *t;
	unsigned int bits = 4;

	if (!max)
		max = MADDR_MAX_DEFAULT;
	if (max > MADDR_MAX_LIMIT) {
		errno = EINVAL;
		return NULL;
	}
	while ((1u << bits) < max && bits < 20)
		bits++;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->bucket = calloc((size_t)1 << bits, sizeof(*t->bucket));
	if (!t->bucket) {
		free(t);
		return NULL;
	}
	t->bits = bits;
	t->max = max;
	return t;
}

void maddr_free(struct maddr *t)
{
	if (!t)
		return;
	free(t->slot);
	free(t->bucket);
	free(t);
}

int maddr_find(const struct maddr *t, const uint8_t a[16], uint32_t *key)
{
	for (uint32_t s = t->bucket[maddr_hash(a, t->bits)]; s; s = t->slot[s - 1].next)
		if (!memcmp(t->slot[s - 1].a, a, 16)) {
			*key = maddr_key(s - 1);
			return 0;
		}
	errno = ENOENT;
	return -1;
}

int maddr_intern(struct maddr *t, const uint8_t a[16], uint32_t *key)
{
	struct mslot *sl;
	unsigned int h;
	uint32_t i;

	if (maddr_find(t, a, key) == 0)
		return 0;
	if (t->free) {
		i = t->free - 1;
		t->free = t->slot[i].next;
	} else {
		if (t->nslot == t->max) {
			errno = ENOSPC;
			return -1;
		}
		/* Grow by doubling, but never past max. */
		if (t->nslot == t->cap) {
			size_t cap = t->cap ? (size_t)t->cap * 2 : 16;
			struct mslot *p;

			if (cap > t->max)
				cap = t->max;
			p = realloc(t->slot, cap * sizeof(*p));
			if (!p)
				return -1;
			t->slot = p;
			t->cap = (unsigned int)cap;
		}
		i = t->nslot++;
	}
	sl = &t->slot[i];
	memcpy(sl->a, a, 16);
	sl->used = true;
	sl->mark = true;	/* new: kept through the next sweep */
	h = maddr_hash(a, t->bits);
	sl->next = t->bucket[h];
	t->bucket[h] = i + 1;
	t->nused++;
	*key = maddr_key(i);
	return 0;
}

const uint8_t *maddr_addr(const struct maddr *t, uint32_t key)
{
	long i = maddr_slot(t, key);

	return i < 0 ? NULL : t->slot[i].a;
}

void maddr_mark(struct maddr *t, uint32_t key)
{
	long i = maddr_slot(t, key);

	if (i >= 0)
		t->slot[i].mark = true;
}

unsigned int maddr_sweep(struct maddr *t,
			 void (*gone)(void *arg, uint32_t key, const uint8_t a[16]), void *arg)
{
	unsigned int n = 0;

	for (unsigned int b = 0; b < (1u << t->bits); b++) {
		uint32_t *pp = &t->bucket[b];

		while (*pp) {
			uint32_t i = *pp - 1;
			struct mslot *sl = &t->slot[i];

			if (sl->mark) {
				sl->mark = false;
				pp = &sl->next;
				continue;
			}
			if (gone)
				gone(arg, maddr_key(i), sl->a);
			*pp = sl->next;
			sl->used = false;
			sl->next = t->free;
			t->free = i + 1;
			t->nused--;
			n++;
		}
	}
	return n;
}

unsigned int maddr_count(const struct maddr *t)
{
	return t->nused;
}

const char *maddr_ntop(const struct maddr *t, uint32_t key, uint32_t group, char *buf)
{
	const uint8_t *a;

	if (!maddr_is6(group)) {
		inet_ntop(AF_INET, &key, buf, MADDR_STRLEN);
		return buf;
	}
	a = t ? maddr_addr(t, key) : NULL;
	if (!a)
		snprintf(buf, MADDR_STRLEN, "?");
	else
		inet_ntop(AF_INET6, a, buf, MADDR_STRLEN);
	return buf;
}
