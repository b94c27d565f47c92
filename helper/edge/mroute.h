/*
 * mroute.h - what the kernel's multicast routing says: is it there at all,
 * and which interfaces does a multicast router (igmpproxy, smcroute, pimd)
 * use. Shared by the helper and the plugin.
 */
#ifndef MROUTE_H
#define MROUTE_H

#define MROUTE_PROC_VIF "/proc/net/ip_mr_vif"

/**
 * mroute_kernel_routes() - can this kernel route multicast
 * (CONFIG_IP_MROUTE, i.e. /proc/net/ip_mr_vif exists)?
 */
int mroute_kernel_routes(void);

/**
 * mroute_vif_listed() - does /proc/net/ip_mr_vif text @proc list interface
 * @ifname? Pure.
 */
int mroute_vif_listed(const char *proc, const char *ifname);

/**
 * mroute_is_vif() - is @ifname a multicast routing interface right now?
 * 0 when the kernel has no multicast routing or nothing uses it.
 */
int mroute_is_vif(const char *ifname);

#endif
