/*
 * igmpd.c - snooped IGMP into the membership engine; the querier's clock.
 *
 * Both directions of the tap are captured: clients' reports come in, and
 * queries from a querier on this server (igmpproxy) go out. Our own
 * queries are recognised by their IP id and ignored. IPv6 frames (MLD) go
 * to mldd.c, into the same membership engine; their addresses are keys
 * of the one maddr table, created here and swept each query interval.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chan.h"
#include "config.h"
#include "ev.h"
#include "igmp.h"
#include "igmpd.h"
#include "log.h"
#include "maddr.h"
#include "mldd.h"
#include "mldship.h"
#include "mship.h"
#include "policy.h"
#include "querier.h"
#include "registry.h"
#include "repl.h"
#include "snoop.h"
#include "fwd.h"
#include "upstream.h"

#define IGMPD_TICK_MS 100
#define IGMPD_QUERY_ID 0x6d63 /* "mc": marks our own queries */
#define IGMPD_MAX_GROUPS 1024
#define IGMPD_DEFER_MAX 8
/* Max response time of a query to one new client: it answers within 1 s. */
#define IGMPD_HOST_QUERY_DS 10
/*
 * A reconnecting client (persist-tun) keeps its sockets and reports nothing,
 * and OpenVPN learns its MAC only from its first frame. So after a connect,
 * while some client is still silent, a few all-hosts queries ask everyone:
 * the first is due once the new data channel is up.
 */
#define IGMPD_CONNECT_QUERY_MS 1000
#define IGMPD_CONNECT_ROUNDS 3
#define IGMPD_DEFER_LEN 2048 /* the capture's snaplen */
/* A client's refused joins are logged at most once per this many ms. */
#define IGMPD_REFUSED_LOG_MS 10000
/* Sweeps of the IPv6 address table a full table brings forward: this far apart. */
#define IGMPD_SWEEP_MIN_MS 1000

static const uint8_t all_hosts_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };

static struct {
	const struct cfg *cfg;
	struct registry *reg;
	struct mship *ms;
	struct querier q;
	struct igmp_stats st;
	char dev[IF_NAMESIZE];
	uint8_t tap_mac[6];
	uint32_t tap_ip;
	int up;
	int timer;
	unsigned connect_rounds;  /* all-hosts queries still due for new clients */
	uint64_t connect_next;
	struct maddr *ma;         /* IPv6 groups and sources as keys */
	void (*addr_gone)(void *arg, uint32_t key, const uint8_t a[16]);
	void *addr_gone_arg;
	uint64_t sweep_next;
	uint64_t sweep_last;
	uint32_t *changed;        /* groups changed by the current mship call */
	size_t nchanged, changed_cap;
	int changed_lost;         /* a change could not be recorded */
} ig;

/* Remember @group: its users are told once the mship call has returned. */
static void igmpd_changed(uint32_t group)
{
	for (size_t i = 0; i < ig.nchanged; i++)
		if (ig.changed[i] == group)
			return;
	if (ig.nchanged == ig.changed_cap) {
		size_t cap = ig.changed_cap ? ig.changed_cap * 2 : 16;
		uint32_t *p = realloc(ig.changed, cap * sizeof(*p));

		if (!p) {
			ig.changed_lost = 1;
			return;
		}
		ig.changed = p;
		ig.changed_cap = cap;
	}
	ig.changed[ig.nchanged++] = group;
}

/*
 * Tell the upstream joins and the data plane about the groups the last
 * mship call changed; their views are final by now.
 */
void igmpd_changes_flush(void)
{
	for (size_t i = 0; i < ig.nchanged; i++) {
		upstream_group_changed(ig.changed[i]);
		fwd_group_changed(ig.changed[i]);
	}
	ig.nchanged = 0;
	if (ig.changed_lost)
		log_warnx("igmp: out of memory: a membership change may reach the data path late");
	ig.changed_lost = 0;
}

