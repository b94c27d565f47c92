/*
 * churn - a churn soak of the helper, without OpenVPN.
 *
 * It plays OpenVPN and its clients towards one real helper:
 *   - it creates the tap (-t, default tap0), gives it 10.8.0.1/16, brings it
 *     up and stays its only reader, as OpenVPN would;
 *   - it starts the helper with --plugin-fd on a SOCK_SEQPACKET socketpair,
 *     behind an optional wrapper (everything after "--", e.g. valgrind), and
 *     speaks the plugin protocol (include/mcast_proto.h) to it;
 *   - clients (slot i: MAC 02:00:00:00:hi:lo, cn "s<i>") connect, join,
 *     leave and disconnect at random; their IGMPv2 reports and leaves are
 *     written into the tap from their MAC, and every query the helper
 *     writes into the tap is answered from the ground truth;
 *   - the ground truth is what each connected client is a member of.
 * The random choices come from a seed (-s, printed) and advance by logical
 * ticks, so a seed replays the same sequence of actions.  A client acts at
 * most once in -C ticks: its frames (tap) and its plugin messages (socket)
 * reach the helper by different paths, and the gap keeps their order.
 *
 * Phases: warm-up (every client connects and joins), check; RSS before;
 * churn for -d seconds; settle, check; RSS after (<= before + -r KiB).
 * A check compares the helper's status (control socket -S) with the ground
 * truth: the same clients (id, cn, MAC), per client the same groups, and
 * per group the same member count, exactly.  It polls until they match or -w seconds passed.
 *
 *   churn -H HELPER -c CONFIG -S SOCKET [-t TAP] [-n CLIENTS] [-g GROUPS]
 *         [-d SECONDS] [-T TICK_MS] [-C COOLDOWN_TICKS] [-s SEED]
 *         [-w SETTLE_S] [-r RSS_KIB|-1] [-- WRAPPER...]
 * Exit: 0 all checks passed and the helper exited 0; 1 a check failed;
 * 2 a setup error.  Output: one line per phase, "churn: ok ..." at the end.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "csum.h"
#include "mcast_proto.h"

#define MAX_SLOTS 4096
#define MAX_GROUPS 64
#define GROUP_BASE 0xef030001u	/* 239.3.0.1 */

struct slot {
	int connected;
	uint32_t id;			/* plugin client id while connected */
	uint64_t groups;		/* bit k: member of GROUP_BASE + k */
	long last_tick;			/* last action, for the cooldown */
};

static struct slot *slots;
static int nslots = 64, ngroups = 16, tap = -1, chan = -1;
static uint32_t next_id = 1;
static long tick;
static uint64_t rng;
static unsigned long n_connect, n_disconnect, n_join, n_leave, n_answer, n_query;
static const char *sock_path;
static pid_t helper_pid;

static void die(const char *what)
{
	fprintf(stderr, "churn: %s: %s\n", what, strerror(errno));
	if (helper_pid > 0)
		kill(helper_pid, SIGTERM);
	exit(2);
}

/* xorshift64*: small, and the same sequence everywhere for one seed. */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() >> 33) % n;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void slot_mac(int i, uint8_t mac[6])
{
	mac[0] = 0x02; mac[1] = 0; mac[2] = 0; mac[3] = 0;
	mac[4] = (uint8_t)(i >> 8); mac[5] = (uint8_t)i;
}

static void tap_open(const char *name)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int s;

	tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (tap < 0)
		die("open /dev/net/tun");
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(tap, TUNSETIFF, &ifr) < 0)
		die("TUNSETIFF");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "10.8.0.1", &sin->sin_addr);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		die("SIOCSIFADDR");
	inet_pton(AF_INET, "255.255.0.0", &sin->sin_addr);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
		die("SIOCSIFNETMASK");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die("SIOCSIFFLAGS");
	close(s);
	fcntl(tap, F_SETFL, O_NONBLOCK);
}

static void send_msg(uint8_t type, uint32_t id, const char *const *fields)
{
	uint8_t buf[MCP_MAX_MSG];
	int n = mcp_encode(buf, sizeof(buf), type, id, fields);

	if (n < 0 || send(chan, buf, (size_t)n, 0) != n)
		die("send to the helper");
}

