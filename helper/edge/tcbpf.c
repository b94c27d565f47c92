/*
 * tcbpf.c - load, attach and feed the tc programs of the in-kernel data
 * plane (libbpf; the object is embedded as a bpftool skeleton).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "maddr.h"
#include "mship.h"
#include "tcbpf.h"
#include "bpf/mcast_tc.skel.h"

static struct {
	struct mcast_tc_bpf *skel;
	int ncpu;
	unsigned int ifindex[TCBPF_NAT];	/* where our filters are, by enum tcbpf_at */
	uint32_t handle;		/* tc handle of this instance's filters */
	char why[256];
	int adopted;			/* took a dead helper's maps over */
	void *percpu;			/* scratch for per-CPU values */
	struct dp_list *list;		/* scratch for one list */
	const struct maddr *maddr;	/* IPv6 addresses behind keys */
} tb;

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("libbpf: %s", line);
	return 0;
}

/* Our filters' tc handle: the project's tag over the instance. */
static uint32_t tc_handle(unsigned int instance)
{
	return (uint32_t)DP_TC_HANDLE << 16 | (instance & 0xffff);
}

static void old_collect(void);

const char *tcbpf_why(void)
{
	return tb.why;
}

int tcbpf_open(unsigned int instance)
{
	int err;

	tb.handle = tc_handle(instance);
	libbpf_set_print(libbpf_quiet);
	tb.ncpu = libbpf_num_possible_cpus();
	if (tb.ncpu <= 0) {
		snprintf(tb.why, sizeof(tb.why), "cannot count CPUs");
		errno = EINVAL;
		return -1;
	}
	tb.percpu = calloc((size_t)tb.ncpu, sizeof(struct dp_gcnt));
	tb.list = calloc(1, sizeof(*tb.list));
	tb.skel = mcast_tc_bpf__open_and_load();
	if (!tb.percpu || !tb.list || !tb.skel) {
		err = errno ? errno : ENOMEM;
		snprintf(tb.why, sizeof(tb.why), "the tc programs do not load: %s%s", strerror(err),
			 err == EPERM ? " (needs CAP_BPF and CAP_NET_ADMIN, or root)" : "");
		tcbpf_close();
		errno = err;
		return -1;
	}
	old_collect();
	return 0;
}

static struct bpf_program *prog_at(int at)
{
	if (at == TCBPF_TAP_INGRESS)
		return tb.skel->progs.tap_ingress;
	return at ? tb.skel->progs.up_ingress : tb.skel->progs.tap_egress;
}

static int prog_fd(int at)
{
	return bpf_program__fd(prog_at(at));
}

/* The tc hook of attach point @at: only the tap's own traffic is egress. */
static enum bpf_tc_attach_point tc_point(int at)
{
	return at == TCBPF_TAP_EGRESS ? BPF_TC_EGRESS : BPF_TC_INGRESS;
}

static const char *at_name(int at)
{
	return at == TCBPF_TAP_INGRESS ? "client" : at ? "upstream" : "tap";
}

static int tap_config(const char *ifname, unsigned int idx)
{
	struct dp_cfg cfg = { .tap_ifindex = idx };
	struct ifreq ifr = { 0 };
	uint32_t zero = 0;
	int fd, rc;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (rc < 0)
		return -1;
	memcpy(cfg.tap_mac, ifr.ifr_hwaddr.sa_data, 6);
	return bpf_map_update_elem(bpf_map__fd(tb.skel->maps.dp_config), &zero, &cfg, BPF_ANY);
}

static int prog_is_ours(uint32_t id)
{
	for (int up = 0; up < TCBPF_NAT; up++) {
		struct bpf_prog_info info = { 0 };
		uint32_t len = sizeof(info);

		if (bpf_obj_get_info_by_fd(prog_fd(up), &info, &len) == 0 && info.id == id)
			return 1;
	}
	return 0;
}

