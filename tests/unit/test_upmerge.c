/*
 * test_upmerge.c - the upstream filter of standalone mode (helper/core/upmerge.c):
 * RFC 4605 4.1 merge rules, the per-host view (EXCLUDE hosts: only blocked
 * sources are unwanted), widening past UPMERGE_MAX_SRC, order independence
 * against a brute-force model, and the merge over a real membership table
 * through mship_group_hosts().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "mship.h"
#include "upmerge.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Assert @f is exactly (@mode, @src[0..@n)), @src ascending. */
static void expect_filter(const struct upfilter *f, enum mship_mode mode,
			  const uint32_t *src, unsigned int n)
{
	unsigned int i;

	assert_int_equal(f->mode, mode);
	assert_int_equal(f->nsrc, n);
	for (i = 0; i < n; i++)
		assert_int_equal(f->src[i], src[i]);
}

static void test_init_is_empty(void **state)
{
	struct upfilter f;

	(void)state;
	memset(&f, 0xa5, sizeof(f));
	upmerge_init(&f);
	assert_int_equal(f.mode, MSHIP_INCLUDE);
	assert_int_equal(f.nsrc, 0);
	assert_int_equal(f.widened, 0);
	assert_true(upmerge_empty(&f));
	assert_false(upmerge_wants(&f, 1));
	assert_false(upmerge_wants(&f, inet_addr("10.0.0.1")));
	assert_false(upmerge_wants(&f, 0));
	assert_false(upmerge_wants(&f, UINT32_MAX));
}

static void test_include_union(void **state)
{
	static const uint32_t a[] = { 5, 3, 3, 1, 5 };		/* unsorted, repeats */
	static const uint32_t b[] = { 9, 4, 3, 4 };
	static const uint32_t want_a[] = { 1, 3, 5 };
	static const uint32_t want[] = { 1, 3, 4, 5, 9 };
	struct upfilter f;

	(void)state;
	upmerge_init(&f);
	upmerge_add(&f, MSHIP_INCLUDE, a, NELEM(a));
	expect_filter(&f, MSHIP_INCLUDE, want_a, NELEM(want_a));
	assert_false(upmerge_empty(&f));
	upmerge_add(&f, MSHIP_INCLUDE, b, NELEM(b));
	expect_filter(&f, MSHIP_INCLUDE, want, NELEM(want));
	assert_int_equal(f.widened, 0);
	assert_true(upmerge_wants(&f, 1));
	assert_true(upmerge_wants(&f, 4));
	assert_true(upmerge_wants(&f, 9));
	assert_false(upmerge_wants(&f, 2));
	assert_false(upmerge_wants(&f, 6));
	assert_false(upmerge_wants(&f, 10));
	/* Adding what is there already changes nothing. */
	upmerge_add(&f, MSHIP_INCLUDE, b, NELEM(b));
	expect_filter(&f, MSHIP_INCLUDE, want, NELEM(want));
}

static void test_include_plus_exclude(void **state)
{
	static const uint32_t a[] = { 2, 1 };
	static const uint32_t x[] = { 4, 2, 3, 3 };
	static const uint32_t want[] = { 3, 4 };		/* X - A */
	struct upfilter f;

	(void)state;
	upmerge_init(&f);
	upmerge_add(&f, MSHIP_INCLUDE, a, NELEM(a));
	upmerge_add(&f, MSHIP_EXCLUDE, x, NELEM(x));
	expect_filter(&f, MSHIP_EXCLUDE, want, NELEM(want));
	assert_int_equal(f.widened, 0);
	assert_false(upmerge_empty(&f));
	assert_true(upmerge_wants(&f, 1));
	assert_true(upmerge_wants(&f, 2));	/* excluded by one, wanted by the other */
	assert_false(upmerge_wants(&f, 3));
	assert_false(upmerge_wants(&f, 4));
	assert_true(upmerge_wants(&f, 5));
	assert_true(upmerge_wants(&f, 0x12345678));
}