/* Count a refused join of @c's and say so, rate-limited per client. */
static void igmpd_refused(struct client *c, const struct policy_rule *r,
			  enum policy_refusal why, uint32_t group)
{
	static const char *const text[POLICY_REFUSAL_MAX] = {
		[POLICY_NOT_ALLOWED] = "not in its allow list",
		[POLICY_DENIED] = "in its deny list",
		[POLICY_MAX_GROUPS_HIT] = "max_groups reached",
		[POLICY_MAX_SOURCES_HIT] = "max_sources reached",
	};
	uint64_t now = ev_now_ms();
	char grp[MADDR_STRLEN], more[64];

	c->refused[why]++;
	/* The server-wide counts of reports over a limit keep their meaning. */
	if (why == POLICY_MAX_GROUPS_HIT)
		ig.st.drops[IGMP_DROP_GROUP_LIMIT]++;
	else if (why == POLICY_MAX_SOURCES_HIT)
		ig.st.drops[IGMP_DROP_SOURCE_LIMIT]++;
	if (now < c->refused_quiet_until) {
		c->refused_unlogged++;
		return;
	}
	maddr_ntop(ig.ma, group, group, grp);
	snprintf(more, sizeof(more), "; %u more refusals not logged", c->refused_unlogged);
	if (why == POLICY_MAX_GROUPS_HIT || why == POLICY_MAX_SOURCES_HIT)
		log_info("client %u (%s): %s refused: %s (%u, policy %s)%s", c->id, c->cn, grp,
			 text[why], why == POLICY_MAX_GROUPS_HIT ? r->max_groups : r->max_sources,
			 r->name, c->refused_unlogged ? more : "");
	else
		log_info("client %u (%s): %s refused: %s (policy %s)%s", c->id, c->cn, grp,
			 text[why], r->name, c->refused_unlogged ? more : "");
	c->refused_unlogged = 0;
	c->refused_quiet_until = now + IGMPD_REFUSED_LOG_MS;
}

/* The policy's verdict on @group, an IPv4 address or an interned IPv6 one. */
static int igmpd_check_group(const struct policy_rule *r, uint32_t group)
{
	const uint8_t *a;

	if (!maddr_is6(group))
		return policy_check_group(r, group);
	a = maddr_addr(ig.ma, group);
	/* Not interned: nothing can be a member; refuse rather than guess. */
	return a ? policy_check_group6(r, a) : POLICY_NOT_ALLOWED;
}

static int igmpd_admit_group(void *arg, uint32_t client, uint32_t group, unsigned int groups)
{
	struct client *c = reg_find(ig.reg, client);
	const struct policy_rule *r;
	int why;

	(void)arg;
	if (!c)
		return 0;
	r = policy_for(&ig.cfg->policy, c->cn);
	why = igmpd_check_group(r, group);
	if (why < 0 && groups >= r->max_groups)
		why = POLICY_MAX_GROUPS_HIT;
	if (why < 0)
		return 0;
	igmpd_refused(c, r, (enum policy_refusal)why, group);
	return -1;
}

static int igmpd_admit_source(void *arg, uint32_t client, uint32_t group, unsigned int nsrc)
{
	struct client *c = reg_find(ig.reg, client);
	const struct policy_rule *r;

	(void)arg;
	if (!c)
		return 0;
	r = policy_for(&ig.cfg->policy, c->cn);
	if (nsrc < r->max_sources)
		return 0;
	igmpd_refused(c, r, POLICY_MAX_SOURCES_HIT, group);
	return -1;
}

