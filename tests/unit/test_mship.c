/*
 * test_mship.c - membership engine: captured reports applied to it, every
 * RFC 3376 6.4 row, timers, leave, disconnect, compatibility, lookups and
 * status iteration. Time is explicit; GMI is 2 * 125 s + 10 s = 260 s.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "mship.h"
#include "../frames/frames.h"

#define GMI 260000
#define G1 "239.1.1.1"
#define G2 "239.2.2.2"
#define S1 "10.99.0.11"
#define S2 "10.99.0.12"
#define S3 "10.99.0.13"
#define S4 "10.99.0.14"
#define S5 "10.99.0.15"
#define S9 "10.99.0.99"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t host_mac[6] = { 0x02, 0x99, 0, 0, 0, 0x02 };

/*
 * Allocation failure injection: the fail_in-th allocation from now fails
 * (0 = the next one), once. Not under ASan, which owns malloc itself.
 */
#if defined(__SANITIZE_ADDRESS__)
#define NO_ALLOC_FAIL 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_ALLOC_FAIL 1
#endif
#endif

static int fail_in = -1;
static int failed;

#ifndef NO_ALLOC_FAIL
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

static int should_fail(void)
{
	if (fail_in < 0)
		return 0;
	if (fail_in-- > 0)
		return 0;
	failed = 1;
	return 1;
}

void *malloc(size_t n)
{
	return should_fail() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	return should_fail() ? NULL : __libc_realloc(p, n);
}
#endif

static struct mship_event evs[64];
static int nevs;
static struct igmp_stats stats;

static uint32_t A(const char *s)
{
	return inet_addr(s);
}

static void on_event(void *arg, const struct mship_event *ev)
{
	(void)arg;
	if (nevs < 64)
		evs[nevs] = *ev;
	nevs++;
}

static struct mship *new_ms(unsigned int max_groups, unsigned int max_src)
{
	struct mship_params p = {
		.max_groups = max_groups,
		.max_sources = max_src,
		.notify = on_event,
		.stats = &stats,
	};
	struct mship *ms = mship_new(&p);

	assert_non_null(ms);
	nevs = 0;
	memset(&stats, 0, sizeof(stats));
	return ms;
}

static void check(const struct mship *ms)
{
	const char *why = "";

	if (mship_check(ms, &why) < 0)
		fail_msg("mship_check: %s", why);
}

/* Apply one record with sources given as strings; NULL ends the list. */
static int rec(struct mship *ms, uint32_t client, const uint8_t *mac,
	       int version, const char *group, enum igmp_rec_type type,
	       uint64_t now, ...)
{
	uint32_t src[16];
	unsigned int n = 0;
	const char *s;
	va_list ap;
	int ret;

	va_start(ap, now);
	while ((s = va_arg(ap, const char *)) && n < 16)
		src[n++] = A(s);
	va_end(ap);
	nevs = 0;
	ret = mship_record(ms, client, mac, version, A(group), type, src, n,
			   now);
	check(ms);
	return ret;
}