static void test_exclude_plus_include(void **state)
{
	static const uint32_t x[] = { 4, 2, 3 };
	static const uint32_t b[] = { 9, 3, 3 };
	static const uint32_t want[] = { 2, 4 };		/* X - B */
	struct upfilter f;

	(void)state;
	upmerge_init(&f);
	upmerge_add(&f, MSHIP_EXCLUDE, x, NELEM(x));
	upmerge_add(&f, MSHIP_INCLUDE, b, NELEM(b));
	expect_filter(&f, MSHIP_EXCLUDE, want, NELEM(want));
	assert_false(upmerge_wants(&f, 2));
	assert_true(upmerge_wants(&f, 3));
	assert_false(upmerge_wants(&f, 4));
	assert_true(upmerge_wants(&f, 9));
}

static void test_exclude_intersection(void **state)
{
	static const uint32_t x[] = { 5, 1, 3, 2 };
	static const uint32_t y[] = { 7, 2, 5, 5 };
	static const uint32_t z[] = { 5, 8 };
	static const uint32_t want_xy[] = { 2, 5 };
	static const uint32_t want_xyz[] = { 5 };
	struct upfilter f;

	(void)state;
	upmerge_init(&f);
	upmerge_add(&f, MSHIP_EXCLUDE, x, NELEM(x));
	upmerge_add(&f, MSHIP_EXCLUDE, y, NELEM(y));
	expect_filter(&f, MSHIP_EXCLUDE, want_xy, NELEM(want_xy));
	assert_true(upmerge_wants(&f, 1));
	assert_true(upmerge_wants(&f, 7));
	assert_false(upmerge_wants(&f, 2));
	upmerge_add(&f, MSHIP_EXCLUDE, z, NELEM(z));
	expect_filter(&f, MSHIP_EXCLUDE, want_xyz, NELEM(want_xyz));
	/* Disjoint exclusions: every source. */
	upmerge_add(&f, MSHIP_EXCLUDE, x + 1, 1);
	expect_filter(&f, MSHIP_EXCLUDE, NULL, 0);
	assert_true(upmerge_wants(&f, 5));
	assert_int_equal(f.widened, 0);		/* exact, not widened */
}

/* INCLUDE({}) changes nothing, on either side. */
static void test_empty_is_neutral(void **state)
{
	static const uint32_t s[] = { 30, 10, 20 };
	static const uint32_t none[1] = { 0 };
	const enum mship_mode modes[] = { MSHIP_INCLUDE, MSHIP_EXCLUDE };
	struct upfilter f, g;
	unsigned int m, n;

	(void)state;
	for (m = 0; m < 2; m++)
		for (n = 0; n <= NELEM(s); n++) {
			upmerge_init(&f);
			upmerge_add(&f, modes[m], s, n);
			g = f;
			upmerge_add(&g, MSHIP_INCLUDE, none, 0);
			assert_true(upmerge_equal(&f, &g));
			assert_int_equal(g.mode, modes[m]);

			upmerge_init(&g);
			upmerge_add(&g, MSHIP_INCLUDE, none, 0);
			assert_true(upmerge_empty(&g));
			upmerge_add(&g, modes[m], s, n);
			assert_true(upmerge_equal(&f, &g));
		}
	/* EXCLUDE({}) absorbs everything. */
	upmerge_init(&f);
	upmerge_add(&f, MSHIP_EXCLUDE, none, 0);
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_int_equal(f.nsrc, 0);
	assert_false(upmerge_empty(&f));
	upmerge_add(&f, MSHIP_INCLUDE, s, NELEM(s));
	upmerge_add(&f, MSHIP_EXCLUDE, s, NELEM(s));
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_int_equal(f.nsrc, 0);
	assert_true(upmerge_wants(&f, 10));
}

