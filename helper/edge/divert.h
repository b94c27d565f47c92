/*
 * divert.h - keep the kernel from writing group traffic into the tap.
 *
 * One nftables table, owned by the helper, logs routed or locally sent
 * multicast (not 224.0.0.0/24) leaving the tap to an nflog group and
 * drops it; capture.c reads it there and repl.c writes the per-client
 * copies. Preferred is a netdev table on the tap's egress hook (Linux >=
 * 5.16): it sees every sender and its drop is ENOBUFS, which UDP senders
 * shrug off. Older kernels get an inet table on the forward hook, which
 * only sees routed traffic.
 */
#ifndef DIVERT_H
#define DIVERT_H

#include <stddef.h>

enum divert_hook {
	DIVERT_AUTO,	/* egress if the kernel has it, else forward */
	DIVERT_EGRESS,	/* netdev family, egress hook on the tap */
	DIVERT_FORWARD,	/* inet family, forward hook, oifname match */
};

#define DIVERT_CHAIN_EGRESS	"tap_egress"
#define DIVERT_CHAIN_FORWARD	"tap_forward"
#define DIVERT_CHAIN_UPSTREAM	"up_ingress"
#define DIVERT_CHAIN_CLIENT	"tap_ingress"
#define DIVERT_OWNER_TAG	"openvpn-mcast pid "

/**
 * divert_ruleset() - the nft script that installs the table. Pure.
 * @hook:    DIVERT_EGRESS or DIVERT_FORWARD.
 * @replace: prefix commands that drop an existing table of that name in
 *           the same transaction (for reinstall and stale takeover).
 * @pid:     written into the table comment, to recognise our own table.
 * @qthresh: records nflog may gather before it hands them over (1: each
 *           at once; see capture_batch()).
 *
 * Return: length written (without NUL), or -1 with errno EINVAL (bad
 * name, group or hook) or ENOSPC (@size too small).
 */
int divert_ruleset(char *buf, size_t size, enum divert_hook hook, int replace,
		   const char *table, const char *ifname, int group, long pid,
		   unsigned int qthresh);

/**
 * divert_upstream_rules() - the nft commands that add, to the netdev table
 * @table, an ingress chain on @upstream logging group traffic that arrives
 * there (not 224.0.0.0/24, not IGMP) to nflog @group. The packets are
 * accepted as well: local listeners on the server still get them. @qthresh
 * as for divert_ruleset(). Pure.
 *
 * Return: length written, or -1 with errno EINVAL or ENOSPC.
 */
int divert_upstream_rules(char *buf, size_t size, const char *table, const char *upstream,
			  int group, unsigned int qthresh);

/**
 * divert_rules6() - the nft commands that add the IPv6 rules to the table
 * of divert_ruleset() (same @hook, @table, @ifname, @group, @qthresh): IPv6
 * group data to a scope above link-local (not ffx1::/16, ffx2::/16: ND and
 * MLD queries reach everyone), without a Hop-by-Hop header (MLD), is logged
 * and dropped; with @upstream (netdev only, "" or NULL for none), also
 * logged, not dropped, in the chain of divert_upstream_rules(). Pure.
 *
 * Return: length written, or -1 with errno EINVAL or ENOSPC.
 */
int divert_rules6(char *buf, size_t size, enum divert_hook hook, const char *table,
		  const char *ifname, const char *upstream, int group, unsigned int qthresh);

/**
 * divert_client_rules() - the nft commands that add, to the netdev table
 * @table, an ingress chain on the tap @ifname logging group traffic that
 * clients send (not 224.0.0.0/24, not IGMP) to nflog @group, for the
 * helper to copy to the other members (client_multicast). The frames are
 * accepted as well: they go on into the host stack unchanged. The records
 * carry the sender's MAC (NFULA_HWADDR). @qthresh as for divert_ruleset().
 * Pure.
 *
 * Return: length written, or -1 with errno EINVAL or ENOSPC.
 */