static void igmpd_notify(void *arg, const struct mship_event *ev)
{
	static const char *const why[] = { "report", "timeout", "disconnect", "policy" };
	struct client *c = reg_find(ig.reg, ev->client);
	char grp[MADDR_STRLEN];

	(void)arg;
	igmpd_changed(ev->group);
	maddr_ntop(ig.ma, ev->group, ev->group, grp);
	if (ev->type == MSHIP_FILTER) {
		log_debug("client %u (%s): %s filter now %s with %u sources", ev->client,
			  c ? c->cn : "?", grp, ev->mode == MSHIP_INCLUDE ? "include" : "exclude",
			  ev->nsrc);
		return;
	}
	log_info("client %u (%s) %s %s (%s); %u member%s", ev->client, c ? c->cn : "?",
		 ev->type == MSHIP_JOIN ? "joined" : "left", grp,
		 why[ev->why <= MSHIP_WHY_REVOKE ? ev->why : 0], ev->members,
		 ev->members == 1 ? "" : "s");
}

/* The tap's address and MAC, as our queries' source. */
static void igmpd_read_addr(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ig.dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(ig.tap_mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFADDR, &ifr) == 0) {
		uint32_t ip = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;

		if (ip != ig.tap_ip) {
			ig.tap_ip = ip;
			querier_set_addr(&ig.q, ip);
		}
	}
	close(fd);
}

/* A general query to @dst: the all-hosts MAC, or one client's MAC. */
static void igmpd_send_query(const uint8_t dst[6], uint32_t max_resp_ds)
{
	uint8_t frame[IGMP_QUERY_MAXLEN];
	struct igmp_query_params qp = {
		.version = ig.cfg->igmp.version,
		.src_ip = ig.tap_ip,
		.ip_id = IGMPD_QUERY_ID,
		.max_resp_ds = max_resp_ds,
		.qrv = (uint8_t)(ig.cfg->igmp.robustness <= 7 ? ig.cfg->igmp.robustness : 0),
		.qqi = (uint32_t)ig.cfg->igmp.query_interval,
	};
	int n;

	igmpd_read_addr();
	if (!ig.tap_ip) {
		log_debug("igmp: %s has no IPv4 address yet; query postponed", ig.dev);
		return;
	}
	memcpy(qp.src_mac, ig.tap_mac, 6);
	n = igmp_build_query(frame, sizeof(frame), &qp);
	if (n <= IGMP_ETH_HLEN) {
		log_warn("igmp: cannot build a query");
		return;
	}
	/* repl writes the Ethernet header itself: hand it the IP packet. */
	if (repl_send(frame + IGMP_ETH_HLEN, (size_t)n - IGMP_ETH_HLEN,
		      (const uint8_t (*)[6])dst, 1) != 1)
		log_debug("igmp: general query not sent");
	else
		log_debug("igmp: sent a v%d general query on %s", qp.version, ig.dev);
}

/* Is some client still without a MAC (it has sent nothing yet)? */
static int igmpd_someone_unlearned(void)
{
	for (unsigned i = 0; i < reg_count(ig.reg); i++)
		if (!reg_at(ig.reg, i)->nmacs)
			return 1;
	return 0;
}

void igmpd_client_connected(void)
{
	if (!ig.up || ig.cfg->igmp.querier == QUERIER_OFF)
		return;
	if (!ig.connect_rounds)
		ig.connect_next = ev_now_ms() + IGMPD_CONNECT_QUERY_MS;
	ig.connect_rounds = IGMPD_CONNECT_ROUNDS;
}

void igmpd_query_host(const uint8_t mac[6])
{
	if (!ig.up || ig.cfg->igmp.querier == QUERIER_OFF)
		return;
	igmpd_send_query(mac, IGMPD_HOST_QUERY_DS);
	mldd_query(mac, IGMPD_HOST_QUERY_DS * 100);
}

/* Forget the IPv6 addresses no membership uses any more. */
static void igmpd_sweep(void)
{
	uint64_t now = ev_now_ms();
	unsigned int n;

	ig.sweep_last = now;
	if (!ig.ma || mldship_mark(ig.ms, ig.ma, now) < 0)
		return;		/* out of memory: keep everything this time */
	n = maddr_sweep(ig.ma, ig.addr_gone, ig.addr_gone_arg);
	if (n)
		log_debug("mld: %u IPv6 addresses no longer in use; %u kept", n,
			  maddr_count(ig.ma));
}