#define V3(ms, c, mac, g, type, now, ...) \
	rec(ms, c, mac, 3, g, IGMP_##type, now, ##__VA_ARGS__, NULL)

/*
 * Expect the state of (@client, @mac, @group): mode, group timer, then
 * (source, timer) pairs ending with NULL.
 */
static void expect(const struct mship *ms, uint32_t client,
		   const uint8_t *mac, const char *group, enum mship_mode mode,
		   uint64_t gtimer, ...)
{
	struct mship_filter f;
	unsigned int n = 0;
	const char *s;
	va_list ap;

	assert_int_equal(mship_get(ms, client, mac, A(group), 0, &f), 0);
	assert_int_equal(f.mode, mode);
	assert_int_equal(f.group_timer, gtimer);
	va_start(ap, gtimer);
	while ((s = va_arg(ap, const char *))) {
		uint64_t t = va_arg(ap, uint64_t);

		assert_true(n < f.nsrc);
		assert_int_equal(f.src[n].addr, A(s));
		assert_int_equal(f.src[n].timer, t);
		n++;
	}
	va_end(ap);
	assert_int_equal(f.nsrc, n);
}

#define T(x) ((uint64_t)(x))

static void expect_none(const struct mship *ms, uint32_t client,
			const uint8_t *mac, const char *group)
{
	struct mship_filter f;

	assert_int_equal(mship_get(ms, client, mac, A(group), 0, &f), -1);
	assert_int_equal(errno, ENOENT);
}

/* Expect the clients (ascending, all with mac_a unless 100+) for (S,G). */
static void dests(const struct mship *ms, const char *src, const char *group,
		  ...)
{
	const struct mship_dest *d;
	size_t n, i = 0;
	uint32_t c;
	va_list ap;

	n = mship_lookup(ms, A(src), A(group), &d, NULL);
	va_start(ap, group);
	while ((c = va_arg(ap, uint32_t))) {
		assert_true(i < n);
		assert_int_equal(d[i].client, c);
		i++;
	}
	va_end(ap);
	assert_int_equal(n, i);
	if (!n)
		assert_null(d);
}

#define DESTS(ms, src, g, ...) dests(ms, src, g, ##__VA_ARGS__, 0u)

static void ev_is(int i, enum mship_ev_type type, enum mship_why why,
		  uint32_t client, const char *group, unsigned int members)
{
	assert_true(i < nevs);
	assert_int_equal(evs[i].type, type);
	assert_int_equal(evs[i].why, why);
	assert_int_equal(evs[i].client, client);
	assert_int_equal(evs[i].group, A(group));
	assert_int_equal(evs[i].members, members);
}

/*
 * Apply the @nth frame of capture @name that carries @type about @group
 * (v3: a record of type @rtype) from client @client, at @now.
 */
static int apply(struct mship *ms, uint32_t client, const char *name,
		 enum igmp_type type, const char *group, int rtype, int nth,
		 uint64_t now)
{
	struct igmp_msg m;
	struct frame f;
	int ret;

	assert_int_equal(frames_pick(&f, name, type, group, rtype, nth), 0);
	assert_int_equal(igmp_parse(f.data, f.len, &m, NULL, NULL), 0);
	nevs = 0;
	ret = mship_apply(ms, client, m.src_mac, &m, now);
	check(ms);
	return ret;
}

#define V3F(name, g, rtype, nth) \
	name, IGMP_V3_REPORT, g, IGMP_##rtype, nth

/* ---- captured frames ---- */

static void test_frames_v2(void **state)
{
	struct mship *ms = new_ms(0, 0);
	const struct mship_dest *d;

	(void)state;
	assert_int_equal(apply(ms, 7, "v2", IGMP_V2_REPORT, G2, 0, 0, 1000), 1);
	ev_is(0, MSHIP_JOIN, MSHIP_WHY_REPORT, 7, G2, 1);
	assert_memory_equal(evs[0].mac, host_mac, 6);
	assert_int_equal(mship_lookup(ms, A(S9), A(G2), &d, NULL), 1);
	assert_int_equal(d[0].client, 7);
	assert_memory_equal(d[0].mac, host_mac, 6);
	/* Repeats and the answer to a query only refresh; queries are no-ops. */
	assert_int_equal(apply(ms, 7, "v2", IGMP_V2_REPORT, G2, 0, 1, 1100), 0);
	assert_int_equal(apply(ms, 7, "v2", IGMP_QUERY, "0.0.0.0", 0, 0, 1200),
			 0);
	assert_int_equal(apply(ms, 7, "v2", IGMP_V2_REPORT, G2, 0, 2, 2000), 0);
	expect(ms, 7, host_mac, G2, MSHIP_EXCLUDE, T(2000 + GMI), NULL);
	/* The leave removes the membership at once. */
	assert_int_equal(apply(ms, 7, "v2", IGMP_V2_LEAVE, G2, 0, 0, 3000), 1);
	ev_is(0, MSHIP_LEAVE, MSHIP_WHY_REPORT, 7, G2, 0);
	DESTS(ms, S9, G2);
	assert_int_equal(mship_group_count(ms), 0);
	mship_free(ms);
}

static void test_frames_v1(void **state)
{
	struct mship *ms = new_ms(0, 0);
	struct mship_filter f;

	(void)state;
	assert_int_equal(apply(ms, 3, "v1", IGMP_V1_REPORT, G1, 0, 0, 0), 1);
	assert_int_equal(mship_get(ms, 3, host_mac, A(G1), 0, &f), 0);
	assert_int_equal(f.compat, 1);
	assert_int_equal(f.mode, MSHIP_EXCLUDE);
	DESTS(ms, S1, G1, 3u);
	mship_free(ms);
}

static void test_frames_v3(void **state)
{
	struct mship *ms = new_ms(0, 0);

	(void)state;
	assert_int_equal(apply(ms, 1, V3F("v3_block", "239.3.3.5",
					   CHANGE_TO_EXCLUDE, 0), 0), 1);
	expect(ms, 1, host_mac, "239.3.3.5", MSHIP_EXCLUDE, T(GMI),
	       S3, T(0), NULL);
	DESTS(ms, S3, "239.3.3.5");
	DESTS(ms, S4, "239.3.3.5", 1u);
	assert_int_equal(apply(ms, 1, V3F("v3_block", "239.3.3.5",
					   CHANGE_TO_EXCLUDE, 1), 10), 0);
	assert_int_equal(apply(ms, 1, V3F("v3_block", "239.3.3.5",
					   BLOCK_OLD_SOURCES, 0), 1000), 1);
	ev_is(0, MSHIP_FILTER, MSHIP_WHY_REPORT, 1, "239.3.3.5", 1);
	DESTS(ms, S4, "239.3.3.5");
	assert_int_equal(apply(ms, 1, V3F("v3_block", "239.3.3.5",
					   ALLOW_NEW_SOURCES, 0), 2000), 1);
	expect(ms, 1, host_mac, "239.3.3.5", MSHIP_EXCLUDE, T(10 + GMI),
	       S3, T(2000 + GMI), S4, T(0), NULL);
	DESTS(ms, S3, "239.3.3.5", 1u);
	DESTS(ms, S4, "239.3.3.5");
	assert_int_equal(apply(ms, 1, V3F("v3_block", "239.3.3.5",
					   CHANGE_TO_INCLUDE, 0), 3000), 1);
	ev_is(0, MSHIP_LEAVE, MSHIP_WHY_REPORT, 1, "239.3.3.5", 0);
	assert_int_equal(mship_group_count(ms), 0);

	/* Linux sends each change twice: #2 is the next change. */
	assert_int_equal(apply(ms, 1, V3F("v3_ssm", "239.3.3.4",
					   ALLOW_NEW_SOURCES, 0), 0), 1);
	ev_is(0, MSHIP_JOIN, MSHIP_WHY_REPORT, 1, "239.3.3.4", 1);
	DESTS(ms, S1, "239.3.3.4", 1u);
	DESTS(ms, S2, "239.3.3.4");
	DESTS(ms, S9, "239.3.3.4");
	assert_int_equal(apply(ms, 1, V3F("v3_ssm", "239.3.3.4",
					   ALLOW_NEW_SOURCES, 2), 1000), 1);
	DESTS(ms, S2, "239.3.3.4", 1u);
	assert_int_equal(apply(ms, 1, V3F("v3_ssm", "239.3.3.4",
					   BLOCK_OLD_SOURCES, 0), 2000), 1);
	DESTS(ms, S1, "239.3.3.4");
	DESTS(ms, S2, "239.3.3.4", 1u);
	assert_int_equal(apply(ms, 1, V3F("v3_ssm", "239.3.3.4",
					   BLOCK_OLD_SOURCES, 2), 3000), 1);
	ev_is(0, MSHIP_LEAVE, MSHIP_WHY_REPORT, 1, "239.3.3.4", 0);

	assert_int_equal(apply(ms, 1, V3F("v3_to_in", "239.3.3.6",
					   CHANGE_TO_EXCLUDE, 0), 0), 1);
	DESTS(ms, S9, "239.3.3.6", 1u);
	assert_int_equal(apply(ms, 1, V3F("v3_to_in", "239.3.3.6",
					   CHANGE_TO_INCLUDE, 0), 1000), 1);
	expect(ms, 1, host_mac, "239.3.3.6", MSHIP_INCLUDE, T(0),
	       S5, T(1000 + GMI), NULL);
	DESTS(ms, S9, "239.3.3.6");
	DESTS(ms, S5, "239.3.3.6", 1u);
	assert_int_equal(apply(ms, 1, V3F("v3_to_in", "239.3.3.6",
					   BLOCK_OLD_SOURCES, 0), 2000), 1);
	assert_int_equal(mship_group_count(ms), 0);

	/* Three records, one link-local: two joins, refresh, two leaves. */
	assert_int_equal(apply(ms, 1, V3F("v3_query", "239.3.4.2",
					   ALLOW_NEW_SOURCES, 0), 0), 2);
	assert_int_equal(mship_group_count(ms), 2);
	DESTS(ms, S1, "239.3.4.2", 1u);
	DESTS(ms, S9, "239.3.4.1", 1u);
	assert_int_equal(apply(ms, 1, V3F("v3_query", "239.3.4.2",
					   MODE_IS_INCLUDE, 0), 1000), 0);
	expect(ms, 1, host_mac, "239.3.4.2", MSHIP_INCLUDE, T(0),
	       S1, T(1000 + GMI), S2, T(1000 + GMI), NULL);
	assert_int_equal(apply(ms, 1, V3F("v3_query", "239.3.4.1",
					   CHANGE_TO_INCLUDE, 0), 2000), 2);
	assert_int_equal(mship_group_count(ms), 0);
	mship_free(ms);
}

/* ---- RFC 3376 6.4.1: router in INCLUDE(A), A = {S1, S2} ---- */

static struct mship *in_a(void)
{
	struct mship *ms = new_ms(0, 0);

	assert_int_equal(V3(ms, 1, mac_a, G1, ALLOW_NEW_SOURCES, 0, S1, S2), 1);
	return ms;
}

static void test_include_rows(void **state)
{
	struct mship *ms;

	(void)state;
	/* IS_IN(B) and ALLOW(B): INCLUDE(A+B), (B)=GMI. */
	ms = in_a();
	assert_int_equal(V3(ms, 1, mac_a, G1, MODE_IS_INCLUDE, 1000, S2, S3), 1);
	ev_is(0, MSHIP_FILTER, MSHIP_WHY_REPORT, 1, G1, 1);
	expect(ms, 1, mac_a, G1, MSHIP_INCLUDE, T(0), S1, T(GMI),
	       S2, T(1000 + GMI), S3, T(1000 + GMI), NULL);
	/* Refresh only: no event. */
	assert_int_equal(V3(ms, 1, mac_a, G1, ALLOW_NEW_SOURCES, 2000, S3), 0);
	expect(ms, 1, mac_a, G1, MSHIP_INCLUDE, T(0), S1, T(GMI),
	       S2, T(1000 + GMI), S3, T(2000 + GMI), NULL);
	mship_free(ms);

	/* TO_IN(B): the host includes exactly B now. */
	ms = in_a();
	assert_int_equal(V3(ms, 1, mac_a, G1, CHANGE_TO_INCLUDE, 1000, S2, S3), 1);
	expect(ms, 1, mac_a, G1, MSHIP_INCLUDE, T(0), S2, T(1000 + GMI),
	       S3, T(1000 + GMI), NULL);
	DESTS(ms, S1, G1);
	DESTS(ms, S3, G1, 1u);
	mship_free(ms);

	/* BLOCK(B): INCLUDE(A-B), no query needed. */
	ms = in_a();
	assert_int_equal(V3(ms, 1, mac_a, G1, BLOCK_OLD_SOURCES, 1000, S2, S3), 1);
	expect(ms, 1, mac_a, G1, MSHIP_INCLUDE, T(0), S1, T(GMI), NULL);
	DESTS(ms, S2, G1);
	mship_free(ms);

	/* IS_EX(B): EXCLUDE(A*B, B-A), (B-A)=0, GT=GMI. */
	ms = in_a();
	assert_int_equal(V3(ms, 1, mac_a, G1, MODE_IS_EXCLUDE, 1000, S2, S3), 1);
	expect(ms, 1, mac_a, G1, MSHIP_EXCLUDE, T(1000 + GMI), S2, T(GMI),
	       S3, T(0), NULL);
	DESTS(ms, S1, G1, 1u);
	DESTS(ms, S2, G1, 1u);
	DESTS(ms, S3, G1);
	mship_free(ms);

	/* TO_EX(B): EXCLUDE({}, B), GT=GMI. */
	ms = in_a();
	assert_int_equal(V3(ms, 1, mac_a, G1, CHANGE_TO_EXCLUDE, 1000, S2, S3), 1);
	expect(ms, 1, mac_a, G1, MSHIP_EXCLUDE, T(1000 + GMI), S2, T(0),
	       S3, T(0), NULL);
	DESTS(ms, S1, G1, 1u);
	DESTS(ms, S2, G1);
	DESTS(ms, S3, G1);
	mship_free(ms);
}

/* ---- RFC 3376 6.4.2: router in EXCLUDE(X, Y), X = {S3}, Y = {S1, S2} ---- */

static struct mship *ex_xy(void)
{
	struct mship *ms = new_ms(0, 0);

	assert_int_equal(V3(ms, 1, mac_a, G1, CHANGE_TO_EXCLUDE, 0, S1, S2), 1);
	assert_int_equal(V3(ms, 1, mac_a, G1, ALLOW_NEW_SOURCES, 0, S3), 1);
	expect(ms, 1, mac_a, G1, MSHIP_EXCLUDE, T(GMI), S1, T(0), S2, T(0),
	       S3, T(GMI), NULL);
	return ms;
}

static void test_exclude_rows(void **state)
{
	struct mship *ms;

	(void)state;
	/* IS_IN(A) and ALLOW(A): EXCLUDE(X+A, Y-A), (A)=GMI. */
	ms = ex_xy();
	assert_int_equal(V3(ms, 1, mac_a, G1, MODE_IS_INCLUDE, 1000, S2, S4), 1);
	expect(ms, 1, mac_a, G1, MSHIP_EXCLUDE, T(GMI), S1, T(0),
	       S2, T(1000 + GMI), S3, T(GMI), S4, T(1000 + GMI), NULL);
	DESTS(ms, S1, G1);
	DESTS(ms, S2, G1, 1u);
	mship_free(ms);

	/* TO_IN(A): with Q(G) unanswered, INCLUDE(A). */
	ms = ex_xy();
	assert_int_equal(V3(ms, 1, mac_a, G1, CHANGE_TO_INCLUDE, 1000, S2, S4), 1);
	expect(ms, 1, mac_a, G1, MSHIP_INCLUDE, T(0), S2, T(1000 + GMI),
	       S4, T(1000 + GMI), NULL);
	DESTS(ms, S3, G1);
	DESTS(ms, S9, G1);
	DESTS(ms, S4, G1, 1u);
	mship_free(ms);

	/* BLOCK(A): EXCLUDE(X-A, Y+A). */
	ms = ex_xy();
	assert_int_equal(V3(ms, 1, mac_a, G1, BLOCK_OLD_SOURCES, 1000, S3, S4), 1);
	expect(ms, 1, mac_a, G1, MSHIP_EXCLUDE, T(GMI), S1, T(0), S2, T(0),
	       S3, T(0), S4, T(0), NULL);
	DESTS(ms, S3, G1);
	DESTS(ms, S9, G1, 1u);
	mship_free(ms);

	/* IS_EX(A): EXCLUDE(A-Y, Y*A), (A-X-Y)=GMI, GT=GMI. */
	ms = ex_xy();
	assert_int_equal(V3(ms, 1, mac_a, G1, MODE_IS_EXCLUDE, 1000, S2, S3, S4),
			 1);
	expect(ms, 1, mac_a, G1, MSHIP_EXCLUDE, T(1000 + GMI), S2, T(0),
	       S3, T(GMI), S4, T(1000 + GMI), NULL);
	DESTS(ms, S1, G1, 1u);
	DESTS(ms, S2, G1);
	mship_free(ms);

	/* TO_EX(A): with Q(G,A-Y) unanswered, EXCLUDE({}, A). */
	ms = ex_xy();
	assert_int_equal(V3(ms, 1, mac_a, G1, CHANGE_TO_EXCLUDE, 1000, S2, S4), 1);
	expect(ms, 1, mac_a, G1, MSHIP_EXCLUDE, T(1000 + GMI), S2, T(0),
	       S4, T(0), NULL);
	DESTS(ms, S1, G1, 1u);
	DESTS(ms, S3, G1, 1u);
	DESTS(ms, S4, G1);
	mship_free(ms);

	/* From no state, BLOCK and empty INCLUDE-type records do nothing. */
	ms = new_ms(0, 0);
	assert_int_equal(V3(ms, 1, mac_a, G1, BLOCK_OLD_SOURCES, 0, S1), 0);
	assert_int_equal(V3(ms, 1, mac_a, G1, CHANGE_TO_INCLUDE, 0), 0);
	assert_int_equal(V3(ms, 1, mac_a, G1, MODE_IS_INCLUDE, 0), 0);
	assert_int_equal(mship_group_count(ms), 0);
	mship_free(ms);
}

/* ---- timers ---- */

static void test_expiry(void **state)
{
	struct mship *ms = new_ms(0, 0);

	(void)state;
	assert_int_equal(mship_next_expiry(ms), MSHIP_NEVER);
	assert_int_equal(rec(ms, 1, mac_a, 2, G1, IGMP_MODE_IS_EXCLUDE, 0, NULL),
			 1);
	assert_int_equal(mship_next_expiry(ms), GMI);
	/* A refresh keeps it; the early wake-up does nothing. */
	rec(ms, 1, mac_a, 2, G1, IGMP_MODE_IS_EXCLUDE, 100000, NULL);
	assert_int_equal(mship_expire(ms, GMI - 1), 0);
	nevs = 0;
	assert_int_equal(mship_expire(ms, GMI), 0);
	assert_int_equal(mship_next_expiry(ms), 100000 + GMI);
	DESTS(ms, S1, G1, 1u);
	nevs = 0;
	assert_int_equal(mship_expire(ms, 100000 + GMI), 1);
	ev_is(0, MSHIP_LEAVE, MSHIP_WHY_EXPIRE, 1, G1, 0);
	DESTS(ms, S1, G1);
	assert_int_equal(mship_group_count(ms), 0);
	assert_int_equal(mship_next_expiry(ms), MSHIP_NEVER);
	check(ms);

	/* INCLUDE: each source times out on its own. */
	V3(ms, 1, mac_a, G1, ALLOW_NEW_SOURCES, 0, S1);
	V3(ms, 1, mac_a, G1, ALLOW_NEW_SOURCES, 100000, S2);
	nevs = 0;
	assert_int_equal(mship_expire(ms, GMI), 1);
	ev_is(0, MSHIP_FILTER, MSHIP_WHY_EXPIRE, 1, G1, 1);
	DESTS(ms, S1, G1);
	DESTS(ms, S2, G1, 1u);
	assert_int_equal(mship_expire(ms, 100000 + GMI), 1);
	assert_int_equal(mship_group_count(ms), 0);
	check(ms);

	/* EXCLUDE: group timer expiry keeps only running sources (6.5). */
	V3(ms, 1, mac_a, G1, CHANGE_TO_EXCLUDE, 0, S1);
	V3(ms, 1, mac_a, G1, ALLOW_NEW_SOURCES, 100000, S2);
	assert_int_equal(mship_expire(ms, GMI), 1);
	check(ms);
	expect(ms, 1, mac_a, G1, MSHIP_INCLUDE, T(0), S2, T(100000 + GMI),
	       NULL);
	DESTS(ms, S9, G1);
	DESTS(ms, S2, G1, 1u);
	assert_int_equal(mship_expire(ms, 100000 + GMI), 1);
	assert_int_equal(mship_group_count(ms), 0);

	/* EXCLUDE: an expired requested source becomes blocked. */
	V3(ms, 1, mac_a, G1, CHANGE_TO_EXCLUDE, 0);
	V3(ms, 1, mac_a, G1, ALLOW_NEW_SOURCES, 0, S2);
	V3(ms, 1, mac_a, G1, MODE_IS_EXCLUDE, 100000, S2);
	nevs = 0;
	assert_int_equal(mship_expire(ms, GMI), 1);
	check(ms);
	ev_is(0, MSHIP_FILTER, MSHIP_WHY_EXPIRE, 1, G1, 1);
	expect(ms, 1, mac_a, G1, MSHIP_EXCLUDE, T(100000 + GMI), S2, T(0),
	       NULL);
	DESTS(ms, S2, G1);
	DESTS(ms, S9, G1, 1u);
	mship_free(ms);
}

/* Custom timers: GMI = 3 * 60 s + 5 s. */
static void test_params(void **state)
{
	struct mship_params p = {
		.robustness = 3,
		.query_interval_ms = 60000,
		.query_response_interval_ms = 5000,
	};
	struct mship *ms = mship_new(&p);

	(void)state;
	assert_non_null(ms);
	mship_record(ms, 1, mac_a, 2, A(G1), IGMP_MODE_IS_EXCLUDE, NULL, 0, 10);
	assert_int_equal(mship_next_expiry(ms), 10 + 185000);
	mship_free(ms);
}

/* ---- leave, disconnect, compatibility ---- */

static void test_leave_and_remove(void **state)
{
	struct mship *ms = new_ms(0, 0);

	(void)state;
	rec(ms, 1, mac_a, 2, G1, IGMP_MODE_IS_EXCLUDE, 0, NULL);
	rec(ms, 2, mac_a, 2, G1, IGMP_MODE_IS_EXCLUDE, 0, NULL);
	rec(ms, 2, mac_b, 2, G1, IGMP_MODE_IS_EXCLUDE, 0, NULL);
	rec(ms, 2, mac_b, 2, G2, IGMP_MODE_IS_EXCLUDE, 0, NULL);
	ev_is(0, MSHIP_JOIN, MSHIP_WHY_REPORT, 2, G2, 1);
	rec(ms, 3, mac_a, 2, G2, IGMP_MODE_IS_EXCLUDE, 0, NULL);
	ev_is(0, MSHIP_JOIN, MSHIP_WHY_REPORT, 3, G2, 2);
	DESTS(ms, S1, G1, 1u, 2u, 2u);

	/* A leave removes that host only, at once. */
	assert_int_equal(rec(ms, 1, mac_a, 2, G1, IGMP_CHANGE_TO_INCLUDE, 10,
			     NULL), 1);
	ev_is(0, MSHIP_LEAVE, MSHIP_WHY_REPORT, 1, G1, 2);
	expect_none(ms, 1, mac_a, G1);
	DESTS(ms, S1, G1, 2u, 2u);
	/* A leave from a non-member changes nothing. */
	assert_int_equal(rec(ms, 9, mac_a, 2, G1, IGMP_CHANGE_TO_INCLUDE, 10,
			     NULL), 0);

	/* One MAC of client 2 moves away. */
	nevs = 0;
	assert_int_equal(mship_mac_remove(ms, 2, mac_b), 2);
	DESTS(ms, S1, G1, 2u);
	assert_memory_equal(evs[0].mac, mac_b, 6);
	assert_int_equal(evs[0].why, MSHIP_WHY_REMOVE);

	/* Disconnect: everything of client 2 goes, others stay. */
	rec(ms, 2, mac_b, 2, G2, IGMP_MODE_IS_EXCLUDE, 20, NULL);
	nevs = 0;
	assert_int_equal(mship_client_remove(ms, 2), 2);
	check(ms);
	assert_int_equal(nevs, 2);
	assert_int_equal(evs[0].type, MSHIP_LEAVE);
	assert_int_equal(evs[0].why, MSHIP_WHY_REMOVE);
	DESTS(ms, S1, G1);
	DESTS(ms, S1, G2, 3u);
	assert_int_equal(mship_group_count(ms), 1);
	assert_int_equal(mship_client_groups(ms, 2, NULL, 0), 0);
	assert_int_equal(mship_client_remove(ms, 2), 0);
	assert_int_equal(mship_client_remove(ms, 3), 1);
	assert_int_equal(mship_group_count(ms), 0);
	check(ms);
	mship_free(ms);
}

static void test_compat(void **state)
{
	struct mship *ms = new_ms(0, 0);
	struct mship_filter f;

	(void)state;
	/* v1 host present: a v2 Leave is ignored. */
	rec(ms, 1, mac_a, 1, G1, IGMP_MODE_IS_EXCLUDE, 0, NULL);
	assert_int_equal(rec(ms, 1, mac_a, 2, G1, IGMP_CHANGE_TO_INCLUDE, 1000,
			     NULL), 0);
	DESTS(ms, S1, G1, 1u);
	/* Once the v1 timer ran out (and a v2 report came), it counts. */
	rec(ms, 1, mac_a, 2, G1, IGMP_MODE_IS_EXCLUDE, GMI - 1000, NULL);
	assert_int_equal(mship_get(ms, 1, mac_a, A(G1), GMI, &f), 0);
	assert_int_equal(f.compat, 2);
	assert_int_equal(rec(ms, 1, mac_a, 2, G1, IGMP_CHANGE_TO_INCLUDE, GMI,
			     NULL), 1);
	DESTS(ms, S1, G1);

	/* v2 host present: BLOCK ignored, TO_EX sources ignored. */
	rec(ms, 1, mac_a, 2, G2, IGMP_MODE_IS_EXCLUDE, 0, NULL);
	assert_int_equal(V3(ms, 1, mac_a, G2, BLOCK_OLD_SOURCES, 10, S1), 0);
	assert_int_equal(V3(ms, 1, mac_a, G2, CHANGE_TO_EXCLUDE, 20, S1), 0);
	DESTS(ms, S1, G2, 1u);
	expect(ms, 1, mac_a, G2, MSHIP_EXCLUDE, T(20 + GMI), NULL);
	/* v3 only after the older host present timer. */
	assert_int_equal(V3(ms, 1, mac_a, G2, BLOCK_OLD_SOURCES, GMI, S1), 1);
	DESTS(ms, S1, G2);
	assert_int_equal(mship_get(ms, 1, mac_a, A(G2), GMI, &f), 0);
	assert_int_equal(f.compat, 3);
	mship_free(ms);
}

/* ---- lookups with mixed filters, status iteration ---- */

static int collect(void *arg, uint32_t group, unsigned int members,
		   const struct mship_group_stats *gs)
{
	char *out = arg;
	char line[64];
	struct in_addr a = { .s_addr = group };

	snprintf(line, sizeof(line), "%s,%u,%llu,%llu,%llu;", inet_ntoa(a),
		 members, (unsigned long long)gs->frames_in,
		 (unsigned long long)gs->frames_out,
		 (unsigned long long)gs->bytes_out);
	strcat(out, line);
	return 0;
}

static int stop_at_first(void *arg, uint32_t group, unsigned int members,
			 const struct mship_group_stats *gs)
{
	(void)arg, (void)group, (void)members, (void)gs;
	return 42;
}

static void test_lookup_and_status(void **state)
{
	struct mship *ms = new_ms(0, 0);
	const struct mship_dest *d;
	struct mship_group_stats *gs, *gs2;
	uint32_t groups[4];
	char out[256] = "";

	(void)state;
	V3(ms, 4, mac_a, G1, MODE_IS_INCLUDE, 0, S2);
	V3(ms, 3, mac_a, G1, CHANGE_TO_EXCLUDE, 0, S1);
	V3(ms, 2, mac_a, G1, ALLOW_NEW_SOURCES, 0, S1);
	V3(ms, 1, mac_a, G1, CHANGE_TO_EXCLUDE, 0);
	DESTS(ms, S1, G1, 1u, 2u);
	DESTS(ms, S2, G1, 1u, 3u, 4u);
	DESTS(ms, S9, G1, 1u, 3u);
	DESTS(ms, S1, "239.9.9.9");

	/* Counters belong to the group, whichever source. */
	assert_int_equal(mship_lookup(ms, A(S1), A(G1), &d, &gs), 2);
	assert_int_equal(mship_lookup(ms, A(S9), A(G1), &d, &gs2), 2);
	assert_ptr_equal(gs, gs2);
	gs->frames_in += 2;
	gs->frames_out += 4;
	gs->bytes_out += 4000;
	assert_int_equal(mship_lookup(ms, A(S1), A("239.9.9.9"), &d, &gs), 0);
	assert_null(gs);

	/* The same answer copied out, MACs contiguous; truncated at max. */
	{
		uint32_t ids[4];
		uint8_t macs[4][6];
		struct mship_group_stats *gm;

		assert_int_equal(mship_members(ms, A(S2), A(G1), ids, macs, 4,
					       &gm), 3);
		assert_ptr_equal(gm, gs2);
		assert_int_equal(ids[0], 1);
		assert_int_equal(ids[1], 3);
		assert_int_equal(ids[2], 4);
		assert_memory_equal(macs[2], mac_a, 6);
		assert_int_equal(mship_members(ms, A(S2), A(G1), ids, macs, 2,
					       NULL), 2);
		assert_int_equal(mship_members(ms, A(S2), A("239.9.9.9"), ids,
					       macs, 4, &gm), 0);
		assert_null(gm);
		assert_int_equal(mship_member_count(ms, A(G1)), 4);
		assert_int_equal(mship_member_count(ms, A("239.9.9.9")), 0);
	}

	rec(ms, 1, mac_b, 2, "239.0.0.10", IGMP_MODE_IS_EXCLUDE, 0, NULL);
	rec(ms, 1, mac_a, 2, "239.0.0.10", IGMP_MODE_IS_EXCLUDE, 0, NULL);
	rec(ms, 1, mac_a, 2, "224.0.1.1", IGMP_MODE_IS_EXCLUDE, 0, NULL);
	/* Ascending, each group once although two MACs joined it. */
	assert_int_equal(mship_client_groups(ms, 1, groups, 4), 3);
	assert_int_equal(groups[0], A("224.0.1.1"));
	assert_int_equal(groups[1], A("239.0.0.10"));
	assert_int_equal(groups[2], A(G1));
	assert_int_equal(mship_client_groups(ms, 1, groups, 1), 3);
	assert_int_equal(groups[0], A("224.0.1.1"));
	assert_int_equal(mship_client_groups(ms, 4, groups, 4), 1);

	assert_int_equal(mship_group_foreach(ms, collect, out), 0);
	assert_string_equal(out, "224.0.1.1,1,0,0,0;239.0.0.10,2,0,0,0;"
				 "239.1.1.1,4,2,4,4000;");
	assert_int_equal(mship_group_foreach(ms, stop_at_first, NULL), 42);
	mship_free(ms);
}

/* A requested (X) source of one member, blocked by another member. */
static void test_lookup_x_named_elsewhere(void **state)
{
	struct mship *ms = new_ms(0, 0);

	(void)state;
	V3(ms, 5, mac_a, G2, CHANGE_TO_EXCLUDE, 0);
	V3(ms, 5, mac_a, G2, ALLOW_NEW_SOURCES, 0, S3);
	V3(ms, 6, mac_a, G2, CHANGE_TO_EXCLUDE, 0, S3);
	V3(ms, 7, mac_a, G2, MODE_IS_INCLUDE, 0, S3);
	DESTS(ms, S3, G2, 5u, 7u);
	DESTS(ms, S1, G2, 5u, 6u);
	mship_free(ms);
}

static void test_limits_and_errors(void **state)
{
	struct mship *ms = new_ms(2, 2);

	(void)state;
	rec(ms, 1, mac_a, 2, G1, IGMP_MODE_IS_EXCLUDE, 0, NULL);
	rec(ms, 1, mac_b, 2, G2, IGMP_MODE_IS_EXCLUDE, 0, NULL);
	assert_int_equal(rec(ms, 1, mac_a, 2, "239.3.3.3",
			     IGMP_MODE_IS_EXCLUDE, 0, NULL), 0);
	assert_int_equal(stats.drops[IGMP_DROP_GROUP_LIMIT], 1);
	assert_int_equal(mship_client_groups(ms, 1, NULL, 0), 2);
	/* Other clients have their own budget. */
	assert_int_equal(V3(ms, 2, mac_a, G1, ALLOW_NEW_SOURCES, 0, S1, S2, S3),
			 1);
	assert_int_equal(stats.drops[IGMP_DROP_SOURCE_LIMIT], 1);
	expect(ms, 2, mac_a, G1, MSHIP_INCLUDE, T(0), S1, T(GMI), S2, T(GMI),
	       NULL);
	/* Duplicate sources in a record count once. */
	assert_int_equal(V3(ms, 3, mac_a, G1, ALLOW_NEW_SOURCES, 0, S5, S5), 1);
	expect(ms, 3, mac_a, G1, MSHIP_INCLUDE, T(0), S5, T(GMI), NULL);

	errno = 0;
	assert_int_equal(rec(ms, 1, mac_a, 3, "224.0.0.251",
			     IGMP_MODE_IS_EXCLUDE, 0, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(rec(ms, 1, mac_a, 3, "10.0.0.1",
			     IGMP_MODE_IS_EXCLUDE, 0, NULL), -1);
	assert_int_equal(rec(ms, 1, mac_a, 4, G1, IGMP_MODE_IS_EXCLUDE, 0,
			     NULL), -1);
	assert_int_equal(rec(ms, 1, mac_a, 3, G1, 7, 0, NULL), -1);
	mship_free(ms);
}

/* 1000 clients in 32 groups, then half of them disconnect. */
static void test_scale(void **state)
{
	struct mship *ms = new_ms(0, 0);
	const struct mship_dest *d;
	uint32_t c, g;
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0 };

	(void)state;
	for (c = 1; c <= 1000; c++) {
		mac[4] = (uint8_t)(c >> 8);
		mac[5] = (uint8_t)c;
		for (g = 0; g < 32; g++)
			assert_int_equal(mship_record(ms, c, mac, 2,
						      htonl(0xef010000 + g),
						      IGMP_MODE_IS_EXCLUDE,
						      NULL, 0, c), 1);
	}
	assert_int_equal(mship_group_count(ms), 32);
	for (g = 0; g < 32; g++)
		assert_int_equal(mship_lookup(ms, A(S1), htonl(0xef010000 + g),
					      &d, NULL), 1000);
	for (c = 1; c <= 1000; c += 2)
		assert_int_equal(mship_client_remove(ms, c), 32);
	assert_int_equal(mship_lookup(ms, A(S1), htonl(0xef010000), &d, NULL),
			 500);
	assert_int_equal(d[0].client, 2);
	assert_int_equal(d[499].client, 1000);
	check(ms);
	/* All expire together, 260 s after the last report. */
	nevs = 0;
	assert_int_equal(mship_expire(ms, 1000 + GMI), 500 * 32);
	assert_int_equal(mship_group_count(ms), 0);
	check(ms);
	/* Freeing a table with members notifies nobody. */
	rec(ms, 1, mac_a, 2, G1, IGMP_MODE_IS_EXCLUDE, 0, NULL);
	nevs = 0;
	mship_free(ms);
	assert_int_equal(nevs, 0);
}

/*
 * Fail each allocation of a join/filter/remove sequence in turn: the table
 * stays consistent, calls report ENOMEM, and a removed client is never
 * left in a lookup answer.
 */
static void test_out_of_memory(void **state)
{
	const struct mship_dest *d;
	struct mship_filter f;
	struct mship *ms;
	int k, ret, any_err;
	size_t n, i;

	(void)state;
#ifdef NO_ALLOC_FAIL
	skip();
#endif
	for (k = 0; k < 200; k++) {
		ms = new_ms(0, 0);
		V3(ms, 1, mac_a, G1, CHANGE_TO_EXCLUDE, 0);
		V3(ms, 3, mac_a, G1, ALLOW_NEW_SOURCES, 0, S1);
		failed = 0;
		any_err = 0;
		fail_in = k;
		ret = mship_record(ms, 2, mac_b, 3, A(G1),
				   IGMP_ALLOW_NEW_SOURCES,
				   (uint32_t[]){ A(S1), A(S2), A(S3), A(S4),
						 A(S5) }, 5, 10);
		any_err |= ret < 0;
		check(ms);
		ret = mship_record(ms, 2, mac_b, 3, A(G2),
				   IGMP_CHANGE_TO_EXCLUDE,
				   (uint32_t[]){ A(S1), A(S2) }, 2, 20);
		any_err |= ret < 0;
		check(ms);
		ret = mship_client_remove(ms, 1);
		any_err |= ret < 0;
		check(ms);
		ret = mship_expire(ms, 30 + GMI);
		any_err |= ret < 0;
		fail_in = -1;
		assert_int_equal(any_err, failed);
		check(ms);
		/* The next call rebuilds what could not be rebuilt. */
		assert_int_equal(mship_expire(ms, 0), 0);
		if (!mship_get(ms, 3, mac_a, A(G1), 0, &f)) {
			n = mship_lookup(ms, A(S1), A(G1), &d, NULL);
			assert_true(n > 0);
			assert_int_equal(d[n - 1].client, 3);
		}
		for (i = 0; i < 2; i++) {
			n = mship_lookup(ms, A(i ? S1 : S9), A(G1), &d, NULL);
			while (n--)
				assert_int_not_equal(d[n].client, 1);
		}
		mship_free(ms);
		if (!failed)
			break;
	}
	assert_false(failed);	/* the sequence ran clean before k = 200 */
	assert_true(k > 5);
}

/*
 * IPv6 groups and sources reach the engine as maddr keys in 240.0.0.0/4:
 * MLDv1 as (2, EXCLUDE {}) and Done as (2, TO_IN {}), MLDv2 as v3 records.
 */
static void test_ipv6_keys(void **state)
{
	struct mship *ms = new_ms(0, 0);

	(void)state;
	assert_int_equal(rec(ms, 1, mac_a, 2, "240.0.0.1", IGMP_MODE_IS_EXCLUDE, 0, NULL), 1);
	ev_is(0, MSHIP_JOIN, MSHIP_WHY_REPORT, 1, "240.0.0.1", 1);
	DESTS(ms, "240.0.0.9", "240.0.0.1", 1u);
	assert_int_equal(rec(ms, 1, mac_a, 2, "240.0.0.1", IGMP_CHANGE_TO_INCLUDE, 10, NULL), 1);
	ev_is(0, MSHIP_LEAVE, MSHIP_WHY_REPORT, 1, "240.0.0.1", 0);
	DESTS(ms, "240.0.0.9", "240.0.0.1");
	/* MLDv2 INCLUDE {S1}: only S1's key gets the copies. */
	assert_int_equal(V3(ms, 2, mac_b, "240.0.0.2", MODE_IS_INCLUDE, 20, "240.0.0.3"), 1);
	DESTS(ms, "240.0.0.3", "240.0.0.2", 2u);
	DESTS(ms, "240.0.0.4", "240.0.0.2");
	assert_int_equal(V3(ms, 2, mac_b, "240.0.0.2", BLOCK_OLD_SOURCES, 30, "240.0.0.3"), 1);
	DESTS(ms, "240.0.0.3", "240.0.0.2");
	assert_int_equal(mship_group_count(ms), 0);
	mship_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_v2),
		cmocka_unit_test(test_frames_v1),
		cmocka_unit_test(test_frames_v3),
		cmocka_unit_test(test_include_rows),
		cmocka_unit_test(test_exclude_rows),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_leave_and_remove),
		cmocka_unit_test(test_compat),
		cmocka_unit_test(test_lookup_and_status),
		cmocka_unit_test(test_lookup_x_named_elsewhere),
		cmocka_unit_test(test_limits_and_errors),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_ipv6_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