/* Copy every entry of the kernel map @from into our map @to. */
static long copy_map(int from, struct bpf_map *to, void *key, void *next, void *val)
{
	void *prev = NULL;
	long n = 0;

	while (bpf_map_get_next_key(from, prev, next) == 0) {
		memcpy(key, next, bpf_map__key_size(to));
		prev = key;
		if (bpf_map_lookup_elem(from, key, val) < 0)
			continue;	/* deleted meanwhile */
		if (bpf_map_update_elem(bpf_map__fd(to), key, val, BPF_ANY) < 0)
			return -1;
		n++;
	}
	return n;
}

/*
 * A helper that died left its programs attached, delivering from its maps.
 * A restarted helper takes them over: at open, while it may still look
 * programs up by id, it keeps an fd of each map of every program of this
 * project it finds; at attach, the program our tc handle points at names
 * the right ones (another OpenVPN instance's differ), whose entries are
 * copied into our maps before ours replaces it. The switch loses no
 * member's frame. Lists nobody reports again go in tcbpf_sweep().
 */
#define TB_MAX_OLD 16
#define TB_NMAPS 6	/* dp_lists, dp_clients, dp_groups, dp_drops, dp_cg, dp_addrs */

static struct old_prog {
	uint32_t id;
	int map[TB_NMAPS];
} old[TB_MAX_OLD];
static int nold;

static struct bpf_map *our_map(int k)
{
	struct bpf_map *m[TB_NMAPS] = { tb.skel->maps.dp_lists, tb.skel->maps.dp_clients,
					tb.skel->maps.dp_groups, tb.skel->maps.dp_drops,
					tb.skel->maps.dp_cg, tb.skel->maps.dp_addrs };

	return m[k];
}

/* Keep fds of @pfd's maps that match ours by name, type and sizes. */
static void old_keep(int pfd, uint32_t id)
{
	struct bpf_prog_info pinfo = { 0 };
	uint32_t ids[16], len = sizeof(pinfo);
	struct old_prog *o = &old[nold];
	int found = 0;

	pinfo.nr_map_ids = 16;
	pinfo.map_ids = (uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(pfd, &pinfo, &len) < 0)
		return;
	o->id = id;
	for (int k = 0; k < TB_NMAPS; k++)
		o->map[k] = -1;
	for (uint32_t i = 0; i < pinfo.nr_map_ids && i < 16; i++) {
		struct bpf_map_info mi = { 0 };
		uint32_t mlen = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(ids[i]), kept = 0;

		if (mfd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(mfd, &mi, &mlen) == 0)
			for (int k = 0; k < TB_NMAPS && !kept; k++) {
				struct bpf_map *m = our_map(k);

				if (!strcmp(mi.name, bpf_map__name(m)) && mi.type == bpf_map__type(m) &&
				    mi.key_size == bpf_map__key_size(m) &&
				    mi.value_size == bpf_map__value_size(m) && o->map[k] < 0) {
					o->map[k] = mfd;
					kept = found = 1;
				}
			}
		if (!kept)
			close(mfd);
	}
	if (found)
		nold++;
}

/* At open: every program of ours in the kernel but our own. */
static void old_collect(void)
{
	uint32_t id = 0;

	while (nold < TB_MAX_OLD && bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info = { 0 };
		uint32_t len = sizeof(info);
		int pfd = bpf_prog_get_fd_by_id(id);

		if (pfd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(pfd, &info, &len) == 0 &&
		    info.type == BPF_PROG_TYPE_SCHED_CLS && !prog_is_ours(id) &&
		    (!strcmp(info.name, "tap_egress") || !strcmp(info.name, "up_ingress") ||
		     !strcmp(info.name, "tap_ingress")))
			old_keep(pfd, id);
		close(pfd);
	}
}

void tcbpf_adopt_end(void)
{
	for (int i = 0; i < nold; i++)
		for (int k = 0; k < TB_NMAPS; k++)
			if (old[i].map[k] >= 0)
				close(old[i].map[k]);
	nold = 0;
}

