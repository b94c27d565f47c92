/*
 * igmpd.h - IGMP side of the daemon: snooped frames into the membership
 * engine, timers, and our own queries when we are the querier.
 */
#ifndef IGMPD_H
#define IGMPD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cfg;
struct registry;
struct client;
struct maddr;
struct querier_params;

/**
 * igmpd_init() - create the membership engine. Return it, or NULL with
 * errno ENOMEM.
 */
struct mship *igmpd_init(const struct cfg *cfg, struct registry *reg);

/** igmpd_up() - start snooping (and querying, if so configured) on @dev. */
int igmpd_up(const char *dev);

/** igmpd_down() - stop snooping; memberships are kept for a returning tap. */
void igmpd_down(void);

/** igmpd_client_gone() - drop every membership of client @id at once. */
void igmpd_client_gone(uint32_t id);

/** igmpd_mac_gone() - drop the memberships reported from one MAC of @id. */
void igmpd_mac_gone(uint32_t id, const uint8_t mac[6]);

/**
 * igmpd_query_host() - send a general query to one client's MAC only. A
 * client that reconnects keeps its tap and its sockets, so its kernel
 * reports nothing by itself; this asks it at once, without disturbing the
 * other clients or the querier on the tap. Nothing with igmp.querier off.
 */
void igmpd_query_host(const uint8_t mac[6]);

/**
 * igmpd_client_connected() - a client connected: until it has sent a frame,
 * ask all hosts for their groups a few times (see IGMPD_CONNECT_ROUNDS).
 */
void igmpd_client_connected(void);

/**
 * igmpd_policy_changed() - the policy in the config was replaced: end at
 * once every membership it no longer allows (caps apply to new joins only).
 */
void igmpd_policy_changed(void);

/** igmpd_client_groups() - write @c's groups, space separated. */
void igmpd_client_groups(const struct client *c, FILE *out);

/** igmpd_group_rows() - one "GROUP,..." status row per group. */
void igmpd_group_rows(FILE *out);

/** igmpd_drop_rows() - one "DROPS,igmp_...,n" row per reason. */
void igmpd_drop_rows(FILE *out);

/**
 * igmpd_maddr() - the helper's one table of IPv6 addresses (maddr.h): the
 * membership engine's IPv6 group and source keys resolve here, e.g. for
 * the data path's IPv6 headers or for printing. NULL before igmpd_init().
 */
struct maddr *igmpd_maddr(void);

/**
 * igmpd_on_addr_gone() - @cb is told each IPv6 address whose key is freed
 * (no membership uses it any more), before the key can be given to another
 * address: e.g. to delete the key from a kernel map. Sweeps run once per
 * igmp.query_interval. @cb must not call back into igmpd.
 */
void igmpd_on_addr_gone(void (*cb)(void *arg, uint32_t key, const uint8_t a[16]), void *arg);

/*
 * For mldd.c, which shares the capture, the client lookup and the engine.
 */

/**
 * igmpd_hold() - keep @frame, whose sender's MAC is not known yet, until
 * the plugin channel has been read, then hand it in again. Return 1 if
 * kept, 0 if not (it is a retry already, or there is no room).
 */
int igmpd_hold(const uint8_t *frame, size_t len);

/**
 * igmpd_addr_pressure() - the IPv6 address table was found full: sweep it
 * soon (within a second of the last sweep) rather than at the next query
 * interval, so addresses of refused or ended memberships make room.
 */
void igmpd_addr_pressure(void);

/** igmpd_changes_flush() - tell the data path the groups just changed. */
void igmpd_changes_flush(void);

/** igmpd_exit() - stop and free everything. */
void igmpd_exit(void);

/**
 * igmpd_querier_params() - the querier settings of @cfg's igmp section,
 * which MLD's querier (mldd.c) shares.
 */
void igmpd_querier_params(const struct cfg *cfg, struct querier_params *qp);

#endif
