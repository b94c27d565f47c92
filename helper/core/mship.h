/*
 * mship.h - per-client multicast group membership.
 *
 * A member is a host: a client id from the registry plus the MAC that sent
 * the report, since one TAP client may bridge several hosts. For each
 * (host, group) the engine keeps the IGMPv3 router state of RFC 3376 6.4:
 * filter mode, source list with per-source timers, group timer, and the
 * older-version-host-present timers of 7.3.2.
 *
 * Where the RFC would send a group (and source) specific query to learn
 * whether anyone else still wants the traffic, there is nobody else: a member
 * is one host. Those sources (or the group) are expired at once instead, so a
 * v2 Leave, a TO_IN({}) or a BLOCK that empties an INCLUDE list removes the
 * membership immediately.
 *
 * Pure: no clock, socket or pcap. Time is passed in as now_ms. Memory is
 * allocated when memberships change, never by mship_lookup().
 * Addresses are uint32_t in network byte order.
 */
#ifndef MSHIP_H
#define MSHIP_H

#include <stddef.h>
#include <stdint.h>

#include "igmp.h"

#define MSHIP_NEVER UINT64_MAX

enum mship_mode { MSHIP_INCLUDE, MSHIP_EXCLUDE };

/* One copy to send: rewrite the Ethernet destination to @mac. */
struct mship_dest {
	uint32_t client;
	uint8_t mac[6];
};

/* Per-group counters for the GROUP status rows, bumped by the data path. */
struct mship_group_stats {
	uint64_t frames_in;
	uint64_t frames_out;
	uint64_t bytes_out;
};

enum mship_ev_type {
	MSHIP_JOIN,	/* the host became a member of the group */
	MSHIP_LEAVE,	/* the host is no longer a member */
	MSHIP_FILTER,	/* still a member, with another mode or source list */
};

enum mship_why {
	MSHIP_WHY_REPORT,	/* an IGMP message from the host */
	MSHIP_WHY_EXPIRE,	/* timers ran out */
	MSHIP_WHY_REMOVE,	/* mship_client_remove() or mship_mac_remove() */
	MSHIP_WHY_REVOKE,	/* mship_client_group_remove(): no longer admitted */
};

struct mship_event {
	enum mship_ev_type type;
	enum mship_why why;
	uint32_t client;
	uint8_t mac[6];
	uint32_t group;
	enum mship_mode mode;	/* after the change */
	unsigned int nsrc;	/* source list length after the change */
	unsigned int members;	/* hosts in the group after the change */
};

struct mship_params {
	unsigned int robustness;	/* 0 = 2 */
	uint32_t query_interval_ms;	/* 0 = 125000 */
	uint32_t query_response_interval_ms; /* 0 = 10000 */
	unsigned int max_groups;	/* per client; 0 = 256 */
	unsigned int max_sources;	/* per host and group; 0 = 64 */
	/* Called for every change; must not call back into mship. */
	void (*notify)(void *arg, const struct mship_event *ev);
	void *arg;
	/* Where to count IGMP_DROP_GROUP_LIMIT and _SOURCE_LIMIT; optional. */
	struct igmp_stats *stats;
	/*
	 * Optional admission control (per-client policy), asked within the
	 * limits above; a refusal is counted by the callee. admit_group: may
	 * @client, now in @groups groups, join @group, which it is not in
	 * through any of its hosts? admit_source: may a record of @client for
	 * @group, holding @nsrc sources, gain one more? Return 0 or -1 (no).
	 * Must not call back into mship.
	 */
	int (*admit_group)(void *arg, uint32_t client, uint32_t group, unsigned int groups);
	int (*admit_source)(void *arg, uint32_t client, uint32_t group, unsigned int nsrc);
};

/* A source and its timer (absolute ms; 0 = stopped, i.e. blocked). */
struct mship_src {
	uint32_t addr;
	uint64_t timer;
};

/* Read-only view of one host's state for a group (tests, debugging). */
struct mship_filter {
	enum mship_mode mode;
	uint64_t group_timer;	/* EXCLUDE mode only */
	int compat;		/* 1, 2 or 3: oldest version heard lately */
	unsigned int nsrc;
	const struct mship_src *src;	/* sorted by address */
};

struct mship;

/**
 * mship_new() - create an empty membership table.
 * Return: the table, or NULL with errno ENOMEM.
 */
struct mship *mship_new(const struct mship_params *p);

/**
 * mship_free() - free @ms and everything in it, without notifications.
 */
void mship_free(struct mship *ms);

/**
 * mship_apply() - apply a parsed report or leave from host (@client, @mac).
 * Queries are ignored. The caller has mapped @mac to @client already (and
 * counted IGMP_DROP_UNKNOWN_MAC if it could not).
 * Return: number of events notified (0 if nothing changed), or -1 with errno
 * ENOMEM; what could be applied has been. A group whose lookup answer could
 * not be rebuilt answers "nobody" (never a stale MAC) until a later call,
 * which retries, succeeds.
 */
int mship_apply(struct mship *ms, uint32_t client, const uint8_t mac[6],
		const struct igmp_msg *msg, uint64_t now);

/**
 * mship_record() - apply one group record, as mship_apply() does for each.
 * @version: IGMP version of the message: a v1/v2 report is (1 or 2,
 *           IGMP_MODE_IS_EXCLUDE, no sources), a v2 leave is
 *           (2, IGMP_CHANGE_TO_INCLUDE, no sources).
 * @src: @nsrc addresses, network byte order, any alignment.
 * Return: as mship_apply().
 */
