/*
 * querier.h - IGMP and MLD querier election and query schedule (RFC 3376
 * 6.6, 8; RFC 3810 7.6, 9).
 *
 * Pure state machine: the caller feeds it the queries it hears from others
 * and the time, and asks whether to send a general query now and when to
 * ask again. Building and sending the frame is the caller's job
 * (igmp_build_query()); so is recognising, and not feeding in, its own
 * queries seen again on the tap.
 *
 * Modes (igmp.querier): off never queries; on always queries, whoever else
 * does; auto follows the election: the lowest address is the querier, and a
 * query from an address equal to ours also wins, because igmpproxy on the
 * same tap shares our address and must not be fought.
 */
#ifndef QUERIER_H
#define QUERIER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define QUERIER_NEVER UINT64_MAX

struct querier_params {
	enum querier_mode mode;
	unsigned int robustness;	/* 0 = 2 */
	uint32_t query_interval_ms;	/* 0 = 125000 */
	uint32_t query_response_interval_ms; /* 0 = 10000 */
};

struct querier {
	enum querier_mode mode;
	unsigned int robustness;
	uint64_t qi, oqpi;
	uint32_t self_ip;	/* network byte order; 0 = none yet */
	bool active;		/* we are the querier */
	unsigned int startup_left; /* startup queries still to send */
	uint64_t next_query;	/* when active */
	uint64_t other_until;	/* other querier present timer, 0 = none */
	uint32_t other_ip;	/* the querier we last deferred to */
};

/**
 * querier_init() - start in the state RFC 3376 gives a router at startup:
 * querier (unless @p->mode is off), with [Robustness] startup queries a
 * quarter query interval apart, the first one due at @now.
 * @self_ip: our source address for queries, network byte order, or 0.
 */
void querier_init(struct querier *q, const struct querier_params *p,
		  uint32_t self_ip, uint64_t now);

/**
 * querier_set_addr() - our address changed (e.g. the tap came up).
 */
void querier_set_addr(struct querier *q, uint32_t self_ip);

/**
 * querier_heard() - a general or group query from @src_ip arrived at @now.
 * Return: true if this made us stop being the querier.
 */
bool querier_heard(struct querier *q, uint32_t src_ip, uint64_t now);

/**
 * querier_yield() - a query from another querier that wins the election
 * (its address is lower than ours or equal, or we have none) arrived at
 * @now: stop querying until it has been silent for the Other Querier
 * Present Interval. The family-neutral half of querier_heard(), for MLD,
 * whose caller compares the 128-bit addresses itself (RFC 3810 7.6.2).
 * Nothing unless the mode is auto.
 * Return: true if this made us stop being the querier.
 */
bool querier_yield(struct querier *q, uint64_t now);

/**
 * querier_poll() - advance to @now.
 * Return: true if a general query is to be sent now; the schedule already
 * counts it as sent.
 */
bool querier_poll(struct querier *q, uint64_t now);

/**
 * querier_next() - when querier_poll() has something to do next (absolute
 * ms), or QUERIER_NEVER.
 */
uint64_t querier_next(const struct querier *q);

/**
 * querier_active() - whether we are the querier now.
 */
bool querier_active(const struct querier *q);

#endif
