/*
 * upstream.c - standalone upstream: joins on the upstream interface that
 * follow the clients' memberships, and the TTL rule for what comes back.
 *
 * One UDP socket per group: the kernel limits memberships and source
 * filters per socket (igmp_max_memberships, igmp_max_msf), not per host.
 * The sockets are never bound, so no datagram is ever queued on them; a
 * drop-all socket filter makes sure of it. The data itself arrives through
 * nflog (divert.c's ingress chain, then upstream_packet()) or is copied in
 * the kernel (tcbpf.c's upstream program).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "ev.h"
#include "fwd.h"
#include "log.h"
#include "maddr.h"
#include "mroute.h"
#include "mship.h"
#include "repl.h"
#include "upmerge.h"
#include "upstream.h"

#define UP_CHECK_MS	1000

struct upgroup {
	uint32_t group;
	int fd;			/* -1: not joined (yet), retried each check */
	struct upfilter want;	/* the merge of the clients' filters */
	struct upfilter have;	/* what the kernel was told */
	uint64_t frames_in;
	uint64_t ttl_drops;
};

static struct {
	struct mship *ms;
	const struct maddr *maddr;	/* IPv6 addresses behind keys */
	char ifname[IF_NAMESIZE];
	unsigned int ifindex;
	char tap[IF_NAMESIZE];
	int passive;		/* a multicast router feeds the tap: hands off */
	struct upgroup *g;	/* sorted by group */
	size_t n, cap;
	int check_timer;
	uint64_t ttl_drops_other;	/* groups we have not joined */
} up;

static int cmp_group(const void *a, const void *b)
{
	uint32_t x = ntohl(*(const uint32_t *)a), y = ntohl(((const struct upgroup *)b)->group);

	return x < y ? -1 : x > y;
}

static struct upgroup *group_find(uint32_t group)
{
	/* bsearch() may not be given a NULL array, even an empty one. */
	if (!up.n)
		return NULL;
	return bsearch(&group, up.g, up.n, sizeof(*up.g), cmp_group);
}

int upstream_mode_line(const struct cfg *cfg, char *buf, size_t len)
{
	int routes = mroute_kernel_routes();

	if (cfg->upstream[0]) {
		snprintf(buf, len, "mode: standalone on %s: the helper joins groups upstream itself "
			 "(no multicast router needed; kernel multicast routing %s)", cfg->upstream,
			 routes ? "available, not used" : "absent");
		return 0;
	}
	if (routes) {
		snprintf(buf, len, "mode: a multicast router (igmpproxy, smcroute, pimd) feeds the tap; "
			 "kernel multicast routing available");
		return 0;
	}
	snprintf(buf, len, "mode: a multicast router should feed the tap, but this kernel has no "
		 "multicast routing (CONFIG_IP_MROUTE; %s is missing), so igmpproxy, smcroute and "
		 "pimd cannot run here (igmpproxy: \"MRT_INIT failed; Errno(92)\"). Only multicast "
		 "sent by processes on this server reaches clients. Set upstream = \"IFNAME\"; in "
		 "the helper config to let the helper join groups upstream itself", MROUTE_PROC_VIF);
	return 1;
}

/* @key (a group, or a source of @group) as text, in @group's family. */
static void group_name(uint32_t key, uint32_t group, char *buf)
{
	maddr_ntop(up.maddr, key, group, buf);
}

/*
 * @key (a group, or a source of @group) as a socket address of @group's
 * family. Return: its length, or 0 with errno ENOENT for an IPv6 key that
 * lost its address.
 */
static socklen_t sin_set(struct sockaddr_storage *ss, uint32_t key, uint32_t group)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	const uint8_t *a;

	memset(ss, 0, sizeof(*ss));
	if (!maddr_is6(group)) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = key;
		return sizeof(*sin);
	}
	a = up.maddr ? maddr_addr(up.maddr, key) : NULL;
	if (!a) {
		errno = ENOENT;
		return 0;
	}
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, a, sizeof(sin6->sin6_addr));
	return sizeof(*sin6);
}

