/*
 * fwd.h - the data path: divert multicast leaving the tap, and write one
 * unicast copy per member client back into it.
 */
#ifndef FWD_H
#define FWD_H

#include <stdint.h>
#include <stdio.h>

struct cfg;
struct registry;
struct mship;
struct cgcount;

/**
 * fwd_init() - choose the path (cfg->datapath: bpf where the tc programs
 * load, else nflog) and make the startup checks before any device is known:
 * privileges; for nflog also nftables/nflog availability, table name and
 * nflog group not in use, and the capture. The reason of a failure is
 * logged.
 * Return: 0, or -1 with errno.
 */
int fwd_init(const struct cfg *cfg, struct registry *reg, struct mship *ms);

/**
 * fwd_up() - start diverting and replicating on tap @dev.
 * Return: 0, or -1 with errno (the device is not a tap, nftables refused);
 * OpenVPN then floods as it would without the helper.
 */
int fwd_up(const char *dev);

/** fwd_down() - remove the diversion; multicast floods again. */
void fwd_down(void);

/** fwd_exit() - fwd_down() and release everything. */
void fwd_exit(void);

/**
 * fwd_group_changed() - @group's membership changed (its mship view is
 * final): the in-kernel data plane's lists follow.
 */
void fwd_group_changed(uint32_t group);

/** fwd_client_connected() - client @id connected: its counters start. */
void fwd_client_connected(uint32_t id);

/** fwd_client_gone() - client @id disconnected (after its last report). */
void fwd_client_gone(uint32_t id);

/**
 * fwd_cg() - the per (client, group) counters, up to date after
 * fwd_stats_pull().
 */
const struct cgcount *fwd_cg(void);

/**
 * fwd_stats_pull() - bring the clients', groups' and upstream counters up
 * to date where the data plane counts by itself (bpf): call before they
 * are reported.
 */
void fwd_stats_pull(void);

/**
 * fwd_upstream_changed() - the standalone upstream interface was recreated,
 * or standalone mode stepped back or resumed: take group traffic in from
 * it, or stop.
 */
void fwd_upstream_changed(void);

/** fwd_drop_rows() - "DROPS,reason,count" rows of the data path. */
void fwd_drop_rows(FILE *out);

#endif
