/*
 * fwd.c - the data path, whichever makes the copies:
 *
 * - bpf: tc programs copy in the kernel (tcbpf.c); this file keeps their
 *   maps in step with the membership and reads their counters back;
 * - nflog: nftables diverts to nflog, and per packet the checksums are made
 *   valid once, the members of (S,G) looked up, and all copies leave in one
 *   sendmmsg() call. Nothing is allocated on this path.
 *
 * The daemon sees one interface and does not know which path runs.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "caps.h"
#include "cgcount.h"
#include "config.h"
#include "divert.h"
#include "ev.h"
#include "fwd.h"
#include "log.h"
#include "mship.h"
#include "registry.h"
#include "repl.h"
#include "tcbpf.h"
#include "upstream.h"

#define FWD_MAX_COPIES REPL_MAX_BATCH_DEFAULT
#define FWD_CHECK_MS 1000
/* An nflog batch: at most this many records (within CAPTURE_SNAPLEN bytes). */
#define FWD_BATCH_PACKETS 64
#define ETH_HLEN 14

static struct {
	const struct cfg *cfg;
	struct registry *reg;
	struct mship *ms;
	struct cgcount *cg;	/* per (client, group) counters */
	uint32_t *members;	/* scratch: a group's member clients */
	size_t nmembers, members_cap;
	int up;
	int bpf;		/* the in-kernel data plane runs */
	char dev[IF_NAMESIZE];
	int timer;
	int sweep_timer;	/* after a takeover: drop what nobody reported again */
	uint64_t no_members;
	uint64_t malformed;
	uint64_t too_many;
	uint8_t macs[FWD_MAX_COPIES][6];
	uint32_t ids[FWD_MAX_COPIES];
} fw;

static uint32_t get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void fwd_packet(uint8_t *ip, size_t len, unsigned int indev, void *arg)
{
	struct mship_group_stats *gs;
	ssize_t n;
	unsigned k, sent;

	(void)arg;
	/* From the standalone upstream: route it, TTL rule first. */
	if (indev && !upstream_packet(ip, len))
		return;
	n = repl_fix_checksums(ip, len);
	if (n < 0) {
		fw.malformed++;
		return;
	}
	k = mship_members(fw.ms, get_be32(ip + 12), get_be32(ip + 16), fw.ids, fw.macs,
			  FWD_MAX_COPIES, &gs);
	if (!k) {
		fw.no_members++;
		return;
	}
	if (k == FWD_MAX_COPIES && mship_member_count(fw.ms, get_be32(ip + 16)) > k)
		fw.too_many++;
	sent = repl_send(ip, (size_t)n, (const uint8_t (*)[6])fw.macs, k);
	gs->frames_in++;
	gs->frames_out += sent;
	gs->bytes_out += (uint64_t)sent * ((size_t)n + ETH_HLEN);
	for (unsigned i = 0; i < sent; i++) {
		struct client *c = reg_find(fw.reg, fw.ids[i]);
		struct cg_entry *e = cgc_find(fw.cg, get_be32(ip + 16), fw.ids[i]);

		if (c) {
			c->frames_sent++;
			c->bytes_sent += (size_t)n + ETH_HLEN;
		}
		if (e) {
			e->frames++;
			e->bytes += (size_t)n + ETH_HLEN;
		}
	}
}

static void fwd_read(int fd, void *arg)
{
	(void)arg;
	if (capture_dispatch(fwd_packet, NULL) >= 0)
		return;
	/* A broken capture would wake the loop forever: close it and let
	 * fwd_check() reopen it. Diverted frames are lost meanwhile, never
	 * flooded. */
	ev_del(fd);
	capture_close();
	log_warnx("fwd: nflog capture failed; reopening it every %d s", FWD_CHECK_MS / 1000);
}

/* Records per nflog hand-over: one wakeup per batch, not per packet. */
static unsigned int fwd_batch(void)
{
	return fw.cfg->nflog_batch_ms ? FWD_BATCH_PACKETS : 1;
}