static void igmpd_tick(void *arg)
{
	uint64_t now = ev_now_ms();

	(void)arg;
	/* Unconditionally: it is cheap when nothing is due, and it also
	 * retries a group view that an allocation failure left empty. */
	mship_expire(ig.ms, now);
	igmpd_changes_flush();
	if (ig.up && ig.connect_rounds && now >= ig.connect_next) {
		if (igmpd_someone_unlearned()) {
			igmpd_send_query(all_hosts_mac, IGMPD_HOST_QUERY_DS);
			mldd_query(all_nodes_mac, IGMPD_HOST_QUERY_DS * 100);
			ig.connect_rounds--;
			ig.connect_next = now + 2 * IGMPD_CONNECT_QUERY_MS;
		} else {
			ig.connect_rounds = 0;
		}
	}
	if (ig.up && querier_next(&ig.q) <= now && querier_poll(&ig.q, now))
		igmpd_send_query(all_hosts_mac, (uint32_t)ig.cfg->igmp.query_response_interval * 10);
	mldd_tick(now);
	if (now >= ig.sweep_next) {
		ig.sweep_next = now + (uint64_t)ig.cfg->igmp.query_interval * 1000;
		igmpd_sweep();
	}
}

static void igmpd_frame(const uint8_t *frame, size_t len, void *arg);

/*
 * A client's first frame may be its IGMP report, and OpenVPN announces the
 * MAC (learn-address) just before writing that frame: the announcement can
 * still be queued on the plugin channel. Such frames wait here until the
 * channel has been read, outside the capture's dispatch.
 */
static struct {
	uint8_t buf[IGMPD_DEFER_MAX][IGMPD_DEFER_LEN];
	size_t len[IGMPD_DEFER_MAX];
	unsigned n;
	int timer;
} dfr;
static int retrying;

static void igmpd_retry(void *arg)
{
	(void)arg;
	dfr.timer = 0;
	chan_drain();
	retrying = 1;
	for (unsigned i = 0; i < dfr.n; i++)
		igmpd_frame(dfr.buf[i], dfr.len[i], NULL);
	retrying = 0;
	dfr.n = 0;
}

static int igmpd_defer(const uint8_t *frame, size_t len)
{
	if (retrying)
		return 0;
	if (dfr.n == IGMPD_DEFER_MAX || len > IGMPD_DEFER_LEN)
		return 0;
	if (!dfr.timer && (dfr.timer = ev_timer(0, 0, igmpd_retry, NULL)) < 0) {
		dfr.timer = 0;
		return 0;
	}
	memcpy(dfr.buf[dfr.n], frame, len);
	dfr.len[dfr.n++] = len;
	return 1;
}

void igmpd_addr_pressure(void)
{
	/* At most once a second: a sweep walks every membership. */
	uint64_t soon = ig.sweep_last + IGMPD_SWEEP_MIN_MS;

	if (soon < ig.sweep_next)
		ig.sweep_next = soon;
}

int igmpd_hold(const uint8_t *frame, size_t len)
{
	return igmpd_defer(frame, len);
}

/* Is @frame IPv6 (after at most one VLAN tag)? */
static int igmpd_is_ipv6(const uint8_t *frame, size_t len)
{
	size_t off = 12;

	if (len >= 18 && frame[12] == 0x81 && frame[13] == 0x00)
		off = 16;
	return len >= off + 2 && frame[off] == 0x86 && frame[off + 1] == 0xdd;
}

