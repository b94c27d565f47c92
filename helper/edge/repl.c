/*
 * repl.c - checksum repair and batched per-client transmission into the tap.
 *
 * Copies are written through an AF_PACKET socket bound to the tap. The
 * kernel then hands them to the tap's reader (OpenVPN) exactly like frames
 * it routed itself, and OpenVPN forwards a unicast destination MAC to the
 * one client that owns it.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "log.h"
#include "csum.h"
#include "bpf/dp_core.h"
#include "repl.h"

#define ETH_HDR_LEN	14
#define SNDBUF_BYTES	(4 << 20)

static struct {
	int fd;
	int ifindex;
	char ifname[IFNAMSIZ];
	uint8_t mac[ETH_ALEN];
	unsigned int max_batch;
	struct mmsghdr *msgs;
	struct iovec *iov;		/* 2 per message: header, shared packet */
	uint8_t (*hdr)[ETH_HDR_LEN];	/* one Ethernet header per message */
	struct sockaddr_ll sll;
	int last_errno;			/* to log a send error once, not per packet */
	struct repl_stats st;
} rp = { .fd = -1 };

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

ssize_t repl_fix_checksums6(uint8_t *pkt, size_t caplen)
{
	size_t tot, plen, off;
	uint32_t pseudo = 0;
	uint16_t sum;

	if (!pkt || caplen < 40 || (pkt[0] >> 4) != 6)
		goto bad;
	plen = get16(pkt + 4);	/* 0 would be a jumbogram: not on a tap */
	tot = 40 + plen;
	if (!plen || tot > caplen)
		goto bad;
	/* Only a transport header right after the fixed one: anything behind
	 * extension headers (a fragment, routing) keeps its bytes. */
	if (pkt[6] == IPPROTO_UDP)
		off = 6;
	else if (pkt[6] == IPPROTO_ICMPV6)
		off = 2;
	else
		return (ssize_t)tot;
	if (plen < off + 2 || (pkt[6] == IPPROTO_UDP && (plen < 8 || get16(pkt + 44) != plen)))
		goto bad;
	/* The pseudo-header: both addresses, upper-layer length, next header. */
	for (size_t i = 8; i < 40; i += 2)
		pseudo += get16(pkt + i);
	pseudo += (uint32_t)plen + pkt[6];
	put16(pkt + 40 + off, 0);
	sum = (uint16_t)~csum_add(pkt + 40, plen, pseudo);
	/* UDP over IPv6 must carry a checksum: 0 is sent as its complement. */
	if (pkt[6] == IPPROTO_UDP && !sum)
		sum = 0xffff;
	put16(pkt + 40 + off, sum);
	return (ssize_t)tot;
bad:
	errno = EINVAL;
	return -1;
}

ssize_t repl_fix_checksums(uint8_t *pkt, size_t caplen)
{
	size_t ihl, tot, ulen;
	uint32_t pseudo;
	uint16_t sum;
	uint8_t *udp;

	if (pkt && caplen && (pkt[0] >> 4) == 6)
		return repl_fix_checksums6(pkt, caplen);
	if (!pkt || caplen < 20 || (pkt[0] >> 4) != 4)
		goto bad;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	tot = get16(pkt + 2);
	if (ihl < 20 || ihl > tot || tot > caplen)
		goto bad;

	put16(pkt + 10, 0);
	put16(pkt + 10, (uint16_t)~csum_add(pkt, ihl, 0));

	/* A fragment's UDP checksum covers the whole datagram, which we do not
	 * have; the kernel resolved partial checksums before fragmenting. */
	if (pkt[9] != IPPROTO_UDP || (get16(pkt + 6) & 0x3fff))
		return (ssize_t)tot;

	if (tot - ihl < 8)
		goto bad;
	udp = pkt + ihl;
	ulen = get16(udp + 4);
	if (ulen < 8 || ulen > tot - ihl)
		goto bad;

	pseudo = (uint32_t)get16(pkt + 12) + get16(pkt + 14) +
		 get16(pkt + 16) + get16(pkt + 18) + IPPROTO_UDP + ulen;
	put16(udp + 6, 0);
	sum = (uint16_t)~csum_add(udp, ulen, pseudo);
	put16(udp + 6, sum ? sum : 0xffff);	/* 0 would mean "no checksum" */
	return (ssize_t)tot;
bad:
	errno = EINVAL;
	return -1;
}

