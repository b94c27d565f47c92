/*
 * tapcount - count the IPv4 and IPv6 multicast frames that arrive on an
 * interface (a client's tap device), per group and protocol, for the e2e
 * tests.
 *
 * It counts at the link layer, before the client's IP stack, so it sees
 * frames that no socket asked for: exactly what a client on a slow link
 * pays for.  A frame counts when its IPv4 destination is in 224.0.0.0/4,
 * or its IPv6 destination in ff00::/8, whatever its destination MAC (the
 * helper sends unicast-MAC copies). IPv6 protocols are the fixed header's
 * next header: udp, icmp6, hbh (Hop-by-Hop first: MLD) or proto-N.
 *
 * Prints "ready" once the capture runs.  On SIGTERM/SIGINT it prints:
 *   count <group> <udp|igmp|proto-N> <frames> <unicast-mac frames>
 *   ...
 *   tapcount total=<frames> dropped=<frames the kernel dropped>
 * With -o FILE, every counted frame is also logged to FILE as
 *   <epoch.us> <group> <proto> <u|m> <mcsend seq or -1> <source address>
 * (u/m: unicast or multicast destination MAC).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_KEYS 256

struct key {
	uint8_t group[16];	/* IPv4 (network byte order) in the first 4 bytes */
	int v6;
	uint8_t proto;
	unsigned long frames, unicast;
};

static struct key keys[MAX_KEYS];
static int nkeys;
static unsigned long total;
static FILE *framelog;
static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *proto_name(uint8_t p, int v6, char *buf, size_t len)
{
	if (p == 17)
		return "udp";
	if (p == 2 && !v6)
		return "igmp";
	if (p == 58 && v6)
		return "icmp6";
	if (p == 0 && v6)
		return "hbh";
	snprintf(buf, len, "proto-%u", p);
	return buf;
}

static void count_frame(const struct pcap_pkthdr *h, const u_char *f)
{
	if (h->caplen < 14 + 20)
		return;
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	size_t off = 14;
	if (type == 0x8100 && h->caplen >= 18 + 20) { /* one VLAN tag */
		type = (uint16_t)(f[16] << 8 | f[17]);
		off = 18;
	}
	const u_char *ip = f + off;
	uint8_t dst[16] = { 0 };
	int v6 = type == 0x86dd && h->caplen >= off + 40 && (ip[0] >> 4) == 6;
	if (!v6 && (type != 0x0800 || (f[off] >> 4) != 4))
		return;
	if (v6 && ip[24] != 0xff)
		return;
	if (!v6 && (ip[16] & 0xf0) != 0xe0)
		return;
	memcpy(dst, ip + (v6 ? 24 : 16), v6 ? 16 : 4);
	uint8_t proto = v6 ? ip[6] : ip[9];
	int unicast = !(f[0] & 1);
	long seq = -1;
	size_t ihl = v6 ? 40 : (size_t)(ip[0] & 0x0f) * 4;
	if (proto == 17 && h->caplen >= off + ihl + 8 + 8 &&
	    memcmp(ip + ihl + 8, "OMC1", 4) == 0) {
		const u_char *p = ip + ihl + 8 + 4;
		seq = (long)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			     (uint32_t)p[2] << 8 | p[3]);
	}

	int i;
	for (i = 0; i < nkeys; i++)
		if (!memcmp(keys[i].group, dst, 16) && keys[i].v6 == v6 && keys[i].proto == proto)
			break;
	if (i == nkeys) {
		if (nkeys == MAX_KEYS)
			return;
		memcpy(keys[nkeys].group, dst, 16);
		keys[nkeys].v6 = v6;
		keys[nkeys].proto = proto;
		nkeys++;
	}
	keys[i].frames++;
	keys[i].unicast += (unsigned long)unicast;
	total++;
	if (framelog) {
		char g[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN], pb[16];
		inet_ntop(v6 ? AF_INET6 : AF_INET, dst, g, sizeof(g));
		inet_ntop(v6 ? AF_INET6 : AF_INET, ip + (v6 ? 8 : 12), src, sizeof(src));
		fprintf(framelog, "%ld.%06ld %s %s %c %ld %s\n", (long)h->ts.tv_sec,
			(long)h->ts.tv_usec, g, proto_name(proto, v6, pb, sizeof(pb)),
			unicast ? 'u' : 'm', seq, src);
	}
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h,
		      const u_char *bytes)
{
	(void)user;
	count_frame(h, bytes);
}

static void usage(void)
{
	fprintf(stderr, "usage: tapcount -i IFNAME [-o FRAMELOG]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	const char *ifname = NULL, *logpath = NULL;
	struct bpf_program prog;
	pcap_t *p;
	int opt;

	while ((opt = getopt(argc, argv, "i:o:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'o': logpath = optarg; break;
		default: usage();
		}
	}
	if (!ifname || optind != argc)
		usage();
	if (logpath && !(framelog = fopen(logpath, "w"))) {
		perror(logpath);
		return 2;
	}
	/* Line-buffered so the tests can watch the log grow and settle. */
	if (framelog)
		setvbuf(framelog, NULL, _IOLBF, 0);

	p = pcap_create(ifname, err);
	if (!p) {
		fprintf(stderr, "tapcount: %s\n", err);
		return 2;
	}
	pcap_set_snaplen(p, 128);
	pcap_set_promisc(p, 0);
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, 8 << 20);
	if (pcap_activate(p) < 0) {
		fprintf(stderr, "tapcount: %s: %s\n", ifname, pcap_geterr(p));
		return 2;
	}
	/* Inbound only: what the server sent to this client. */
	if (pcap_setdirection(p, PCAP_D_IN) < 0) {
		fprintf(stderr, "tapcount: setdirection: %s\n", pcap_geterr(p));
		return 2;
	}
	if (pcap_compile(p, &prog, "ip multicast or ip6 multicast", 1, PCAP_NETMASK_UNKNOWN) < 0 ||
	    pcap_setfilter(p, &prog) < 0) {
		fprintf(stderr, "tapcount: filter: %s\n", pcap_geterr(p));
		return 2;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(p, 1, err) < 0) {
		fprintf(stderr, "tapcount: %s\n", err);
		return 2;
	}

	struct sigaction sa = { .sa_handler = on_stop };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");

	int fd = pcap_get_selectable_fd(p);
	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int rc = poll(&pfd, 1, 50);
		if (rc < 0 && errno != EINTR) {
			perror("tapcount: poll");
			return 2;
		}
		if (pcap_dispatch(p, -1, on_packet, NULL) < 0) {
			fprintf(stderr, "tapcount: %s\n", pcap_geterr(p));
			return 2;
		}
	}
	/* Drain what is already buffered. */
	while (pcap_dispatch(p, -1, on_packet, NULL) > 0)
		;

	struct pcap_stat st = { 0 };
	pcap_stats(p, &st);
	for (int i = 0; i < nkeys; i++) {
		char g[INET6_ADDRSTRLEN], pb[16];
		inet_ntop(keys[i].v6 ? AF_INET6 : AF_INET, keys[i].group, g, sizeof(g));
		printf("count %s %s %lu %lu\n", g,
		       proto_name(keys[i].proto, keys[i].v6, pb, sizeof(pb)), keys[i].frames,
		       keys[i].unicast);
	}
	printf("tapcount total=%lu dropped=%u\n", total, st.ps_drop);
	if (framelog)
		fclose(framelog);
	pcap_close(p);
	return 0;
}
