/*
 * mldd.c - snooped MLD into the membership engine; the MLD querier.
 *
 * MLD goes through the same engine as IGMP, with IPv6 addresses interned
 * as keys (maddr.h, mldship.h): MLDv1 as IGMPv2, MLDv2 as IGMPv3. The querier's
 * schedule is querier.c's; only the election compares 128-bit addresses
 * here (RFC 3810 7.6.2: the lowest address wins).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ev.h"
#include "igmpd.h"
#include "log.h"
#include "maddr.h"
#include "mld.h"
#include "mldd.h"
#include "mldship.h"
#include "mship.h"
#include "querier.h"
#include "registry.h"
#include "snoop.h"

#define MLDD_FLOW 0x6d63	/* flow label of our queries: "mc" */
#define MLDD_ADDR_RETRY_MS 1000	/* re-read a missing link-local address */
#define MLDD_FULL_LOG_MS 10000	/* a full address table is logged this rarely */
#define IFA_TENTATIVE 0x40	/* still in duplicate address detection */
#define IFA_DADFAILED 0x08

static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };

static struct {
	const struct cfg *cfg;
	struct registry *reg;
	struct mship *ms;
	struct maddr *ma;
	struct mld_stats st;
	struct querier q;
	char dev[IF_NAMESIZE];
	const uint8_t *tap_mac;
	uint8_t self[16];	/* our link-local address on the tap */
	int have_self;
	uint64_t addr_next;	/* when to look for it again */
	uint64_t full_quiet_until;
	/* A short query's answers are due until then, and a general query
	 * with a longer delay would put them off (see mldd_tick()). */
	uint64_t short_until;
	uint32_t short_ms;
	int up;
} md;

void mldd_init(const struct cfg *cfg, struct registry *reg, struct mship *ms,
	       struct maddr *ma)
{
	md.cfg = cfg;
	md.reg = reg;
	md.ms = ms;
	md.ma = ma;
}

/*
 * The tap's link-local address, from /proc/net/if_inet6. A tap gets it
 * only once it is up and DAD is done, so "none yet" is normal at first.
 */
static int mldd_read_addr(void)
{
	char hex[33], name[IF_NAMESIZE + 1];
	unsigned int idx, plen, scope, flags;
	FILE *f = fopen("/proc/net/if_inet6", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fscanf(f, "%32s %x %x %x %x %16s", hex, &idx, &plen, &scope, &flags,
				name) == 6) {
		uint8_t a[16];

		if (strcmp(name, md.dev) || scope != 0x20 ||
		    (flags & (IFA_TENTATIVE | IFA_DADFAILED)) || strlen(hex) != 32)
			continue;
		for (int i = 0; i < 16; i++)
			if (sscanf(hex + 2 * i, "%2hhx", &a[i]) != 1)
				goto next;
		if (!md.have_self || memcmp(a, md.self, 16)) {
			char buf[INET6_ADDRSTRLEN];

			log_info("mld: queries on %s from %s", md.dev,
				 inet_ntop(AF_INET6, a, buf, sizeof(buf)));
		}
		memcpy(md.self, a, 16);
		found = 1;
next:
		;
	}
	fclose(f);
	md.have_self = found;
	return found;
}

/* Our address, looked up again at most every MLDD_ADDR_RETRY_MS while missing. */
static int mldd_addr(uint64_t now)
{
	if (md.have_self)
		return 1;
	if (now < md.addr_next)
		return 0;
	md.addr_next = now + MLDD_ADDR_RETRY_MS;
	return mldd_read_addr();
}

void mldd_up(const char *dev, const uint8_t *tap_mac)
{
	struct querier_params qp;

	igmpd_querier_params(md.cfg, &qp);
	snprintf(md.dev, sizeof(md.dev), "%s", dev);
	md.tap_mac = tap_mac;
	md.have_self = 0;
	md.addr_next = 0;
	/* Our address takes part in the election here, not in querier.c. */
	querier_init(&md.q, &qp, 0, ev_now_ms());
	md.up = 1;
}

void mldd_down(void)
{
	md.up = 0;
}

static void mldd_send(const uint8_t dst[6], uint32_t max_resp_ms)
{
	uint8_t frame[MLD_QUERY_MAXLEN];
	struct mld_query_params qp = {
		/* IGMPv3 queries pair with MLDv2, older ones with MLDv1. */
		.version = md.cfg->igmp.version == 3 ? 2 : 1,
		.flow = MLDD_FLOW,
		.max_resp_ms = max_resp_ms,
		.qrv = (uint8_t)(md.cfg->igmp.robustness <= 7 ? md.cfg->igmp.robustness : 0),
		.qqi = (uint32_t)md.cfg->igmp.query_interval,
	};
	int n;

	memcpy(qp.src, md.self, 16);
	memcpy(qp.src_mac, md.tap_mac, 6);
	n = mld_build_query(frame, sizeof(frame), &qp);
	if (n < 0) {
		log_warn("mld: cannot build a query");
		return;
	}
	memcpy(frame, dst, 6);
	if (snoop_inject(frame, (size_t)n) < 0)
		log_debug("mld: general query not sent: %s", strerror(errno));
	else
		log_debug("mld: sent a v%d general query on %s", qp.version, md.dev);
}