int repl_ttl_forward(uint8_t *pkt)
{
	/* IPv6's hop limit is byte 7, IPv4's TTL byte 8. */
	uint8_t *ttl = pkt + ((pkt[0] >> 4) == 6 ? 7 : 8);

	if (!dp_ttl_forward(*ttl))
		return 0;
	(*ttl)--;
	return 1;
}

/* Bind a fresh socket to rp.ifname; the caller has closed the old one. */
static int repl_bind(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr;
	int fd, idx, sz = SNDBUF_BYTES;
	unsigned int i;

	idx = (int)if_nametoindex(rp.ifname);
	if (!idx) {
		log_warn("repl: tap %s", rp.ifname);
		return -1;
	}
	/* Protocol 0: the socket receives nothing, it only transmits. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_warn("repl: socket(AF_PACKET)");
		return -1;
	}
	sll.sll_ifindex = idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		log_warn("repl: bind to %s", rp.ifname);
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, rp.ifname, sizeof(ifr.ifr_name));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		log_warn("repl: SIOCGIFHWADDR %s", rp.ifname);
		goto fail;
	}
	/* A burst of max_batch copies must fit without EAGAIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) < 0)
		log_debug("repl: cannot raise SO_SNDBUF: %s", strerror(errno));

	rp.fd = fd;
	rp.ifindex = idx;
	memcpy(rp.mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	rp.sll.sll_family = AF_PACKET;
	rp.sll.sll_protocol = htons(ETH_P_IP);
	rp.sll.sll_ifindex = idx;
	for (i = 0; i < rp.max_batch; i++)
		memcpy(rp.hdr[i] + ETH_ALEN, rp.mac, ETH_ALEN);
	rp.last_errno = 0;
	log_debug("repl: bound to %s ifindex %d", rp.ifname, idx);
	return 0;
fail:
	close(fd);
	return -1;
}

int repl_open(const char *ifname, unsigned int max_batch)
{
	unsigned int i;

	if (!ifname || strlen(ifname) >= IFNAMSIZ) {
		errno = EINVAL;
		log_warnx("repl: bad interface name");
		return -1;
	}
	repl_close();
	rp.max_batch = max_batch ? max_batch : REPL_MAX_BATCH_DEFAULT;
	rp.msgs = calloc(rp.max_batch, sizeof(*rp.msgs));
	rp.iov = calloc(rp.max_batch, 2 * sizeof(*rp.iov));
	rp.hdr = calloc(rp.max_batch, sizeof(*rp.hdr));
	if (!rp.msgs || !rp.iov || !rp.hdr) {
		log_warn("repl: preallocating %u messages", rp.max_batch);
		goto fail;
	}
	for (i = 0; i < rp.max_batch; i++) {
		struct msghdr *mh = &rp.msgs[i].msg_hdr;

		rp.hdr[i][12] = ETH_P_IP >> 8;
		rp.hdr[i][13] = ETH_P_IP & 0xff;
		rp.iov[2 * i].iov_base = rp.hdr[i];
		rp.iov[2 * i].iov_len = ETH_HDR_LEN;
		mh->msg_name = &rp.sll;
		mh->msg_namelen = sizeof(rp.sll);
		mh->msg_iov = &rp.iov[2 * i];
		mh->msg_iovlen = 2;
	}
	strcpy(rp.ifname, ifname);
	memset(&rp.st, 0, sizeof(rp.st));
	if (repl_bind() < 0)
		goto fail;
	log_info("repl: sending copies on %s (%02x:%02x:%02x:%02x:%02x:%02x), batch %u",
		 rp.ifname, rp.mac[0], rp.mac[1], rp.mac[2], rp.mac[3],
		 rp.mac[4], rp.mac[5], rp.max_batch);
	return 0;
fail:
	i = (unsigned int)errno;
	repl_close();
	errno = (int)i;
	return -1;
}

int repl_check(void)
{
	struct ifreq ifr;
	int idx;

	if (!rp.msgs) {
		errno = EBADF;
		return -1;
	}
	idx = (int)if_nametoindex(rp.ifname);
	if (idx && rp.fd >= 0 && idx == rp.ifindex) {
		memset(&ifr, 0, sizeof(ifr));
		memcpy(ifr.ifr_name, rp.ifname, sizeof(ifr.ifr_name));
		if (ioctl(rp.fd, SIOCGIFHWADDR, &ifr) == 0 &&
		    !memcmp(rp.mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN))
			return 0;
	}
	if (rp.fd >= 0)
		close(rp.fd);
	rp.fd = -1;
	rp.ifindex = 0;
	if (!idx) {
		errno = ENODEV;
		return -1;
	}
	if (repl_bind() < 0)
		return -1;
	rp.st.reopens++;
	log_info("repl: re-bound to %s, ifindex %d", rp.ifname, rp.ifindex);
	return 1;
}

/* Count the copies that will not go out, and say why once per cause. */
static void repl_drop(unsigned int count, int err)
{
	if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS)
		rp.st.drop_nobufs += count;
	else
		rp.st.drop_error += count;
	if (err != rp.last_errno) {
		errno = err;
		if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS)
			log_debug("repl: %s: dropping copies: %s", rp.ifname,
				  strerror(err));
		else
			log_warn("repl: sending on %s", rp.ifname);
		rp.last_errno = err;
	}
}

