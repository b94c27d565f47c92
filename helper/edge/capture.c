/*
 * capture.c - diverted multicast from nflog, via libpcap's "nflog:N" device.
 *
 * Records are parsed here rather than trusted: every TLV length is checked
 * against what was captured, so a short or hostile record is counted and
 * skipped, never read past.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <pcap/pcap.h>

#include "capture.h"
#include "log.h"

#define NFLOG_HDR_LEN		4
#define TLV_HDR_LEN		4
#define TLV_TYPE_MASK		0x3fff	/* without the netlink nested/byteorder flags */
#define TLV_PACKET_HDR		1	/* NFULA_PACKET_HDR */
#define TLV_INDEV		4	/* NFULA_IFINDEX_INDEV, big endian */
#define TLV_HWADDR		8	/* NFULA_HWADDR: be16 length, 2 pad, 8 address bytes */
#define TLV_PAYLOAD		9	/* NFULA_PAYLOAD */
/* NFPROTO_* from linux/netfilter.h, which clashes with netinet/in.h. */
#define NFPROTO_INET		1
#define NFPROTO_IPV4		2
#define NFPROTO_NETDEV		5
#define NFPROTO_BRIDGE		7
#define NFPROTO_IPV6		10
#define PROC_NFLOG		"/proc/net/netfilter/nfnetlink_log"

static struct {
	pcap_t *pcap;
	int group;
	capture_cb cb;
	void *arg;
	const uint8_t *src_mac;		/* of the record being handed over */
	struct capture_stats st;
	uint8_t buf[CAPTURE_SNAPLEN + 1];	/* writable copy for the callback */
} cap;