void mldd_query(const uint8_t dst[6], uint32_t max_resp_ms)
{
	if (!md.up || md.cfg->igmp.querier == QUERIER_OFF || !md.tap_mac)
		return;
	if (!mldd_addr(ev_now_ms())) {
		log_debug("mld: %s has no link-local address yet; query postponed", md.dev);
		return;
	}
	mldd_send(dst, max_resp_ms);
	if (max_resp_ms < (uint32_t)md.cfg->igmp.query_response_interval * 1000) {
		md.short_until = ev_now_ms() + max_resp_ms;
		md.short_ms = max_resp_ms;
	}
}

void mldd_tick(uint64_t now)
{
	if (!md.up || querier_next(&md.q) > now)
		return;
	/* A query due before the tap has its address waits for it, so the
	 * startup query is not lost to DAD. */
	if (!mldd_addr(now))
		return;
	/* Linux restarts a host's MLDv2 report timer at each general query
	 * (its IGMP keeps the earlier one): a general query with the full
	 * delay right after a short one, as at startup after the replayed
	 * clients' queries, would delay their answers by up to 10 s. */
	if (querier_poll(&md.q, now))
		mldd_send(all_nodes_mac, now < md.short_until ? md.short_ms :
			  (uint32_t)md.cfg->igmp.query_response_interval * 1000);
}

static void mldd_heard(const struct mld_msg *m, uint64_t now)
{
	char buf[INET6_ADDRSTRLEN];

	if (md.tap_mac && !memcmp(m->src_mac, md.tap_mac, 6) && m->flow == MLDD_FLOW)
		return;		/* our own, seen again */
	mldd_addr(now);
	/* Lower wins; equal too (a router on this server sharing our address). */
	if (md.have_self && memcmp(m->src, md.self, 16) > 0)
		return;
	if (querier_yield(&md.q, now))
		log_info("mld: querier %s heard on %s; we stop querying",
			 inet_ntop(AF_INET6, m->src, buf, sizeof(buf)), md.dev);
}

/*
 * Records are being lost to a full address table: have it swept soon, and
 * say so (rarely).
 */
static void mldd_table_full(void)
{
	uint64_t now = ev_now_ms();

	igmpd_addr_pressure();
	if (now < md.full_quiet_until)
		return;
	md.full_quiet_until = now + MLDD_FULL_LOG_MS;
	log_warnx("mld: %u IPv6 addresses in use: MLD records are dropped until some are freed",
		  maddr_count(md.ma));
}

int mldd_frame(const uint8_t *frame, size_t len, uint64_t now)
{
	struct mld_msg m;
	enum mld_drop why;
	struct client *c;
	uint64_t full;

	if (mld_parse(frame, len, &m, &why, &md.st) < 0) {
		log_debug("mld: %zu-byte frame dropped: %s", len, mld_drop_name(why));
		return 0;
	}
	if (m.type == MLD_QUERY) {
		mldd_heard(&m, now);
		return 0;
	}
	/* Reports the server itself sends out of the tap concern no client;
	 * nor does a report of link-local records only (every host's
	 * solicited-node groups), which often is a new client's first frame. */
	if (md.tap_mac && !memcmp(m.src_mac, md.tap_mac, 6))
		return 0;
	if (m.type == MLD_V2_REPORT && !m.nrec_valid)
		return 0;
	c = reg_find_mac(md.reg, m.src_mac);
	if (!c && igmpd_hold(frame, len))
		return 1;
	if (!c) {
		char mac[18];

		md.st.drops[MLD_DROP_UNKNOWN_MAC]++;
		log_debug("mld: report from %s, which no connected client owns, ignored",
			  reg_format_mac(m.src_mac, mac));
		return 0;
	}
	full = md.st.drops[MLD_DROP_TABLE_FULL];
	if (mldship_apply(md.ms, md.ma, c->id, m.src_mac, &m, now, &md.st) < 0)
		log_warn("mld: client %u (%s): membership update incomplete", c->id, c->cn);
	if (md.st.drops[MLD_DROP_TABLE_FULL] != full)
		mldd_table_full();
	return 0;
}

void mldd_drop_rows(FILE *out)
{
	for (int i = 0; i < MLD_DROP_MAX; i++)
		fprintf(out, "DROPS,%s,%llu\n", mld_drop_name((enum mld_drop)i),
			(unsigned long long)md.st.drops[i]);
}