/* Read what the helper says; returns 1 once READY was seen. */
static int chan_drain(void)
{
	uint8_t buf[MCP_MAX_MSG];
	struct mcp_msg m;
	int ready = 0;
	ssize_t n;

	while ((n = recv(chan, buf, sizeof(buf), MSG_DONTWAIT)) != 0) {
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			die("read from the helper");
		}
		if (mcp_decode(buf, (size_t)n, &m) < 0)
			continue;
		if (m.type == MCP_READY)
			ready = 1;
		else if (m.type == MCP_ERROR) {
			fprintf(stderr, "churn: helper: %s\n", m.field[0]);
			exit(2);
		}
	}
	if (n == 0) {
		fprintf(stderr, "churn: the helper closed the channel\n");
		exit(1);
	}
	return ready;
}

/* An IGMPv2 report (type 0x16) or leave (0x17) of slot @i for group @k. */
static void write_igmp(int i, int k, uint8_t type)
{
	uint8_t f[14 + 24 + 8] = { 0 }, *ip = f + 14, *ig = ip + 24;
	uint32_t g = GROUP_BASE + (uint32_t)k, dst = type == 0x17 ? 0xe0000002u : g;
	uint32_t gn = htonl(g), dn = htonl(dst);
	uint16_t c;

	f[0] = 0x01; f[1] = 0x00; f[2] = 0x5e;
	f[3] = (dst >> 16) & 0x7f; f[4] = (dst >> 8) & 0xff; f[5] = dst & 0xff;
	slot_mac(i, f + 6);
	f[12] = 0x08; f[13] = 0x00;
	ip[0] = 0x46; ip[3] = 32; ip[8] = 1; ip[9] = 2;
	ip[12] = 10; ip[13] = 8; ip[14] = (uint8_t)(1 + (i >> 8)); ip[15] = (uint8_t)i;
	memcpy(ip + 16, &dn, 4);
	ip[20] = 0x94; ip[21] = 0x04;	/* router alert */
	c = csum_inet(ip, 24);
	ip[10] = c >> 8; ip[11] = c & 0xff;
	ig[0] = type;
	memcpy(ig + 4, &gn, 4);
	c = csum_inet(ig, 8);
	ig[2] = c >> 8; ig[3] = c & 0xff;
	/* The tap queue is deep; a full one would lose a report the ground
	 * truth counts on, so wait for room rather than drop. */
	while (write(tap, f, sizeof(f)) != (ssize_t)sizeof(f)) {
		if (errno != EAGAIN && errno != EINTR)
			die("write to the tap");
		usleep(1000);
	}
}

/* Slot @i reports every group it is in (answer to a query). */
static void answer(int i, int only)
{
	for (int k = 0; k < ngroups; k++)
		if (slots[i].groups >> k & 1 && (only < 0 || only == k)) {
			write_igmp(i, k, 0x16);
			n_answer++;
		}
	slots[i].last_tick = tick;
}

static int slot_of_mac(const uint8_t *m)
{
	if (m[0] != 0x02 || m[1] || m[2] || m[3])
		return -1;
	int i = m[4] << 8 | m[5];

	return i < nslots ? i : -1;
}

/* What the helper writes into the tap: answer its queries. */
static void tap_drain(void)
{
	uint8_t f[2048];
	ssize_t n;

	while ((n = read(tap, f, sizeof(f))) > 0) {
		const uint8_t *ip = f + 14, *ig;
		size_t ihl;
		int k = -1, to;

		if (n < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0x00 || ip[9] != 2)
			continue;
		ihl = (size_t)(ip[0] & 15) * 4;
		if (ihl < 20 || (size_t)n < 14 + ihl + 8)
			continue;
		ig = ip + ihl;
		if (ig[0] != 0x11)
			continue;
		n_query++;
		uint32_t g = (uint32_t)ig[4] << 24 | (uint32_t)ig[5] << 16 | (uint32_t)ig[6] << 8 | ig[7];

		if (g) {
			if (g < GROUP_BASE || g >= GROUP_BASE + (uint32_t)ngroups)
				continue;
			k = (int)(g - GROUP_BASE);
		}
		to = slot_of_mac(f);
		for (int i = 0; i < nslots; i++)
			if (slots[i].connected && (to < 0 || to == i))
				answer(i, k);
	}
}

