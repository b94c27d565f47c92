/*
 * dpsink - the data plane without OpenVPN, for tests/bench/dataplane.sh.
 *
 * It plays OpenVPN's part towards the helper and the tap:
 *   - it creates the tap (TAP_NAME, default tap0), gives it ADDR/16 and
 *     brings it up, and stays its only reader, as OpenVPN would;
 *   - it starts the helper with --plugin-fd on a SOCK_SEQPACKET socketpair
 *     and speaks the plugin protocol (include/mcast_proto.h): UP, then
 *     CONNECT and LEARN for N fake clients (MAC 02:00:00:00:hi:lo,
 *     address 10.8.hi.lo);
 *   - it writes each membership as an IGMPv2 report from that client's MAC
 *     into the tap, as a client's report would arrive;
 *   - it then counts what the data plane writes into the tap: frames to
 *     224.0.0.0/4 outside 224.0.0.0/24, per destination MAC (one of the
 *     clients, another unicast MAC, or a multicast MAC = not diverted).
 * No encryption, no UDP to clients: what is left is the data plane's cost.
 *
 *   dpsink -H HELPER -c CONFIG -n CLIENTS -g GROUPS -m MEMBERS [-a ADDR]
 *   Group k is 239.2.(k>>8).(k&255); its members are clients
 *   (k*MEMBERS + j) % CLIENTS, j < MEMBERS.
 * Output (stdout, line-buffered): "ready" once every report is written;
 *   on SIGUSR1 and at the end (SIGTERM/SIGINT):
 *   sink copies=C members_hit=H min=A max=B other_unicast=U multicast=M
 *   (counts since the previous line; min/max over the members).
 * Helper log lines (MCP_LOG) go to stderr.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcast_proto.h"

#define MAX_CLIENTS 65000

static volatile sig_atomic_t stop, dump;
static unsigned long *hits;
static unsigned long other_uc, mcast;
static int nclients;

static void on_stop(int s) { (void)s; stop = 1; }
static void on_dump(int s) { (void)s; dump = 1; }

static void die(const char *what)
{
	fprintf(stderr, "dpsink: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void client_mac(int i, uint8_t mac[6])
{
	mac[0] = 0x02; mac[1] = 0; mac[2] = 0; mac[3] = 0;
	mac[4] = (uint8_t)(i >> 8); mac[5] = (uint8_t)i;
}

static int tap_open(const char *name, const char *addr)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd = open("/dev/net/tun", O_RDWR), s;

	if (fd < 0)
		die("open /dev/net/tun");
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die("TUNSETIFF");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		die("SIOCSIFADDR");
	inet_pton(AF_INET, "255.255.0.0", &sin->sin_addr);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
		die("SIOCSIFNETMASK");
	ifr.ifr_qlen = 10000;
	if (ioctl(s, SIOCSIFTXQLEN, &ifr) < 0)
		die("SIOCSIFTXQLEN");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die("SIOCSIFFLAGS");
	close(s);
	return fd;
}

static void send_msg(int fd, uint8_t type, uint32_t id, const char *const *fields)
{
	uint8_t buf[MCP_MAX_MSG];
	int n = mcp_encode(buf, sizeof(buf), type, id, fields);

	if (n < 0 || send(fd, buf, (size_t)n, 0) != n)
		die("send to helper");
}

/* Read helper messages for up to @ms; returns 1 when READY was seen. */
static int helper_drain(int fd, int ms)
{
	uint8_t buf[MCP_MAX_MSG];
	struct mcp_msg m;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ready = 0;
	ssize_t n;

	while (poll(&p, 1, ms) > 0) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0) {
			fprintf(stderr, "dpsink: the helper closed the channel\n");
			exit(2);
		}
		if (mcp_decode(buf, (size_t)n, &m) < 0)
			continue;
		if (m.type == MCP_READY)
			ready = 1;
		else if (m.type == MCP_ERROR) {
			fprintf(stderr, "dpsink: helper: %s\n", m.field[0]);
			exit(2);
		} else if (m.type == MCP_LOG)
			fprintf(stderr, "helper: %s\n", m.field[0]);
		ms = 0;
	}
	return ready;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An IGMPv2 membership report from client @i for @group (network order). */
static void write_report(int tap, int i, uint32_t group)
{
	uint8_t f[14 + 24 + 8] = { 0 }, *ip = f + 14, *ig = ip + 24;
	uint32_t g = ntohl(group);
	uint16_t c;

	f[0] = 0x01; f[1] = 0x00; f[2] = 0x5e;
	f[3] = (g >> 16) & 0x7f; f[4] = (g >> 8) & 0xff; f[5] = g & 0xff;
	client_mac(i, f + 6);
	f[12] = 0x08; f[13] = 0x00;
	ip[0] = 0x46; ip[3] = 32; ip[8] = 1; ip[9] = 2;
	ip[12] = 10; ip[13] = 8; ip[14] = (uint8_t)(i >> 8); ip[15] = (uint8_t)i;
	memcpy(ip + 16, &group, 4);
	ip[20] = 0x94; ip[21] = 0x04; /* router alert */
	c = csum(ip, 24);
	ip[10] = c >> 8; ip[11] = c & 0xff;
	ig[0] = 0x16;
	memcpy(ig + 4, &group, 4);
	c = csum(ig, 8);
	ig[2] = c >> 8; ig[3] = c & 0xff;
	if (write(tap, f, sizeof(f)) != (ssize_t)sizeof(f))
		die("write report");
}