static void adopt(unsigned int idx, int upstream)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)idx,
			    .attach_point = tc_point(upstream));
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = tb.handle, .priority = DP_TC_PRIO);
	size_t vmax = sizeof(*tb.list) + (size_t)tb.ncpu * sizeof(struct dp_gcnt);
	/* Room for the longest key of the maps, dp_addrs'. */
	uint8_t key[sizeof(struct dp_addr6)], next[sizeof(struct dp_addr6)];
	_Static_assert(sizeof(struct dp_key) <= sizeof(key) && sizeof(struct dp_cgkey) <= sizeof(key),
		       "a map key longer than the takeover's buffer");
	long copied[TB_NMAPS] = { 0 };
	struct old_prog *o = NULL;
	void *val;

	if (!nold || bpf_tc_query(&hook, &opts) < 0 || !opts.prog_id)
		return;
	for (int i = 0; i < nold && !o; i++)
		if (old[i].id == opts.prog_id)
			o = &old[i];
	if (!o) {
		log_warnx("bpf: the filter left on ifindex %u runs a program (id %u) this helper "
			  "did not find at start; starting with empty lists", idx, opts.prog_id);
		return;
	}
	val = malloc(vmax);
	if (!val)
		return;
	for (int k = 0; k < TB_NMAPS; k++)
		if (o->map[k] >= 0 && (copied[k] = copy_map(o->map[k], our_map(k), key, next, val)) < 0)
			log_warn("bpf: cannot copy the previous helper's %s", bpf_map__name(our_map(k)));
	free(val);
	tb.adopted = 1;
	log_info("bpf: took over from the previous helper's program (id %u): %ld destination lists, "
		 "%ld client counters, %ld group counters, %ld IPv6 addresses", o->id, copied[0],
		 copied[1], copied[2], copied[5]);
	tcbpf_adopt_end();
}

int tcbpf_adopted(void)
{
	return tb.adopted;
}

int tcbpf_attach(const char *ifname, int upstream)
{
	unsigned int idx = if_nametoindex(ifname);
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = tc_point(upstream));
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = tb.handle, .priority = DP_TC_PRIO,
			    .flags = BPF_TC_F_REPLACE);
	int rc;

	if (!tb.skel) {
		errno = EBADF;
		return -1;
	}
	if (!idx) {
		log_warn("bpf: %s", ifname);
		return -1;
	}
	if (upstream != TCBPF_UPSTREAM && tap_config(ifname, idx) < 0) {
		log_warn("bpf: cannot configure the tap %s", ifname);
		return -1;
	}
	if (!tb.adopted)
		adopt(idx, upstream);
	hook.ifindex = (int)idx;
	rc = bpf_tc_hook_create(&hook);
	if (rc < 0 && rc != -EEXIST) {
		errno = -rc;
		log_warn("bpf: cannot add a clsact qdisc to %s", ifname);
		return -1;
	}
	opts.prog_fd = prog_fd(upstream);
	rc = bpf_tc_attach(&hook, &opts);
	if (rc < 0) {
		errno = -rc;
		log_warn("bpf: cannot attach to %s %s", ifname, upstream ? "ingress" : "egress");
		return -1;
	}
	tb.ifindex[upstream] = idx;
	log_info("bpf: %s program attached to %s %s (tc handle 0x%x, priority 0x%x)",
		 at_name(upstream), ifname, upstream ? "ingress" : "egress",
		 tb.handle, DP_TC_PRIO);
	return 0;
}

void tcbpf_detach(int upstream)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = tc_point(upstream));
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = tb.handle, .priority = DP_TC_PRIO);
	unsigned int *idx = &tb.ifindex[upstream];
	int rc;

	if (!*idx)
		return;
	hook.ifindex = (int)*idx;
	rc = bpf_tc_detach(&hook, &opts);
	/* A device that went away took the filter with it. */
	if (rc < 0 && rc != -ENOENT && rc != -ENODEV && rc != -EINVAL)
		log_warnx("bpf: cannot detach from ifindex %u: %s", *idx, strerror(-rc));
	*idx = 0;
}

int tcbpf_remove(const char *ifname, int upstream, unsigned int instance)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = tc_point(upstream));
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = tc_handle(instance), .priority = DP_TC_PRIO);
	int rc;

	hook.ifindex = (int)if_nametoindex(ifname);
	if (!hook.ifindex)
		return 0;	/* a device that went away took the filter with it */
	libbpf_set_print(libbpf_quiet);
	rc = bpf_tc_detach(&hook, &opts);
	if (rc == -ENOENT || rc == -EINVAL)
		return 0;
	if (rc < 0) {
		errno = -rc;
		log_warn("bpf: cannot remove the filter on %s %s", ifname, upstream ? "ingress" : "egress");
		return -1;
	}
	log_info("bpf: removed the filter a helper left on %s %s", ifname, upstream ? "ingress" : "egress");
	return 1;
}