/* TLV length and type are in host byte order (pcap/nflog.h). */
static inline uint16_t host16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int capture_nflog_parse(const uint8_t *rec, size_t len, struct nflog_pkt *out)
{
	size_t off = NFLOG_HDR_LEN, tl, step;
	const uint8_t *val;
	unsigned int type;

	memset(out, 0, sizeof(*out));
	if (!rec || len < NFLOG_HDR_LEN)
		goto bad;
	out->family = rec[0];

	while (len - off >= TLV_HDR_LEN) {
		tl = host16(rec + off);
		type = host16(rec + off + 2) & TLV_TYPE_MASK;
		if (tl < TLV_HDR_LEN || tl > len - off)
			goto bad;
		val = rec + off + TLV_HDR_LEN;

		if (type == TLV_PACKET_HDR) {
			if (tl - TLV_HDR_LEN < 4)
				goto bad;
			out->hw_protocol = (uint16_t)(val[0] << 8 | val[1]);
			out->has_hdr = 1;
		} else if (type == TLV_INDEV) {
			if (tl - TLV_HDR_LEN < 4)
				goto bad;
			out->indev = (uint32_t)val[0] << 24 | (uint32_t)val[1] << 16 |
				     (uint32_t)val[2] << 8 | val[3];
		} else if (type == TLV_HWADDR) {
			/* Only an Ethernet address is of use (a 6-byte one). */
			if (tl - TLV_HDR_LEN < 4 + 6)
				goto bad;
			if (val[0] == 0 && val[1] == 6)
				out->hwaddr = val + 4;
		} else if (type == TLV_PAYLOAD) {
			if (out->payload)	/* two payloads: which one is real? */
				goto bad;
			out->payload = val;
			out->payload_len = tl - TLV_HDR_LEN;
		}

		/* TLVs are padded to 4 bytes, except perhaps the last one. */
		step = (tl + 3) & ~(size_t)3;
		off += step < len - off ? step : len - off;
	}
	if (!out->payload)
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int capture_ip(const struct nflog_pkt *pkt, const uint8_t **ip, size_t *len)
{
	const uint8_t *p = pkt->payload;
	size_t n = pkt->payload_len;

	switch (pkt->family) {
	case NFPROTO_NETDEV:
	case NFPROTO_BRIDGE:
		if (pkt->indev && pkt->family == NFPROTO_NETDEV)
			break;	/* ingress: Ethernet header already pulled */
		if (n < 14) {
			errno = EINVAL;
			return -1;
		}
		if (!(p[12] == 0x08 && p[13] == 0x00) && !(p[12] == 0x86 && p[13] == 0xdd)) {
			errno = EPROTONOSUPPORT;
			return -1;
		}
		p += 14;
		n -= 14;
		break;
	case NFPROTO_IPV4:
	case NFPROTO_IPV6:
		/* The family names the version: a record that disagrees is broken. */
		if (n && (p[0] >> 4) != (pkt->family == NFPROTO_IPV6 ? 6 : 4)) {
			errno = EINVAL;
			return -1;
		}
		break;
	case NFPROTO_INET:
		break;
	default:
		errno = EPROTONOSUPPORT;
		return -1;
	}
	/* The version nibble decides: an ingress record has no EtherType. */
	if (!n || ((p[0] >> 4) != 4 && (p[0] >> 4) != 6)) {
		errno = n ? EPROTONOSUPPORT : EINVAL;
		return -1;
	}
	if (n < ((p[0] >> 4) == 6 ? 40u : 20u)) {
		errno = EINVAL;
		return -1;
	}
	*ip = p;
	*len = n;
	return 0;
}

int capture_group_busy(const char *proc, int group, unsigned long *portid)
{
	const char *line = proc;
	unsigned long g, port;
	char *end;

	while (line && *line) {
		g = strtoul(line, &end, 10);
		if (end != line) {
			port = strtoul(end, NULL, 10);
			if (g == (unsigned long)group) {
				if (portid)
					*portid = port;
				return 1;
			}
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 0;
}

/* Best effort: without the file (module not loaded yet) nobody listens. */
static int capture_proc_busy(int group, unsigned long *portid)
{
	char text[8192];
	size_t n;
	FILE *f;

	f = fopen(PROC_NFLOG, "re");
	if (!f)
		return 0;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return capture_group_busy(text, group, portid);
}

int capture_open(int group, int bufsize)
{
	char dev[32], err[PCAP_ERRBUF_SIZE] = "";
	unsigned long portid = 0;
	int rc, fd;

	if (group < 0 || group > 65535) {
		log_warnx("capture: nflog group %d out of range 0-65535", group);
		errno = EINVAL;
		return -1;
	}
	capture_close();
	if (capture_proc_busy(group, &portid)) {
		log_warnx("capture: nflog group %d already has a listener (netlink port %lu: "
			  "ulogd, tcpdump -i nflog:%d, another helper?); set another nflog_group",
			  group, portid, group);
		errno = EBUSY;
		return -1;
	}
	snprintf(dev, sizeof(dev), "nflog:%d", group);
	cap.pcap = pcap_create(dev, err);
	if (!cap.pcap) {
		log_warnx("capture: %s: %s", dev, err);
		errno = ENODEV;
		return -1;
	}
	pcap_set_snaplen(cap.pcap, CAPTURE_SNAPLEN);
	pcap_set_immediate_mode(cap.pcap, 1);
	pcap_set_buffer_size(cap.pcap, bufsize > 0 ? bufsize : CAPTURE_BUFSIZE_DEFAULT);
	rc = pcap_activate(cap.pcap);
	if (rc < 0) {
		/* The kernel answers EPERM to a second bind of a group, which
		 * libpcap reports as "Can't listen on group index". */
		if (strstr(pcap_geterr(cap.pcap), "listen on group")) {
			log_warnx("capture: nflog group %d is taken by another listener "
				  "(%s); set another nflog_group", group, pcap_geterr(cap.pcap));
			errno = EBUSY;
		} else if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
			log_warnx("capture: %s: no nflog support in libpcap or kernel (%s)",
				  dev, pcap_geterr(cap.pcap));
			errno = ENODEV;
		} else {
			log_warnx("capture: %s: %s", dev, pcap_geterr(cap.pcap));
			errno = rc == PCAP_ERROR_PERM_DENIED ? EPERM : EIO;
		}
		goto fail;
	}
	if (pcap_datalink(cap.pcap) != DLT_NFLOG) {
		log_warnx("capture: %s: unexpected link type %d", dev, pcap_datalink(cap.pcap));
		errno = EPROTO;
		goto fail;
	}
	if (pcap_setnonblock(cap.pcap, 1, err) < 0) {
		log_warnx("capture: %s: %s", dev, err);
		errno = EIO;
		goto fail;
	}
	fd = pcap_get_selectable_fd(cap.pcap);
	/* libpcap's SO_RCVBUF is capped by rmem_max; a bursty stream wants
	 * more, and we hold CAP_NET_ADMIN anyway. */
	rc = bufsize > 0 ? bufsize : CAPTURE_BUFSIZE_DEFAULT;
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rc, sizeof(rc)) < 0)
		log_debug("capture: SO_RCVBUFFORCE: %s", strerror(errno));
	cap.group = group;
	memset(&cap.st, 0, sizeof(cap.st));
	log_info("capture: listening on %s", dev);
	return 0;
fail:
	rc = errno;
	pcap_close(cap.pcap);
	cap.pcap = NULL;
	errno = rc;
	return -1;
}