static void test_equal_empty(void **state)
{
	static const uint32_t s1[] = { 1, 2 }, s2[] = { 2, 1, 1 }, s3[] = { 1, 3 };
	struct upfilter a, b;

	(void)state;
	upmerge_init(&a);
	upmerge_init(&b);
	assert_true(upmerge_equal(&a, &b));
	upmerge_add(&a, MSHIP_INCLUDE, s1, 2);
	assert_false(upmerge_equal(&a, &b));
	assert_false(upmerge_equal(&b, &a));
	upmerge_add(&b, MSHIP_INCLUDE, s2, 3);
	assert_true(upmerge_equal(&a, &b));

	upmerge_init(&b);
	upmerge_add(&b, MSHIP_INCLUDE, s3, 2);
	assert_false(upmerge_equal(&a, &b));		/* same size, other sources */

	upmerge_init(&b);
	upmerge_add(&b, MSHIP_EXCLUDE, s1, 2);
	assert_false(upmerge_equal(&a, &b));		/* same list, other mode */
	assert_false(upmerge_empty(&b));

	/* A filter that was widened equals a plain EXCLUDE({}). */
	upmerge_init(&a);
	upmerge_init(&b);
	a.mode = b.mode = MSHIP_EXCLUDE;
	a.widened = 1;
	assert_true(upmerge_equal(&a, &b));
	assert_false(upmerge_empty(&a));
}

/* Addresses 0..n-1 times 1000 + 7, so as not to start at 0. */
static uint32_t seq(unsigned int i)
{
	return htonl(0x0a000000u + i * 1000 + 7);
}

static void test_overflow_include_widens(void **state)
{
	uint32_t s[UPMERGE_MAX_SRC + 8];
	struct upfilter f;
	unsigned int i;

	(void)state;
	for (i = 0; i < NELEM(s); i++)
		s[i] = seq(i);

	/* Exactly UPMERGE_MAX_SRC fits. */
	upmerge_init(&f);
	upmerge_add(&f, MSHIP_INCLUDE, s, UPMERGE_MAX_SRC);
	assert_int_equal(f.mode, MSHIP_INCLUDE);
	assert_int_equal(f.nsrc, UPMERGE_MAX_SRC);
	assert_int_equal(f.widened, 0);
	assert_false(upmerge_wants(&f, s[UPMERGE_MAX_SRC]));
	/* Again, and 64 distinct among 72 entries: still fits. */
	upmerge_add(&f, MSHIP_INCLUDE, s, UPMERGE_MAX_SRC);
	assert_int_equal(f.nsrc, UPMERGE_MAX_SRC);
	assert_int_equal(f.widened, 0);

	/* One more source widens to EXCLUDE({}). */
	upmerge_add(&f, MSHIP_INCLUDE, s + UPMERGE_MAX_SRC, 1);
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_int_equal(f.nsrc, 0);
	assert_int_equal(f.widened, 1);
	for (i = 0; i < NELEM(s); i++)
		assert_true(upmerge_wants(&f, s[i]));
	assert_true(upmerge_wants(&f, htonl(0xc0000202)));
	assert_false(upmerge_empty(&f));

	/* Widened stays widened: later exclusions must not narrow it. */
	upmerge_add(&f, MSHIP_EXCLUDE, s, 3);
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_int_equal(f.nsrc, 0);
	assert_true(upmerge_wants(&f, s[0]));
	upmerge_add(&f, MSHIP_INCLUDE, s, 3);
	assert_int_equal(f.nsrc, 0);

	/* One list too long in one go. */
	upmerge_init(&f);
	upmerge_add(&f, MSHIP_INCLUDE, s, UPMERGE_MAX_SRC + 1);
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_int_equal(f.nsrc, 0);
	assert_true(f.widened);

	/* Two halves whose union is too long. */
	upmerge_init(&f);
	upmerge_add(&f, MSHIP_INCLUDE, s, 40);
	upmerge_add(&f, MSHIP_INCLUDE, s + 30, 40);
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_int_equal(f.nsrc, 0);
	assert_true(upmerge_wants(&f, s[69]));
}

