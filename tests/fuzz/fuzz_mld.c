/*
 * fuzz_mld.c - libFuzzer target over the MLD parser, the address interning
 * and the membership engine, the way the helper's snooping uses them.
 *
 * The input is one Ethernet frame for mld_parse(). A report goes through
 * mldship_apply() into the engine with a deliberately small maddr table
 * (so a full table happens), then the table is marked (mldship_mark()) and
 * swept, as the daemon does. Checked, aborting on a violation:
 *  - every record the iterator returns lies inside the frame, has a known
 *    type and a trackable group;
 *  - the engine's invariants (mship_check());
 *  - no group or source key the engine still holds is swept;
 *  - a query built from the parsed values parses back with them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maddr.h"
#include "mld.h"
#include "mldship.h"
#include "mship.h"

static void die(const char *what)
{
	fprintf(stderr, "fuzz_mld: %s\n", what);
	abort();
}

static struct maddr *tbl;
static struct mship *eng;

static void gone(void *arg, uint32_t key, const uint8_t a[16])
{
	(void)arg, (void)a;
	if (mship_member_count(eng, key))
		die("sweep: a group key still in use was swept");
}

/* After a sweep every key the engine holds must still resolve. */
static int check_host(void *arg, const struct mship_filter *f)
{
	(void)arg;
	for (unsigned int i = 0; i < f->nsrc; i++)
		if (!maddr_addr(tbl, f->src[i].addr))
			die("sweep: a source key still in use was swept");
	return 0;
}

static int check_group(void *arg, uint32_t group, unsigned int members,
		       const struct mship_group_stats *gs)
{
	(void)arg, (void)members, (void)gs;
	if (!maddr_addr(tbl, group))
		die("sweep: a group key still in use was swept");
	return mship_group_hosts(eng, group, 1000, check_host, NULL);
}

static void check_recs(const uint8_t *data, size_t size, const struct mld_msg *m)
{
	struct mld_rec_iter it;
	struct mld_rec r;

	if ((m->type == MLD_V1_REPORT || m->type == MLD_V1_DONE) &&
	    !mld_group_trackable(m->group))
		die("v1: untrackable group accepted");
	if (m->type != MLD_V2_REPORT)
		return;
	mld_rec_begin(m, &it);
	while (mld_rec_next(&it, &r)) {
		if (r.group < data || r.src + 16 * (size_t)r.nsrc > data + size)
			die("v2: record outside the frame");
		if (r.type < MLD_MODE_IS_INCLUDE || r.type > MLD_BLOCK_OLD_SOURCES)
			die("v2: unknown record type returned");
		if (!mld_group_trackable(r.group))
			die("v2: untrackable group returned");
	}
}

static void check_query(const struct mld_msg *m)
{
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
	if (m->version == 2 && (back.max_resp_ms > m->max_resp_ms || back.qrv != m->qrv))
		die("query: v2 values changed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	struct mship_params mp = { .max_groups = 8, .max_sources = 8 };
	struct mld_stats st = { { 0 } };
	const char *why = "?";
	struct mld_msg m;

	tbl = maddr_new(6);
	eng = mship_new(&mp);
	if (!tbl || !eng)
		die("out of memory");
	if (mld_parse(data, size, &m, NULL, &st) == 0) {
		check_recs(data, size, &m);
		if (m.type == MLD_QUERY)
			check_query(&m);
		else if (mldship_apply(eng, tbl, 1, mac, &m, 1000, &st) < 0)
			die("mldship_apply failed");
	}
	if (mship_check(eng, &why) < 0)
		die(why);
	if (maddr_count(tbl) > 6)
		die("maddr: more addresses than the table holds");
	/* What the daemon does each query interval; twice, as a new key
	 * survives its first sweep. */
	for (int i = 0; i < 2; i++) {
		if (mldship_mark(eng, tbl, 1000) < 0)
			die("mark failed");
		maddr_sweep(tbl, gone, NULL);
		mship_group_foreach(eng, check_group, NULL);
	}
	mship_free(eng);
	maddr_free(tbl);
	return 0;
}
