/*
 * mcsend - send numbered UDP datagrams to a multicast group (IPv4, or
 * IPv6 when GROUP is an IPv6 address), for the end-to-end tests.
 *
 * Every datagram starts with the 4-byte magic "OMC1", a 32-bit sequence
 * number (0, 1, 2, ...) and the 64-bit send time in microseconds since the
 * epoch, all in network byte order, so that mcrecv can count unique
 * datagrams and tell when they were sent.
 *
 * The rate is kept with absolute sleeps, so a slow sendto() does not stretch
 * the run.  Every failed sendto() is counted by errno: the tests assert that
 * a local sender sees no send errors when the helper diverts its traffic.
 *
 * Output (stdout), one line at the end:
 *   mcsend sent=N errors=E [ERRNAME=count ...]
 * Exit status: 0 when all N datagrams were attempted, 2 on a setup error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "OMC1"
#define HDR_LEN 16
#define MAX_SIZE 8192
#define MAX_ERRNO 256

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mcsend -g GROUP -p PORT [-n COUNT] [-r PPS] [-t TTL]\n"
		"              [-i IFNAME] [-s SIZE] [-b SRCADDR]\n"
		"  -n  datagrams to send (default 1000)\n"
		"  -r  datagrams per second (default 500)\n"
		"  -t  IP TTL or IPv6 hop limit (default 8)\n"
		"  -i  outgoing interface (default: routing table)\n"
		"  -s  UDP payload size, %d..%d (default 200)\n"
		"  -b  source address to send from (one of this host's)\n",
		HDR_LEN, MAX_SIZE);
	exit(2);
}

static long parse_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < min || v > max)
		usage();
	return v;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)(v >> 32));
	put_u32(p + 4, (uint32_t)v);
}

/*
 * The IPv6 socket: hop limit @ttl, out of @ifname if given, from @bind_s if
 * given. Fills @dst. Return: the socket, or -1 (reported).
 */
static int open6(const char *group, long port, long ttl, const char *ifname, const char *bind_s,
		 struct sockaddr_in6 *dst)
{
	int fd, hops = (int)ttl, zero = 0, one = 1;

	memset(dst, 0, sizeof(*dst));
	dst->sin6_family = AF_INET6;
	dst->sin6_port = htons((uint16_t)port);
	if (inet_pton(AF_INET6, group, &dst->sin6_addr) != 1 || !IN6_IS_ADDR_MULTICAST(&dst->sin6_addr)) {
		fprintf(stderr, "mcsend: %s is not a multicast group\n", group);
		return -1;
	}
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) {
		perror("mcsend: IPv6 socket");
		return -1;
	}
	if (ifname) {
		int idx = (int)if_nametoindex(ifname);

		if (!idx || setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx))) {
			fprintf(stderr, "mcsend: interface %s: %s\n", ifname, strerror(errno));
			return -1;
		}
		dst->sin6_scope_id = (uint32_t)idx;
	}
	if (bind_s) {
		struct sockaddr_in6 src = { .sin6_family = AF_INET6 };

		if (inet_pton(AF_INET6, bind_s, &src.sin6_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&src, sizeof(src))) {
			fprintf(stderr, "mcsend: cannot send from %s: %s\n", bind_s, strerror(errno));
			return -1;
		}
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *group = NULL, *ifname = NULL, *bind_s = NULL;
	long port = -1, count = 1000, rate = 500, ttl = 8, size = 200;
	static unsigned long errs[MAX_ERRNO];
	unsigned long sent = 0, errors = 0;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct sockaddr_in6 dst6;
	struct sockaddr *to = (struct sockaddr *)&dst;
	socklen_t tolen = sizeof(dst);
	struct timespec next;
	uint8_t buf[MAX_SIZE];
	int opt, fd, one = 1, zero = 0;

	while ((opt = getopt(argc, argv, "g:p:n:r:t:i:s:b:")) != -1) {
		switch (opt) {
		case 'g': group = optarg; break;
		case 'p': port = parse_num(optarg, 1, 65535); break;
		case 'n': count = parse_num(optarg, 0, 100000000); break;
		case 'r': rate = parse_num(optarg, 1, 1000000); break;
		case 't': ttl = parse_num(optarg, 1, 255); break;
		case 'i': ifname = optarg; break;
		case 's': size = parse_num(optarg, HDR_LEN, MAX_SIZE); break;
		case 'b': bind_s = optarg; break;
		default: usage();
		}
	}
	if (!group || port < 0 || optind != argc)
		usage();
	if (strchr(group, ':')) {
		fd = open6(group, port, ttl, ifname, bind_s, &dst6);
		if (fd < 0)
			return 2;
		to = (struct sockaddr *)&dst6;
		tolen = sizeof(dst6);
		goto send;
	}
	if (inet_pton(AF_INET, group, &dst.sin_addr) != 1 ||
	    !IN_MULTICAST(ntohl(dst.sin_addr.s_addr))) {
		fprintf(stderr, "mcsend: %s is not an IPv4 multicast group\n", group);
		return 2;
	}
	dst.sin_port = htons((uint16_t)port);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("mcsend: socket");
		return 2;
	}
	int ittl = (int)ttl;
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ittl, sizeof(ittl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) {
		perror("mcsend: setsockopt");
		return 2;
	}
	if (ifname) {
		struct ip_mreqn mr = { .imr_ifindex = (int)if_nametoindex(ifname) };

		if (mr.imr_ifindex == 0) {
			fprintf(stderr, "mcsend: no interface %s\n", ifname);
			return 2;
		}
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr))) {
			perror("mcsend: IP_MULTICAST_IF");
			return 2;
		}
	}

	if (bind_s) {
		struct sockaddr_in src = { .sin_family = AF_INET };

		if (inet_pton(AF_INET, bind_s, &src.sin_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&src, sizeof(src))) {
			fprintf(stderr, "mcsend: cannot send from %s: %s\n", bind_s,
				strerror(errno));
			return 2;
		}
	}

send:
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	memset(buf, 0, sizeof(buf));
	memcpy(buf, MAGIC, 4);
	clock_gettime(CLOCK_MONOTONIC, &next);
	long interval_ns = 1000000000L / rate;

	for (long seq = 0; seq < count && !stop; seq++) {
		put_u32(buf + 4, (uint32_t)seq);
		put_u64(buf + 8, now_us());
		if (sendto(fd, buf, (size_t)size, 0, to, tolen) < 0) {
			errors++;
			errs[errno < MAX_ERRNO ? errno : 0]++;
		} else {
			sent++;
		}
		next.tv_nsec += interval_ns;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
				       NULL) == EINTR && !stop)
			;
	}

	printf("mcsend sent=%lu errors=%lu", sent, errors);
	for (int e = 0; e < MAX_ERRNO; e++)
		if (errs[e])
			printf(" %s=%lu", e ? strerrorname_np(e) : "other",
			       errs[e]);
	printf("\n");
	close(fd);
	return 0;
}