/* An EXCLUDE list that does not fit may only lose exclusions. */
static void test_overflow_exclude_is_wider(void **state)
{
	uint32_t s[UPMERGE_MAX_SRC + 8];
	struct upfilter f;
	unsigned int i, excluded = 0;

	(void)state;
	for (i = 0; i < NELEM(s); i++)
		s[i] = seq(i);
	upmerge_init(&f);
	upmerge_add(&f, MSHIP_INCLUDE, s, 2);
	upmerge_add(&f, MSHIP_EXCLUDE, s, NELEM(s));
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_true(f.nsrc <= UPMERGE_MAX_SRC);
	assert_true(f.widened);
	assert_true(upmerge_wants(&f, s[0]));	/* the INCLUDE host's */
	assert_true(upmerge_wants(&f, s[1]));
	assert_true(upmerge_wants(&f, htonl(0xc0000202)));
	for (i = 0; i < NELEM(s); i++)
		excluded += !upmerge_wants(&f, s[i]);
	assert_int_equal(excluded, f.nsrc);
	for (i = 1; i < f.nsrc; i++)
		assert_true(f.src[i - 1] < f.src[i]);
}

/* Host views as mship_get() gives them. */
static struct mship_filter host(enum mship_mode mode, const struct mship_src *src,
				unsigned int n)
{
	struct mship_filter h = { .mode = mode, .compat = 3, .nsrc = n, .src = src };

	if (mode == MSHIP_EXCLUDE)
		h.group_timer = 260000;
	return h;
}

static void test_host_semantics(void **state)
{
	/* EXCLUDE host: 1 and 3 blocked (timer 0), 2 and 4 requested. */
	static const struct mship_src ex[] = {
		{ 1, 0 }, { 2, 5000 }, { 3, 0 }, { 4, 1 },
	};
	/* INCLUDE host: every listed source is wanted, whatever its timer. */
	static const struct mship_src in[] = { { 3, 9000 }, { 7, 9000 } };
	static const uint32_t want_ex[] = { 1, 3 };
	static const uint32_t want_in[] = { 3, 7 };
	static const uint32_t want_both[] = { 1 };
	struct mship_filter h;
	struct upfilter f, g;

	(void)state;
	upmerge_init(&f);
	h = host(MSHIP_EXCLUDE, ex, NELEM(ex));
	upmerge_host(&f, &h);
	expect_filter(&f, MSHIP_EXCLUDE, want_ex, NELEM(want_ex));
	assert_true(upmerge_wants(&f, 2));
	assert_true(upmerge_wants(&f, 4));
	assert_false(upmerge_wants(&f, 1));
	assert_false(upmerge_wants(&f, 3));
	assert_true(upmerge_wants(&f, 99));

	upmerge_init(&g);
	h = host(MSHIP_INCLUDE, in, NELEM(in));
	upmerge_host(&g, &h);
	expect_filter(&g, MSHIP_INCLUDE, want_in, NELEM(want_in));

	/* Both hosts: EXCLUDE({1,3} - {3,7}). */
	upmerge_host(&f, &h);
	expect_filter(&f, MSHIP_EXCLUDE, want_both, NELEM(want_both));
	h = host(MSHIP_EXCLUDE, ex, NELEM(ex));
	upmerge_host(&g, &h);
	assert_true(upmerge_equal(&f, &g));

	/* EXCLUDE host with only requested sources: EXCLUDE({}), every source. */
	upmerge_init(&f);
	h = host(MSHIP_EXCLUDE, ex + 1, 1);
	upmerge_host(&f, &h);
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_int_equal(f.nsrc, 0);

	/* v2-style host: EXCLUDE with no sources. */
	upmerge_init(&f);
	h = host(MSHIP_EXCLUDE, NULL, 0);
	upmerge_host(&f, &h);
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_int_equal(f.nsrc, 0);
	assert_true(upmerge_wants(&f, 12345));

	/* INCLUDE host with no sources: neutral. */
	upmerge_init(&f);
	h = host(MSHIP_INCLUDE, NULL, 0);
	upmerge_host(&f, &h);
	assert_true(upmerge_empty(&f));
}

