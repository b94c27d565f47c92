/*
 * upstream.h - standalone upstream: the helper as an IGMP proxy (RFC 4605).
 *
 * With `upstream = "eth0"` no multicast router is needed. The helper keeps
 * its membership on the upstream interface equal to the union of its
 * clients' memberships (upmerge.c), through the kernel's socket API: one
 * socket per group, so the kernel sends the reports and answers the
 * upstream querier. Group traffic arriving there is logged to the helper's
 * nflog group by a netdev ingress chain (divert.c), and fwd.c replicates it
 * after upstream_packet() has applied the router's TTL rule.
 */
#ifndef UPSTREAM_H
#define UPSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cfg;
struct maddr;
struct mship;

/**
 * upstream_mode_line() - one line for the log (and `-t`) that says how the
 * tap is fed, for @cfg, and whether the kernel can route multicast.
 * Return: 1 if the line is a warning (no router can run here), else 0.
 */
int upstream_mode_line(const struct cfg *cfg, char *buf, size_t len);

/**
 * upstream_init() - start standalone mode if @cfg names an upstream
 * interface; nothing otherwise.
 * Return: 0, or -1 with errno (ENODEV: no such interface), logged here.
 */
int upstream_init(const struct cfg *cfg, struct mship *ms);

/**
 * upstream_set_maddr() - the table behind IPv6 keys: IPv6 groups are joined
 * on an AF_INET6 socket with the addresses it gives their keys.
 */
void upstream_set_maddr(const struct maddr *t);

/** upstream_enabled() - is standalone mode configured? */
int upstream_enabled(void);

/**
 * upstream_active() - standalone and forwarding now (not stepped back for a
 * multicast router on the tap)?
 */
int upstream_active(void);

/** upstream_ifname() - the upstream interface, "" when not standalone. */
const char *upstream_ifname(void);

/**
 * upstream_up() - the tap @dev is up. Refuses (and stays passive) when a
 * multicast router already uses @dev: both would forward, and every member
 * would get each packet twice.
 * Return: 0, or -1 with errno EEXIST (logged).
 */
int upstream_up(const char *dev);

/**
 * upstream_group_changed() - the membership of @group changed: bring the
 * upstream join in line. Not from inside an mship call (its views are not
 * final there); igmpd calls it once the call has returned.
 */
void upstream_group_changed(uint32_t group);

/**
 * upstream_packet() - count a packet taken in on the upstream interface
 * and apply the router's TTL rule (repl_ttl_forward()).
 * @ip: the IPv4 packet, at least 20 bytes, or IPv6, at least 40; its TTL
 *      or hop limit is decremented in place.
 * Return: 1 to replicate it, 0 to drop it (TTL expired, or passive).
 */
int upstream_packet(uint8_t *ip, size_t len);

/**
 * upstream_counts_set() - for the in-kernel data plane, which counts by
 * itself: @group's frames in and TTL drops since it was joined.
 */
void upstream_counts_set(uint32_t group, uint64_t frames_in, uint64_t ttl_drops);

/** upstream_ttl_total_set() - likewise, all TTL drops (set the groups' first). */
void upstream_ttl_total_set(uint64_t total);

/** upstream_rows() - the UPSTREAM status section. */
void upstream_rows(FILE *out);

/** upstream_drop_rows() - DROPS rows: packets whose TTL ran out here. */
void upstream_drop_rows(FILE *out);

/** upstream_exit() - leave every group (the kernel sends the Leaves). */
void upstream_exit(void);

#endif
