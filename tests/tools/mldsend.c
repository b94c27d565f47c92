/*
 * mldsend - send one hand-made MLD frame out of an interface, for the e2e
 * tests of the helper's MLD snooping: well-formed reports, and the
 * malformed ones a hostile or broken client could send.
 *
 * The whole Ethernet frame is built here and written with an AF_PACKET
 * socket (the kernel's own IPv6 stack would refuse most of these):
 * Ethernet (source: the interface's MAC), IPv6, a Hop-by-Hop header with
 * Router Alert 0, and the MLD message:
 *   v1report GROUP      MLDv1 report (type 131), to GROUP
 *   v1done   GROUP      MLDv1 done (type 132), to ff02::2
 *   v2report GROUP      MLDv2 report (type 143), to ff02::16, one record:
 *                       CHANGE_TO_EXCLUDE {}, or with -s SOURCE
 *                       MODE_IS_INCLUDE {SOURCE}
 *   v1query  GROUP      MLDv1 query (type 130, 24 bytes, 10 s), to ff02::1;
 *   v2query  GROUP      MLDv2 query (28 bytes); GROUP :: is a general query
 * Options:
 *   -i IFNAME    interface (required)
 *   -S ADDR      IPv6 source (default fe80::99)
 *   -H N         hop limit (default 1)
 *   -n           no Router Alert (the Hop-by-Hop header holds padding only)
 *   -c           corrupt the ICMPv6 checksum
 *   -L LEN       cut the MLD message to LEN bytes, headers consistent
 *   -T LEN       send only LEN bytes of the frame, headers claiming it all
 *   -r N         v2report: claim N records (only one is present)
 *   -t TYPE      ICMPv6 type instead of the one the command implies
 *   -s SOURCE    v2report: an INCLUDE {SOURCE} record
 * Exit status 0 when the frame was sent, 2 on any error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static __attribute__((noreturn)) void usage(void)
{
	fprintf(stderr,
		"usage: mldsend -i IFNAME [-S SRC] [-H HOPS] [-n] [-c] [-L LEN] [-T LEN]\n"
		"               [-r N] [-t TYPE] [-s SOURCE]\n"
		"               v1report|v1done|v2report|v1query|v2query GROUP\n");
	exit(2);
}

static void addr(const char *s, uint8_t a[16])
{
	if (inet_pton(AF_INET6, s, a) != 1) {
		fprintf(stderr, "mldsend: bad IPv6 address %s\n", s);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *src = "fe80::99", *source = NULL, *cmd, *group;
	int opt, hops = 1, no_ra = 0, corrupt = 0, type = -1, nrec = 1, fd;
	long cut = -1, trunc = -1;
	uint8_t f[256] = { 0 }, msg[64] = { 0 }, dst[16], *ip, *h;
	size_t mlen, plen, len;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { 0 };
	uint32_t sum;

	while ((opt = getopt(argc, argv, "i:S:H:ncL:T:r:t:s:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'S': src = optarg; break;
		case 'H': hops = atoi(optarg); break;
		case 'n': no_ra = 1; break;
		case 'c': corrupt = 1; break;
		case 'L': cut = atol(optarg); break;
		case 'T': trunc = atol(optarg); break;
		case 'r': nrec = atoi(optarg); break;
		case 't': type = atoi(optarg); break;
		case 's': source = optarg; break;
		default: usage();
		}
	}
	if (!ifname || optind + 2 != argc)
		usage();
	cmd = argv[optind];
	group = argv[optind + 1];

	/* The MLD message. */
	if (!strcmp(cmd, "v1report") || !strcmp(cmd, "v1done")) {
		msg[0] = cmd[2] == 'r' ? 131 : 132;
		addr(group, msg + 8);
		mlen = 24;
		if (msg[0] == 131)
			addr(group, dst);
		else
			addr("ff02::2", dst);
	} else if (!strcmp(cmd, "v2report")) {
		msg[0] = 143;
		msg[6] = (uint8_t)(nrec >> 8);
		msg[7] = (uint8_t)nrec;
		msg[8] = source ? 1 : 4;	/* MODE_IS_INCLUDE or CHANGE_TO_EXCLUDE */
		msg[11] = source ? 1 : 0;
		addr(group, msg + 12);
		mlen = 8 + 20;
		if (source) {
			addr(source, msg + 28);
			mlen += 16;
		}
		addr("ff02::16", dst);
	} else if (!strcmp(cmd, "v1query") || !strcmp(cmd, "v2query")) {
		msg[0] = 130;
		msg[4] = 10000 >> 8;
		msg[5] = 10000 & 0xff;
		addr(group, msg + 8);
		mlen = cmd[1] == '1' ? 24 : 28;
		if (mlen == 28) {
			msg[24] = 2;		/* QRV */
			msg[25] = 125;		/* QQIC */
		}
		addr("ff02::1", dst);
	} else {
		usage();
	}
	if (type >= 0)
		msg[0] = (uint8_t)type;
	if (cut >= 0 && (size_t)cut < mlen)
		mlen = (size_t)cut;

	/* Ethernet: to the IPv6 multicast MAC of the destination. */
	f[0] = 0x33, f[1] = 0x33;
	memcpy(f + 2, dst + 12, 4);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("mldsend: socket");
		return 2;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		perror("mldsend: interface");
		return 2;
	}
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror("mldsend: interface MAC");
		return 2;
	}
	memcpy(f + 6, ifr.ifr_hwaddr.sa_data, 6);
	f[12] = 0x86, f[13] = 0xdd;

	/* IPv6 + Hop-by-Hop (Router Alert 0 and PadN, or PadN alone). */
	ip = f + 14;
	plen = 8 + mlen;
	ip[0] = 0x60;
	ip[4] = (uint8_t)(plen >> 8);
	ip[5] = (uint8_t)plen;
	ip[6] = 0;
	ip[7] = (uint8_t)hops;
	addr(src, ip + 8);
	memcpy(ip + 24, dst, 16);
	h = ip + 40;
	h[0] = 58;
	if (no_ra) {
		h[2] = 1, h[3] = 4;
	} else {
		h[2] = 5, h[3] = 2;
		h[6] = 1, h[7] = 0;
	}
	memcpy(h + 8, msg, mlen);

	/* ICMPv6 checksum over the pseudo-header. */
	{
		uint8_t ph[8] = { 0, 0, (uint8_t)(mlen >> 8), (uint8_t)mlen, 0, 0, 0, 58 };
		uint8_t *g = h + 8;

		sum = sum16(ip + 8, 32, 0);
		sum = sum16(ph, 8, sum);
		sum = sum16(g, mlen, sum);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		sum = ~sum & 0xffff;
		if (corrupt)
			sum ^= 0x5a5a;
		if (mlen >= 4) {
			g[2] = (uint8_t)(sum >> 8);
			g[3] = (uint8_t)sum;
		}
	}
	len = 14 + 40 + plen;
	if (trunc >= 0 && (size_t)trunc < len)
		len = (size_t)trunc;
	if (sendto(fd, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len) {
		perror("mldsend: sendto");
		return 2;
	}
	close(fd);
	return 0;
}
