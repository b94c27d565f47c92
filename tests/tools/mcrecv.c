/*
 * mcrecv - join a multicast group on one interface and count the datagrams
 * that mcsend sends to it, for the end-to-end tests.
 *
 * It joins with the protocol-independent API (MCAST_JOIN_GROUP, or
 * MCAST_JOIN_SOURCE_GROUP with -s for an IGMPv3 source-specific join; -x
 * then blocks one source of an any-source join: IGMPv3 EXCLUDE {source}),
 * so the kernel sends the IGMP report on exactly the interface given.
 * An IPv6 GROUP (and SOURCE) makes it an AF_INET6 socket: MLDv2 reports.
 *
 * Signals:
 *   SIGUSR1        leave the group now (the kernel sends the Leave / v3
 *                  BLOCK report); the time is printed as "left <epoch>".
 *                  Datagrams that still arrive afterwards are counted and
 *                  each one is printed as "after_leave <epoch> <seq>".
 *   SIGTERM/INT    stop and print the result.
 * With -d the receiver stops by itself after that many seconds.
 *
 * Output (stdout, line-buffered):
 *   joined <epoch.us>
 *   [left <epoch.us>]
 *   [after_leave <epoch.us> <seq>]...
 *   mcrecv received=N unique=U dup=D foreign=F after_leave=A max_seq=M
 * "foreign" counts datagrams without mcsend's magic.  Times are
 * CLOCK_REALTIME, comparable with pcap timestamps of tapcount.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "OMC1"
#define MAX_SEQ (1u << 24) /* sequence numbers tracked for duplicates */

static volatile sig_atomic_t stop, leave_req;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_leave(int sig)
{
	(void)sig;
	leave_req = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mcrecv -g GROUP -p PORT -i IFNAME [-s SOURCE | -x SOURCE]\n"
		"              [-d SECONDS]\n"
		"  -s  source-specific (IGMPv3 INCLUDE) join of SOURCE\n"
		"  -x  any-source join that blocks SOURCE (IGMPv3 EXCLUDE)\n"
		"  -d  stop after SECONDS (default: run until SIGTERM)\n"
		"  SIGUSR1 leaves the group; SIGTERM prints the counts and exits\n");
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int family = AF_INET;

static int set_sockaddr(struct sockaddr_storage *ss, const char *addr)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		return inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1 ? 0 : -1;
	}
	sin->sin_family = AF_INET;
	return inet_pton(AF_INET, addr, &sin->sin_addr) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *group = NULL, *ifname = NULL, *source = NULL, *block = NULL;
	long port = -1;
	double duration = 0;
	unsigned long received = 0, unique = 0, dup = 0, foreign = 0;
	unsigned long after_leave = 0;
	long max_seq = -1;
	int opt, fd, one = 1, left = 0;
	unsigned ifindex;
	uint8_t *seen;
	struct group_req gr;
	struct group_source_req gsr;
	struct sockaddr_storage bind_ss;
	int level;

	while ((opt = getopt(argc, argv, "g:p:i:s:x:d:")) != -1) {
		switch (opt) {
		case 'g': group = optarg; break;
		case 'p': port = atol(optarg); break;
		case 'i': ifname = optarg; break;
		case 's': source = optarg; break;
		case 'x': block = optarg; break;
		case 'd': duration = atof(optarg); break;
		default: usage();
		}
	}
	if (!group || !ifname || port <= 0 || port > 65535 || optind != argc ||
	    duration < 0 || (source && block))
		usage();
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "mcrecv: no interface %s\n", ifname);
		return 2;
	}
	seen = calloc(MAX_SEQ / 8, 1);
	if (!seen) {
		perror("mcrecv: calloc");
		return 2;
	}

	if (strchr(group, ':'))
		family = AF_INET6;
	level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	fd = socket(family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("mcrecv: socket");
		return 2;
	}
	/* Binding to the group address, not INADDR_ANY, keeps datagrams of
	 * other groups on the same port out of this count. */
	if (set_sockaddr(&bind_ss, group) ||
	    (family == AF_INET ?
	     !IN_MULTICAST(ntohl(((struct sockaddr_in *)&bind_ss)->sin_addr.s_addr)) :
	     !IN6_IS_ADDR_MULTICAST(&((struct sockaddr_in6 *)&bind_ss)->sin6_addr))) {
		fprintf(stderr, "mcrecv: %s is not a multicast group\n", group);
		return 2;
	}
	if (family == AF_INET6)
		((struct sockaddr_in6 *)&bind_ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)&bind_ss)->sin_port = htons((uint16_t)port);
	int rcvbuf = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&bind_ss, family == AF_INET6 ?
		 sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in))) {
		perror("mcrecv: bind");
		return 2;
	}

	memset(&gr, 0, sizeof(gr));
	memset(&gsr, 0, sizeof(gsr));
	gr.gr_interface = ifindex;
	gsr.gsr_interface = ifindex;
	set_sockaddr(&gr.gr_group, group);
	set_sockaddr(&gsr.gsr_group, group);
	if (source && set_sockaddr(&gsr.gsr_source, source)) {
		fprintf(stderr, "mcrecv: bad source %s\n", source);
		return 2;
	}
	if (source ? setsockopt(fd, level, MCAST_JOIN_SOURCE_GROUP, &gsr,
				sizeof(gsr))
		   : setsockopt(fd, level, MCAST_JOIN_GROUP, &gr, sizeof(gr))) {
		perror("mcrecv: join");
		return 2;
	}
	if (block) {
		struct group_source_req bsr = gsr;

		if (set_sockaddr(&bsr.gsr_source, block) ||
		    setsockopt(fd, level, MCAST_BLOCK_SOURCE, &bsr, sizeof(bsr))) {
			perror("mcrecv: block source");
			return 2;
		}
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa = { .sa_handler = on_stop };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_leave;
	sigaction(SIGUSR1, &sa, NULL);
	printf("joined %.6f\n", now_s());

	double end = duration > 0 ? mono_s() + duration : 0;
	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint8_t buf[9000];
		ssize_t n;

		if (leave_req && !left) {
			int rc = source ? setsockopt(fd, level,
						     MCAST_LEAVE_SOURCE_GROUP,
						     &gsr, sizeof(gsr))
					: setsockopt(fd, level,
						     MCAST_LEAVE_GROUP, &gr,
						     sizeof(gr));
			if (rc) {
				perror("mcrecv: leave");
				return 2;
			}
			left = 1;
			printf("left %.6f\n", now_s());
		}
		if (end && mono_s() >= end)
			break;
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			continue;
		received++;
		if (n < 8 || memcmp(buf, MAGIC, 4) != 0) {
			foreign++;
			continue;
		}
		uint32_t seq;
		memcpy(&seq, buf + 4, 4);
		seq = ntohl(seq);
		if (left) {
			after_leave++;
			printf("after_leave %.6f %u\n", now_s(), seq);
		}
		if ((long)seq > max_seq)
			max_seq = seq;
		if (seq < MAX_SEQ) {
			if (seen[seq / 8] & (1u << (seq % 8))) {
				dup++;
			} else {
				seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
				unique++;
			}
		}
	}
	printf("mcrecv received=%lu unique=%lu dup=%lu foreign=%lu "
	       "after_leave=%lu max_seq=%ld\n",
	       received, unique, dup, foreign, after_leave, max_seq);
	close(fd);
	free(seen);
	return 0;
}