static void igmpd_frame(const uint8_t *frame, size_t len, void *arg)
{
	struct igmp_msg msg;
	struct client *c;
	enum igmp_drop why;
	uint64_t now = ev_now_ms();

	(void)arg;
	if (igmpd_is_ipv6(frame, len)) {
		if (!mldd_frame(frame, len, now))
			igmpd_changes_flush();
		return;
	}
	if (igmp_parse(frame, len, &msg, &why, &ig.st) < 0) {
		log_debug("igmp: %zu-byte frame dropped: %s", len, igmp_drop_name(why));
		return;
	}
	if (msg.type == IGMP_QUERY) {
		if (msg.src_ip == ig.tap_ip && msg.ip_id == IGMPD_QUERY_ID &&
		    !memcmp(msg.src_mac, ig.tap_mac, 6))
			return;
		if (querier_heard(&ig.q, msg.src_ip, now)) {
			char ip[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &msg.src_ip, ip, sizeof(ip));
			log_info("igmp: querier %s heard on %s; we stop querying", ip, ig.dev);
		}
		return;
	}
	/* Reports the server itself sends out of the tap concern no client. */
	if (!memcmp(msg.src_mac, ig.tap_mac, 6))
		return;
	c = reg_find_mac(ig.reg, msg.src_mac);
	if (!c && igmpd_defer(frame, len))
		return;
	if (!c) {
		char mac[18];

		ig.st.drops[IGMP_DROP_UNKNOWN_MAC]++;
		log_debug("igmp: report from %s, which no connected client owns, ignored",
			  reg_format_mac(msg.src_mac, mac));
		return;
	}
	if (mship_apply(ig.ms, c->id, msg.src_mac, &msg, now) < 0)
		log_warn("igmp: client %u (%s): membership update incomplete", c->id, c->cn);
	igmpd_changes_flush();
}

struct mship *igmpd_init(const struct cfg *cfg, struct registry *reg)
{
	struct mship_params mp = {
		.robustness = (unsigned)cfg->igmp.robustness,
		.query_interval_ms = (uint32_t)cfg->igmp.query_interval * 1000,
		.query_response_interval_ms = (uint32_t)cfg->igmp.query_response_interval * 1000,
		.notify = igmpd_notify,
		.stats = &ig.st,
		/* The policy's caps, checked per client, lie within these. */
		.max_groups = POLICY_MAX_GROUPS,
		.max_sources = POLICY_MAX_SOURCES,
		.admit_group = igmpd_admit_group,
		.admit_source = igmpd_admit_source,
	};

	ig.cfg = cfg;
	ig.reg = reg;
	ig.ma = maddr_new(0);
	if (!ig.ma)
		return NULL;
	ig.ms = mship_new(&mp);
	if (!ig.ms)
		goto fail;
	mldd_init(cfg, reg, ig.ms, ig.ma);
	ig.sweep_next = ev_now_ms() + (uint64_t)cfg->igmp.query_interval * 1000;
	ig.timer = ev_timer(IGMPD_TICK_MS, IGMPD_TICK_MS, igmpd_tick, NULL);
	if (ig.timer < 0) {
		mship_free(ig.ms);
		ig.ms = NULL;
		goto fail;
	}
	return ig.ms;
fail:
	maddr_free(ig.ma);
	ig.ma = NULL;
	return NULL;
}

void igmpd_querier_params(const struct cfg *cfg, struct querier_params *qp)
{
	*qp = (struct querier_params){
		.mode = cfg->igmp.querier,
		.robustness = (unsigned)cfg->igmp.robustness,
		.query_interval_ms = (uint32_t)cfg->igmp.query_interval * 1000,
		.query_response_interval_ms = (uint32_t)cfg->igmp.query_response_interval * 1000,
	};
}

int igmpd_up(const char *dev)
{
	struct querier_params qp;

	igmpd_querier_params(ig.cfg, &qp);

	snprintf(ig.dev, sizeof(ig.dev), "%s", dev);
	/* A (re)started tap gets startup queries, so memberships are learnt
	 * again quickly if no other querier is there. */
	ig.tap_ip = 0;
	querier_init(&ig.q, &qp, 0, ev_now_ms());
	igmpd_read_addr();
	ig.up = 1;
	mldd_up(dev, ig.tap_mac);
	return snoop_start(dev, igmpd_frame, NULL);
}

