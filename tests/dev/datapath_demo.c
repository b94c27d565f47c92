/*
 * datapath_demo.c - divert + capture + repl without the daemon, for
 * measuring and for trying the data path by hand.
 *
 *   datapath_demo -i tap0 [-g 1194] [-t table] [-F] [-d secs] [-b batch]
 *                 [-q] [-N] MAC [MAC...]
 *
 * Every diverted IPv4 packet is copied to each MAC given. It prints the
 * counters once a second (unless -q) and at exit (SIGINT, SIGTERM or after
 * -d seconds). When the tap's ifindex changes it reinstalls the table and
 * re-binds the transmit socket, as the daemon is meant to.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "caps.h"
#include "divert.h"
#include "log.h"
#include "repl.h"

#define MAX_MACS 4096

static volatile sig_atomic_t stop;
static uint8_t macs[MAX_MACS][6];
static unsigned int nmacs;
static uint64_t bad_ip, short_sends;
static int no_fix;	/* -N: send as captured, to show why fixing is needed */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_packet(uint8_t *ip, size_t len, unsigned int indev, void *arg)
{
	ssize_t n;

	(void)arg;
	(void)indev;
	n = no_fix ? (ssize_t)len : repl_fix_checksums(ip, len);
	if (n < 0) {
		bad_ip++;
		return;
	}
	if (repl_send(ip, (size_t)n, (const uint8_t (*)[6])macs, nmacs) < nmacs)
		short_sends++;
}

static void report(const char *tag, double secs, uint64_t pk0, uint64_t fr0)
{
	const struct capture_stats *c = capture_stats();
	const struct repl_stats *r = repl_stats();

	printf("%s t=%.1fs captured=%llu (%.0f pkt/s) sent=%llu (%.0f frames/s) "
	       "syscalls=%llu drop_nobufs=%llu drop_error=%llu drop_closed=%llu "
	       "malformed=%llu truncated=%llu not_ipv4=%llu kdrops=%llu bad_ip=%llu "
	       "reopens=%llu\n", tag, secs,
	       (unsigned long long)c->packets, secs > 0 ? (c->packets - pk0) / secs : 0,
	       (unsigned long long)r->frames, secs > 0 ? (r->frames - fr0) / secs : 0,
	       (unsigned long long)r->syscalls, (unsigned long long)r->drop_nobufs,
	       (unsigned long long)r->drop_error, (unsigned long long)r->drop_closed,
	       (unsigned long long)c->malformed, (unsigned long long)c->truncated,
	       (unsigned long long)c->not_ipv4, (unsigned long long)c->kernel_drops,
	       (unsigned long long)bad_ip, (unsigned long long)r->reopens);
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	const char *ifname = "tap0", *table = "openvpn_mcast";
	enum divert_hook hook = DIVERT_AUTO;
	int group = 1194, quiet = 0, opt, ifindex, i;
	unsigned int batch = 0;
	double duration = 0, t0, tlast, tfirst = 0, tseen = 0;
	uint64_t pk_last = 0, fr_last = 0, pk_first = 0, fr_first = 0, pk_seen = 0;
	struct pollfd pfd;

	while ((opt = getopt(argc, argv, "i:g:t:Fd:b:qvN")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'g': group = atoi(optarg); break;
		case 't': table = optarg; break;
		case 'F': hook = DIVERT_FORWARD; break;
		case 'd': duration = atof(optarg); break;
		case 'b': batch = (unsigned int)atoi(optarg); break;
		case 'q': quiet = 1; break;
		case 'v': log_setlevel(LOG_LVL_DEBUG); break;
		case 'N': no_fix = 1; break;
		default:
			fprintf(stderr, "usage: %s -i tap [-g group] [-t table] [-F] [-d secs] "
				"[-b batch] [-q] [-v] [-N] MAC...\n", argv[0]);
			return 2;
		}
	}
	log_init("datapath_demo", 0, 1, quiet ? LOG_LVL_WARN : LOG_LVL_INFO);
	for (i = optind; i < argc && nmacs < MAX_MACS; i++) {
		unsigned int b[6];

		if (sscanf(argv[i], "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3],
			   &b[4], &b[5]) != 6) {
			fprintf(stderr, "bad MAC %s\n", argv[i]);
			return 2;
		}
		for (opt = 0; opt < 6; opt++)
			macs[nmacs][opt] = (uint8_t)b[opt];
		nmacs++;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (caps_check_all(ifname) < 0 || capture_open(group, 0) < 0)
		return 1;
	if (divert_install(ifname, table, group, hook) < 0) {
		capture_close();
		return 1;
	}
	if (repl_open(ifname, batch) < 0) {
		divert_exit();
		capture_close();
		return 1;
	}
	ifindex = (int)if_nametoindex(ifname);
	pfd.fd = capture_fd();
	pfd.events = POLLIN;
	t0 = tlast = now();
	printf("ready: %u destinations\n", nmacs);
	fflush(stdout);

	while (!stop) {
		double t;
		int rc = poll(&pfd, 1, 200);

		if (rc < 0 && errno != EINTR)
			break;
		if (rc > 0 && capture_dispatch(on_packet, NULL) < 0)
			break;
		t = now();
		if (rc > 0 && capture_stats()->packets != pk_seen) {
			/* Rates run from the first to the last packet seen, so
			 * idle time before and after a burst does not count. */
			if (!tfirst) {
				tfirst = t;
				pk_first = capture_stats()->packets;
				fr_first = repl_stats()->frames;
			}
			tseen = t;
			pk_seen = capture_stats()->packets;
		}
		if (t - tlast >= 1.0) {
			int idx = (int)if_nametoindex(ifname);

			if (idx && idx != ifindex) {
				divert_reinstall();
				repl_check();
			}
			ifindex = idx;
			if (!quiet)
				report("tick", t - tlast, pk_last, fr_last);
			pk_last = capture_stats()->packets;
			fr_last = repl_stats()->frames;
			tlast = t;
		}
		if (duration > 0 && t - t0 >= duration)
			break;
	}
	report("total", tseen - tfirst, pk_first, fr_first);
	repl_close();
	divert_exit();
	capture_close();
	return 0;
}