static int filter_set(int fd, uint32_t group, const struct upfilter *f)
{
	struct sockaddr_storage gs, src[UPMERGE_MAX_SRC];
	socklen_t glen = sin_set(&gs, group, group);

	if (!glen)
		return -1;
	for (unsigned int i = 0; i < f->nsrc; i++)
		if (!sin_set(&src[i], f->src[i], group))
			return -1;
	/* glibc picks the IPv4 or IPv6 level from the group's family. */
	return setsourcefilter(fd, up.ifindex, (struct sockaddr *)&gs, glen,
			       f->mode == MSHIP_INCLUDE ? MCAST_INCLUDE : MCAST_EXCLUDE, f->nsrc, src);
}

/* A socket of @group's family that joins but never receives. */
static int join_socket(uint32_t group)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &drop };
	int fd = socket(maddr_is6(group) ? AF_INET6 : AF_INET,
			SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Tell the kernel @e->want. A new INCLUDE membership starts source-specific,
 * so the first report upstream already names its sources.
 */
static int group_apply(struct upgroup *e)
{
	struct upfilter any;
	char gname[MADDR_STRLEN];
	int opened = 0, level = maddr_is6(e->group) ? IPPROTO_IPV6 : IPPROTO_IP;

	group_name(e->group, e->group, gname);
	if (e->fd < 0) {
		struct group_source_req gsr = { .gsr_interface = up.ifindex };
		struct group_req gr = { .gr_interface = up.ifindex };
		int rc = -1;

		e->fd = join_socket(e->group);
		if (e->fd < 0) {
			log_warn("upstream: %s: socket", gname);
			return -1;
		}
		opened = 1;
		if (e->want.mode == MSHIP_INCLUDE) {
			if (sin_set(&gsr.gsr_group, e->group, e->group) &&
			    sin_set(&gsr.gsr_source, e->want.src[0], e->group))
				rc = setsockopt(e->fd, level, MCAST_JOIN_SOURCE_GROUP, &gsr, sizeof(gsr));
		} else if (sin_set(&gr.gr_group, e->group, e->group)) {
			rc = setsockopt(e->fd, level, MCAST_JOIN_GROUP, &gr, sizeof(gr));
		}
		if (rc < 0) {
			log_warn("upstream: cannot join %s on %s", gname, up.ifname);
			goto fail;
		}
	}
	if (filter_set(e->fd, e->group, &e->want) == 0) {
		e->have = e->want;
	} else if (errno == ENOBUFS) {
		/* More sources than the kernel takes per socket: every source. */
		upmerge_init(&any);
		any.mode = MSHIP_EXCLUDE;
		if (filter_set(e->fd, e->group, &any) < 0) {
			log_warn("upstream: %s: cannot set any-source filter", gname);
			goto fail;
		}
		log_warnx("upstream: %s: %u sources exceed the kernel's per-socket limit "
			  "(sysctl %s); asking %s for every source", gname, e->want.nsrc,
			  level == IPPROTO_IPV6 ? "net.ipv6.mld_max_msf" : "net.ipv4.igmp_max_msf",
			  up.ifname);
		e->have = any;
	} else {
		log_warn("upstream: %s: cannot set the source filter", gname);
		goto fail;
	}
	if (opened)
		log_info("upstream: joined %s on %s (%s, %u source%s)", gname, up.ifname,
			 e->have.mode == MSHIP_INCLUDE ? "include" : "exclude", e->have.nsrc,
			 e->have.nsrc == 1 ? "" : "s");
	return 0;
fail:
	close(e->fd);
	e->fd = -1;
	return -1;
}

static void group_leave(struct upgroup *e)
{
	char gname[MADDR_STRLEN];

	if (e->fd < 0)
		return;
	close(e->fd);	/* the kernel sends the Leave now */
	e->fd = -1;
	group_name(e->group, e->group, gname);
	log_info("upstream: left %s on %s", gname, up.ifname);
}

static int merge_host(void *arg, const struct mship_filter *f)
{
	upmerge_host(arg, f);
	return 0;
}

/* Bring the join for @group in line with its members. */
static void group_sync(uint32_t group)
{
	struct upgroup *e = group_find(group);
	struct upfilter want;
	size_t i;

	upmerge_init(&want);
	mship_group_hosts(up.ms, group, ev_now_ms(), merge_host, &want);
	if (upmerge_empty(&want)) {
		if (!e)
			return;
		group_leave(e);
		i = (size_t)(e - up.g);
		memmove(e, e + 1, (up.n - i - 1) * sizeof(*e));
		up.n--;
		return;
	}
	if (!e) {
		if (up.n == up.cap) {
			size_t cap = up.cap ? up.cap * 2 : 16;
			struct upgroup *g = realloc(up.g, cap * sizeof(*g));

			if (!g) {
				log_warnx("upstream: out of memory; not joining a group");
				return;
			}
			up.g = g;
			up.cap = cap;
		}
		for (i = 0; i < up.n && ntohl(up.g[i].group) < ntohl(group); i++)
			;
		memmove(&up.g[i + 1], &up.g[i], (up.n - i) * sizeof(*up.g));
		up.n++;
		e = &up.g[i];
		*e = (struct upgroup){ .group = group, .fd = -1 };
	} else if (e->fd >= 0 && upmerge_equal(&e->want, &want)) {
		return;
	}
	e->want = want;
	if (!up.passive)
		group_apply(e);
}

void upstream_group_changed(uint32_t group)
{
	if (up.ifname[0])
		group_sync(group);
}

static void leave_all(void)
{
	for (size_t i = 0; i < up.n; i++)
		group_leave(&up.g[i]);
}

/*
 * Once a second: a router that started on the tap makes us step back; an
 * upstream interface that was recreated lost our joins and chain; joins
 * that failed are retried.
 */
static void on_check(void *arg)
{
	unsigned int idx = if_nametoindex(up.ifname);
	int vif = mroute_is_vif(up.tap);

	(void)arg;
	if (vif && !up.passive) {
		leave_all();
		up.passive = 1;
		fwd_upstream_changed();
		log_warnx("upstream: %s is now a multicast routing interface (igmpproxy, smcroute "
			  "or pimd started): standalone forwarding stopped, or every member would "
			  "get each packet twice", up.tap);
		return;
	}
	if (!vif && up.passive && up.tap[0]) {
		log_info("upstream: no multicast router uses %s any more; standalone on %s again",
			 up.tap, up.ifname);
		up.passive = 0;
		fwd_upstream_changed();
	}
	if (up.passive)
		return;
	if (idx != up.ifindex) {
		if (!idx) {
			if (up.ifindex)
				log_warnx("upstream: %s is gone; joins resume when it is back", up.ifname);
			leave_all();
			up.ifindex = 0;
			return;
		}
		log_info("upstream: %s is back (ifindex %u); joining again", up.ifname, idx);
		leave_all();
		up.ifindex = idx;
		fwd_upstream_changed();
	}
	for (size_t i = 0; i < up.n; i++)
		if (up.g[i].fd < 0)
			group_apply(&up.g[i]);
}

int upstream_init(const struct cfg *cfg, struct mship *ms)
{
	up.ms = ms;
	if (!cfg->upstream[0])
		return 0;
	snprintf(up.ifname, sizeof(up.ifname), "%s", cfg->upstream);
	up.ifindex = if_nametoindex(up.ifname);
	if (!up.ifindex) {
		log_warnx("upstream interface %s does not exist (config key 'upstream')", up.ifname);
		errno = ENODEV;
		return -1;
	}
	up.check_timer = ev_timer(UP_CHECK_MS, UP_CHECK_MS, on_check, NULL);
	return up.check_timer < 0 ? -1 : 0;
}

void upstream_set_maddr(const struct maddr *t)
{
	up.maddr = t;
}

int upstream_enabled(void)
{
	return up.ifname[0] != '\0';
}

int upstream_active(void)
{
	return up.ifname[0] && !up.passive;
}

const char *upstream_ifname(void)
{
	return up.ifname;
}

int upstream_up(const char *dev)
{
	if (!up.ifname[0])
		return 0;
	snprintf(up.tap, sizeof(up.tap), "%s", dev);
	if (!strcmp(dev, up.ifname)) {
		log_warnx("upstream: %s is the tap itself; standalone mode stays off", dev);
		up.tap[0] = '\0';	/* stays passive: see on_check() */
		up.passive = 1;
		errno = EINVAL;
		return -1;
	}
	if (mroute_is_vif(dev)) {
		log_warnx("upstream: refusing standalone mode on %s: %s is already a multicast routing "
			  "interface (igmpproxy, smcroute or pimd runs), and both would forward every "
			  "packet; remove 'upstream' or stop the router", up.ifname, dev);
		leave_all();
		up.passive = 1;
		errno = EEXIST;
		return -1;
	}
	up.passive = 0;
	return 0;
}

int upstream_packet(uint8_t *ip, size_t len)
{
	uint32_t group;
	struct upgroup *e = NULL;

	if (len < 20 || up.passive)
		return 0;
	if ((ip[0] >> 4) == 6) {
		/* Looked up, never interned: a group nobody joined has no key. */
		if (len < 40)
			return 0;
		if (up.maddr && maddr_find(up.maddr, ip + 24, &group) == 0)
			e = group_find(group);
	} else {
		memcpy(&group, ip + 16, 4);
		e = group_find(group);
	}
	if (e)
		e->frames_in++;
	if (repl_ttl_forward(ip))
		return 1;
	if (e)
		e->ttl_drops++;
	else
		up.ttl_drops_other++;
	return 0;
}

void upstream_rows(FILE *out)
{
	char gname[MADDR_STRLEN], sname[MADDR_STRLEN];

	fputs("HEADER,UPSTREAM,Interface,Group,Filter Mode,Sources,Frames In,TTL Drops,Joined\n", out);
	if (!up.ifname[0])
		return;
	for (size_t i = 0; i < up.n; i++) {
		const struct upgroup *e = &up.g[i];

		group_name(e->group, e->group, gname);
		fprintf(out, "UPSTREAM,%s,%s,%s,", up.ifname, gname,
			e->have.mode == MSHIP_INCLUDE ? "include" : "exclude");
		for (unsigned int k = 0; k < e->have.nsrc; k++) {
			group_name(e->have.src[k], e->group, sname);
			fprintf(out, "%s%s", k ? " " : "", sname);
		}
		fprintf(out, ",%llu,%llu,%s\n", (unsigned long long)e->frames_in,
			(unsigned long long)e->ttl_drops, e->fd >= 0 ? "yes" : "no");
	}
}

void upstream_counts_set(uint32_t group, uint64_t frames_in, uint64_t ttl_drops)
{
	struct upgroup *e = group_find(group);

	if (e) {
		e->frames_in = frames_in;
		e->ttl_drops = ttl_drops;
	}
}

void upstream_ttl_total_set(uint64_t total)
{
	uint64_t joined = 0;

	for (size_t i = 0; i < up.n; i++)
		joined += up.g[i].ttl_drops;
	up.ttl_drops_other = total > joined ? total - joined : 0;
}

void upstream_drop_rows(FILE *out)
{
	uint64_t ttl = up.ttl_drops_other;

	for (size_t i = 0; i < up.n; i++)
		ttl += up.g[i].ttl_drops;
	fprintf(out, "DROPS,upstream_ttl_expired,%llu\n", (unsigned long long)ttl);
}

void upstream_exit(void)
{
	leave_all();
	ev_timer_cancel(up.check_timer);
	free(up.g);
	memset(&up, 0, sizeof(up));
}