static void test_host_overflow(void **state)
{
	struct mship_src src[UPMERGE_MAX_SRC + 6];
	struct mship_filter h;
	struct upfilter f;
	unsigned int i;

	(void)state;
	for (i = 0; i < NELEM(src); i++) {
		src[i].addr = seq(i);
		src[i].timer = 0;
	}
	/* INCLUDE host with too many sources: widened, every source. */
	for (i = 0; i < NELEM(src); i++)
		src[i].timer = 1000;
	upmerge_init(&f);
	h = host(MSHIP_INCLUDE, src, NELEM(src));
	upmerge_host(&f, &h);
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_int_equal(f.nsrc, 0);
	assert_true(f.widened);
	for (i = 0; i < NELEM(src); i++)
		assert_true(upmerge_wants(&f, src[i].addr));

	/* EXCLUDE host with too many blocked sources: fewer exclusions,
	 * never an unblocked source excluded. */
	for (i = 0; i < NELEM(src); i++)
		src[i].timer = i == 4 || i == 40 ? 1000 : 0;	/* 68 blocked */
	upmerge_init(&f);
	h = host(MSHIP_EXCLUDE, src, NELEM(src));
	upmerge_host(&f, &h);
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_true(f.nsrc > 0 && f.nsrc <= UPMERGE_MAX_SRC);
	assert_true(upmerge_wants(&f, src[4].addr));
	assert_true(upmerge_wants(&f, src[40].addr));
	assert_true(upmerge_wants(&f, htonl(0xc0000202)));

	/* Many requested sources in an EXCLUDE host do not overflow. */
	for (i = 0; i < NELEM(src); i++)
		src[i].timer = i == 3 ? 0 : 1000;
	upmerge_init(&f);
	h = host(MSHIP_EXCLUDE, src, NELEM(src));
	upmerge_host(&f, &h);
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_int_equal(f.nsrc, 1);
	assert_int_equal(f.src[0], src[3].addr);
	assert_false(f.widened);
}

/*
 * Brute force: a universe of U addresses, each host a mode and bitmask.
 * The wanted set of the merge is the union of the hosts' wanted sets;
 * the result must be EXCLUDE iff some host is, and list exactly the
 * unwanted (EXCLUDE) or wanted (INCLUDE) addresses of the universe.
 */
#define U 8
#define MAXH 6

struct mhost {
	enum mship_mode mode;
	unsigned int mask;		/* listed sources */
	unsigned int blocked;		/* EXCLUDE: those with timer 0 */
	struct mship_src src[U];
	unsigned int nsrc;
};

static uint32_t uaddr(unsigned int i)
{
	/* Network order, so numeric order differs from address order. */
	return htonl(0x0a630000u + (i * 37 % 251) + 1);
}

static unsigned int host_wants(const struct mhost *h)
{
	return h->mode == MSHIP_INCLUDE ? h->mask : ~h->blocked & ((1u << U) - 1);
}

static void merge_hosts(struct upfilter *f, const struct mhost *hs, const unsigned int *order,
			unsigned int n)
{
	struct mship_filter v;
	unsigned int i;

	upmerge_init(f);
	for (i = 0; i < n; i++) {
		const struct mhost *h = &hs[order[i]];

		v = host(h->mode, h->src, h->nsrc);
		upmerge_host(f, &v);
	}
}

