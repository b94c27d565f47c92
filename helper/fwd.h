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

/**
 * fwd_init() - startup checks and the nflog capture, before any device is
 * known: privileges, nftables/nflog availability, table name and nflog
 * group not in use. The reason of a failure is logged.
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

/** fwd_drop_rows() - "DROPS,reason,count" rows of the data path. */
void fwd_drop_rows(FILE *out);

#endif