/* The EtherType of the copies: IPv4 or IPv6, by the version nibble. */
static inline uint16_t repl_ethertype(const uint8_t *ip)
{
	return (ip[0] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IP;
}

unsigned int repl_send(const uint8_t *ip, size_t len,
		       const uint8_t (*macs)[6], unsigned int n)
{
	unsigned int base, m, i, done, sent = 0;
	int rc;

	if (!n)
		return 0;
	rp.st.packets++;
	if (rp.fd < 0) {
		rp.st.drop_closed += n;
		return 0;
	}
	rp.sll.sll_protocol = htons(repl_ethertype(ip));
	for (base = 0; base < n; base += m) {
		m = n - base < rp.max_batch ? n - base : rp.max_batch;
		for (i = 0; i < m; i++) {
			memcpy(rp.hdr[i], macs[base + i], ETH_ALEN);
			put16(rp.hdr[i] + 12, repl_ethertype(ip));
			rp.iov[2 * i + 1].iov_base = (void *)ip;
			rp.iov[2 * i + 1].iov_len = len;
		}
		/* sendmmsg() stops at the first failing message and hides its
		 * error after a partial send; calling again either makes
		 * progress or reports that error, so this loop cannot spin. */
		for (done = 0; done < m; ) {
			rc = sendmmsg(rp.fd, rp.msgs + done, m - done, MSG_DONTWAIT);
			rp.st.syscalls++;
			if (rc < 0 && errno == EINTR)
				continue;
			if (rc <= 0) {
				sent = base + done;
				repl_drop(n - sent, rc < 0 ? errno : EIO);
				goto out;
			}
			done += (unsigned int)rc;
		}
		sent += m;
	}
	rp.last_errno = 0;
out:
	rp.st.frames += sent;
	rp.st.bytes += (uint64_t)sent * (len + ETH_HDR_LEN);
	return sent;
}

const struct repl_stats *repl_stats(void)
{
	return &rp.st;
}

int repl_ifindex(void)
{
	return rp.fd >= 0 ? rp.ifindex : 0;
}

void repl_close(void)
{
	if (rp.fd >= 0)
		close(rp.fd);
	free(rp.msgs);
	free(rp.iov);
	free(rp.hdr);
	rp.fd = -1;
	rp.ifindex = 0;
	rp.msgs = NULL;
	rp.iov = NULL;
	rp.hdr = NULL;
}
