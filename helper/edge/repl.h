/*
 * repl.h - per-client replication of diverted multicast into the tap.
 *
 * A diverted IPv4 packet is fixed up once (repl_fix_checksums) and then
 * written to the tap once per member client, each copy in its own Ethernet
 * frame whose destination is that client's MAC (repl_send).
 */
#ifndef REPL_H
#define REPL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define REPL_MAX_BATCH_DEFAULT	256

struct repl_stats {
	uint64_t packets;	/* repl_send() calls with >= 1 destination */
	uint64_t frames;	/* copies accepted by the kernel */
	uint64_t bytes;		/* bytes of those copies, Ethernet header included */
	uint64_t drop_nobufs;	/* copies dropped on EAGAIN/ENOBUFS */
	uint64_t drop_error;	/* copies dropped on any other send error */
	uint64_t drop_closed;	/* copies dropped because the socket was closed */
	uint64_t syscalls;	/* sendmmsg() calls */
	uint64_t reopens;	/* re-opens after the tap changed */
};

/**
 * repl_fix_checksums() - make an IPv4 packet's checksums valid, in place
 * (an IPv6 packet goes to repl_fix_checksums6()).
 * @pkt:    the IPv4 packet, starting at the IP header.
 * @caplen: bytes available at @pkt (may include trailing link padding).
 *
 * Validates version, IHL and total length against @caplen, recomputes the
 * header checksum and, for an unfragmented UDP datagram, the UDP checksum
 * over the pseudo-header. Whatever the captured UDP checksum held (a
 * CHECKSUM_PARTIAL seed, garbage, or 0) is ignored. Other protocols and
 * fragments keep their L4 bytes untouched. Pure: no I/O, no state.
 *
 * Return: the IP total length (what to transmit), or -1 with errno EINVAL.
 */
ssize_t repl_fix_checksums(uint8_t *pkt, size_t caplen);

/**
 * repl_fix_checksums6() - make an IPv6 packet's checksum valid, in place.
 * @pkt:    the IPv6 packet, starting at the fixed header.
 * @caplen: bytes available at @pkt (may include trailing link padding).
 *
 * Validates version and payload length against @caplen. A UDP (whose
 * length must match) or ICMPv6 message right after the fixed header gets
 * its checksum recomputed over the IPv6 pseudo-header, whatever the field
 * held (a CHECKSUM_PARTIAL seed from offload, or garbage). Behind extension
 * headers the bytes stay as they are. Pure.
 *
 * Return: 40 + payload length (what to transmit), or -1 with errno EINVAL.
 */
ssize_t repl_fix_checksums6(uint8_t *pkt, size_t caplen);

/**
 * repl_ttl_forward() - the router's TTL rule for a packet taken in from the
 * standalone upstream: a TTL of 2 or more is decremented in place, a TTL
 * of 0 or 1 must not be forwarded. Call repl_fix_checksums() afterwards,
 * which recomputes the header checksum. IPv6's hop limit likewise. Pure.
 * @pkt: the IPv4 packet, at least 20 bytes, or the IPv6 one, at least 40.
 *
 * Return: 1 forward (TTL decremented), 0 do not forward.
 */
int repl_ttl_forward(uint8_t *pkt);

/**
 * repl_open() - open the transmit socket on tap @ifname.
 * @max_batch: most copies one repl_send() hands over in a single
 *             sendmmsg(); 0 means REPL_MAX_BATCH_DEFAULT. All per-copy
 *             state is preallocated here.
 *
 * Return: 0, or -1 with errno (logged here).
 */
int repl_open(const char *ifname, unsigned int max_batch);

/**
 * repl_check() - follow a recreated tap: if @ifname's ifindex or MAC
 * differs from the one in use, re-bind to the new device.
 *
 * Return: 1 if re-opened, 0 if unchanged, -1 with errno if the device is
 * gone or the socket cannot be re-opened (sending then drops and counts).
 */
int repl_check(void);

/**
 * repl_send() - write one copy of @ip per destination MAC into the tap.
 * @ip:   IPv4 packet, checksums already fixed (repl_fix_checksums()).
 * @len:  its length.
 * @macs: @n destination MACs, 6 bytes each.
 *
 * Each copy is a 14-byte header (dst = macs[i], src = tap MAC, type IPv4
 * or IPv6 by @ip's version)
 * plus @ip by reference: nothing is allocated or copied per copy, and up
 * to max_batch copies go out in one sendmmsg(). Never blocks; a full
 * queue drops the remaining copies and counts them.
 *
 * Return: r, the number of copies sent; they are exactly macs[0..r-1].
 */
unsigned int repl_send(const uint8_t *ip, size_t len,
		       const uint8_t (*macs)[6], unsigned int n);

/** repl_stats() - counters since repl_open(); valid until repl_close(). */
const struct repl_stats *repl_stats(void);

/** repl_ifindex() - ifindex in use, 0 when closed. */
int repl_ifindex(void);

/** repl_close() - close the socket and free the preallocated arrays. */
void repl_close(void);

#endif
