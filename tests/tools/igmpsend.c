/*
 * igmpsend - send one hand-made IGMP message out of an interface, for the
 * e2e tests of the helper's IGMP snooping: well-formed reports, and the
 * malformed ones a hostile or broken client could send.
 *
 * The kernel builds the IP header (raw socket, IPPROTO_IGMP, TTL 1); this
 * program builds the IGMP part:
 *   v2report GROUP      IGMPv2 membership report (type 0x16)
 *   v2leave  GROUP      IGMPv2 leave group (type 0x17), to 224.0.0.2
 *   v3report GROUP      IGMPv3 report (type 0x22), one EXCLUDE {} record
 *   v2query  GROUP      IGMPv2 query (type 0x11, max resp 10 s); GROUP
 *                       0.0.0.0 is a general query, to 224.0.0.1
 * Options:
 *   -i IFNAME    interface (required)
 *   -d ADDR      IP destination (default: GROUP for v2report, 224.0.0.2
 *                for v2leave, 224.0.0.22 for v3report)
 *   -c           corrupt the IGMP checksum
 *   -l LEN       send only the first LEN bytes of the message (truncation)
 *   -r N         v3report: claim N group records (only one is present)
 * Exit status 0 when the message was sent, 2 on any error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static __attribute__((noreturn)) void usage(void)
{
	fprintf(stderr,
		"usage: igmpsend -i IFNAME [-d ADDR] [-c] [-l LEN] [-r N]\n"
		"                v2report|v2leave|v3report|v2query GROUP\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *dst_s = NULL, *kind, *group_s;
	int opt, corrupt = 0, fd, ttl = 1, loop = 0;
	long trunc = -1, nrec = 1;
	uint8_t msg[64];
	size_t len = 0;
	struct in_addr group;
	struct sockaddr_in dst = { .sin_family = AF_INET };

	while ((opt = getopt(argc, argv, "i:d:cl:r:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'd': dst_s = optarg; break;
		case 'c': corrupt = 1; break;
		case 'l': trunc = atol(optarg); break;
		case 'r': nrec = atol(optarg); break;
		default: usage();
		}
	}
	if (!ifname || argc - optind != 2 || nrec < 0 || nrec > 65535)
		usage();
	kind = argv[optind];
	group_s = argv[optind + 1];
	if (inet_pton(AF_INET, group_s, &group) != 1)
		usage();

	memset(msg, 0, sizeof(msg));
	if (!strcmp(kind, "v2report") || !strcmp(kind, "v2leave")) {
		int leave = kind[2] == 'l';

		msg[0] = leave ? 0x17 : 0x16;
		memcpy(msg + 4, &group, 4);
		len = 8;
		if (!dst_s)
			dst_s = leave ? "224.0.0.2" : group_s;
	} else if (!strcmp(kind, "v2query")) {
		msg[0] = 0x11;
		msg[1] = 100;                       /* max resp time, 1/10 s */
		memcpy(msg + 4, &group, 4);
		len = 8;
		if (!dst_s)
			dst_s = group.s_addr ? group_s : "224.0.0.1";
	} else if (!strcmp(kind, "v3report")) {
		msg[0] = 0x22;
		msg[6] = (uint8_t)(nrec >> 8);     /* number of group records */
		msg[7] = (uint8_t)nrec;
		msg[8] = 2;                         /* MODE_IS_EXCLUDE */
		msg[9] = 0;                         /* aux data len */
		msg[10] = msg[11] = 0;              /* number of sources */
		memcpy(msg + 12, &group, 4);
		len = 16;
		if (!dst_s)
			dst_s = "224.0.0.22";
	} else {
		usage();
	}
	uint16_t c = csum(msg, len);
	if (corrupt)
		c ^= 0x5a5a;
	msg[2] = (uint8_t)(c >> 8);
	msg[3] = (uint8_t)c;
	if (trunc >= 0 && (size_t)trunc < len)
		len = (size_t)trunc;
	if (inet_pton(AF_INET, dst_s, &dst.sin_addr) != 1)
		usage();

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_IGMP);
	if (fd < 0) {
		perror("igmpsend: socket");
		return 2;
	}
	struct ip_mreqn mr = { .imr_ifindex = (int)if_nametoindex(ifname) };
	if (!mr.imr_ifindex) {
		fprintf(stderr, "igmpsend: no interface %s\n", ifname);
		return 2;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname))) {
		perror("igmpsend: setsockopt");
		return 2;
	}
	if (sendto(fd, msg, len, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		perror("igmpsend: sendto");
		return 2;
	}
	close(fd);
	return 0;
}
