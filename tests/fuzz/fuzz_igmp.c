/*
 * fuzz_igmp.c - libFuzzer target over the pure IGMP core: parser,
 * membership engine and querier together.
 *
 * Each input is used twice:
 *  1. as one Ethernet frame for igmp_parse();
 *  2. as a script of steps, each starting with a control byte:
 *       bits 0-1  client index (client id 1..4)
 *       bit  2    MAC: 0 = the frame's source MAC, 1 = 02:00:00:00:00:<idx>
 *       bits 3-5  time step before the op, index into steps_ms[]
 *       bits 6-7  op: 0, 1 = a frame follows (2 bytes length, big endian,
 *                 then the frame); 2 = client (bit 2: MAC) removed;
 *                 3 = timers run
 *     tests/frames/pcap2corpus writes the captures in this form as seeds.
 *
 * After every step the engine's invariants are checked (mship_check(), which
 * also recomputes every lookup answer), lookups are cross-checked against
 * mship_get(), and queries we build must parse back. At the end all state
 * must expire. Any violation aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igmp.h"
#include "mship.h"
#include "querier.h"

static const uint64_t steps_ms[8] = {
	0, 1, 999, 10000, 31250, 125000, 260000, 1000000,
};

static void die(const char *what)
{
	fprintf(stderr, "fuzz_igmp: %s\n", what);
	abort();
}

static void check_lookup(const struct mship *ms, uint32_t src, uint32_t group,
			 uint64_t now)
{
	const struct mship_dest *d;
	struct mship_group_stats *gs;
	struct mship_filter f;
	size_t n, i;

	n = mship_lookup(ms, src, group, &d, &gs);
	if (n && !d)
		die("lookup: count without destinations");
	if (n && !gs)
		die("lookup: destinations without group counters");
	for (i = 0; i < n; i++) {
		if (d[i].client < 1 || d[i].client > 4)
			die("lookup: unknown client");
		if (mship_get(ms, d[i].client, d[i].mac, group, now, &f) < 0)
			die("lookup: destination is not a member");
		if (gs)
			gs->frames_out++;
	}
}

static void check_all(struct mship *ms, const struct igmp_msg *m, uint64_t now)
{
	struct igmp_rec_iter it;
	struct igmp_rec rec;
	const char *why = "?";
	unsigned int i;

	if (mship_check(ms, &why) < 0)
		die(why);
	if (!m)
		return;
	switch (m->type) {
	case IGMP_V1_REPORT:
	case IGMP_V2_REPORT:
	case IGMP_V2_LEAVE:
		check_lookup(ms, m->src_ip, m->group, now);
		break;
	case IGMP_V3_REPORT:
		igmp_rec_begin(m, &it);
		while (igmp_rec_next(&it, &rec)) {
			check_lookup(ms, 0, rec.group, now);
			for (i = 0; i < rec.nsrc && i < 4; i++)
				check_lookup(ms, igmp_rec_src(&rec, i),
					     rec.group, now);
		}
		break;
	default:
		break;
	}
}

static void run_querier(struct querier *q, const struct igmp_msg *m,
			uint64_t now, int version)
{
	struct igmp_query_params qp = {
		.version = version,
		.src_ip = q->self_ip,
		.src_mac = { 0x02, 0, 0, 0, 0, 0xfe },
		.max_resp_ds = 100,
		.qrv = 2,
		.qqi = 125,
	};
	uint8_t buf[IGMP_QUERY_MAXLEN];
	struct igmp_msg back;
	int len;

	if (m && m->type == IGMP_QUERY)
		querier_heard(q, m->src_ip, now);
	if (!querier_poll(q, now))
		return;
	if (querier_next(q) <= now)
		die("querier: next action not in the future");
	len = igmp_build_query(buf, sizeof(buf), &qp);
	if (len < 0 || igmp_parse(buf, (size_t)len, &back, NULL, NULL) < 0 ||
	    back.type != IGMP_QUERY || back.version != version)
		die("querier: built query does not parse back");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mship_params mp = { .max_groups = 8, .max_sources = 8 };
	struct querier_params qp = { .mode = QUERIER_AUTO };
	struct igmp_stats st = { { 0 } };
	uint64_t now = 1, t;
	struct igmp_msg m;
	struct querier q;
	struct mship *ms;

	mp.stats = &st;
	ms = mship_new(&mp);
	if (!ms)
		return 0;
	querier_init(&q, &qp, 0x0108000a /* 10.8.1.1 */, now);

	/* 1: the whole input is one frame. */
	if (igmp_parse(data, size, &m, NULL, &st) == 0) {
		if (mship_apply(ms, 1, m.src_mac, &m, now) < 0)
			die("apply failed");
		check_all(ms, &m, now);
		run_querier(&q, &m, now, 2);
	}

	/* 2: the input is a script. */
	while (size >= 1) {
		uint8_t ctl = data[0];
		uint32_t client = 1 + (ctl & 3u);
		uint8_t mac[6] = { 0x02, 0, 0, 0, 0, (uint8_t)client };
		size_t len;
		int ok;

		now += steps_ms[(ctl >> 3) & 7u];
		data++, size--;
		switch (ctl >> 6) {
		case 2:
			if (ctl & 4)
				mship_mac_remove(ms, client, mac);
			else
				mship_client_remove(ms, client);
			check_all(ms, NULL, now);
			continue;
		case 3:
			if (mship_expire(ms, now) < 0)
				die("expire failed");
			if (mship_next_expiry(ms) <= now)
				die("next expiry not after an expire run");
			check_all(ms, NULL, now);
			run_querier(&q, NULL, now, 1 + (ctl & 3u) % 3);
			continue;
		}
		if (size < 2)
			break;
		len = (size_t)data[0] << 8 | data[1];
		data += 2, size -= 2;
		if (len > size)
			len = size;
		ok = igmp_parse(data, len, &m, NULL, &st) == 0;
		if (ok) {
			if (!(ctl & 4))
				memcpy(mac, m.src_mac, 6);
			if (mship_apply(ms, client, mac, &m, now) < 0)
				die("apply failed");
			check_all(ms, &m, now);
			run_querier(&q, &m, now, 3);
		}
		data += len, size -= len;
	}

	/* Every timer is at most GMI away: everything must go. */
	t = mship_next_expiry(ms);
	if (t != MSHIP_NEVER && t > now + 260000)
		die("next expiry beyond the membership interval");
	if (mship_expire(ms, now + 260000) < 0)
		die("final expire failed");
	if (mship_group_count(ms) || mship_next_expiry(ms) != MSHIP_NEVER)
		die("state left after every timer ran out");
	mship_free(ms);
	return 0;
}
