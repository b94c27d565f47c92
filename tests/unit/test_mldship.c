/*
 * test_mldship.c - MLD into the membership engine (helper/core/mldship.c):
 * MLDv1 and MLDv2 frames, parsed by mld_parse(), change the memberships as
 * their IGMP counterparts do, with interned keys; a full address table
 * drops whole records and counts them; records that cannot create state
 * take no key; mark and sweep keeps every key the engine holds, including
 * EXCLUDE mode's requested sources, and frees the rest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "maddr.h"
#include "mld.h"
#include "mldship.h"
#include "mship.h"
#include "mld_frames.h"

static struct mld_stats st;
static unsigned int joins, leaves;

static void on_event(void *arg, const struct mship_event *ev)
{
	(void)arg;
	if (ev->type == MSHIP_JOIN)
		joins++;
	else if (ev->type == MSHIP_LEAVE)
		leaves++;
}

static struct mship *ms_new(void)
{
	struct mship_params p = { .notify = on_event };
	struct mship *ms = mship_new(&p);

	assert_non_null(ms);
	memset(&st, 0, sizeof(st));
	joins = leaves = 0;
	return ms;
}

/* Parse @f and apply it for client 1, host_mac. */
static int feed(struct mship *ms, struct maddr *ma, const uint8_t *f, size_t n, uint64_t now)
{
	struct mld_msg m;

	assert_int_equal(mld_parse(f, n, &m, NULL, NULL), 0);
	return mldship_apply(ms, ma, 1, host_mac, &m, now, &st);
}

/* An MLDv2 report with one record. */
static size_t report(uint8_t *f, uint8_t type, const char *group, const char *const *src,
		     unsigned int nsrc)
{
	uint8_t m[400] = { 143, 0, 0, 0, 0, 0, 0, 1 };
	size_t k = rec(m, 8, type, group, src, nsrc, 0);

	return build(f, "fe80::99:2", "ff02::16", 1, hbh_ra, 8, m, k);
}

static uint32_t key(const struct maddr *ma, const char *s)
{
	uint8_t a[16];
	uint32_t k;

	A6(s, a);
	if (maddr_find(ma, a, &k) < 0)
		return 0;
	return k;
}

static size_t members(const struct mship *ms, uint32_t src, uint32_t group)
{
	const struct mship_dest *d;

	return mship_lookup(ms, src, group, &d, NULL);
}

static void test_v1(void **state)
{
	struct mship *ms = ms_new();
	struct maddr *ma = maddr_new(0);
	uint8_t f[256];
	uint32_t g, groups[4];

	(void)state;
	assert_int_equal(feed(ms, ma, f, v1(f, MLD_V1_REPORT, "ff3e::8000:1", 0), 0), 1);
	g = key(ma, "ff3e::8000:1");
	assert_true(maddr_is6(g));
	assert_int_equal(joins, 1);
	assert_int_equal(mship_client_groups(ms, 1, groups, 4), 1);
	assert_int_equal(groups[0], g);
	assert_int_equal(members(ms, 0, g), 1);
	/* MLDv1 host compatibility: like IGMPv2, a Done ends it at once. */
	assert_int_equal(feed(ms, ma, f, v1(f, MLD_V1_DONE, "ff3e::8000:1", 0), 10), 1);
	assert_int_equal(leaves, 1);
	assert_int_equal(members(ms, 0, g), 0);
	/* A Done for a group nobody joined takes no key. */
	assert_int_equal(feed(ms, ma, f, v1(f, MLD_V1_DONE, "ff3e::8000:2", 0), 20), 0);
	assert_int_equal(key(ma, "ff3e::8000:2"), 0);
	assert_int_equal(maddr_count(ma), 1);
	mship_free(ms);
	maddr_free(ma);
}

static const char *const S[] = { "2001:db8::1", "2001:db8::2", "2001:db8::3" };

static void test_v2_sources(void **state)
{
	struct mship *ms = ms_new();
	struct maddr *ma = maddr_new(0);
	const char *const blk[] = { S[0], "2001:db8::99" };
	uint8_t f[512];
	uint32_t g;

	(void)state;
	/* INCLUDE {S1, S2}: only those two sources reach the member. */
	assert_int_equal(feed(ms, ma, f, report(f, MLD_MODE_IS_INCLUDE, "ff15::1", S, 2), 0), 1);
	g = key(ma, "ff15::1");
	assert_int_equal(members(ms, key(ma, S[0]), g), 1);
	assert_int_equal(members(ms, key(ma, S[1]), g), 1);
	assert_int_equal(key(ma, S[2]), 0);
	assert_int_equal(members(ms, 0, g), 0);
	/* BLOCK {S1, unknown}: S1 goes, the unknown source takes no key. */
	assert_int_equal(feed(ms, ma, f, report(f, MLD_BLOCK_OLD_SOURCES, "ff15::1", blk, 2), 10),
			 1);
	assert_int_equal(key(ma, "2001:db8::99"), 0);
	assert_int_equal(members(ms, key(ma, S[0]), g), 0);
	assert_int_equal(members(ms, key(ma, S[1]), g), 1);
	/* TO_EX {S3}: every source but S3. */
	assert_int_equal(feed(ms, ma, f, report(f, MLD_CHANGE_TO_EXCLUDE, "ff15::1", S + 2, 1), 20),
			 1);
	assert_int_equal(members(ms, key(ma, S[2]), g), 0);
	assert_int_equal(members(ms, key(ma, S[0]), g), 1);
	assert_int_equal(members(ms, 0, g), 1);
	/* TO_IN {}: gone. */
	assert_int_equal(feed(ms, ma, f, report(f, MLD_CHANGE_TO_INCLUDE, "ff15::1", NULL, 0), 30),
			 1);
	assert_int_equal(mship_group_count(ms), 0);
	mship_free(ms);
	maddr_free(ma);
}