static int fwd_capture_open(void)
{
	if (fw.bpf)
		return 0;
	if (capture_open(fw.cfg->nflog_group, 0) < 0)
		return -1;
	/* Without it the kernel's defaults hold records up to 100 packets or
	 * 1 s; the rules' queue-threshold (divert) matches the batch. */
	if (capture_batch(fwd_batch(), (unsigned int)fw.cfg->nflog_batch_ms) < 0)
		divert_set_batch(1);
	if (ev_add(capture_fd(), fwd_read, NULL) < 0) {
		log_warn("fwd: cannot watch the nflog capture");
		capture_close();
		return -1;
	}
	return 0;
}

static int fwd_client_known(void *arg, uint32_t id)
{
	(void)arg;
	return reg_find(fw.reg, id) != NULL;
}

static int fwd_cg_known(void *arg, uint32_t group, uint32_t client)
{
	(void)arg;
	return cgc_find(fw.cg, group, client) != NULL;
}

static void fwd_sweep(void *arg)
{
	int n;

	(void)arg;
	fw.sweep_timer = 0;
	n = tcbpf_sweep(fw.ms, fwd_client_known, fwd_cg_known, NULL);
	log_info("bpf: takeover complete: %d list%s of groups nobody reported again removed",
		 n, n == 1 ? "" : "s");
}

/*
 * How long the lists taken over from a dead helper stay for groups nobody
 * has reported yet: our startup query and its answers (twice, for a lost
 * report), or, when another querier asks, one of its query intervals.
 */
static uint64_t fwd_sweep_delay_ms(void)
{
	const int qri = fw.cfg->igmp.query_response_interval;

	if (fw.cfg->igmp.querier == QUERIER_OFF)
		return (uint64_t)(fw.cfg->igmp.query_interval + qri) * 1000;
	return (uint64_t)(2 * qri + 1) * 1000;
}

/* Attach the tc programs to the tap, and to the upstream if standalone. */
static int fwd_bpf_attach(void)
{
	if (tcbpf_attach(fw.dev, 0) < 0)
		return -1;
	if (upstream_enabled() && upstream_up(fw.dev) == 0 && tcbpf_attach(upstream_ifname(), 1) < 0)
		log_warnx("fwd: no group traffic is taken in from %s", upstream_ifname());
	tcbpf_adopt_end();
	if (tcbpf_adopted() && !fw.sweep_timer) {
		fw.sweep_timer = ev_timer(fwd_sweep_delay_ms(), 0, fwd_sweep, NULL);
		if (fw.sweep_timer < 0) {
			fw.sweep_timer = 0;
			fwd_sweep(NULL);
		}
	}
	return 0;
}

static void fwd_reinstall(void)
{
	if (fw.bpf)
		fwd_bpf_attach();
	else
		divert_reinstall();
}

void fwd_upstream_changed(void)
{
	if (!fw.up)
		return;
	if (!fw.bpf)
		divert_reinstall();
	else if (!upstream_active())
		tcbpf_detach(1);
	else if (tcbpf_attach(upstream_ifname(), 1) < 0)
		log_warnx("fwd: no group traffic is taken in from %s", upstream_ifname());
}

/* A device-bound chain, filter and socket die with their tap: follow
 * recreation. */
static void fwd_check(void *arg)
{
	(void)arg;
	if (!fw.bpf && capture_fd() < 0 && fwd_capture_open() == 0)
		log_info("fwd: nflog capture reopened");
	if (!fw.up)
		return;
	switch (repl_check()) {
	case 1:
		log_info("fwd: tap was recreated; reinstalling the %s", fw.bpf ? "tc programs" : "diversion");
		fwd_reinstall();
		break;
	case 0:
		if (fw.bpf) {
			if (!tcbpf_present(0) || (upstream_active() && !tcbpf_present(1))) {
				log_warnx("fwd: a tc filter of ours is gone; attaching it again");
				fwd_bpf_attach();
			}
		} else if (divert_present() == 0) {
			log_warnx("fwd: diversion table vanished; reinstalling it");
			divert_reinstall();
		}
		break;
	default:
		break; /* device gone for now; OpenVPN will bring it back */
	}
}

