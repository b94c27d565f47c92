/*
 * snoop.c - libpcap capture of IGMP and MLD on the tap.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "ev.h"
#include "log.h"
#include "snoop.h"

#define SNOOP_RETRY_MS 1000
#define SNOOP_SNAPLEN 2048 /* IGMPv3 reports larger than this are not sent on Ethernet */
#define SNOOP_FILTER "ip proto 2 or (ip6 and ip6[6] == 0 and ip6[40] == 58)"

static struct {
	pcap_t *pc;
	int fd;
	unsigned ifindex;
	int timer;
	char dev[IF_NAMESIZE];
	snoop_cb cb;
	void *arg;
	int warned;     /* the current outage has been logged */
} sn = { .fd = -1 };

static void snoop_close(void)
{
	if (!sn.pc)
		return;
	ev_del(sn.fd);
	pcap_close(sn.pc);
	sn.pc = NULL;
	sn.fd = -1;
	sn.ifindex = 0;
}

static void snoop_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	(void)user;
	/* Truncated by the snaplen: a parser must not see half a report as whole. */
	if (h->caplen < h->len) {
		log_debug("snoop: %u-byte frame larger than the snaplen ignored", h->len);
		return;
	}
	sn.cb(bytes, h->caplen, sn.arg);
}

static void snoop_read(int fd, void *arg)
{
	(void)fd;
	(void)arg;
	if (pcap_dispatch(sn.pc, -1, snoop_frame, NULL) >= 0)
		return;
	log_warnx("snoop: capture on %s failed: %s; reopening", sn.dev, pcap_geterr(sn.pc));
	snoop_close();
}

static int snoop_open(void)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	pcap_t *pc;
	int rc;

	sn.ifindex = if_nametoindex(sn.dev);
	if (!sn.ifindex) {
		errno = ENODEV;
		snprintf(errbuf, sizeof(errbuf), "no such device");
		goto fail_msg;
	}
	pc = pcap_create(sn.dev, errbuf);
	if (!pc)
		goto fail_msg;
	pcap_set_snaplen(pc, SNOOP_SNAPLEN);
	pcap_set_immediate_mode(pc, 1);
	pcap_set_timeout(pc, 100);
	rc = pcap_activate(pc);
	if (rc < 0) {
		snprintf(errbuf, sizeof(errbuf), "%s", pcap_geterr(pc));
		pcap_close(pc);
		errno = ENODEV;
		goto fail_msg;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		log_warnx("snoop: %s is not an Ethernet (tap) device", sn.dev);
		pcap_close(pc);
		errno = EINVAL;
		return -1;
	}
	/* Both directions: clients' reports come in, and a querier on this
	 * server (igmpproxy) sends its queries out. MLD always rides behind a
	 * Hop-by-Hop header; neighbour discovery, which does not, stays out. */
	if (pcap_compile(pc, &prog, SNOOP_FILTER, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
	    pcap_setfilter(pc, &prog) < 0) {
		log_warnx("snoop: cannot filter on %s: %s", sn.dev, pcap_geterr(pc));
		pcap_close(pc);
		errno = EINVAL;
		return -1;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(pc, 1, errbuf) < 0 || (sn.fd = pcap_get_selectable_fd(pc)) < 0 ||
	    ev_add(sn.fd, snoop_read, NULL) < 0) {
		log_warn("snoop: cannot watch the capture on %s", sn.dev);
		pcap_close(pc);
		sn.fd = -1;
		return -1;
	}
	sn.pc = pc;
	sn.warned = 0;
	log_info("snoop: capturing IGMP and MLD on %s (ifindex %u)", sn.dev, sn.ifindex);
	return 0;
fail_msg:
	if (!sn.warned)
		log_warnx("snoop: cannot capture on %s: %s; retrying every %d s", sn.dev, errbuf,
			  SNOOP_RETRY_MS / 1000);
	sn.warned = 1;
	return -1;
}

/* Runs every second: reopen a lost capture, follow a recreated device. */
static void snoop_check(void *arg)
{
	(void)arg;
	if (sn.pc && if_nametoindex(sn.dev) != sn.ifindex) {
		log_info("snoop: %s was recreated; reopening the capture", sn.dev);
		snoop_close();
	}
	if (!sn.pc)
		snoop_open();
}

int snoop_start(const char *dev, snoop_cb cb, void *arg)
{
	snoop_stop();
	snprintf(sn.dev, sizeof(sn.dev), "%s", dev);
	sn.cb = cb;
	sn.arg = arg;
	sn.warned = 0;
	snoop_open();
	sn.timer = ev_timer(SNOOP_RETRY_MS, SNOOP_RETRY_MS, snoop_check, NULL);
	return sn.timer < 0 ? -1 : 0;
}

int snoop_inject(const uint8_t *frame, size_t len)
{
	if (!sn.pc) {
		errno = ENODEV;
		return -1;
	}
	if (pcap_inject(sn.pc, frame, len) != (int)len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

void snoop_stop(void)
{
	snoop_close();
	if (sn.timer > 0)
		ev_timer_cancel(sn.timer);
	sn.timer = 0;
}
