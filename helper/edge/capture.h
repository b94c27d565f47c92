/*
 * capture.h - read diverted multicast from nflog through libpcap.
 *
 * The divert rule logs each frame to nflog group N and drops it; libpcap's
 * "nflog:N" device delivers them with link type NFLOG: a 4-byte header and
 * netlink-style TLVs, one of which (NFULA_PAYLOAD) holds the packet. In
 * the netdev family the payload is the whole Ethernet frame at the egress hook
 * but the bare IP packet at the ingress hook (the kernel has pulled the
 * Ethernet header by then; such records name an input device), and in the
 * inet fallback (forward hook) it is the bare IP packet.
 */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#define CAPTURE_SNAPLEN		65535
#define CAPTURE_BUFSIZE_DEFAULT	(8 << 20)
#define CAPTURE_BUDGET		64	/* packets per capture_dispatch() */

/* What one NFLOG record says about its packet (pointers into the record). */
struct nflog_pkt {
	uint8_t family;		/* NFPROTO_*: 5 netdev, 2 ipv4 */
	uint16_t hw_protocol;	/* ethertype from NFULA_PACKET_HDR, host order */
	int has_hdr;		/* NFULA_PACKET_HDR seen */
	uint32_t indev;		/* NFULA_IFINDEX_INDEV, 0 if absent */
	const uint8_t *hwaddr;	/* NFULA_HWADDR: the source MAC at ingress, NULL if absent */
	const uint8_t *payload;	/* NFULA_PAYLOAD, NULL if absent */
	size_t payload_len;
};

struct capture_stats {
	uint64_t packets;	/* records handed to the callback */
	uint64_t bytes;		/* IP bytes handed to the callback */
	uint64_t malformed;	/* records with broken TLVs or IP header */
	uint64_t truncated;	/* records shorter than the packet (snaplen) */
	uint64_t not_ipv4;	/* well-formed, but neither IPv4 nor IPv6 */
	uint64_t kernel_drops;	/* pcap_stats() ps_drop: socket overruns */
};

/**
 * capture_cb - called once per diverted IPv4 packet.
 * @ip:  the IP packet, in a buffer the callback may modify (fix checksums
 *       in place); valid until the callback returns.
 * @len: bytes captured at @ip, at least 20, the IP header's total length
 *       not yet checked against it.
 * @indev: ifindex the packet came in on (netdev ingress: the standalone
 *       upstream), 0 for a packet leaving the tap.
 */
typedef void (*capture_cb)(uint8_t *ip, size_t len, unsigned int indev, void *arg);

/**
 * capture_nflog_parse() - find packet header and payload in one NFLOG
 * record (pcap link type NFLOG). Pure; every TLV length is checked
 * against @len, and truncated or overlong TLVs make the record invalid.
 *
 * Return: 0, or -1 with errno EINVAL.
 */
int capture_nflog_parse(const uint8_t *rec, size_t len, struct nflog_pkt *out);

/**
 * capture_batch() - let the kernel hand over up to @packets records at once,
 * waiting at most about @delay_ms (rounded up to 10 ms) for a batch to
 * fill: one wakeup and one read per batch rather than per packet. 1 packet
 * (the kernel's default) means no batching.
 * Return: 0, or -1 with errno (logged).
 */
int capture_batch(unsigned int packets, unsigned int delay_ms);

/**
 * capture_ip() - locate the IPv4 or IPv6 packet in a parsed record: skip
 * the Ethernet header for the netdev family at egress, take the payload as
 * is for netdev ingress and the IP families. Pure.
 *
 * Return: 0 and @ip/@len set (at least a fixed IP header), or -1 with errno
 * EINVAL (malformed) or EPROTONOSUPPORT (neither IPv4 nor IPv6).
 */
int capture_ip(const struct nflog_pkt *pkt, const uint8_t **ip, size_t *len);

/**
 * capture_group_busy() - does /proc/net/netfilter/nfnetlink_log text
 * @proc list @group as bound to a listener? Pure.
 * @portid: if not NULL, receives the listener's netlink port id.
 *
 * Return: 1 busy, 0 free.
 */
int capture_group_busy(const char *proc, int group, unsigned long *portid);

/**
 * capture_open() - bind nflog group @group through libpcap, nonblocking.
 * @bufsize: socket receive buffer in bytes, 0 for the default.
 *
 * Refuses, with a message naming the listener, a group that another
 * process (ulogd, tcpdump, a second helper) already listens on: the
 * kernel allows one listener per group.
 *
 * Return: 0, or -1 with errno (EBUSY for a taken group), logged here.
 */
int capture_open(int group, int bufsize);

/**
 * capture_src_mac() - inside a capture_cb: the source MAC of the packet's
 * frame (records of an ingress hook carry it), or NULL if the record had
 * none.
 */
const uint8_t *capture_src_mac(void);

/** capture_fd() - descriptor to watch for readability, -1 if closed. */
int capture_fd(void);

/**
 * capture_dispatch() - call @cb for the diverted packets that are ready,
 * at most CAPTURE_BUDGET so other fds get their turn; never blocks.
 *
 * Return: packets handed to @cb, or -1 with errno on a read error.
 */
int capture_dispatch(capture_cb cb, void *arg);

/** capture_stats() - counters since capture_open(). */
const struct capture_stats *capture_stats(void);

/** capture_close() - unbind the group. */
void capture_close(void);

#endif