int tcbpf_present(int upstream)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = tc_point(upstream));
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = tb.handle, .priority = DP_TC_PRIO);
	unsigned int idx = tb.ifindex[upstream];

	if (!idx)
		return 0;
	hook.ifindex = (int)idx;
	return bpf_tc_query(&hook, &opts) == 0 && opts.prog_id != 0;
}

/*
 * After a takeover the address map holds the dead helper's keys, which ours
 * may give to other addresses: a key we hand out must not stay another
 * address's, or that address's packets would go to the new one's members.
 */
static void addr_unclaim(int fd, uint32_t k, const struct dp_addr6 *a)
{
	struct dp_addr6 key, next, *prev = NULL;
	uint32_t v;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (memcmp(&key, a, sizeof(key)) && bpf_map_lookup_elem(fd, &key, &v) == 0 && v == k) {
			bpf_map_delete_elem(fd, &key);
			prev = NULL;	/* the walk restarts after a deletion */
		}
	}
}

int tcbpf_addr_set(uint32_t key, const uint8_t a[16])
{
	int fd;
	struct dp_addr6 k;

	if (!tb.skel) {
		errno = EBADF;
		return -1;
	}
	fd = bpf_map__fd(tb.skel->maps.dp_addrs);
	memcpy(k.a, a, sizeof(k.a));
	if (tb.adopted)
		addr_unclaim(fd, key, &k);
	return bpf_map_update_elem(fd, &k, &key, BPF_ANY);
}

void tcbpf_addr_del(const uint8_t a[16])
{
	struct dp_addr6 k;

	if (!tb.skel)
		return;
	memcpy(k.a, a, sizeof(k.a));
	bpf_map_delete_elem(bpf_map__fd(tb.skel->maps.dp_addrs), &k);
}

void tcbpf_set_maddr(const struct maddr *t)
{
	tb.maddr = t;
}

/* The address map entry of IPv6 key @key, if it still has an address. */
static int addr_sync(uint32_t key)
{
	const uint8_t *a = tb.maddr ? maddr_addr(tb.maddr, key) : NULL;

	return a ? tcbpf_addr_set(key, a) : 0;
}

struct sync_ctx {
	int fd;
	uint32_t group;
	uint32_t *named;	/* sources written now, to spare from deletion */
	size_t nnamed, cap;
	int err;
};

static int sync_list(void *arg, int named, uint32_t src, const struct mship_dest *dst, size_t n)
{
	struct sync_ctx *c = arg;
	struct dp_key key = { .group = c->group, .src = named ? src : 0 };

	if (named && maddr_is6(c->group) && addr_sync(src) < 0) {
		c->err = errno;
		return 1;
	}

	if (named) {
		if (c->nnamed == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16;
			uint32_t *p = realloc(c->named, cap * sizeof(*p));

			if (!p) {
				c->err = ENOMEM;
				return 1;
			}
			c->named = p;
			c->cap = cap;
		}
		c->named[c->nnamed++] = src;
	}
	tb.list->truncated = n > DP_MAX_DST;
	tb.list->n = (uint32_t)(n > DP_MAX_DST ? DP_MAX_DST : n);
	for (uint32_t i = 0; i < tb.list->n; i++) {
		tb.list->d[i].client = dst[i].client;
		memcpy(tb.list->d[i].mac, dst[i].mac, 6);
	}
	if (bpf_map_update_elem(c->fd, &key, tb.list, BPF_ANY) < 0) {
		c->err = errno;
		return 1;
	}
	return 0;
}

static int is_named(const struct sync_ctx *c, uint32_t src)
{
	for (size_t i = 0; i < c->nnamed; i++)
		if (c->named[i] == src)
			return 1;
	return 0;
}