int mship_record(struct mship *ms, uint32_t client, const uint8_t mac[6],
		 int version, uint32_t group, enum igmp_rec_type type,
		 const void *src, unsigned int nsrc, uint64_t now);

/**
 * mship_client_remove() - drop every membership of @client at once.
 * Return: number of memberships removed, or -1 with errno ENOMEM (they are
 * removed all the same; see mship_apply()).
 */
int mship_client_remove(struct mship *ms, uint32_t client);

/**
 * mship_mac_remove() - drop the memberships of one host, e.g. when its MAC
 * moves to another client. Return: as mship_client_remove().
 */
int mship_mac_remove(struct mship *ms, uint32_t client, const uint8_t mac[6]);

/**
 * mship_client_group_remove() - end @client's membership of @group on all
 * its hosts at once (MSHIP_WHY_REVOKE), e.g. when a policy reload no
 * longer admits it. Return: as mship_client_remove().
 */
int mship_client_group_remove(struct mship *ms, uint32_t client, uint32_t group);

/**
 * mship_expire() - run every timer that is due at @now.
 * Return: number of events notified, or -1 with errno ENOMEM.
 */
int mship_expire(struct mship *ms, uint64_t now);

/**
 * mship_next_expiry() - when mship_expire() should run next (absolute ms),
 * or MSHIP_NEVER. It may be early, never late: refreshed timers are only
 * noticed by the next mship_expire(), which then does nothing.
 */
uint64_t mship_next_expiry(const struct mship *ms);

/**
 * mship_lookup() - who gets a packet from @src to @group.
 * @dst: receives the destinations, valid until the next call that changes
 *       @ms (apply, record, expire, remove); NULL when there are none.
 * @gs: optional; receives the group's counters, NULL if there is no member.
 *
 * O(1) for any-source groups, O(log n) in the sources named by members'
 * filters; no allocation.
 * Return: number of destinations.
 */
size_t mship_lookup(const struct mship *ms, uint32_t src, uint32_t group,
		    const struct mship_dest **dst, struct mship_group_stats **gs);

/**
 * mship_members() - mship_lookup() into caller arrays, for a sender that
 * wants the MACs contiguous.
 * @ids, @macs: receive up to @max client ids and MACs.
 * @gs: optional, as for mship_lookup().
 * Return: number filled in; fewer than there are if @max is too small.
 */
unsigned int mship_members(const struct mship *ms, uint32_t src, uint32_t group,
			   uint32_t *ids, uint8_t (*macs)[6], unsigned int max,
			   struct mship_group_stats **gs);

/**
 * mship_member_count() - hosts in @group, whatever their source filters.
 */
unsigned int mship_member_count(const struct mship *ms, uint32_t group);

/**
 * mship_client_groups() - the groups of @client, ascending, each once.
 * @groups: receives up to @max of them.
 * Return: how many there are, which may exceed @max; -1 with errno ENOMEM.
 */
int mship_client_groups(const struct mship *ms, uint32_t client,
			uint32_t *groups, size_t max);

/**
 * mship_group_foreach() - call @cb for each group, ascending by address.
 * @cb: gets the group, its number of member hosts and its counters; a
 *      non-zero return stops the walk and is returned.
 * Return: 0, @cb's value, or -1 with errno ENOMEM.
 */
int mship_group_foreach(const struct mship *ms,
			int (*cb)(void *arg, uint32_t group, unsigned int members,
				  const struct mship_group_stats *gs),
			void *arg);

/**
 * mship_group_hosts() - call @cb with the state of each member host of
 * @group (see mship_get()), in no particular order.
 * @cb: a non-zero return stops the walk and is returned.
 * Return: 0 (also for a group without members), or @cb's value.
 */
int mship_group_hosts(const struct mship *ms, uint32_t group, uint64_t now,
		      int (*cb)(void *arg, const struct mship_filter *f), void *arg);

/**
 * mship_group_view() - the whole lookup answer of @group, for a data plane
 * that keeps its own copy: @cb gets the default list (@named 0, @src 0:
 * for sources no filter names) and then one list per named source
 * (@named 1), each possibly empty. Nothing for a group without members.
 * @cb: a non-zero return stops the walk and is returned.
 * Return: 0, or @cb's value.
 */
int mship_group_view(const struct mship *ms, uint32_t group,
		     int (*cb)(void *arg, int named, uint32_t src,
			       const struct mship_dest *dst, size_t n),
		     void *arg);

/**
 * mship_group_count() - number of groups with at least one member.
 */
unsigned int mship_group_count(const struct mship *ms);

/**
 * mship_get() - state of host (@client, @mac) for @group.
 * @f: receives a view valid until the next change of @ms.
 * Return: 0, or -1 with errno ENOENT if the host is not a member.
 */
int mship_get(const struct mship *ms, uint32_t client, const uint8_t mac[6],
	      uint32_t group, uint64_t now, struct mship_filter *f);

/**
 * mship_check() - verify every internal invariant, including that each
 * lookup answer matches a recomputation from the filters. For tests and
 * the fuzzer; slow.
 * Return: 0, or -1 with errno EPROTO and a reason in @why (if not NULL).
 */
int mship_check(const struct mship *ms, const char **why);

#endif