static void print_counts(void)
{
	unsigned long total = 0, mn = (unsigned long)-1, mx = 0, hit = 0;

	for (int i = 0; i < nclients; i++) {
		total += hits[i];
		if (hits[i]) {
			hit++;
			if (hits[i] < mn)
				mn = hits[i];
			if (hits[i] > mx)
				mx = hits[i];
		}
		hits[i] = 0;
	}
	printf("sink copies=%lu members_hit=%lu min=%lu max=%lu other_unicast=%lu multicast=%lu\n",
	       total, hit, hit ? mn : 0, mx, other_uc, mcast);
	other_uc = mcast = 0;
}

int main(int argc, char **argv)
{
	const char *helper = NULL, *conf = NULL, *addr = "10.8.0.1", *tapname = "tap0";
	int ngroups = 1, nmembers = 1, sv[2], tap, ch;
	char fdarg[32], cn[32], ip[32], real[32], macs[32];
	uint8_t buf[2048];
	pid_t pid;

	while ((ch = getopt(argc, argv, "H:c:n:g:m:a:t:")) != -1) {
		switch (ch) {
		case 'H': helper = optarg; break;
		case 'c': conf = optarg; break;
		case 'n': nclients = atoi(optarg); break;
		case 'g': ngroups = atoi(optarg); break;
		case 'm': nmembers = atoi(optarg); break;
		case 'a': addr = optarg; break;
		case 't': tapname = optarg; break;
		default: goto usage;
		}
	}
	if (!helper || !conf || nclients < 1 || nclients > MAX_CLIENTS || ngroups < 1 ||
	    ngroups > 65536 || nmembers < 1 || nmembers > nclients)
		goto usage;
	hits = calloc((size_t)nclients, sizeof(*hits));
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	tap = tap_open(tapname, addr);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		die("socketpair");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(sv[0]);
		close(tap);
		snprintf(fdarg, sizeof(fdarg), "--plugin-fd=%d", sv[1]);
		execl(helper, helper, fdarg, "-c", conf, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFD, FD_CLOEXEC);
	for (int t = 0; !helper_drain(sv[0], 100); t++)
		if (t > 100) {
			fprintf(stderr, "dpsink: no READY from the helper in 10 s\n");
			return 2;
		}
	send_msg(sv[0], MCP_UP, 0, (const char *[]){ tapname, "tap" });
	for (int i = 0; i < nclients; i++) {
		uint8_t mac[6];

		client_mac(i, mac);
		snprintf(cn, sizeof(cn), "c%d", i);
		snprintf(ip, sizeof(ip), "10.8.%d.%d", i >> 8, i & 255);
		snprintf(real, sizeof(real), "172.16.%d.%d:1194", i >> 8, i & 255);
		snprintf(macs, sizeof(macs), "%02x:%02x:%02x:%02x:%02x:%02x@0",
			 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
		send_msg(sv[0], MCP_CONNECT, (uint32_t)i + 1, (const char *[]){ cn, ip, real });
		send_msg(sv[0], MCP_LEARN, (uint32_t)i + 1, (const char *[]){ "add", macs, cn });
		if (i % 64 == 63)
			helper_drain(sv[0], 0);
	}
	helper_drain(sv[0], 200);
	for (int k = 0; k < ngroups; k++) {
		uint32_t g = htonl(0xef020000u | (uint32_t)k);

		for (int j = 0; j < nmembers; j++) {
			write_report(tap, (k * nmembers + j) % nclients, g);
			if (j % 128 == 127) {
				helper_drain(sv[0], 0);
				usleep(2000); /* let the snooper keep up */
			}
		}
	}
	printf("ready\n");

	/* No SA_RESTART: a signal must end a blocking poll at once. */
	struct sigaction sa = { .sa_handler = on_stop };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_dump;
	sigaction(SIGUSR1, &sa, NULL);
	fcntl(tap, F_SETFL, O_NONBLOCK);
	while (!stop) {
		struct pollfd p[2] = { { .fd = tap, .events = POLLIN }, { .fd = sv[0], .events = POLLIN } };
		ssize_t n;

		if (dump) {
			dump = 0;
			print_counts();
		}
		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[1].revents)
			helper_drain(sv[0], 0);
		if (!(p[0].revents & POLLIN))
			continue;
		while ((n = read(tap, buf, sizeof(buf))) > 0) {
			const uint8_t *iph = buf + 14;

			if (n < 34 || buf[12] != 0x08 || buf[13] != 0x00 || (iph[16] & 0xf0) != 0xe0 ||
			    (iph[16] == 224 && iph[17] == 0 && iph[18] == 0))
				continue;
			if (buf[0] & 1)
				mcast++;
			else if (buf[0] == 0x02 && !buf[1] && !buf[2] && !buf[3] &&
				 (buf[4] << 8 | buf[5]) < nclients)
				hits[buf[4] << 8 | buf[5]]++;
			else
				other_uc++;
			if (dump || stop)
				break;
		}
	}
	print_counts();
	send_msg(sv[0], MCP_DOWN, 0, (const char *[]){ NULL });
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return 0;
usage:
	fprintf(stderr, "usage: dpsink -H HELPER -c CONFIG -n CLIENTS -g GROUPS -m MEMBERS [-a ADDR] [-t TAP]\n");
	return 2;
}
