/*
 * mcast_send.c - UDP multicast sender that counts what sendto() says.
 *
 *   mcast_send [-g 239.1.1.1] [-p 5000] [-i ifname] [-s size] [-n count]
 *              [-r pps] [-t ttl]
 *
 * -r 0 (default) sends as fast as it can. Each payload carries a sequence
 * number. At the end it prints sent= and one err_<errno>= per error kind,
 * which is how we check that a diverted local sender is not disturbed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	const char *grp = "239.1.1.1", *ifname = NULL;
	unsigned long count = 1000, i, sent = 0, errs[134] = { 0 };
	int port = 5000, size = 1000, ttl = 8, opt, fd, e;
	double rate = 0, t0, t;
	static char payload[65536];
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct ip_mreqn mr;
	struct timespec ts;

	while ((opt = getopt(argc, argv, "g:p:i:s:n:r:t:")) != -1) {
		switch (opt) {
		case 'g': grp = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'i': ifname = optarg; break;
		case 's': size = atoi(optarg); break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'r': rate = atof(optarg); break;
		case 't': ttl = atoi(optarg); break;
		default: return 2;
		}
	}
	if (size < 8 || size > 65000)
		size = 1000;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
	if (ifname) {
		memset(&mr, 0, sizeof(mr));
		mr.imr_ifindex = (int)if_nametoindex(ifname);
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0) {
			perror("IP_MULTICAST_IF");
			return 1;
		}
	}
	to.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, grp, &to.sin_addr);
	memset(payload, 'x', sizeof(payload));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	for (i = 0; i < count; i++) {
		memcpy(payload, &i, sizeof(i));
		if (rate > 0) {
			do {
				clock_gettime(CLOCK_MONOTONIC, &ts);
				t = (double)ts.tv_sec + ts.tv_nsec / 1e9;
			} while ((t - t0) * rate < (double)i);
		}
		if (sendto(fd, payload, (size_t)size, 0, (struct sockaddr *)&to,
			   sizeof(to)) < 0) {
			e = errno < 134 ? errno : 0;
			errs[e]++;
		} else {
			sent++;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	printf("sent=%lu in %.2fs (%.0f/s)", sent, t - t0, sent / (t - t0));
	for (e = 0; e < 134; e++)
		if (errs[e])
			printf(" err_%s=%lu", strerror(e), errs[e]);
	printf("\n");
	close(fd);
	return 0;
}