void igmpd_down(void)
{
	ig.up = 0;
	mldd_down();
	snoop_stop();
}

void igmpd_client_gone(uint32_t id)
{
	mship_client_remove(ig.ms, id);
	igmpd_changes_flush();
}

void igmpd_mac_gone(uint32_t id, const uint8_t mac[6])
{
	mship_mac_remove(ig.ms, id, mac);
	igmpd_changes_flush();
}

void igmpd_policy_changed(void)
{
	uint32_t groups[IGMPD_MAX_GROUPS];
	char grp[MADDR_STRLEN];

	for (unsigned i = 0; i < reg_count(ig.reg); i++) {
		const struct client *c = reg_at(ig.reg, i);
		const struct policy_rule *r = policy_for(&ig.cfg->policy, c->cn);
		int n = mship_client_groups(ig.ms, c->id, groups, IGMPD_MAX_GROUPS);

		for (int k = 0; k < n && k < IGMPD_MAX_GROUPS; k++) {
			int why = igmpd_check_group(r, groups[k]);

			if (why < 0)
				continue;
			maddr_ntop(ig.ma, groups[k], groups[k], grp);
			log_info("client %u (%s): %s revoked by the new policy (%s, policy %s)",
				 c->id, c->cn, grp, policy_refusal_name((enum policy_refusal)why),
				 r->name);
			if (mship_client_group_remove(ig.ms, c->id, groups[k]) < 0)
				log_warn("igmp: client %u (%s): membership update incomplete",
					 c->id, c->cn);
			igmpd_changes_flush();
		}
	}
}

void igmpd_client_groups(const struct client *c, FILE *out)
{
	uint32_t groups[IGMPD_MAX_GROUPS];
	char ip[MADDR_STRLEN];
	int n = mship_client_groups(ig.ms, c->id, groups, IGMPD_MAX_GROUPS);

	for (int i = 0; i < n && i < IGMPD_MAX_GROUPS; i++)
		fprintf(out, "%s%s", i ? " " : "", maddr_ntop(ig.ma, groups[i], groups[i], ip));
}

static int group_row(void *arg, uint32_t group, unsigned int members,
		     const struct mship_group_stats *gs)
{
	char ip[MADDR_STRLEN];

	fprintf(arg, "GROUP,%s,%u,%llu,%llu,%llu\n", maddr_ntop(ig.ma, group, group, ip),
		members, (unsigned long long)gs->frames_in, (unsigned long long)gs->frames_out,
		(unsigned long long)gs->bytes_out);
	return 0;
}

void igmpd_group_rows(FILE *out)
{
	mship_group_foreach(ig.ms, group_row, out);
}

void igmpd_drop_rows(FILE *out)
{
	for (int i = 0; i < IGMP_DROP_MAX; i++)
		fprintf(out, "DROPS,%s,%llu\n", igmp_drop_name((enum igmp_drop)i),
			(unsigned long long)ig.st.drops[i]);
	mldd_drop_rows(out);
}

struct maddr *igmpd_maddr(void)
{
	return ig.ma;
}

void igmpd_on_addr_gone(void (*cb)(void *arg, uint32_t key, const uint8_t a[16]), void *arg)
{
	ig.addr_gone = cb;
	ig.addr_gone_arg = arg;
}

void igmpd_exit(void)
{
	ev_timer_cancel(dfr.timer);
	dfr.timer = 0;
	dfr.n = 0;
	igmpd_down();
	free(ig.changed);
	ig.changed = NULL;
	ig.nchanged = ig.changed_cap = 0;
	ev_timer_cancel(ig.timer);
	mship_free(ig.ms);
	ig.ms = NULL;
	maddr_free(ig.ma);
	ig.ma = NULL;
}