/* Which path: bpf where the programs load (or as configured), else nflog. */
static int fwd_choose(void)
{
	if (fw.cfg->datapath == DATAPATH_NFLOG) {
		log_info("datapath: nflog (configured)");
		return 0;
	}
	if (tcbpf_open((unsigned int)fw.cfg->nflog_group) == 0) {
		fw.bpf = 1;
		log_info("datapath: bpf: tc programs on the tap%s copy in the kernel",
			 upstream_enabled() ? " and the upstream" : "");
		return 0;
	}
	if (fw.cfg->datapath == DATAPATH_BPF) {
		log_warnx("datapath: bpf configured, but %s", tcbpf_why());
		return -1;
	}
	log_info("datapath: nflog, because %s", tcbpf_why());
	return 0;
}

/* The in-kernel counters follow the table's entries. */
static void fwd_cg_added(void *arg, uint32_t group, uint32_t client)
{
	(void)arg;
	if (fw.bpf)
		tcbpf_cg_add(group, client);
}

static void fwd_cg_removed(void *arg, uint32_t group, uint32_t client)
{
	(void)arg;
	if (fw.bpf)
		tcbpf_cg_del(group, client);
}

int fwd_init(const struct cfg *cfg, struct registry *reg, struct mship *ms)
{
	const struct cgc_hooks hooks = { fwd_cg_added, fwd_cg_removed, NULL };

	fw.cfg = cfg;
	fw.reg = reg;
	fw.ms = ms;
	fw.cg = cgc_new(0, &hooks);
	if (!fw.cg) {
		log_warn("fwd: cannot allocate the per-member counters");
		return -1;
	}
	if (caps_check_privs() < 0 || fwd_choose() < 0)
		return -1;
	if (!fw.bpf && (caps_check_netfilter() < 0 || divert_check_free(cfg->nft_table) < 0))
		return -1;
	divert_set_batch(fwd_batch());
	if (fwd_capture_open() < 0)
		return -1;
	/* Also while no tap is up: a lost capture is reopened from here. */
	fw.timer = ev_timer(FWD_CHECK_MS, FWD_CHECK_MS, fwd_check, NULL);
	return fw.timer < 0 ? -1 : 0;
}

int fwd_up(const char *dev)
{
	if (fw.up)
		fwd_down();
	if (caps_check_tap(dev) < 0)
		return -1;
	/* The socket first: a diversion without a way to write copies would
	 * silence multicast for every client. */
	if (repl_open(dev, FWD_MAX_COPIES) < 0)
		return -1;
	snprintf(fw.dev, sizeof(fw.dev), "%s", dev);
	if (fw.bpf) {
		if (fwd_bpf_attach() < 0) {
			repl_close();
			return -1;
		}
		fw.up = 1;
		return 0;
	}
	divert_set_upstream(upstream_up(dev) == 0 ? upstream_ifname() : "");
	if (divert_install(dev, fw.cfg->nft_table, fw.cfg->nflog_group, DIVERT_AUTO) < 0) {
		repl_close();
		return -1;
	}
	fw.up = 1;
	return 0;
}

void fwd_down(void)
{
	if (!fw.up)
		return;
	/* Diversion first: multicast falls back to flooding, never to silence. */
	if (fw.bpf) {
		tcbpf_detach(0);
		tcbpf_detach(1);
	} else {
		divert_remove();
	}
	repl_close();
	fw.up = 0;
}

void fwd_exit(void)
{
	fwd_down();
	ev_timer_cancel(fw.timer);
	fw.timer = 0;
	ev_timer_cancel(fw.sweep_timer);
	fw.sweep_timer = 0;
	tcbpf_close();
	cgc_free(fw.cg);
	fw.cg = NULL;
	free(fw.members);
	fw.members = NULL;
	fw.members_cap = 0;
	divert_exit();
	if (capture_fd() >= 0)
		ev_del(capture_fd());
	capture_close();
}

/* Collect the clients of one of the group's lists into fw.members. */
static int fwd_collect(void *arg, int named, uint32_t src, const struct mship_dest *dst, size_t n)
{
	(void)arg;
	(void)named;
	(void)src;
	if (fw.nmembers + n > fw.members_cap) {
		size_t cap = fw.members_cap ? fw.members_cap : 64;
		uint32_t *p;

		while (cap < fw.nmembers + n)
			cap *= 2;
		p = realloc(fw.members, cap * sizeof(*p));
		if (!p)
			return -1;
		fw.members = p;
		fw.members_cap = cap;
	}
	for (size_t i = 0; i < n; i++)
		fw.members[fw.nmembers++] = dst[i].client;
	return 0;
}

