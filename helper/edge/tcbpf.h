/*
 * tcbpf.h - the in-kernel data plane's edge: load the tc programs of
 * bpf/mcast_tc.bpf.c, attach them to the tap's egress and the standalone
 * upstream's ingress, and keep their maps in step with the membership.
 *
 * Filters are attached through tc's netlink interface with the project's
 * own handle and priority (DP_TC_HANDLE in the high half of the handle,
 * DP_TC_PRIO): they outlive the
 * helper, which is what lets delivery go on across a helper crash, and a
 * new helper replaces them atomically. Nothing else on those devices is
 * touched; a clean exit detaches exactly what was attached.
 */
#ifndef TCBPF_H
#define TCBPF_H

#include <stdint.h>

#include "bpf/dp_core.h"

struct mship;

/**
 * tcbpf_open() - load the programs and create the maps.
 * @instance: tells this helper's filters from another OpenVPN instance's
 *            on a shared upstream (the low 16 bits of the tc handle; the
 *            nflog group, unique per instance anyway).
 * Return: 0, or -1 with errno; the reason is kept for tcbpf_why().
 */
int tcbpf_open(unsigned int instance);

/** tcbpf_why() - why the last tcbpf_open() failed, in words. */
const char *tcbpf_why(void);

/**
 * tcbpf_attach() - attach (replacing a filter of ours left there, after
 * copying the lists and counters of its program: see tcbpf_adopted()) the tap
 * program to @ifname's egress (@upstream 0) or the upstream program to its
 * ingress (@upstream 1). For the tap, also records its ifindex and MAC.
 * Return: 0, or -1 with errno (logged).
 */
int tcbpf_attach(const char *ifname, int upstream);

/**
 * tcbpf_adopt_end() - forget the maps of earlier helpers' programs that
 * tcbpf_open() found (only a filter of ours seen at the first attach can
 * be taken over).
 */
void tcbpf_adopt_end(void);

/**
 * tcbpf_adopted() - did tcbpf_attach() find a dead helper's filter and take
 * its lists and counters over? Then tcbpf_sweep() is due once the clients
 * have answered a query.
 */
int tcbpf_adopted(void);

/**
 * tcbpf_sweep() - after a takeover: delete the lists and group counters of
 * groups without members in @ms, the counters of clients @client_known()
 * does not know, and the (group, client) counters @cg_known() does not.
 * Clears tcbpf_adopted(). Return: the number of lists deleted.
 */
int tcbpf_sweep(const struct mship *ms, int (*client_known)(void *arg, uint32_t id),
		int (*cg_known)(void *arg, uint32_t group, uint32_t client), void *arg);

/**
 * tcbpf_detach() - remove our filter from the tap (@upstream 0) or the
 * upstream (@upstream 1), if attached. The clsact qdisc stays: other tc
 * users may have filters on it.
 */
void tcbpf_detach(int upstream);

/**
 * tcbpf_present() - is our filter still where we attached it (nobody
 * deleted it, the device was not recreated)?
 */
int tcbpf_present(int upstream);

/**
 * tcbpf_sync_group() - write @group's destination lists from @ms (the
 * default list and one per named source), or delete them all when the group
 * has no member. Each list is replaced whole: the data plane never sees a
 * half-written one.
 * Return: 0, or -1 with errno (logged).
 */
int tcbpf_sync_group(const struct mship *ms, uint32_t group);

/** tcbpf_client_add() - zeroed counters for client @id, unless it has some (taken over). */
int tcbpf_client_add(uint32_t id);

/** tcbpf_client_del() - forget client @id's counters. */
void tcbpf_client_del(uint32_t id);

/** tcbpf_client_counts() - frames and bytes copied to client @id. */
int tcbpf_client_counts(uint32_t id, uint64_t *frames, uint64_t *bytes);

/**
 * tcbpf_cg_add() - zeroed counters for @client's copies of @group, unless
 * it has some (taken over). Return 0, or -1 with errno (logged).
 */
int tcbpf_cg_add(uint32_t group, uint32_t client);

/** tcbpf_cg_del() - forget @client's counters for @group. */
void tcbpf_cg_del(uint32_t group, uint32_t client);

/** tcbpf_cg_counts() - frames and bytes of @group copied to @client. */
int tcbpf_cg_counts(uint32_t group, uint32_t client, uint64_t *frames, uint64_t *bytes);

/** tcbpf_group_counts() - @group's counters summed over CPUs. */
int tcbpf_group_counts(uint32_t group, struct dp_gcnt *out);

/** tcbpf_drops() - drop counter @why summed over CPUs. */
uint64_t tcbpf_drops(enum dp_drop why);

/**
 * tcbpf_remove() - detach instance @instance's filter from @ifname's egress
 * (@upstream 0) or ingress (@upstream 1), without loading anything: the
 * leftovers of a helper that died.
 * Return: 1 removed, 0 there was none, -1 with errno (logged).
 */
int tcbpf_remove(const char *ifname, int upstream, unsigned int instance);

/** tcbpf_close() - detach both programs and free everything. */
void tcbpf_close(void);

#endif