int tcbpf_sync_group(const struct mship *ms, uint32_t group)
{
	struct sync_ctx c = { .fd = bpf_map__fd(tb.skel->maps.dp_lists), .group = group };
	int gfd = bpf_map__fd(tb.skel->maps.dp_groups);
	struct dp_key key, next, *prev = NULL;
	int members;

	members = mship_member_count(ms, group) > 0;
	if (members && maddr_is6(group) && addr_sync(group) < 0) {
		log_warn("bpf: cannot add an IPv6 group address");
		return -1;
	}
	if (members) {
		/* Group counters exist while the group has members. */
		memset(tb.percpu, 0, (size_t)tb.ncpu * sizeof(struct dp_gcnt));
		bpf_map_update_elem(gfd, &group, tb.percpu, BPF_NOEXIST);
		mship_group_view(ms, group, sync_list, &c);
	} else {
		bpf_map_delete_elem(gfd, &group);
	}
	/* Lists of this group that the view no longer has. */
	while (!c.err && bpf_map_get_next_key(c.fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (key.group != group)
			continue;
		if (members && (key.src == 0 || is_named(&c, key.src)))
			continue;
		bpf_map_delete_elem(c.fd, &key);
		prev = NULL;	/* the walk restarts after a deletion */
	}
	free(c.named);
	if (c.err) {
		errno = c.err;
		log_warn("bpf: cannot update the lists of a group");
		return -1;
	}
	return 0;
}

/* Zeroed per-CPU dp_cnt counters under @key in map @fd, unless there are
 * some: NOEXIST, so that what a takeover copied keeps its counts. */
static int cnt_create(int fd, const void *key)
{
	memset(tb.percpu, 0, (size_t)tb.ncpu * sizeof(struct dp_cnt));
	if (bpf_map_update_elem(fd, key, tb.percpu, BPF_NOEXIST) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int tcbpf_client_add(uint32_t id)
{
	if (cnt_create(bpf_map__fd(tb.skel->maps.dp_clients), &id) < 0) {
		log_warn("bpf: cannot add counters for client %u", id);
		return -1;
	}
	return 0;
}

void tcbpf_client_del(uint32_t id)
{
	bpf_map_delete_elem(bpf_map__fd(tb.skel->maps.dp_clients), &id);
}

/* A per-CPU dp_cnt of map @fd summed over CPUs; zero if there is none. */
static int cnt_sum(int fd, const void *key, uint64_t *frames, uint64_t *bytes)
{
	const struct dp_cnt *v = tb.percpu;

	*frames = *bytes = 0;
	if (bpf_map_lookup_elem(fd, key, tb.percpu) < 0)
		return -1;
	for (int i = 0; i < tb.ncpu; i++) {
		*frames += v[i].frames;
		*bytes += v[i].bytes;
	}
	return 0;
}

int tcbpf_client_counts(uint32_t id, uint64_t *frames, uint64_t *bytes)
{
	return cnt_sum(bpf_map__fd(tb.skel->maps.dp_clients), &id, frames, bytes);
}

int tcbpf_cg_add(uint32_t group, uint32_t client)
{
	struct dp_cgkey key = { .group = group, .client = client };

	if (cnt_create(bpf_map__fd(tb.skel->maps.dp_cg), &key) < 0) {
		log_warn("bpf: cannot add counters for client %u in a group", client);
		return -1;
	}
	return 0;
}

void tcbpf_cg_del(uint32_t group, uint32_t client)
{
	struct dp_cgkey key = { .group = group, .client = client };

	bpf_map_delete_elem(bpf_map__fd(tb.skel->maps.dp_cg), &key);
}

int tcbpf_cg_counts(uint32_t group, uint32_t client, uint64_t *frames, uint64_t *bytes)
{
	struct dp_cgkey key = { .group = group, .client = client };

	return cnt_sum(bpf_map__fd(tb.skel->maps.dp_cg), &key, frames, bytes);
}

int tcbpf_group_counts(uint32_t group, struct dp_gcnt *out)
{
	const struct dp_gcnt *v = tb.percpu;

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(bpf_map__fd(tb.skel->maps.dp_groups), &group, tb.percpu) < 0)
		return -1;
	for (int i = 0; i < tb.ncpu; i++) {
		out->frames_in += v[i].frames_in;
		out->frames_out += v[i].frames_out;
		out->bytes_out += v[i].bytes_out;
		out->up_in += v[i].up_in;
		out->up_ttl += v[i].up_ttl;
	}
	return 0;
}

uint64_t tcbpf_drops(enum dp_drop why)
{
	const uint64_t *v = tb.percpu;
	uint32_t key = why;
	uint64_t sum = 0;

	if (!tb.skel || bpf_map_lookup_elem(bpf_map__fd(tb.skel->maps.dp_drops), &key, tb.percpu) < 0)
		return 0;
	for (int i = 0; i < tb.ncpu; i++)
		sum += v[i];
	return sum;
}

int tcbpf_mac_set(const uint8_t mac[6], uint32_t id)
{
	struct dp_mac key = { .pad = 0 };

	memcpy(key.mac, mac, 6);
	if (bpf_map_update_elem(bpf_map__fd(tb.skel->maps.dp_macs), &key, &id, BPF_ANY) < 0) {
		log_warn("bpf: cannot record the MAC of client %u", id);
		return -1;
	}
	return 0;
}

void tcbpf_mac_del(const uint8_t mac[6])
{
	struct dp_mac key = { .pad = 0 };

	memcpy(key.mac, mac, 6);
	bpf_map_delete_elem(bpf_map__fd(tb.skel->maps.dp_macs), &key);
}

/* Delete the entries of the u32-keyed map @fd that @keep() does not want. */
static void sweep_u32(int fd, int (*keep)(void *arg, uint32_t key), void *arg)
{
	uint32_t key, next, *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (keep(arg, key))
			continue;
		bpf_map_delete_elem(fd, &key);
		prev = NULL;	/* the walk restarts after a deletion */
	}
}

static int has_members(void *ms, uint32_t group)
{
	return mship_member_count(ms, group) > 0;
}

/* After a takeover: the addresses our table does not give the same key. */
static void addr_sweep(void)
{
	int fd = bpf_map__fd(tb.skel->maps.dp_addrs);
	struct dp_addr6 key, next, *prev = NULL;
	uint32_t v, ours;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v) == 0 && tb.maddr &&
		    maddr_find(tb.maddr, key.a, &ours) == 0 && ours == v)
			continue;
		bpf_map_delete_elem(fd, &key);
		prev = NULL;
	}
}

