/*
 * chanmeter - live per-group counters of the multicast frames that arrive
 * on one interface (a demo client's tap0), for tests/demo/demo.sh.
 *
 * The demo prints a table every second, so it needs running totals it can
 * read at any moment, not a result at exit.  chanmeter keeps, per IPv4
 * multicast group, the number of UDP frames and their bytes (as seen on the
 * interface, Ethernet header included), and rewrites FILE with the totals
 * every 100 ms when they changed:
 *
 *   <group> <frames> <bytes>
 *   ...
 *   dropped <frames the kernel's capture buffer dropped>
 *
 * FILE is written to FILE.tmp and renamed, so a reader never sees half of
 * it.  Only inbound frames count (what the server sent to this client), and
 * the destination MAC does not matter: with the plugin the frames carry the
 * client's unicast MAC, without it the group MAC.
 *
 * Prints "ready" on stdout once the capture runs; stops on SIGTERM/SIGINT
 * after writing FILE a last time.
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
#include <time.h>
#include <unistd.h>

#define MAX_GROUPS 64
#define WRITE_EVERY_MS 100

struct group_count {
	uint32_t group; /* network byte order */
	unsigned long long frames, bytes;
};

static struct group_count groups[MAX_GROUPS];
static int ngroups;
static int changed;
static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* Count one captured frame if it is IPv4 UDP to a multicast group. */
static void count_frame(u_char *user, const struct pcap_pkthdr *h,
			const u_char *f)
{
	uint32_t dst;
	int i;

	(void)user;
	/* The BPF filter already picked IPv4 multicast UDP; this checks only
	 * that the bytes we read are there. */
	if (h->caplen < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
		return;
	memcpy(&dst, f + 14 + 16, 4);
	for (i = 0; i < ngroups; i++)
		if (groups[i].group == dst)
			break;
	if (i == ngroups) {
		if (ngroups == MAX_GROUPS)
			return;
		groups[ngroups++].group = dst;
	}
	groups[i].frames++;
	groups[i].bytes += h->len;
	changed = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Replace FILE with the current totals; returns -1 on a write error. */
static int write_totals(pcap_t *p, const char *path, const char *tmp)
{
	struct pcap_stat st = { 0 };
	char g[INET_ADDRSTRLEN];
	FILE *f;
	int i;

	pcap_stats(p, &st);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	for (i = 0; i < ngroups; i++) {
		inet_ntop(AF_INET, &groups[i].group, g, sizeof(g));
		fprintf(f, "%s %llu %llu\n", g, groups[i].frames, groups[i].bytes);
	}
	fprintf(f, "dropped %u\n", st.ps_drop);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return -1;
	changed = 0;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: chanmeter -i IFNAME -o FILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE], *tmp;
	const char *ifname = NULL, *path = NULL;
	struct bpf_program prog;
	uint64_t last_write;
	pcap_t *p;
	int opt, fd;

	while ((opt = getopt(argc, argv, "i:o:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'o': path = optarg; break;
		default: usage();
		}
	}
	if (!ifname || !path || optind != argc)
		usage();
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return 2;

	p = pcap_create(ifname, err);
	if (!p) {
		fprintf(stderr, "chanmeter: %s\n", err);
		return 2;
	}
	/* Headers only: the counters need the IP destination and the
	 * frame's length, which pcap reports apart from the snapshot. */
	pcap_set_snaplen(p, 64);
	pcap_set_promisc(p, 0);
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, 8 << 20);
	if (pcap_activate(p) < 0) {
		fprintf(stderr, "chanmeter: %s: %s\n", ifname, pcap_geterr(p));
		return 2;
	}
	if (pcap_setdirection(p, PCAP_D_IN) < 0) {
		fprintf(stderr, "chanmeter: setdirection: %s\n", pcap_geterr(p));
		return 2;
	}
	if (pcap_compile(p, &prog, "ip multicast and udp", 1,
			 PCAP_NETMASK_UNKNOWN) < 0 ||
	    pcap_setfilter(p, &prog) < 0) {
		fprintf(stderr, "chanmeter: filter: %s\n", pcap_geterr(p));
		return 2;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(p, 1, err) < 0) {
		fprintf(stderr, "chanmeter: %s\n", err);
		return 2;
	}

	struct sigaction sa = { .sa_handler = on_stop };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* An empty file at once, so the reader finds one from the start. */
	if (write_totals(p, path, tmp) < 0) {
		fprintf(stderr, "chanmeter: %s: %s\n", path, strerror(errno));
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");

	fd = pcap_get_selectable_fd(p);
	last_write = now_ms();
	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, WRITE_EVERY_MS / 2) < 0 && errno != EINTR) {
			perror("chanmeter: poll");
			return 2;
		}
		if (pcap_dispatch(p, -1, count_frame, NULL) < 0) {
			fprintf(stderr, "chanmeter: %s\n", pcap_geterr(p));
			return 2;
		}
		if (changed && now_ms() - last_write >= WRITE_EVERY_MS) {
			if (write_totals(p, path, tmp) < 0) {
				fprintf(stderr, "chanmeter: %s: %s\n", path,
					strerror(errno));
				return 2;
			}
			last_write = now_ms();
		}
	}
	while (pcap_dispatch(p, -1, count_frame, NULL) > 0)
		;
	write_totals(p, path, tmp);
	pcap_close(p);
	free(tmp);
	return 0;
}