static void test_model_random(void **state)
{
	struct mhost hs[MAXH];
	unsigned int order[MAXH], iter, i, j, n, wanted, any_ex, listed;
	struct upfilter f, g;
	uint32_t outside = htonl(0xc0000299);

	(void)state;
	srand(4605);
	for (iter = 0; iter < 20000; iter++) {
		n = (unsigned int)rand() % MAXH + 1;
		wanted = 0;
		any_ex = 0;
		for (i = 0; i < n; i++) {
			struct mhost *h = &hs[i];

			h->mode = rand() % 3 == 0 ? MSHIP_EXCLUDE : MSHIP_INCLUDE;
			h->mask = (unsigned int)rand() & ((1u << U) - 1);
			h->blocked = h->mode == MSHIP_EXCLUDE ? h->mask & (unsigned int)rand() : 0;
			h->nsrc = 0;
			/* Listed in a rotated order: not necessarily sorted. */
			for (j = 0; j < U; j++) {
				unsigned int b = (j + i) % U;

				if (!(h->mask >> b & 1))
					continue;
				h->src[h->nsrc].addr = uaddr(b);
				h->src[h->nsrc].timer = h->blocked >> b & 1 ? 0 : 1000 + b;
				h->nsrc++;
			}
			wanted |= host_wants(h);
			any_ex |= h->mode == MSHIP_EXCLUDE;
			order[i] = i;
		}
		merge_hosts(&f, hs, order, n);

		assert_int_equal(f.mode, any_ex ? MSHIP_EXCLUDE : MSHIP_INCLUDE);
		assert_false(f.widened);
		listed = 0;
		for (j = 0; j < U; j++) {
			int w = (int)(wanted >> j & 1);

			if (upmerge_wants(&f, uaddr(j)) != w)
				fail_msg("iter %u: source %u wanted %d, filter says %d", iter, j,
					 w, !w);
			listed += any_ex ? !w : w;
		}
		assert_int_equal(f.nsrc, listed);
		for (j = 1; j < f.nsrc; j++)
			assert_true(f.src[j - 1] < f.src[j]);
		assert_int_equal(upmerge_wants(&f, outside), !!any_ex);
		assert_int_equal(upmerge_empty(&f), !any_ex && !wanted);

		/* Reversed, then shuffled: the same filter. */
		for (i = 0; i < n; i++)
			order[i] = n - 1 - i;
		merge_hosts(&g, hs, order, n);
		assert_true(upmerge_equal(&f, &g));
		assert_memory_equal(f.src, g.src, f.nsrc * sizeof(f.src[0]));
		for (i = n - 1; i > 0; i--) {
			unsigned int k = (unsigned int)rand() % (i + 1), t = order[i];

			order[i] = order[k];
			order[k] = t;
		}
		merge_hosts(&g, hs, order, n);
		assert_true(upmerge_equal(&f, &g));
	}
}

/* Through a real membership table, as the upstream module does it. */
static int merge_cb(void *arg, const struct mship_filter *f)
{
	upmerge_host(arg, f);
	return 0;
}

static int count_cb(void *arg, const struct mship_filter *f)
{
	(void)f;
	++*(int *)arg;
	return 7;
}