/* Records that cannot create state intern nothing. */
static void test_no_key_for_nothing(void **state)
{
	struct mship *ms = ms_new();
	struct maddr *ma = maddr_new(0);
	uint8_t f[512];

	(void)state;
	feed(ms, ma, f, report(f, MLD_CHANGE_TO_INCLUDE, "ff3e::1", NULL, 0), 0);
	feed(ms, ma, f, report(f, MLD_MODE_IS_INCLUDE, "ff3e::2", NULL, 0), 0);
	feed(ms, ma, f, report(f, MLD_ALLOW_NEW_SOURCES, "ff3e::3", NULL, 0), 0);
	feed(ms, ma, f, report(f, MLD_BLOCK_OLD_SOURCES, "ff3e::4", S, 3), 0);
	assert_int_equal(maddr_count(ma), 0);
	assert_int_equal(mship_group_count(ms), 0);
	mship_free(ms);
	maddr_free(ma);
}

static void test_table_full(void **state)
{
	struct mship *ms = ms_new();
	struct maddr *ma = maddr_new(2);
	uint8_t f[512];

	(void)state;
	assert_int_equal(feed(ms, ma, f, report(f, MLD_CHANGE_TO_EXCLUDE, "ff3e::1", NULL, 0), 0),
			 1);
	/* Group and 2 sources need 3 keys; 1 is left: the whole record goes. */
	errno = 0;
	assert_int_equal(feed(ms, ma, f, report(f, MLD_MODE_IS_INCLUDE, "ff3e::2", S, 2), 0), 0);
	assert_int_equal(st.drops[MLD_DROP_TABLE_FULL], 1);
	assert_int_equal(mship_group_count(ms), 1);
	/* And with no key left at all, a group is refused alike. */
	assert_int_equal(feed(ms, ma, f, v1(f, MLD_V1_REPORT, "ff3e::3", 0), 0), 0);
	assert_int_equal(st.drops[MLD_DROP_TABLE_FULL], 2);
	/* The half-used key is reclaimed; then there is room again. */
	maddr_sweep(ma, NULL, NULL);	/* new keys survive their first sweep */
	assert_int_equal(mldship_mark(ms, ma, 0), 0);
	assert_int_equal(maddr_sweep(ma, NULL, NULL), 1);
	assert_int_equal(feed(ms, ma, f, v1(f, MLD_V1_REPORT, "ff3e::3", 0), 0), 1);
	assert_int_equal(mship_group_count(ms), 2);
	mship_free(ms);
	maddr_free(ma);
}

static unsigned int ngone;
static uint8_t gone_addr[8][16];

static void on_gone(void *arg, uint32_t k, const uint8_t a[16])
{
	(void)arg, (void)k;
	if (ngone < 8)
		memcpy(gone_addr[ngone], a, 16);
	ngone++;
}

static int was_gone(const char *s)
{
	uint8_t a[16];

	A6(s, a);
	for (unsigned int i = 0; i < ngone && i < 8; i++)
		if (!memcmp(gone_addr[i], a, 16))
			return 1;
	return 0;
}

static void test_mark_sweep(void **state)
{
	struct mship *ms = ms_new();
	struct maddr *ma = maddr_new(0);
	uint8_t f[512];
	uint32_t g;

	(void)state;
	/* EXCLUDE with S1 blocked and S2 requested (ALLOW in EXCLUDE mode):
	 * S2 is in no lookup answer of its own, yet its key is in use. */
	feed(ms, ma, f, report(f, MLD_CHANGE_TO_EXCLUDE, "ff3e::1", S, 1), 0);
	feed(ms, ma, f, report(f, MLD_ALLOW_NEW_SOURCES, "ff3e::1", S + 1, 1), 0);
	/* An IPv4 group beside it is no business of the sweep. */
	assert_int_equal(mship_record(ms, 2, host_mac, 2, inet_addr("239.1.1.1"),
				      IGMP_MODE_IS_EXCLUDE, NULL, 0, 0), 1);
	assert_int_equal(maddr_count(ma), 3);
	maddr_sweep(ma, on_gone, NULL);
	assert_int_equal(ngone, 0);
	assert_int_equal(mldship_mark(ms, ma, 0), 0);
	assert_int_equal(maddr_sweep(ma, on_gone, NULL), 0);
	assert_int_equal(maddr_count(ma), 3);
	g = key(ma, "ff3e::1");
	assert_int_equal(members(ms, key(ma, S[0]), g), 0);
	assert_int_equal(members(ms, key(ma, S[1]), g), 1);
	/* Done: the group and both sources are told gone, then forgotten. */
	feed(ms, ma, f, report(f, MLD_CHANGE_TO_INCLUDE, "ff3e::1", NULL, 0), 10);
	assert_int_equal(mldship_mark(ms, ma, 10), 0);
	assert_int_equal(maddr_sweep(ma, on_gone, NULL), 3);
	assert_int_equal(ngone, 3);
	assert_true(was_gone("ff3e::1"));
	assert_true(was_gone(S[0]));
	assert_true(was_gone(S[1]));
	assert_int_equal(maddr_count(ma), 0);
	assert_int_equal(mship_group_count(ms), 1);
	mship_free(ms);
	maddr_free(ma);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_v2_sources),
		cmocka_unit_test(test_no_key_for_nothing),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_mark_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