int capture_batch(unsigned int packets, unsigned int delay_ms)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg g;
		struct {
			struct nlattr a;
			uint32_t v;
		} attr[3];
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_type = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_CONFIG },
		.g = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0 },
	};
	/* The kernel's unit is 1/100 s; round up, so a batch waits at most
	 * about @delay_ms, never forever. */
	uint32_t cs = (delay_ms + 9) / 10;
	int fd = capture_fd();

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (!packets)
		packets = 1;
	req.g.res_id = htons((uint16_t)cap.group);
	req.attr[0].a = (struct nlattr){ sizeof(req.attr[0]), NFULA_CFG_QTHRESH };
	req.attr[0].v = htonl(packets);
	req.attr[1].a = (struct nlattr){ sizeof(req.attr[1]), NFULA_CFG_TIMEOUT };
	req.attr[1].v = htonl(packets > 1 && cs ? cs : 1);
	/* One batch must fit libpcap's receive buffer (snaplen + 128). */
	req.attr[2].a = (struct nlattr){ sizeof(req.attr[2]), NFULA_CFG_NLBUFSIZ };
	req.attr[2].v = htonl(packets > 1 ? CAPTURE_SNAPLEN : 0);
	if (packets == 1)
		req.nh.nlmsg_len -= sizeof(req.attr[2]);
	/* No ACK asked: an answer would arrive among the packets. */
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		log_warn("capture: cannot configure batching on nflog:%d", cap.group);
		return -1;
	}
	return 0;
}

const uint8_t *capture_src_mac(void)
{
	return cap.src_mac;
}

int capture_fd(void)
{
	return cap.pcap ? pcap_get_selectable_fd(cap.pcap) : -1;
}

static void capture_handler(u_char *user, const struct pcap_pkthdr *h,
			    const u_char *bytes)
{
	struct nflog_pkt pkt;
	const uint8_t *ip;
	size_t len;

	(void)user;
	if (h->caplen < h->len) {
		cap.st.truncated++;
		return;
	}
	if (capture_nflog_parse(bytes, h->caplen, &pkt) < 0) {
		cap.st.malformed++;
		return;
	}
	if (capture_ip(&pkt, &ip, &len) < 0) {
		if (errno == EPROTONOSUPPORT)
			cap.st.not_ipv4++;
		else
			cap.st.malformed++;
		return;
	}
	if (len > sizeof(cap.buf)) {	/* cannot happen with our snaplen */
		cap.st.truncated++;
		return;
	}
	memcpy(cap.buf, ip, len);
	cap.st.packets++;
	cap.st.bytes += len;
	cap.src_mac = pkt.hwaddr;
	cap.cb(cap.buf, len, pkt.family == NFPROTO_NETDEV ? pkt.indev : 0, cap.arg);
	cap.src_mac = NULL;
}

int capture_dispatch(capture_cb cb, void *arg)
{
	int total = 0, rc;

	if (!cap.pcap) {
		errno = EBADF;
		return -1;
	}
	cap.cb = cb;
	cap.arg = arg;
	while (total < CAPTURE_BUDGET) {
		errno = 0;
		rc = pcap_dispatch(cap.pcap, CAPTURE_BUDGET - total, capture_handler, NULL);
		if (rc == 0 || rc == PCAP_ERROR_BREAK)
			break;
		if (rc < 0) {
			/* libpcap's nflog reader reports an empty nonblocking
			 * socket as an error rather than as 0 packets. */
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    strstr(pcap_geterr(cap.pcap), "temporarily unavailable"))
				break;
			/* A receive buffer overrun is a drop, not a failure. */
			if (errno == ENOBUFS ||
			    strstr(pcap_geterr(cap.pcap), "No buffer space")) {
				cap.st.kernel_drops++;
				continue;
			}
			log_warnx("capture: nflog:%d: %s", cap.group, pcap_geterr(cap.pcap));
			errno = EIO;
			return -1;
		}
		total += rc;
	}
	return total;
}

const struct capture_stats *capture_stats(void)
{
	struct pcap_stat ps;

	if (cap.pcap && pcap_stats(cap.pcap, &ps) == 0 && ps.ps_drop > cap.st.kernel_drops)
		cap.st.kernel_drops = ps.ps_drop;
	return &cap.st;
}

void capture_close(void)
{
	if (cap.pcap)
		pcap_close(cap.pcap);
	cap.pcap = NULL;
}