int divert_client_rules(char *buf, size_t size, const char *table, const char *ifname,
			int group, unsigned int qthresh);

/**
 * divert_client_rules6() - the IPv6 rule of the chain of
 * divert_client_rules() (same @table, @group, @qthresh): IPv6 group data
 * clients send, to a scope above link-local and without a Hop-by-Hop
 * header (MLD), is logged, not dropped. Pure.
 *
 * Return: length written, or -1 with errno EINVAL or ENOSPC.
 */
int divert_client_rules6(char *buf, size_t size, const char *table, int group,
			 unsigned int qthresh);

/**
 * divert_set_client() - from the next install on, also take in the group
 * traffic clients send into the tap (@on 1) or not (0). Netdev (egress)
 * installs only.
 */
void divert_set_client(int on);

/**
 * divert_set_upstream() - from the next install on, also take in group
 * traffic from @ifname (standalone upstream), "" for none. Netdev (egress)
 * installs only.
 */
void divert_set_upstream(const char *ifname);

/**
 * divert_set_batch() - from the next install on, let nflog gather up to
 * @qthresh records per hand-over (the rules' queue-threshold; 1 = none).
 */
void divert_set_batch(unsigned int qthresh);

/**
 * divert_name_ok() - is @name safe to put into an nft script as a table
 * name (@is_ifname 0: [A-Za-z_][A-Za-z0-9_]*, < 64 chars) or as a quoted
 * device name (@is_ifname 1: [A-Za-z0-9_.:-]+, < 16 chars)? Pure.
 */
int divert_name_ok(const char *name, int is_ifname);

/**
 * divert_kernel_has_egress() - does kernel release string @release (as
 * from uname -r) have the netdev egress hook, i.e. is it >= 5.16? Pure.
 */
int divert_kernel_has_egress(const char *release);

/**
 * divert_owner_pid() - the helper pid in the comment of an `nft list
 * table` @listing, 0 if the table carries no helper comment. Pure.
 */
long divert_owner_pid(const char *listing);

/**
 * divert_check_free() - at startup, before any device is known: refuse if
 * @table already exists and is not a dead helper's leftover.
 * Return: 0, or -1 with errno EEXIST (someone else's table), EINVAL, or the
 * nftables error. The reason is logged.
 */
int divert_check_free(const char *table);

/**
 * divert_install() - install the diversion for tap @ifname.
 * @hook: normally DIVERT_AUTO; the others force a variant.
 *
 * Refuses (EEXIST) when a table named @table already exists and is not a
 * leftover of a dead helper (recognised by its comment, then replaced).
 * The table is created in one nft transaction, so there is never a
 * half-installed ruleset.
 *
 * Return: 0, or -1 with errno, logged here.
 */
int divert_install(const char *ifname, const char *table, int group,
		   enum divert_hook hook);

/**
 * divert_present() - is our table with its chain still in the kernel?
 *
 * Return: 1 yes, 0 no, -1 with errno if nft could not be asked.
 */
int divert_present(void);

/**
 * divert_reinstall() - recreate the table atomically with the parameters
 * of the last divert_install(). Call it when the tap was recreated: a
 * device-bound chain goes away with, or stays detached from, its device.
 *
 * Return: 0, or -1 with errno, logged here.
 */
int divert_reinstall(void);

/**
 * divert_remove() - delete our table if we installed it. Idempotent; a
 * table that is already gone is not an error.
 *
 * Return: 0, or -1 with errno, logged here.
 */
int divert_remove(void);

/**
 * divert_remove_stale() - delete table @table (either family) if a helper
 * that no longer runs left it behind; someone else's table stays.
 * Return: 0, or -1 with errno (EEXIST: not a leftover), logged here.
 */
int divert_remove_stale(const char *table);

/** divert_exit() - divert_remove() and free the nft context. */
void divert_exit(void);

#endif