static void test_mship_group_hosts(void **state)
{
	static const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t mac2[6] = { 2, 0, 0, 0, 0, 2 };
	static const uint8_t mac3[6] = { 2, 0, 0, 0, 0, 3 };
	const uint32_t g1 = inet_addr("239.1.1.1"), g2 = inet_addr("239.2.2.2");
	const uint32_t s1 = inet_addr("10.99.0.11"), s2 = inet_addr("10.99.0.12");
	const uint32_t s3 = inet_addr("10.99.0.13"), s4 = inet_addr("10.99.0.14");
	const uint32_t s5 = inet_addr("10.99.0.15"), s9 = inet_addr("10.99.0.99");
	struct mship_params p = { 0 };
	struct mship_filter hf;
	struct upfilter f;
	struct mship *ms;
	uint32_t src[4];
	int calls = 0;

	(void)state;
	ms = mship_new(&p);
	assert_non_null(ms);

	/* No members: nothing called, nothing wanted. */
	upmerge_init(&f);
	assert_int_equal(mship_group_hosts(ms, g1, 1000, merge_cb, &f), 0);
	assert_true(upmerge_empty(&f));

	/* Host 1: INCLUDE {S1, S2}. */
	src[0] = s1;
	src[1] = s2;
	assert_true(mship_record(ms, 1, mac1, 3, g1, IGMP_MODE_IS_INCLUDE, src, 2, 1000) > 0);
	upmerge_init(&f);
	assert_int_equal(mship_group_hosts(ms, g1, 1000, merge_cb, &f), 0);
	assert_int_equal(f.mode, MSHIP_INCLUDE);
	assert_int_equal(f.nsrc, 2);
	assert_true(upmerge_wants(&f, s1));
	assert_true(upmerge_wants(&f, s2));
	assert_false(upmerge_wants(&f, s3));

	/* Host 2: TO_EX {S3, S4}, then ALLOW {S3}: S4 blocked, S3 requested. */
	src[0] = s3;
	src[1] = s4;
	assert_true(mship_record(ms, 2, mac2, 3, g1, IGMP_CHANGE_TO_EXCLUDE, src, 2, 1000) > 0);
	assert_true(mship_record(ms, 2, mac2, 3, g1, IGMP_ALLOW_NEW_SOURCES, src, 1, 1100) >= 0);
	assert_int_equal(mship_get(ms, 2, mac2, g1, 1100, &hf), 0);
	assert_int_equal(hf.mode, MSHIP_EXCLUDE);
	assert_int_equal(hf.nsrc, 2);

	upmerge_init(&f);
	assert_int_equal(mship_group_hosts(ms, g1, 1100, merge_cb, &f), 0);
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_int_equal(f.nsrc, 1);
	assert_int_equal(f.src[0], s4);
	assert_true(upmerge_wants(&f, s1));
	assert_true(upmerge_wants(&f, s3));
	assert_false(upmerge_wants(&f, s4));
	assert_true(upmerge_wants(&f, s9));

	/* Host 3 (another MAC of client 3): EXCLUDE {S4, S5}: X n Y = {S4}. */
	src[0] = s4;
	src[1] = s5;
	assert_true(mship_record(ms, 3, mac3, 3, g1, IGMP_CHANGE_TO_EXCLUDE, src, 2, 1200) > 0);
	upmerge_init(&f);
	assert_int_equal(mship_group_hosts(ms, g1, 1200, merge_cb, &f), 0);
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	assert_int_equal(f.nsrc, 1);
	assert_int_equal(f.src[0], s4);
	assert_true(upmerge_wants(&f, s5));

	/* Another group is not mixed in. */
	src[0] = s9;
	assert_true(mship_record(ms, 1, mac1, 3, g2, IGMP_MODE_IS_INCLUDE, src, 1, 1200) > 0);
	upmerge_init(&f);
	assert_int_equal(mship_group_hosts(ms, g2, 1200, merge_cb, &f), 0);
	assert_int_equal(f.mode, MSHIP_INCLUDE);
	assert_int_equal(f.nsrc, 1);
	assert_int_equal(f.src[0], s9);

	/* A non-zero callback return stops the walk and is returned. */
	assert_int_equal(mship_group_hosts(ms, g1, 1200, count_cb, &calls), 7);
	assert_int_equal(calls, 1);

	/* The EXCLUDE hosts go: back to INCLUDE {S1, S2}. */
	assert_int_equal(mship_client_remove(ms, 2), 1);
	assert_int_equal(mship_client_remove(ms, 3), 1);
	upmerge_init(&f);
	assert_int_equal(mship_group_hosts(ms, g1, 1300, merge_cb, &f), 0);
	assert_int_equal(f.mode, MSHIP_INCLUDE);
	assert_int_equal(f.nsrc, 2);
	assert_false(upmerge_wants(&f, s4));

	/* The last member leaves (TO_IN {}): nothing upstream. */
	assert_true(mship_record(ms, 1, mac1, 3, g1, IGMP_CHANGE_TO_INCLUDE, src, 0, 1400) > 0);
	upmerge_init(&f);
	calls = 0;
	assert_int_equal(mship_group_hosts(ms, g1, 1400, count_cb, &calls), 0);
	assert_int_equal(calls, 0);
	assert_int_equal(mship_group_hosts(ms, g1, 1400, merge_cb, &f), 0);
	assert_true(upmerge_empty(&f));
	mship_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_empty),
		cmocka_unit_test(test_include_union),
		cmocka_unit_test(test_include_plus_exclude),
		cmocka_unit_test(test_exclude_plus_include),
		cmocka_unit_test(test_exclude_intersection),
		cmocka_unit_test(test_empty_is_neutral),
		cmocka_unit_test(test_equal_empty),
		cmocka_unit_test(test_overflow_include_widens),
		cmocka_unit_test(test_overflow_exclude_is_wider),
		cmocka_unit_test(test_host_semantics),
		cmocka_unit_test(test_host_overflow),
		cmocka_unit_test(test_model_random),
		cmocka_unit_test(test_mship_group_hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
