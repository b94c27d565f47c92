/*
 * bench_lookup.c - cost of mship_lookup() per packet, 1000 clients x 32
 * groups. Target: <= 100 ns per lookup. Exits 1 if a lookup scenario misses.
 *
 * Lookups cycle through a precomputed random list of (source, group) pairs
 * larger than the branch predictor can learn.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <arpa/inet.h>

#include "mship.h"

#define CLIENTS 1000
#define GROUPS 32
#define PAIRS 8192
#define ROUNDS 4000
#define TARGET_NS 100.0

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint32_t group(unsigned int i)
{
	return htonl(0xef010000 + i);		/* 239.1.0.0 + i */
}

static uint32_t source(unsigned int i)
{
	return htonl(0x0a000001 + i);		/* 10.0.0.1 + i */
}

static void mac_of(uint32_t c, uint8_t *mac)
{
	mac[0] = 0x02, mac[1] = 0, mac[2] = 0, mac[3] = 0;
	mac[4] = (uint8_t)(c >> 8), mac[5] = (uint8_t)c;
}

struct pair {
	uint32_t src, grp;
};

/* ns per lookup over ROUNDS passes of @p; @walk also reads every copy. */
static double run(const struct mship *ms, const struct pair *p, int walk,
		  size_t rounds, double *copies)
{
	volatile uint64_t sink = 0;
	const struct mship_dest *d;
	uint64_t sum = 0, n = 0;
	double t0, t1;
	size_t r, i, k, c;

	t0 = now_ns();
	for (r = 0; r < rounds; r++)
		for (i = 0; i < PAIRS; i++) {
			c = mship_lookup(ms, p[i].src, p[i].grp, &d, NULL);
			n += c;
			if (walk)
				for (k = 0; k < c; k++)
					sum += d[k].mac[5] + d[k].client;
			else if (c)
				sum += d[0].client;
		}
	t1 = now_ns();
	sink = sum;
	(void)sink;
	*copies = (double)n / ((double)rounds * PAIRS);
	return (t1 - t0) / ((double)rounds * PAIRS);
}

static void join_all(struct mship *ms)
{
	uint8_t mac[6];
	uint32_t c, g;

	for (c = 1; c <= CLIENTS; c++) {
		mac_of(c, mac);
		for (g = 0; g < GROUPS; g++)
			mship_record(ms, c, mac, 2, group(g),
				     IGMP_MODE_IS_EXCLUDE, NULL, 0, 0);
	}
}

/* Each client in 32 of 256 groups; every 10th INCLUDE{S1,S2}, every
 * 10th (+5) EXCLUDE{S3}, the rest any-source. */
static void join_filtered(struct mship *ms)
{
	uint32_t in[2] = { source(1), source(2) }, ex[1] = { source(3) };
	uint8_t mac[6];
	uint32_t c, g, k;

	for (c = 1; c <= CLIENTS; c++) {
		mac_of(c, mac);
		for (k = 0; k < GROUPS; k++) {
			g = group((c * 7 + k * 8) % 256);
			if (c % 10 == 0)
				mship_record(ms, c, mac, 3, g,
					     IGMP_MODE_IS_INCLUDE, in, 2, 0);
			else if (c % 10 == 5)
				mship_record(ms, c, mac, 3, g,
					     IGMP_CHANGE_TO_EXCLUDE, ex, 1, 0);
			else
				mship_record(ms, c, mac, 3, g,
					     IGMP_CHANGE_TO_EXCLUDE, NULL, 0, 0);
		}
	}
}

int main(void)
{
	struct mship_params mp = { .max_groups = 64 };
	static struct pair p[PAIRS];
	struct mship *ms, *mf;
	double ns, worst = 0, copies;
	size_t i;

	ms = mship_new(&mp);
	mf = mship_new(&mp);
	if (!ms || !mf) {
		perror("mship_new");
		return 1;
	}
	join_all(ms);
	join_filtered(mf);
	printf("bench_lookup: %d clients x %d groups, %d x %d lookups each\n",
	       CLIENTS, GROUPS, ROUNDS, PAIRS);

	for (i = 0; i < PAIRS; i++)
		p[i] = (struct pair){ source(rnd() % 64), group(rnd() % GROUPS) };
	ns = run(ms, p, 0, ROUNDS, &copies);
	worst = ns > worst ? ns : worst;
	printf("  any-source, all clients in all groups  %7.1f ns/lookup"
	       "  (%.0f destinations)\n", ns, copies);

	for (i = 0; i < PAIRS; i++)
		p[i] = (struct pair){ source(rnd() % 8), group(rnd() % 256) };
	ns = run(mf, p, 0, ROUNDS, &copies);
	worst = ns > worst ? ns : worst;
	printf("  source filters, 32 of 256 groups each  %7.1f ns/lookup"
	       "  (%.0f destinations)\n", ns, copies);

	for (i = 0; i < PAIRS; i++)
		p[i] = (struct pair){ source(rnd() % 64),
				      group(GROUPS + rnd() % 4096) };
	ns = run(ms, p, 0, ROUNDS, &copies);
	worst = ns > worst ? ns : worst;
	printf("  group without members                  %7.1f ns/lookup\n",
	       ns);

	for (i = 0; i < PAIRS; i++)
		p[i] = (struct pair){ source(rnd() % 64), group(rnd() % GROUPS) };
	ns = run(ms, p, 1, ROUNDS / 200, &copies);
	printf("  any-source, lookup + read every copy   %7.1f ns/packet"
	       "  (%.1f ns/copy, not part of the target)\n", ns, ns / copies);

	printf("target <= %.0f ns/lookup: %s (worst %.1f ns)\n", TARGET_NS,
	       worst <= TARGET_NS ? "met" : "MISSED", worst);
	mship_free(ms);
	mship_free(mf);
	return worst <= TARGET_NS ? 0 : 1;
}
