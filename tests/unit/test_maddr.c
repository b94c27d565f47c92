/*
 * test_maddr.c - the shared IPv4/IPv6 key space (helper/core/maddr.c):
 * IPv6 keys never look like IPv4 groups, interning is stable, a full table
 * refuses, mark and sweep forgets exactly the unmarked addresses and
 * reuses their keys, and printing follows the group's family.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "maddr.h"

static void addr6(uint8_t a[16], unsigned int n)
{
	inet_pton(AF_INET6, "ff3e::", a);
	a[12] = (uint8_t)(n >> 24);
	a[13] = (uint8_t)(n >> 16);
	a[14] = (uint8_t)(n >> 8);
	a[15] = (uint8_t)n;
}

static void test_keys(void **state)
{
	struct maddr *t = maddr_new(0);
	uint8_t a[16], b[16];
	uint32_t k1, k2, k3, v4;
	char buf[MADDR_STRLEN];

	(void)state;
	assert_non_null(t);
	addr6(a, 1);
	addr6(b, 2);
	assert_int_equal(maddr_find(t, a, &k1), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(maddr_intern(t, a, &k1), 0);
	assert_int_equal(maddr_intern(t, b, &k2), 0);
	assert_int_equal(maddr_intern(t, a, &k3), 0);
	assert_int_equal(k1, k3);
	assert_int_not_equal(k1, k2);
	assert_true(maddr_is6(k1) && maddr_is6(k2));
	assert_memory_equal(maddr_addr(t, k2), b, 16);
	assert_int_equal(maddr_count(t), 2);

	/* No IPv4 group is an IPv6 key, and IPv4 keys resolve to nothing. */
	inet_pton(AF_INET, "239.255.255.255", &v4);
	assert_false(maddr_is6(v4));
	inet_pton(AF_INET, "224.0.0.1", &v4);
	assert_false(maddr_is6(v4));
	assert_null(maddr_addr(t, v4));

	assert_string_equal(maddr_ntop(t, k1, k1, buf), "ff3e::1");
	assert_string_equal(maddr_ntop(t, v4, v4, buf), "224.0.0.1");
	/* A class E source under an IPv4 group stays IPv4. */
	assert_string_equal(maddr_ntop(t, k1, v4, buf), "240.0.0.0");
	maddr_free(t);
}

static void test_full(void **state)
{
	struct maddr *t = maddr_new(3);
	uint8_t a[16];
	uint32_t k;

	(void)state;
	for (unsigned int i = 0; i < 3; i++) {
		addr6(a, i);
		assert_int_equal(maddr_intern(t, a, &k), 0);
	}
	addr6(a, 99);
	assert_int_equal(maddr_intern(t, a, &k), -1);
	assert_int_equal(errno, ENOSPC);
	/* Known ones still answer. */
	addr6(a, 1);
	assert_int_equal(maddr_intern(t, a, &k), 0);
	maddr_free(t);
	assert_null(maddr_new(MADDR_MAX_LIMIT + 1));
}

struct gone {
	unsigned int n;
	uint32_t key[8];
};

static void on_gone(void *arg, uint32_t key, const uint8_t a[16])
{
	struct gone *g = arg;

	(void)a;
	g->key[g->n++] = key;
}

static void test_sweep(void **state)
{
	struct maddr *t = maddr_new(0);
	uint32_t k[4], again;
	struct gone g = { 0 };
	uint8_t a[16];
	char buf[MADDR_STRLEN];

	(void)state;
	for (unsigned int i = 0; i < 4; i++) {
		addr6(a, i);
		assert_int_equal(maddr_intern(t, a, &k[i]), 0);
	}
	/* New addresses survive the first sweep... */
	assert_int_equal(maddr_sweep(t, on_gone, &g), 0);
	/* ...and then only marked ones do. */
	maddr_mark(t, k[1]);
	maddr_mark(t, k[3]);
	assert_int_equal(maddr_sweep(t, on_gone, &g), 2);
	assert_int_equal(g.n, 2);
	assert_true((g.key[0] == k[0] && g.key[1] == k[2]) || (g.key[0] == k[2] && g.key[1] == k[0]));
	assert_null(maddr_addr(t, k[0]));
	assert_string_equal(maddr_ntop(t, k[0], k[0], buf), "?");
	addr6(a, 0);
	assert_int_equal(maddr_find(t, a, &again), -1);
	assert_int_equal(maddr_count(t), 2);
	/* A freed key is given out again, to the new address. */
	addr6(a, 42);
	assert_int_equal(maddr_intern(t, a, &again), 0);
	assert_true(again == k[0] || again == k[2]);
	assert_memory_equal(maddr_addr(t, again), a, 16);
	addr6(a, 3);
	assert_int_equal(maddr_find(t, a, &again), 0);
	assert_int_equal(again, k[3]);
	maddr_free(t);
}

/* Many addresses, several sweeps: lookups stay exact in both directions. */
static void test_many(void **state)
{
	struct maddr *t = maddr_new(5000);
	uint32_t key[5000];
	uint8_t a[16];

	(void)state;
	for (unsigned int round = 0; round < 3; round++) {
		for (unsigned int i = 0; i < 5000; i++) {
			addr6(a, i * 7 + round);
			assert_int_equal(maddr_intern(t, a, &key[i]), 0);
		}
		for (unsigned int i = 0; i < 5000; i++) {
			addr6(a, i * 7 + round);
			assert_memory_equal(maddr_addr(t, key[i]), a, 16);
		}
		maddr_sweep(t, NULL, NULL);	/* the new ones stay */
		assert_int_equal(maddr_count(t), 5000);
		assert_int_equal(maddr_sweep(t, NULL, NULL), 5000);
		assert_int_equal(maddr_count(t), 0);
	}
	maddr_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
