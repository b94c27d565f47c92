/*
 * caps.h - startup checks: privileges, the tap device, netfilter support.
 *
 * Each check says in one log line what is wrong and what to do about it,
 * so that a misconfiguration fails at start rather than as silent loss.
 */
#ifndef CAPS_H
#define CAPS_H

/**
 * caps_check_privs() - are CAP_NET_ADMIN (nftables, nflog) and CAP_NET_RAW
 * (AF_PACKET) in the effective set? Uses capget(2), not libcap.
 *
 * Return: 0, or -1 with errno EPERM (logged).
 */
int caps_check_privs(void);

/**
 * caps_check_tap() - does @ifname exist and is it a tap (layer 2 tun/tap
 * device)? Asks the driver through ETHTOOL_GDRVINFO (tun answers bus_info
 * "tap" or "tun"), falling back to /sys/class/net/@ifname/tun_flags.
 *
 * Return: 0, or -1 with errno ENODEV (no such device), EMEDIUMTYPE (a tun
 * or a non-tun device) or another errno (logged).
 */
int caps_check_tap(const char *ifname);

/**
 * caps_tun_flags() - parse the text of a sysfs tun_flags file ("0x1002").
 * Pure.
 *
 * Return: the flags, or -1 with errno EINVAL.
 */
long caps_tun_flags(const char *text);

/**
 * caps_check_netfilter() - can we reach nf_tables, and is nfnetlink_log
 * loaded or loadable?
 *
 * Return: 0, or -1 with errno (logged).
 */
int caps_check_netfilter(void);

/**
 * caps_check_all() - every check above, for tap @ifname; stops at the
 * first failure.
 */
int caps_check_all(const char *ifname);

/**
 * caps_drop() - least privilege once setup is done: keep CAP_NET_ADMIN
 * (nftables, nflog, tc netlink) and CAP_NET_RAW (AF_PACKET) in the
 * permitted and effective sets, nothing inheritable or ambient, and empty
 * the bounding set beyond them. With @user ("" = stay root) switch to that
 * user and its group first, keeping the two capabilities across setuid().
 * Also sets no_new_privs: nothing the helper could exec gains privileges.
 * Without CAP_SETPCAP the bounding set cannot shrink; that is logged, not
 * fatal.
 *
 * Return: 0, or -1 with errno (logged).
 */
int caps_drop(const char *user);

/**
 * caps_keep_mask() - the capabilities caps_drop() keeps, as a bit mask
 * over capability numbers (for tests).
 */
unsigned long long caps_keep_mask(void);

#endif
