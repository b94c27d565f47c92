/*
 * caps.c - startup checks: privileges, the tap device, netfilter support.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <nftables/libnftables.h>

#include "caps.h"
#include "log.h"

int caps_check_privs(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	static const struct { int cap; const char *name, *why; } need[] = {
		{ CAP_NET_ADMIN, "CAP_NET_ADMIN", "nftables and nflog" },
		{ CAP_NET_RAW, "CAP_NET_RAW", "AF_PACKET sockets" },
	};
	size_t i;
	int missing = 0;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0) {
		log_warn("caps: capget");
		return -1;
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		int cap = need[i].cap;

		if (data[cap / 32].effective & (1u << (cap % 32)))
			continue;
		log_warnx("caps: %s missing from the effective set (needed for %s); "
			  "run as root or grant it (e.g. systemd AmbientCapabilities=)",
			  need[i].name, need[i].why);
		missing = 1;
	}
	if (missing) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

long caps_tun_flags(const char *text)
{
	char *end;
	long v;

	if (!text) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtol(text, &end, 0);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno || end == text || *end || v < 0) {
		errno = EINVAL;
		return -1;
	}
	return v;
}

/* 1 tap, 0 tun, -1 unknown (not answered by the tun driver or no file). */
static int tap_by_ethtool(const char *ifname, char *driver, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr;
	int fd, rc;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	rc = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	if (rc < 0)
		return -1;
	snprintf(driver, len, "%.*s", (int)sizeof(info.driver), info.driver);
	if (strcmp(driver, "tun"))
		return -2;
	return !strncmp(info.bus_info, "tap", sizeof(info.bus_info));
}

static int tap_by_sysfs(const char *ifname)
{
	char path[64], text[32];
	size_t n;
	long flags;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", ifname);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	flags = caps_tun_flags(text);
	if (flags < 0)
		return -1;
	return (flags & IFF_TAP) ? 1 : 0;
}

int caps_check_tap(const char *ifname)
{
	char driver[40] = "";
	int kind;

	if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ) {
		log_warnx("caps: invalid device name");
		errno = EINVAL;
		return -1;
	}
	if (!if_nametoindex(ifname)) {
		log_warn("caps: device %s", ifname);
		errno = ENODEV;
		return -1;
	}
	kind = tap_by_ethtool(ifname, driver, sizeof(driver));
	if (kind == -1)
		kind = tap_by_sysfs(ifname);
	switch (kind) {
	case 1:
		return 0;
	case 0:
		log_warnx("caps: %s is a tun (layer 3) device; per-client multicast "
			  "needs \"dev-type tap\" in the OpenVPN config", ifname);
		break;
	case -2:
		log_warnx("caps: %s is not a tun/tap device (driver \"%s\")", ifname, driver);
		break;
	default:
		log_warnx("caps: cannot tell whether %s is a tap device "
			  "(no ethtool answer, no /sys/class/net/%s/tun_flags)", ifname, ifname);
		break;
	}
	errno = EMEDIUMTYPE;
	return -1;
}

/* Built in, loaded, or at least installed as a module the kernel can load. */
static int nflog_available(void)
{
	static const char *const lists[] = { "modules.builtin", "modules.dep" };
	char path[320], line[512];
	struct utsname u;
	size_t i;
	FILE *f;

	if (access("/proc/net/netfilter/nfnetlink_log", F_OK) == 0)
		return 1;
	if (uname(&u) < 0)
		return 0;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release, lists[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (strstr(line, "/nfnetlink_log.ko")) {
				fclose(f);
				return 1;
			}
		fclose(f);
	}
	return 0;
}

int caps_check_netfilter(void)
{
	struct nft_ctx *nft;
	const char *err;
	int fd, rc;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0) {
		log_warn("caps: kernel without nfnetlink (CONFIG_NETFILTER_NETLINK)");
		return -1;
	}
	close(fd);

	nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft || nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft)) {
		log_warnx("caps: cannot create an nftables context");
		if (nft)
			nft_ctx_free(nft);
		errno = ENOMEM;
		return -1;
	}
	rc = nft_run_cmd_from_buffer(nft, "list tables");
	if (rc) {
		err = nft_ctx_get_error_buffer(nft);
		log_warnx("caps: nftables not usable (kernel without nf_tables?): %.*s",
			  (int)strcspn(err ? err : "", "\n"), err ? err : "");
		nft_ctx_free(nft);
		errno = EPROTONOSUPPORT;
		return -1;
	}
	nft_ctx_free(nft);

	/* Not fatal: a module we cannot see may still load on first bind;
	 * capture_open() has the final word. */
	if (!nflog_available())
		log_warnx("caps: nfnetlink_log neither loaded nor found as a module; "
			  "opening the nflog group may fail (modprobe nfnetlink_log)");
	return 0;
}

int caps_check_all(const char *ifname)
{
	if (caps_check_privs() < 0)
		return -1;
	if (caps_check_tap(ifname) < 0)
		return -1;
	return caps_check_netfilter();
}

unsigned long long caps_keep_mask(void)
{
	return 1ULL << CAP_NET_ADMIN | 1ULL << CAP_NET_RAW;
}

/* The highest capability this kernel knows, which may exceed our headers'. */
static int caps_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

static int caps_set(unsigned long long keep)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		data[i].permitted = (uint32_t)(keep >> (32 * i));
		data[i].effective = data[i].permitted;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	/* Read back: what we asked for must be exactly what we have. */
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].permitted != (uint32_t)(keep >> (32 * i)) ||
		    data[i].effective != data[i].permitted || data[i].inheritable) {
			errno = EPERM;
			return -1;
		}
	return 0;
}

static int caps_switch_user(const char *user)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		if (!errno)
			errno = ENOENT;
		log_warn("caps: user '%s'", user);
		return -1;
	}
	/* Keep the permitted set across setuid(); effective is restored by
	 * capset() afterwards. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(1, &pw->pw_gid) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		log_warn("caps: cannot become user '%s' (uid %u, gid %u)", user,
			 (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
		return -1;
	}
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}

int caps_drop(const char *user)
{
	unsigned long long keep = caps_keep_mask();
	int last = caps_last();

	/* The bounding set first: dropping from it needs CAP_SETPCAP. */
	for (int cap = 0; cap <= last; cap++) {
		if (keep & 1ULL << cap || prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			continue;
		if (errno != EPERM) {
			log_warn("caps: cannot drop capability %d from the bounding set", cap);
			return -1;
		}
		/* Started without CAP_SETPCAP (e.g. as a user with ambient
		 * capabilities): the bounding set stays, but no_new_privs
		 * below means no exec can regain what it holds. */
		log_warnx("caps: no CAP_SETPCAP, so the bounding set stays as it is");
		break;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_warn("caps: cannot set no_new_privs");
		return -1;
	}
	/* Kernels before 4.3 have no ambient set: nothing to clear there. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		log_warn("caps: cannot clear the ambient set");
		return -1;
	}
	if (user && user[0] && caps_switch_user(user) < 0)
		return -1;
	if (caps_set(keep) < 0) {
		log_warn("caps: cannot limit the capabilities to CAP_NET_ADMIN and CAP_NET_RAW");
		return -1;
	}
	log_info("caps: running as uid %u gid %u with CAP_NET_ADMIN and CAP_NET_RAW only",
		 (unsigned)getuid(), (unsigned)getgid());
	return 0;
}