static void do_connect(int i)
{
	char cn[16], ip[24], real[32], mac[24];
	uint8_t m[6];
	struct slot *s = &slots[i];

	slot_mac(i, m);
	s->connected = 1;
	s->id = next_id++;
	s->groups = 0;
	snprintf(cn, sizeof(cn), "s%d", i);
	snprintf(ip, sizeof(ip), "10.8.%d.%d", 1 + (i >> 8), i & 255);
	snprintf(real, sizeof(real), "172.16.%d.%d:%u", i >> 8, i & 255, 1024 + s->id % 60000);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x@0",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	send_msg(MCP_CONNECT, s->id, (const char *[]){ cn, ip, real });
	send_msg(MCP_LEARN, s->id, (const char *[]){ "add", mac, cn });
	n_connect++;
}

static void do_disconnect(int i)
{
	send_msg(MCP_DISCONNECT, slots[i].id, (const char *[]){ NULL });
	slots[i].connected = 0;
	slots[i].groups = 0;
	n_disconnect++;
}

static void do_join(int i, int k)
{
	write_igmp(i, k, 0x16);
	slots[i].groups |= 1ULL << k;
	n_join++;
}

static void do_leave(int i, int k)
{
	write_igmp(i, k, 0x17);
	slots[i].groups &= ~(1ULL << k);
	n_leave++;
}

/* A random member group of slot @i (it has one). */
static int some_group(int i)
{
	int k, c = __builtin_popcountll(slots[i].groups), pick = (int)rnd_below((unsigned)c);

	for (k = 0; k < ngroups; k++)
		if (slots[i].groups >> k & 1 && pick-- == 0)
			break;
	return k;
}

/* One logical tick: one client (not in its cooldown) does one thing. */
static void churn_step(int cooldown)
{
	int i = (int)rnd_below((unsigned)nslots), tries;
	unsigned r = rnd_below(100);

	for (tries = 0; tries < nslots && tick - slots[i].last_tick < cooldown; tries++)
		i = (i + 1) % nslots;
	if (tries == nslots)
		return;
	slots[i].last_tick = tick;
	if (!slots[i].connected) {
		do_connect(i);
		return;
	}
	if (r < 10) {
		do_disconnect(i);
	} else if (r < 55 || !slots[i].groups) {
		int k = (int)rnd_below((unsigned)ngroups);

		if (slots[i].groups >> k & 1)
			write_igmp(i, k, 0x16);	/* a repeated report changes nothing */
		else
			do_join(i, k);
	} else {
		do_leave(i, some_group(i));
	}
}

/* Wait @ms while answering the helper. */
static void pump(int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	for (;;) {
		struct pollfd p[2] = { { .fd = tap, .events = POLLIN }, { .fd = chan, .events = POLLIN } };
		uint64_t t = now_ms();

		if (t >= end)
			break;
		if (poll(p, 2, (int)(end - t)) < 0 && errno != EINTR)
			die("poll");
		if (p[0].revents)
			tap_drain();
		if (p[1].revents)
			chan_drain();
	}
	tap_drain();
	chan_drain();
}

