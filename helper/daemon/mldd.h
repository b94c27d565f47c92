/*
 * mldd.h - MLD side of the daemon: snooped MLD into the membership engine
 * (IPv6 addresses interned as maddr keys), and our own MLD queries when no
 * other MLD querier is heard. igmpd.c owns the capture, the client lookup
 * and the membership engine, and hands IPv6 frames here.
 */
#ifndef MLDD_H
#define MLDD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cfg;
struct registry;
struct mship;
struct maddr;

/**
 * mldd_init() - remember igmpd's config, registry, membership engine and
 * address table; nothing is allocated.
 */
void mldd_init(const struct cfg *cfg, struct registry *reg, struct mship *ms,
	       struct maddr *ma);

/**
 * mldd_up() - start querying on tap @dev (igmp.querier decides whether);
 * @tap_mac: igmpd's copy of the tap's MAC, which igmpd keeps current.
 */
void mldd_up(const char *dev, const uint8_t *tap_mac);

/** mldd_down() - stop querying. */
void mldd_down(void);

/**
 * mldd_frame() - one captured IPv6 frame (Hop-by-Hop + ICMPv6): a client's
 * report or done goes to the membership engine, a query to the election.
 * Return: 1 if the frame waits for its sender's MAC to be announced
 * (igmpd_hold()), else 0.
 */
int mldd_frame(const uint8_t *frame, size_t len, uint64_t now);

/** mldd_tick() - send a query if one is due at @now. */
void mldd_tick(uint64_t now);

/**
 * mldd_query() - a general query to @dst (ff02::1 in the IPv6 header
 * always): 33:33:00:00:00:01 for all clients, or one client's MAC.
 * Nothing with igmp.querier off or while the tap has no link-local address.
 */
void mldd_query(const uint8_t dst[6], uint32_t max_resp_ms);

/** mldd_drop_rows() - one "DROPS,mld_...,n" row per reason. */
void mldd_drop_rows(FILE *out);

#endif
