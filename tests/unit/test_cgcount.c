/*
 * test_cgcount.c - per (client, group) counters (helper/core/cgcount.c):
 * a group's entries follow its member list, counts survive a change that
 * keeps the member, the hooks hear every addition and removal exactly
 * once, a disconnect removes the client everywhere, and the cap holds;
 * checked against a brute-force model under random changes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cgcount.h"

#define NG 8
#define NC 16

struct model {
	int in[NG][NC];		/* entry exists */
	int hooked[NG][NC];	/* the hooks' view of the same */
};

static void on_added(void *arg, uint32_t g, uint32_t c)
{
	struct model *m = arg;

	assert_int_equal(m->hooked[g][c], 0);
	m->hooked[g][c] = 1;
}

static void on_removed(void *arg, uint32_t g, uint32_t c)
{
	struct model *m = arg;

	assert_int_equal(m->hooked[g][c], 1);
	m->hooked[g][c] = 0;
}

static void test_basic(void **state)
{
	struct model m = { 0 };
	struct cgc_hooks h = { on_added, on_removed, &m };
	struct cgcount *t = cgc_new(0, &h);
	uint32_t a[] = { 5, 3, 5, 9 }, b[] = { 9, 4 };
	struct cg_entry *e;

	(void)state;
	assert_int_equal(cgc_set_group(t, 1, a, 4), 0);
	assert_int_equal(cgc_count(t), 3);
	assert_true(m.hooked[1][3] && m.hooked[1][5] && m.hooked[1][9]);
	e = cgc_find(t, 1, 9);
	assert_non_null(e);
	e->frames = 10;
	e->bytes = 1000;
	assert_null(cgc_find(t, 1, 4));
	assert_null(cgc_find(t, 2, 9));
	assert_int_equal(cgc_set_group(t, 2, b, 2), 0);
	/* 9 stays in group 1 with its counts; 3 and 5 go. */
	assert_int_equal(cgc_set_group(t, 1, b, 2), 0);
	assert_false(m.hooked[1][3] || m.hooked[1][5]);
	e = cgc_find(t, 1, 9);
	assert_int_equal(e->frames, 10);
	assert_int_equal(e->bytes, 1000);
	assert_int_equal(cgc_count(t), 4);
	/* Sorted by (group, client). */
	assert_int_equal(cgc_at(t, 0)->client, 4);
	assert_int_equal(cgc_at(t, 1)->client, 9);
	assert_int_equal(cgc_at(t, 2)->group, 2);
	cgc_drop_client(t, 9);
	assert_int_equal(cgc_count(t), 2);
	assert_false(m.hooked[1][9] || m.hooked[2][9]);
	assert_int_equal(cgc_set_group(t, 1, NULL, 0), 0);
	assert_int_equal(cgc_set_group(t, 2, NULL, 0), 0);
	assert_int_equal(cgc_count(t), 0);
	cgc_free(t);
}

static void test_cap(void **state)
{
	struct model m = { 0 };
	struct cgc_hooks h = { on_added, on_removed, &m };
	struct cgcount *t = cgc_new(3, &h);
	uint32_t a[] = { 1, 2 }, b[] = { 1, 2, 3 };

	(void)state;
	assert_int_equal(cgc_set_group(t, 1, a, 2), 0);
	assert_int_equal(cgc_set_group(t, 2, b, 3), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(cgc_count(t), 3);
	/* A group's own entries count as room when it is set again. */
	assert_int_equal(cgc_set_group(t, 1, a, 1), 0);
	assert_int_equal(cgc_set_group(t, 2, b, 3), -1);
	assert_int_equal(cgc_count(t), 3);
	assert_non_null(cgc_find(t, 2, 2));
	cgc_free(t);
}

static void test_model_random(void **state)
{
	struct model m = { 0 };
	struct cgc_hooks h = { on_added, on_removed, &m };
	struct cgcount *t = cgc_new(0, &h);
	uint32_t list[NC * 2];

	(void)state;
	srand(7);
	for (int round = 0; round < 3000; round++) {
		int g = rand() % NG;

		if (rand() % 8 == 0) {
			int c = rand() % NC;

			cgc_drop_client(t, (uint32_t)c);
			for (int i = 0; i < NG; i++)
				m.in[i][c] = 0;
		} else {
			size_t n = (size_t)(rand() % (NC * 2));

			memset(m.in[g], 0, sizeof(m.in[g]));
			for (size_t i = 0; i < n; i++) {
				list[i] = (uint32_t)(rand() % NC);
				m.in[g][list[i]] = 1;
			}
			assert_int_equal(cgc_set_group(t, (uint32_t)g, list, n), 0);
		}
		size_t want = 0;

		for (int i = 0; i < NG; i++)
			for (int c = 0; c < NC; c++) {
				want += m.in[i][c];
				assert_int_equal(m.in[i][c], m.hooked[i][c]);
				assert_int_equal(m.in[i][c], cgc_find(t, (uint32_t)i, (uint32_t)c) != NULL);
			}
		assert_int_equal(cgc_count(t), want);
		for (size_t i = 1; i < cgc_count(t); i++) {
			const struct cg_entry *a = cgc_at(t, i - 1), *b = cgc_at(t, i);

			assert_true(a->group < b->group || (a->group == b->group && a->client < b->client));
		}
	}
	cgc_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_model_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