int tcbpf_sweep(const struct mship *ms, int (*client_known)(void *arg, uint32_t id),
		int (*cg_known)(void *arg, uint32_t group, uint32_t client), void *arg)
{
	int lfd = bpf_map__fd(tb.skel->maps.dp_lists), cfd = bpf_map__fd(tb.skel->maps.dp_cg);
	struct dp_key key, next, *prev = NULL;
	struct dp_cgkey ck, cnext, *cprev = NULL;
	int n = 0;

	while (bpf_map_get_next_key(lfd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (mship_member_count(ms, key.group))
			continue;
		bpf_map_delete_elem(lfd, &key);
		prev = NULL;
		n++;
	}
	sweep_u32(bpf_map__fd(tb.skel->maps.dp_groups), has_members, (void *)ms);
	sweep_u32(bpf_map__fd(tb.skel->maps.dp_clients), client_known, arg);
	while (bpf_map_get_next_key(cfd, cprev, &cnext) == 0) {
		ck = cnext;
		cprev = &ck;
		if (cg_known(arg, ck.group, ck.client))
			continue;
		bpf_map_delete_elem(cfd, &ck);
		cprev = NULL;
	}
	addr_sweep();
	tb.adopted = 0;
	return n;
}

void tcbpf_close(void)
{
	tcbpf_adopt_end();
	if (tb.skel) {
		for (int at = 0; at < TCBPF_NAT; at++)
			tcbpf_detach(at);
		mcast_tc_bpf__destroy(tb.skel);
	}
	free(tb.percpu);
	free(tb.list);
	tb.skel = NULL;
	tb.adopted = 0;
	tb.percpu = NULL;
	tb.list = NULL;	/* tb.why stays: tcbpf_open() reports through it */
}
