/*
 * upmerge.h - the upstream filter of a proxy: what to ask the upstream
 * network for, given what each downstream host wants (RFC 4605 4.1).
 *
 * A filter says which sources of a group are wanted: INCLUDE(A) means those
 * in A, EXCLUDE(X) all but those in X. Merging unites the wanted sources:
 *   INCLUDE(A) + INCLUDE(B) = INCLUDE(A u B)
 *   INCLUDE(A) + EXCLUDE(X) = EXCLUDE(X - A)
 *   EXCLUDE(X) + EXCLUDE(Y) = EXCLUDE(X n Y)
 * A list that would grow past UPMERGE_MAX_SRC widens the filter to
 * EXCLUDE({}) (every source): the data path still filters per host, so
 * asking upstream for too much costs bandwidth, never correctness.
 *
 * Pure: no I/O. Addresses are uint32_t in network byte order.
 */
#ifndef UPMERGE_H
#define UPMERGE_H

#include <stdint.h>

#include "mship.h"

#define UPMERGE_MAX_SRC 64

struct upfilter {
	enum mship_mode mode;
	unsigned int nsrc;
	uint32_t src[UPMERGE_MAX_SRC];	/* ascending by numeric value */
	int widened;			/* a list was too long: EXCLUDE({}) */
};

/** upmerge_init() - the empty filter, INCLUDE({}): no source wanted. */
void upmerge_init(struct upfilter *f);

/**
 * upmerge_host() - add one host's state (from mship_get() or
 * mship_group_hosts()) to @acc. An INCLUDE host wants its listed sources;
 * an EXCLUDE host wants all but its blocked ones (timer 0).
 */
void upmerge_host(struct upfilter *acc, const struct mship_filter *host);

/**
 * upmerge_add() - add the filter (@mode, @src[0..@n)) to @acc. @src need
 * not be sorted and may repeat addresses.
 */
void upmerge_add(struct upfilter *acc, enum mship_mode mode, const uint32_t *src, unsigned int n);

/** upmerge_equal() - do @a and @b want the same sources? */
int upmerge_equal(const struct upfilter *a, const struct upfilter *b);

/** upmerge_empty() - does @f want nothing, i.e. INCLUDE({})? */
int upmerge_empty(const struct upfilter *f);

/**
 * upmerge_wants() - does @f forward source @s? The TTL-free half of a
 * proxy's forwarding decision, for tests and the data path.
 */
int upmerge_wants(const struct upfilter *f, uint32_t s);

#endif
