/*
 * fuzz_mld.c - libFuzzer target over the MLD parser, the address interning
 * and the membership engine, the way the helper's snooping uses them.
 *
 * The input is one Ethernet frame for mld_parse(). A report's groups and
 * sources are interned into a deliberately small maddr table (so ENOSPC
 * happens) and fed to mship_record() as the daemon does; then the table is
 * marked from the engine and swept. Checked, aborting on a violation:
 *  - every record the iterator returns lies inside the frame, has a known
 *    type and a trackable group;
 *  - the engine's invariants (mship_check());
 *  - no group key the engine still holds is swept;
 *  - a query built from the parsed values parses back with them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maddr.h"
#include "mld.h"
#include "mship.h"

#define MAX_SRC 64

static void die(const char *what)
{
	fprintf(stderr, "fuzz_mld: %s\n", what);
	abort();
}

static struct maddr *tbl;

static int mark_group(void *arg, uint32_t group, unsigned int members,
		      const struct mship_group_stats *gs)
{
	(void)arg, (void)members, (void)gs;
	maddr_mark(tbl, group);
	return 0;
}

static int mark_src(void *arg, int named, uint32_t src, const struct mship_dest *d, size_t n)
{
	(void)arg, (void)d, (void)n;
	if (named)
		maddr_mark(tbl, src);
	return 0;
}

static int mark_group_srcs(void *arg, uint32_t group, unsigned int members,
			   const struct mship_group_stats *gs)
{
	(void)members, (void)gs;
	return mship_group_view(arg, group, mark_src, NULL);
}

static void gone(void *arg, uint32_t key, const uint8_t a[16])
{
	(void)a;
	if (mship_member_count(arg, key))
		die("sweep: a group key still in use was swept");
}

/* Intern @a, or 0 when the table is full (the caller drops the record). */
static uint32_t key_of(const uint8_t *a)
{
	uint8_t buf[16];
	uint32_t k;

	memcpy(buf, a, 16);
	if (maddr_intern(tbl, buf, &k) < 0)
		return 0;
	if (!maddr_is6(k) || memcmp(maddr_addr(tbl, k), buf, 16))
		die("maddr: key does not give back its address");
	return k;
}

static void apply(struct mship *ms, const uint8_t *data, size_t size, const struct mld_msg *m)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	uint32_t g, src[MAX_SRC];
	struct mld_rec_iter it;
	struct mld_rec r;
	unsigned int n;

	switch (m->type) {
	case MLD_V1_REPORT:
	case MLD_V1_DONE:
		if (!mld_group_trackable(m->group))
			die("v1: untrackable group accepted");
		if (!(g = key_of(m->group)))
			return;
		if (mship_record(ms, 1, mac, 2, g, m->type == MLD_V1_REPORT ?
				 IGMP_MODE_IS_EXCLUDE : IGMP_CHANGE_TO_INCLUDE,
				 NULL, 0, 1000) < 0)
			die("v1: mship_record failed");
		break;
	case MLD_V2_REPORT:
		mld_rec_begin(m, &it);
		while (mld_rec_next(&it, &r)) {
			if (r.group < data || r.src + 16 * (size_t)r.nsrc > data + size)
				die("v2: record outside the frame");
			if (r.type < MLD_MODE_IS_INCLUDE || r.type > MLD_BLOCK_OLD_SOURCES)
				die("v2: unknown record type returned");
			if (!mld_group_trackable(r.group))
				die("v2: untrackable group returned");
			if (!(g = key_of(r.group)))
				continue;
			for (n = 0; n < r.nsrc && n < MAX_SRC; n++)
				if (!(src[n] = key_of(r.src + 16 * (size_t)n)))
					break;
			if (n < r.nsrc && n < MAX_SRC)
				continue;
			if (mship_record(ms, 1, mac, 3, g, (enum igmp_rec_type)r.type,
					 src, n, 1000) < 0)
				die("v2: mship_record failed");
		}
		break;
	case MLD_QUERY: {
		struct mld_query_params qp = {
			.version = m->version,
			.flow = m->flow,
			.max_resp_ms = m->max_resp_ms,
			.qrv = m->qrv,
			.qqi = m->qqi,
		};
		uint8_t b[MLD_QUERY_MAXLEN];
		struct mld_msg back;
		int len;

		memcpy(qp.src, m->src, 16);
		memcpy(qp.src_mac, m->src_mac, 6);
		len = mld_build_query(b, sizeof(b), &qp);
		if (len < 0 || mld_parse(b, (size_t)len, &back, NULL, NULL) < 0 ||
		    back.type != MLD_QUERY || back.version != m->version ||
		    back.flow != m->flow || memcmp(back.src, m->src, 16))
			die("query: built query does not parse back");
		if (m->version == 2 && (back.max_resp_ms > m->max_resp_ms ||
					back.qrv != m->qrv))
			die("query: v2 values changed");
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mship_params mp = { .max_groups = 8, .max_sources = 8 };
	struct mld_stats st = { { 0 } };
	const char *why = "?";
	struct mld_msg m;
	struct mship *ms;

	tbl = maddr_new(6);
	ms = mship_new(&mp);
	if (!tbl || !ms)
		die("out of memory");
	if (mld_parse(data, size, &m, NULL, &st) == 0)
		apply(ms, data, size, &m);
	if (mship_check(ms, &why) < 0)
		die(why);
	/* What the daemon does each query interval; twice, as a new key
	 * survives its first sweep. */
	for (int i = 0; i < 2; i++) {
		mship_group_foreach(ms, mark_group, NULL);
		mship_group_foreach(ms, mark_group_srcs, ms);
		maddr_sweep(tbl, gone, ms);
	}
	if (maddr_count(tbl) > 6)
		die("maddr: more addresses than the table holds");
	mship_free(ms);
	maddr_free(tbl);
	return 0;
}
