/*
 * mldship.h - MLD into the membership engine: a parsed MLD message's IPv6
 * addresses become maddr keys, and its records mship_record() calls, as
 * mship_apply() does for IGMP. MLDv1 Report and Done act as IGMPv2 Report
 * and Leave, MLDv2 records as IGMPv3 ones (same numbers).
 *
 * The keys are reclaimed by mark and sweep: mldship_mark() marks every key
 * the engine still holds, then the owner calls maddr_sweep().
 *
 * Pure: no I/O, no clock; time is passed in.
 */
#ifndef MLDSHIP_H
#define MLDSHIP_H

#include <stdint.h>

#include "maddr.h"
#include "mld.h"
#include "mship.h"

/**
 * mldship_apply() - apply a parsed report or done from host (@client,
 * @mac); queries are ignored.
 * @ma: where the group and source addresses are interned. A record that
 *      cannot create state (a BLOCK, or an INCLUDE/TO_IN with no sources)
 *      takes no new key, so a flood of them cannot fill the table.
 * @st: where a record lost to a full table is counted (MLD_DROP_TABLE_FULL);
 *      optional.
 *
 * Return: events notified by the engine (0 if nothing changed), or -1 with
 * errno ENOMEM (what could be applied has been); a full table is no error.
 */
int mldship_apply(struct mship *ms, struct maddr *ma, uint32_t client, const uint8_t mac[6],
		  const struct mld_msg *m, uint64_t now, struct mld_stats *st);

/**
 * mldship_mark() - maddr_mark() every IPv6 key @ms holds: each IPv6 group
 * and every source in its members' filters, those the lookup answers name
 * and those they do not (EXCLUDE mode's requested sources).
 * Return: 0, or -1 with errno ENOMEM: then do not sweep this time.
 */
int mldship_mark(const struct mship *ms, struct maddr *ma, uint64_t now);

#endif
