/*
 * tap_reader.c - stand in for OpenVPN on a tap: attach to it, read every
 * frame the kernel writes into it, and count them by destination MAC,
 * checking IPv4 and UDP checksums independently of helper/edge/repl.c.
 *
 *   tap_reader -i tap0 [-d secs]
 *
 * Prints one line per destination at exit (SIGINT, SIGTERM, -d), and a
 * summary line "mcast_routable=N" counting multicast-MAC frames to groups
 * outside 224.0.0.0/24: with the diversion in place it must stay 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_DST 64

struct dst {
	uint8_t mac[6];
	unsigned long frames, ip_ok, udp_ok, bad;
};

static volatile sig_atomic_t stop;
static struct dst dsts[MAX_DST];
static int ndst;
static unsigned long total, mcast_routable, mcast_local, other, overflow;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	while (n > 1) {
		s += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		n -= 2;
	}
	if (n)
		s += (uint32_t)p[0] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void account(const uint8_t *f, size_t n)
{
	const uint8_t *ip = f + 14;
	struct dst *d = NULL;
	size_t ihl, tot, ul;
	int i;

	total++;
	if (n < 34 || f[12] != 0x08 || f[13] != 0x00) {
		other++;
		return;
	}
	if (f[0] & 1) {
		if (ip[16] == 224 && ip[17] == 0 && ip[18] == 0)
			mcast_local++;
		else
			mcast_routable++;
		return;
	}
	for (i = 0; i < ndst; i++)
		if (!memcmp(dsts[i].mac, f, 6))
			d = &dsts[i];
	if (!d) {
		if (ndst == MAX_DST) {
			overflow++;
			return;
		}
		d = &dsts[ndst++];
		memcpy(d->mac, f, 6);
	}
	d->frames++;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = (size_t)(ip[2] << 8 | ip[3]);
	if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || tot > n - 14) {
		d->bad++;
		return;
	}
	if (fold(sum16(ip, ihl, 0)) != 0xffff) {
		d->bad++;
		return;
	}
	d->ip_ok++;
	if (ip[9] != 17)
		return;
	ul = (size_t)(ip[ihl + 4] << 8 | ip[ihl + 5]);
	if (ul < 8 || ul > tot - ihl) {
		d->bad++;
		return;
	}
	if ((ip[ihl + 6] | ip[ihl + 7]) == 0 ||
	    fold(sum16(ip + ihl, ul, sum16(ip + 12, 8, 17 + (uint32_t)ul))) == 0xffff)
		d->udp_ok++;
	else
		d->bad++;
}

int main(int argc, char *argv[])
{
	const char *ifname = "tap0";
	static uint8_t buf[65536];
	double duration = 0;
	struct timespec t0, t;
	struct ifreq ifr;
	struct pollfd pfd;
	int fd, opt, i;

	while ((opt = getopt(argc, argv, "i:d:")) != -1) {
		if (opt == 'i')
			ifname = optarg;
		else if (opt == 'd')
			duration = atof(optarg);
		else
			return 2;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		perror("/dev/net/tun");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		perror("TUNSETIFF");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached to %s\n", ifname);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop) {
		ssize_t n;

		if (poll(&pfd, 1, 200) < 0 && errno != EINTR)
			break;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			account(buf, (size_t)n);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (duration > 0 && (double)(t.tv_sec - t0.tv_sec) +
		    (t.tv_nsec - t0.tv_nsec) / 1e9 >= duration)
			break;
	}
	for (i = 0; i < ndst; i++)
		printf("dst %02x:%02x:%02x:%02x:%02x:%02x frames=%lu ip_ok=%lu udp_ok=%lu bad=%lu\n",
		       dsts[i].mac[0], dsts[i].mac[1], dsts[i].mac[2], dsts[i].mac[3],
		       dsts[i].mac[4], dsts[i].mac[5], dsts[i].frames, dsts[i].ip_ok,
		       dsts[i].udp_ok, dsts[i].bad);
	printf("total=%lu mcast_routable=%lu mcast_local=%lu other=%lu overflow=%lu\n",
	       total, mcast_routable, mcast_local, other, overflow);
	close(fd);
	return 0;
}
