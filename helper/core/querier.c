/*
 * querier.c - IGMP and MLD querier election and query schedule.
 */
#include <string.h>
#include <arpa/inet.h>

#include "querier.h"

void querier_init(struct querier *q, const struct querier_params *p,
		  uint32_t self_ip, uint64_t now)
{
	uint64_t qri = p->query_response_interval_ms ?
		       p->query_response_interval_ms : 10000;

	memset(q, 0, sizeof(*q));
	q->mode = p->mode;
	q->robustness = p->robustness ? p->robustness : 2;
	q->qi = p->query_interval_ms ? p->query_interval_ms : 125000;
	/* RFC 3376 8.5: Other Querier Present Interval. */
	q->oqpi = q->robustness * q->qi + qri / 2;
	q->self_ip = self_ip;
	q->next_query = QUERIER_NEVER;
	if (q->mode == QUERIER_OFF)
		return;
	q->active = true;
	q->startup_left = q->robustness;
	q->next_query = now;
}

void querier_set_addr(struct querier *q, uint32_t self_ip)
{
	q->self_ip = self_ip;
}

bool querier_heard(struct querier *q, uint32_t src_ip, uint64_t now)
{
	if (q->mode != QUERIER_AUTO)
		return false;
	/* Without an address of our own we cannot win an election. */
	if (q->self_ip && ntohl(src_ip) > ntohl(q->self_ip))
		return false;
	q->other_ip = src_ip;
	return querier_yield(q, now);
}

bool querier_yield(struct querier *q, uint64_t now)
{
	bool was = q->active;

	if (q->mode != QUERIER_AUTO)
		return false;
	q->active = false;
	q->startup_left = 0;
	q->next_query = QUERIER_NEVER;
	q->other_until = now + q->oqpi;
	return was;
}

bool querier_poll(struct querier *q, uint64_t now)
{
	if (q->mode == QUERIER_OFF)
		return false;
	if (!q->active) {
		if (now < q->other_until)
			return false;
		/* 6.6: the other querier went quiet; take over at once. */
		q->active = true;
		q->other_until = 0;
		q->next_query = now;
	}
	if (now < q->next_query)
		return false;
	if (q->startup_left)
		q->startup_left--;
	q->next_query = now + (q->startup_left ? q->qi / 4 : q->qi);
	return true;
}

uint64_t querier_next(const struct querier *q)
{
	if (q->mode == QUERIER_OFF)
		return QUERIER_NEVER;
	return q->active ? q->next_query : q->other_until;
}

bool querier_active(const struct querier *q)
{
	return q->active;
}