/* The helper's status over the control socket; malloc'd, NULL on error. */
static char *status_get(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t have = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!buf || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, "status\n", 7) != 7 || shutdown(fd, SHUT_WR) < 0) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	/* Answer queries while the helper writes: it may wait on us. */
	for (;;) {
		if (have + 1 >= cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				break;
			buf = nb;
		}
		n = read(fd, buf + have, cap - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	if (!strstr(buf, "\nEND\n")) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The truth as sorted lines "id cn mac groups" (groups ascending). */
static char **truth_lines(int *count)
{
	char **v = calloc((size_t)nslots + 1, sizeof(*v));
	int n = 0;

	for (int i = 0; v && i < nslots; i++) {
		char line[2048];
		uint8_t m[6];
		int len;

		if (!slots[i].connected)
			continue;
		slot_mac(i, m);
		len = snprintf(line, sizeof(line), "%u s%d %02x:%02x:%02x:%02x:%02x:%02x ",
			       slots[i].id, i, m[0], m[1], m[2], m[3], m[4], m[5]);
		for (int k = 0, first = 1; k < ngroups; k++)
			if (slots[i].groups >> k & 1) {
				uint32_t g = GROUP_BASE + (uint32_t)k;

				len += snprintf(line + len, sizeof(line) - (size_t)len, "%s%u.%u.%u.%u",
						first ? "" : ",", g >> 24, (g >> 16) & 255, (g >> 8) & 255, g & 255);
				first = 0;
			}
		v[n++] = strdup(line);
	}
	*count = n;
	qsort(v, (size_t)n, sizeof(*v), cmp_str);
	return v;
}

static int cmp_group(const void *a, const void *b)
{
	struct in_addr x, y;

	inet_pton(AF_INET, *(char *const *)a, &x);
	inet_pton(AF_INET, *(char *const *)b, &y);
	return ntohl(x.s_addr) < ntohl(y.s_addr) ? -1 : ntohl(x.s_addr) > ntohl(y.s_addr);
}

/*
 * The GROUP rows: each group's member count must be the truth's, and no
 * other group may be listed. Return: 1 equal, 0 not.
 */
static int groups_match(const char *st, int report)
{
	int want[MAX_GROUPS] = { 0 }, seen[MAX_GROUPS] = { 0 }, same = 1;
	const char *p = st;

	for (int i = 0; i < nslots; i++)
		for (int k = 0; slots[i].connected && k < ngroups; k++)
			want[k] += (int)(slots[i].groups >> k & 1);
	while ((p = strstr(p, "\nGROUP,"))) {
		unsigned a, b, c, d;
		int members, k = -1;

		p += 7;
		if (sscanf(p, "%u.%u.%u.%u,%d", &a, &b, &c, &d, &members) == 5) {
			uint32_t g = a << 24 | b << 16 | c << 8 | d;

			if (g >= GROUP_BASE && g < GROUP_BASE + (uint32_t)ngroups)
				k = (int)(g - GROUP_BASE);
		}
		if (k < 0 || members != want[k]) {
			if (report)
				fprintf(stderr, "churn: status GROUP row %.*s: the truth has %d members\n",
					(int)strcspn(p, "\n"), p, k < 0 ? 0 : want[k]);
			same = 0;
		}
		if (k >= 0)
			seen[k] = 1;
	}
	for (int k = 0; k < ngroups; k++)
		if (want[k] && !seen[k]) {
			if (report)
				fprintf(stderr, "churn: no GROUP row for 239.3.0.%d (%d members)\n",
					k + 1, want[k]);
			same = 0;
		}
	return same;
}

/* The status's CLIENT rows in the same form. */
static char **status_lines(char *st, int *count)
{
	char **v = NULL;
	int n = 0, cap = 0;

	for (char *line = strtok(st, "\n"); line; line = strtok(NULL, "\n")) {
		char *f[10], *p = line, out[2048], *gv[MAX_GROUPS * 4];
		int nf = 0, ng = 0, len;

		if (strncmp(line, "CLIENT,", 7))
			continue;
		while (nf < 10 && (f[nf++] = strsep(&p, ",")))
			;
		if (nf < 10 || !f[9])
			continue;
		/* f: 0 CLIENT 1 id 2 cn 3 real 4 virtual 5 MAC 6 groups */
		for (char *q = f[6], *g; ng < (int)(sizeof(gv) / sizeof(gv[0])) && (g = strsep(&q, " "));)
			if (*g)
				gv[ng++] = g;
		qsort(gv, (size_t)ng, sizeof(*gv), cmp_group);
		len = snprintf(out, sizeof(out), "%s %s %s ", f[1], f[2], f[5]);
		for (int k = 0; k < ng && len < (int)sizeof(out); k++)
			len += snprintf(out + len, sizeof(out) - (size_t)len, "%s%s", k ? "," : "", gv[k]);
		if (n == cap) {
			char **nv = realloc(v, (size_t)(cap = cap ? 2 * cap : 64) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		v[n++] = strdup(out);
	}
	*count = n;
	if (v)
		qsort(v, (size_t)n, sizeof(*v), cmp_str);
	return v;
}

static void lines_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * Compare once; on a mismatch with @report, print the differing lines.
 * Return: 1 equal, 0 not (yet).
 */
static int check_once(int report, int *nclients, int *nmember)
{
	char *st = status_get();
	char **t, **s;
	int nt, ns, i = 0, j = 0, same;

	if (!st) {
		if (report)
			fprintf(stderr, "churn: no complete status from %s\n", sock_path);
		return 0;
	}
	same = groups_match(st, report);
	t = truth_lines(&nt);
	s = status_lines(st, &ns);
	free(st);
	same = same && nt == ns;
	while (i < nt || j < ns) {
		int c = i >= nt ? 1 : j >= ns ? -1 : strcmp(t[i], s[j]);

		if (c)
			same = 0;
		if (c && report)
			fprintf(stderr, "churn: %s %s\n", c < 0 ? "truth only: " : "status only:",
				c < 0 ? t[i] : s[j]);
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	*nclients = nt;
	*nmember = 0;
	for (int k = 0; k < nslots; k++)
		if (slots[k].connected)
			*nmember += __builtin_popcountll(slots[k].groups);
	lines_free(t, nt);
	lines_free(s, ns);
	return same;
}

/* Poll until the status matches the truth, at most @secs. */
static int check(const char *phase, int secs)
{
	uint64_t start = now_ms(), end = start + (uint64_t)secs * 1000;
	int nc = 0, nm = 0;

	while (!check_once(0, &nc, &nm)) {
		if (now_ms() >= end) {
			fprintf(stderr, "churn: %s: the helper's status differs from the ground truth "
				"after %d s:\n", phase, secs);
			check_once(1, &nc, &nm);
			return -1;
		}
		pump(200);
	}
	printf("churn: %s: status = ground truth: %d clients, %d memberships (matched after %llu ms)\n",
	       phase, nc, nm, (unsigned long long)(now_ms() - start));
	return 0;
}

/* The helper's @key ("VmRSS", "RssAnon", ...) in KiB, -1 if unknown. */
static long status_kib(const char *key)
{
	char path[64], line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)helper_pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* VmRSS in KiB; prints its parts (heap and stacks vs. mapped files). */
static long rss_kib(const char *when)
{
	long rss = status_kib("VmRSS");

	printf("churn: helper RSS %s: %ld KiB (anonymous %ld, files %ld)\n", when, rss,
	       status_kib("RssAnon"), status_kib("RssFile"));
	return rss;
}

static void usage(void)
{
	fprintf(stderr, "usage: churn -H HELPER -c CONFIG -S SOCKET [-t TAP] [-n CLIENTS] [-g GROUPS]\n"
		"             [-d SECONDS] [-T TICK_MS] [-C COOLDOWN_TICKS] [-s SEED] [-w SETTLE_S]\n"
		"             [-r RSS_KIB|-1] [-- WRAPPER...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *helper = NULL, *conf = NULL, *tapname = "tap0";
	int secs = 120, tick_ms = 10, cooldown = 10, settle = 15, ch, sv[2], status, rc = 0;
	long rss_slack = 1024, rss0 = -1, rss1 = -1;
	unsigned long long seed = 0;
	char fdarg[32];

	while ((ch = getopt(argc, argv, "H:c:S:t:n:g:d:T:C:s:w:r:")) != -1) {
		switch (ch) {
		case 'H': helper = optarg; break;
		case 'c': conf = optarg; break;
		case 'S': sock_path = optarg; break;
		case 't': tapname = optarg; break;
		case 'n': nslots = atoi(optarg); break;
		case 'g': ngroups = atoi(optarg); break;
		case 'd': secs = atoi(optarg); break;
		case 'T': tick_ms = atoi(optarg); break;
		case 'C': cooldown = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'w': settle = atoi(optarg); break;
		case 'r': rss_slack = atol(optarg); break;
		default: usage();
		}
	}
	if (!helper || !conf || !sock_path || nslots < 1 || nslots > MAX_SLOTS || ngroups < 1 ||
	    ngroups > MAX_GROUPS || secs < 0 || tick_ms < 1 || cooldown < 0 || settle < 1)
		usage();
	if (!seed)
		seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32);
	rng = seed;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	printf("churn: seed %llu, %d clients, %d groups, %d s of churn, a tick every %d ms, "
	       "cooldown %d ticks\n", seed, nslots, ngroups, secs, tick_ms, cooldown);
	slots = calloc((size_t)nslots, sizeof(*slots));
	if (!slots)
		die("calloc");
	for (int i = 0; i < nslots; i++)
		slots[i].last_tick = -cooldown;

	tap_open(tapname);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	helper_pid = fork();
	if (helper_pid < 0)
		die("fork");
	if (helper_pid == 0) {
		int nw = argc - optind;
		char **av = calloc((size_t)nw + 5, sizeof(*av));
		int k = 0;

		fcntl(sv[1], F_SETFD, 0);
		snprintf(fdarg, sizeof(fdarg), "--plugin-fd=%d", sv[1]);
		for (int i = optind; i < argc; i++)
			av[k++] = argv[i];
		av[k++] = (char *)helper;
		av[k++] = fdarg;
		av[k++] = "-c";
		av[k++] = (char *)conf;
		execvp(av[0], av);
		_exit(127);
	}
	close(sv[1]);
	chan = sv[0];
	/* Valgrind takes its time to start. */
	for (uint64_t end = now_ms() + 120000;;) {
		struct pollfd p = { .fd = chan, .events = POLLIN };

		if (now_ms() > end) {
			fprintf(stderr, "churn: no READY from the helper in 120 s\n");
			kill(helper_pid, SIGTERM);
			return 2;
		}
		if (poll(&p, 1, 200) > 0 && chan_drain())
			break;
	}
	send_msg(MCP_UP, 0, (const char *[]){ tapname, "tap" });
	pump(300);

	/* Warm-up: everyone connects and joins a few groups. */
	for (int i = 0; i < nslots; i++) {
		do_connect(i);
		slots[i].last_tick = tick;
	}
	pump(500);
	for (int i = 0; i < nslots; i++) {
		for (int j = 0, n = 1 + (int)rnd_below(4); j < n; j++) {
			int k = (int)rnd_below((unsigned)ngroups);

			if (!(slots[i].groups >> k & 1))
				do_join(i, k);
		}
		if (i % 16 == 15)
			pump(5);
	}
	if (check("warm-up", settle) < 0)
		rc = 1;
	rss0 = rss_kib("before the churn");

	/* The churn, paced by wall-clock ticks. */
	uint64_t t0 = now_ms(), next = t0, qnext = t0 + 2000;

	while (rc == 0 && now_ms() < t0 + (uint64_t)secs * 1000) {
		tick++;
		churn_step(cooldown);
		next += (uint64_t)tick_ms;
		if (now_ms() >= qnext) {
			/* The control socket gets its share of use too. */
			free(status_get());
			qnext += 2000;
		}
		uint64_t t = now_ms();

		pump(next > t ? (int)(next - t) : 0);
	}
	printf("churn: %ld ticks: %lu connects, %lu disconnects, %lu joins, %lu leaves; "
	       "%lu queries answered with %lu reports\n", tick, n_connect, n_disconnect, n_join,
	       n_leave, n_query, n_answer);
	if (rc == 0 && check("after the churn", settle) < 0)
		rc = 1;
	rss1 = rss_kib("after the churn");
	if (rss_slack >= 0 && rss0 > 0 && rss1 > rss0 + rss_slack) {
		fprintf(stderr, "churn: the helper's RSS grew by %ld KiB (more than %ld KiB)\n",
			rss1 - rss0, rss_slack);
		rc = 1;
	}

	/* Everyone leaves; the helper then stops as the plugin stops it. */
	for (int i = 0; i < nslots; i++)
		if (slots[i].connected)
			do_disconnect(i);
	if (rc == 0 && check("all disconnected", settle) < 0)
		rc = 1;
	send_msg(MCP_DOWN, 0, (const char *[]){ NULL });
	pump(200);
	shutdown(chan, SHUT_RDWR);
	close(chan);
	if (waitpid(helper_pid, &status, 0) < 0)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "churn: the helper ended with %s %d\n",
			WIFEXITED(status) ? "exit status" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		rc = 1;
	}
	if (rc == 0)
		printf("churn: ok (seed %llu)\n", seed);
	return rc;
}
