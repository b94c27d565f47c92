/*
 * test_querier.c - querier election and schedule with explicit time.
 * Defaults: QI 125 s, QRI 10 s, robustness 2, so startup queries are
 * 31.25 s apart and the other querier present interval is 255 s.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "igmp.h"
#include "querier.h"
#include "../frames/frames.h"

#define QI 125000
#define OQPI 255000

static uint32_t A(const char *s)
{
	return inet_addr(s);
}

static void init(struct querier *q, enum querier_mode mode, const char *self)
{
	struct querier_params p = { .mode = mode };

	querier_init(q, &p, self ? A(self) : 0, 0);
}

static void test_startup_schedule(void **state)
{
	struct querier q;

	(void)state;
	init(&q, QUERIER_AUTO, "10.8.0.1");
	assert_true(querier_active(&q));
	assert_int_equal(querier_next(&q), 0);
	assert_true(querier_poll(&q, 0));
	assert_false(querier_poll(&q, 0));
	assert_int_equal(querier_next(&q), QI / 4);
	assert_false(querier_poll(&q, QI / 4 - 1));
	assert_true(querier_poll(&q, QI / 4));
	/* Startup done: [Robustness] = 2 queries, then every QI. */
	assert_int_equal(querier_next(&q), QI / 4 + QI);
	assert_true(querier_poll(&q, QI / 4 + QI));
	assert_int_equal(querier_next(&q), QI / 4 + 2 * QI);
	/* Late poll: the next one is a full interval after the late one. */
	assert_true(querier_poll(&q, QI / 4 + 2 * QI + 500));
	assert_int_equal(querier_next(&q), QI / 4 + 3 * QI + 500);
}

static void test_robustness_3(void **state)
{
	struct querier_params p = {
		.mode = QUERIER_ON,
		.robustness = 3,
		.query_interval_ms = 60000,
		.query_response_interval_ms = 5000,
	};
	struct querier q;

	(void)state;
	querier_init(&q, &p, A("10.8.0.1"), 1000);
	assert_true(querier_poll(&q, 1000));
	assert_true(querier_poll(&q, 16000));
	assert_true(querier_poll(&q, 31000));
	assert_int_equal(querier_next(&q), 91000);
	assert_int_equal(q.oqpi, 3 * 60000 + 2500);
}

static void test_lower_ip_wins(void **state)
{
	struct querier q;

	(void)state;
	init(&q, QUERIER_AUTO, "10.8.0.1");
	assert_true(querier_poll(&q, 0));
	/* A higher address does not silence us. */
	assert_false(querier_heard(&q, A("10.8.0.200"), 500));
	assert_true(querier_active(&q));
	assert_int_equal(querier_next(&q), QI / 4);
	/* A lower one does, for the other querier present interval. */
	assert_true(querier_heard(&q, A("10.7.255.1"), 1000));
	assert_false(querier_active(&q));
	assert_int_equal(querier_next(&q), 1000 + OQPI);
	assert_false(querier_poll(&q, QI / 4));
	assert_false(querier_poll(&q, 1000 + OQPI - 1));
	/* Each query heard restarts that timer. */
	assert_false(querier_heard(&q, A("10.7.255.1"), 100000));
	assert_int_equal(querier_next(&q), 100000 + OQPI);
	/* Silence: take over at once, then every QI (no startup burst). */
	assert_true(querier_poll(&q, 100000 + OQPI));
	assert_true(querier_active(&q));
	assert_int_equal(querier_next(&q), 100000 + OQPI + QI);
}

/* igmpproxy on the same tap queries from our own address: defer to it. */
static void test_equal_ip_defers(void **state)
{
	struct querier q;

	(void)state;
	init(&q, QUERIER_AUTO, "10.8.0.1");
	assert_true(querier_heard(&q, A("10.8.0.1"), 0));
	assert_false(querier_poll(&q, 0));
	assert_false(querier_active(&q));
}