void fwd_group_changed(uint32_t group)
{
	if (fw.bpf)
		tcbpf_sync_group(fw.ms, group);
	/* The per-member counters follow the members of any list. */
	fw.nmembers = 0;
	if (mship_group_view(fw.ms, group, fwd_collect, NULL) != 0 ||
	    cgc_set_group(fw.cg, group, fw.members, fw.nmembers) < 0)
		log_warnx("fwd: some per-member counters of a group are not kept (%s)",
			  errno == ENOSPC ? "table full" : "out of memory");
}

void fwd_client_connected(uint32_t id)
{
	if (fw.bpf)
		tcbpf_client_add(id);
}

void fwd_client_gone(uint32_t id)
{
	cgc_drop_client(fw.cg, id);
	if (fw.bpf)
		tcbpf_client_del(id);
}

const struct cgcount *fwd_cg(void)
{
	return fw.cg;
}

static int pull_group(void *arg, uint32_t group, unsigned int members,
		      const struct mship_group_stats *unused)
{
	struct mship_group_stats *gs;
	const struct mship_dest *d;
	struct dp_gcnt c;

	(void)arg;
	(void)members;
	(void)unused;
	if (tcbpf_group_counts(group, &c) < 0)
		return 0;
	mship_lookup(fw.ms, 0, group, &d, &gs);
	if (gs) {
		gs->frames_in = c.frames_in;
		gs->frames_out = c.frames_out;
		gs->bytes_out = c.bytes_out;
	}
	upstream_counts_set(group, c.up_in, c.up_ttl);
	return 0;
}

void fwd_stats_pull(void)
{
	if (!fw.bpf)
		return;
	for (unsigned int i = 0; i < reg_count(fw.reg); i++) {
		struct client *c = reg_at(fw.reg, i);

		tcbpf_client_counts(c->id, &c->frames_sent, &c->bytes_sent);
	}
	for (size_t i = 0; i < cgc_count(fw.cg); i++) {
		struct cg_entry *e = cgc_at(fw.cg, i);

		tcbpf_cg_counts(e->group, e->client, &e->frames, &e->bytes);
	}
	mship_group_foreach(fw.ms, pull_group, NULL);
	upstream_ttl_total_set(tcbpf_drops(DP_DROP_TTL));
}

void fwd_drop_rows(FILE *out)
{
	const struct capture_stats *cs = capture_stats();
	const struct repl_stats *rs = repl_stats();

	if (fw.bpf) {
		/* The same rows, meaning the same, from the programs' counters. */
		fprintf(out, "DROPS,data_no_members,%llu\n",
			(unsigned long long)tcbpf_drops(DP_DROP_NO_MEMBERS));
		fprintf(out, "DROPS,data_malformed,0\nDROPS,data_not_ipv4,0\n");
		fprintf(out, "DROPS,data_too_many_members,%llu\n",
			(unsigned long long)tcbpf_drops(DP_DROP_TOO_MANY));
		fprintf(out, "DROPS,nflog_overrun,0\nDROPS,tap_send_nobufs,0\n");
		fprintf(out, "DROPS,tap_send_error,%llu\n", (unsigned long long)tcbpf_drops(DP_DROP_CLONE));
		return;
	}

	fprintf(out, "DROPS,data_no_members,%llu\n", (unsigned long long)fw.no_members);
	fprintf(out, "DROPS,data_malformed,%llu\n",
		(unsigned long long)(fw.malformed + cs->malformed + cs->truncated));
	fprintf(out, "DROPS,data_not_ipv4,%llu\n", (unsigned long long)cs->not_ipv4);
	fprintf(out, "DROPS,data_too_many_members,%llu\n", (unsigned long long)fw.too_many);
	fprintf(out, "DROPS,nflog_overrun,%llu\n", (unsigned long long)cs->kernel_drops);
	fprintf(out, "DROPS,tap_send_nobufs,%llu\n", (unsigned long long)rs->drop_nobufs);
	fprintf(out, "DROPS,tap_send_error,%llu\n",
		(unsigned long long)(rs->drop_error + rs->drop_closed));
}
