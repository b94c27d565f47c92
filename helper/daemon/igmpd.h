/*
 * igmpd.h - IGMP side of the daemon: snooped frames into the membership
 * engine, timers, and our own queries when we are the querier.
 */
#ifndef IGMPD_H
#define IGMPD_H

#include <stdint.h>
#include <stdio.h>

struct cfg;
struct registry;
struct client;

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

/** igmpd_exit() - stop and free everything. */
void igmpd_exit(void);

#endif