static void test_no_address(void **state)
{
	struct querier q;

	(void)state;
	init(&q, QUERIER_AUTO, NULL);
	assert_true(querier_heard(&q, A("192.168.1.1"), 10));
	querier_set_addr(&q, A("10.0.0.1"));
	/* Still deferring until the timer runs out. */
	assert_false(querier_poll(&q, 10 + OQPI - 1));
	assert_true(querier_poll(&q, 10 + OQPI));
	/* Now we have an address: a higher one no longer wins. */
	assert_false(querier_heard(&q, A("192.168.1.1"), 10 + OQPI + 1));
	assert_true(querier_active(&q));
	/* 0.0.0.0 (e.g. a bridge's proxy querier) is lowest of all. */
	assert_true(querier_heard(&q, A("0.0.0.0"), 10 + OQPI + 2));
}

/* MLD: the caller compares 128-bit addresses and yields; same schedule. */
static void test_yield(void **state)
{
	struct querier q;

	(void)state;
	init(&q, QUERIER_AUTO, NULL);
	assert_true(querier_poll(&q, 0));
	assert_true(querier_yield(&q, 1000));
	assert_false(querier_active(&q));
	assert_int_equal(querier_next(&q), 1000 + OQPI);
	/* Heard again: not newly silenced, but the timer restarts. */
	assert_false(querier_yield(&q, 2000));
	assert_int_equal(querier_next(&q), 2000 + OQPI);
	assert_false(querier_poll(&q, 2000 + OQPI - 1));
	assert_true(querier_poll(&q, 2000 + OQPI));
	assert_true(querier_active(&q));
	/* Only auto defers. */
	init(&q, QUERIER_ON, NULL);
	assert_false(querier_yield(&q, 0));
	assert_true(querier_poll(&q, 0));
	init(&q, QUERIER_OFF, NULL);
	assert_false(querier_yield(&q, 0));
	assert_false(querier_poll(&q, 0));
}

static void test_modes(void **state)
{
	struct querier q;

	(void)state;
	init(&q, QUERIER_ON, "10.8.0.1");
	assert_true(querier_poll(&q, 0));
	assert_false(querier_heard(&q, A("10.0.0.1"), 1));
	assert_true(querier_active(&q));
	assert_true(querier_poll(&q, QI / 4));

	init(&q, QUERIER_OFF, "10.8.0.1");
	assert_false(querier_active(&q));
	assert_int_equal(querier_next(&q), QUERIER_NEVER);
	assert_false(querier_poll(&q, 0));
	assert_false(querier_poll(&q, 10 * QI));
	assert_false(querier_heard(&q, A("10.0.0.1"), 1));
	assert_int_equal(querier_next(&q), QUERIER_NEVER);
}

/* The kernel queries captured in tests/frames, parsed and fed in. */
static void test_captured_queries(void **state)
{
	static struct frames fs;
	struct igmp_msg m;
	struct querier q;
	size_t i, nq = 0;

	(void)state;
	assert_true(frames_load("v3_query", &fs) > 0);
	for (i = 0; i < fs.n; i++) {
		if (igmp_parse(fs.f[i].data, fs.f[i].len, &m, NULL, NULL) < 0 ||
		    m.type != IGMP_QUERY)
			continue;
		nq++;
		assert_int_equal(m.src_ip, A("10.99.0.1"));
		init(&q, QUERIER_AUTO, "10.99.0.2");
		assert_true(querier_heard(&q, m.src_ip, 5));
		init(&q, QUERIER_AUTO, "10.99.0.1");
		assert_true(querier_heard(&q, m.src_ip, 5));
		init(&q, QUERIER_AUTO, "10.99.0.0");
		assert_false(querier_heard(&q, m.src_ip, 5));
	}
	assert_true(nq >= 2);	/* general and group-specific */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_startup_schedule),
		cmocka_unit_test(test_robustness_3),
		cmocka_unit_test(test_lower_ip_wins),
		cmocka_unit_test(test_equal_ip_defers),
		cmocka_unit_test(test_no_address),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_yield),
		cmocka_unit_test(test_captured_queries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
