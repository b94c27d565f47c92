/*
 * openvpn-mcast-helper - command line: the daemon (started by the plugin),
 * `status`, and config checks.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <glob.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "divert.h"
#include "log.h"
#include "supervise.h"
#include "table.h"
#include "tcbpf.h"
#include "upstream.h"

static struct cfg cfg;

/*
 * The socket `status` reads when no -s names one: the configured one, the
 * tap's (-d), or, where the path follows from the tap, the only one that
 * exists. Several: list them and let the user choose. Return 0, or -1
 * (the reason printed).
 */
static int status_pick(const char *dev, char *sock, size_t len)
{
	char pattern[PATH_MAX], err[512];
	glob_t g;
	int rc = -1;

	if (!strstr(cfg.control_socket, CFG_INSTANCE_TOKEN) || dev) {
		/* The index only matters for the nflog group: any will do here. */
		if (dev && cfg_instance(&cfg, dev, 1, err, sizeof(err)) < 0) {
			fprintf(stderr, "openvpn-mcast-helper: %s\n", err);
			return -1;
		}
		snprintf(sock, len, "%s", cfg.control_socket);
		return 0;
	}
	snprintf(pattern, sizeof(pattern), "%s", cfg.control_socket);
	for (char *p = strstr(pattern, CFG_INSTANCE_TOKEN); p; p = strstr(p, CFG_INSTANCE_TOKEN))
		memmove(p + 1, p + 2, strlen(p + 2) + 1), *p = '*';
	if (glob(pattern, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
		fprintf(stderr, "openvpn-mcast-helper: no control socket matches %s: is a helper "
			"running? (-s SOCKET, -d TAP, -c CONFIG)\n", pattern);
	} else if (g.gl_pathc == 1) {
		snprintf(sock, len, "%s", g.gl_pathv[0]);
		fprintf(stderr, "openvpn-mcast-helper: status of %s\n", sock);
		rc = 0;
	} else {
		fprintf(stderr, "openvpn-mcast-helper: %zu control sockets; choose one with -s SOCKET "
			"or -d TAP:\n", g.gl_pathc);
		for (size_t i = 0; i < g.gl_pathc; i++)
			fprintf(stderr, "  %s\n", g.gl_pathv[i]);
	}
	globfree(&g);
	return rc;
}

static int run_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "csv", no_argument, NULL, 'C' },
		{ "dev", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *dev = NULL;
	char picked[PATH_MAX];
	char err[PATH_MAX + 512];
	char *buf = NULL;
	size_t len = 0;
	int ch, csv = !isatty(STDOUT_FILENO), rc;
	FILE *out;

	while ((ch = getopt_long(argc, argv, "s:c:d:", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dev = optarg;
			break;
		case 'C':
			csv = 1;
			break;
		case 's':
			sock = optarg;
			break;
		case 'c':
			if (cfg_load(&cfg, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
			break;
		default:
			return 2;
		}
	}
	if (!sock) {
		if (status_pick(dev, picked, sizeof(picked)) < 0)
			return 1;
		sock = picked;
	}
	out = open_memstream(&buf, &len);
	if (!out)
		return 1;
	rc = ctl_query(sock, "status", out);
	fclose(out);
	if (rc < 0) {
		fprintf(stderr, "openvpn-mcast-helper: %s: %s\n", sock, strerror(errno));
		free(buf);
		return 1;
	}
	if (csv)
		fputs(buf, stdout);
	else
		table_render(buf, stdout);
	free(buf);
	return 0;
}

/*
 * `cleanup`: remove what a helper of this instance that died left in the
 * kernel: its tc filters, its nftables table and its control socket. The
 * plugin runs it when OpenVPN stops after losing its helper.
 */
static int run_cleanup(int argc, char **argv)
{
	const char *dev = NULL;
	char err[PATH_MAX + 512];
	int ch, rc = 0;

	while ((ch = getopt(argc, argv, "c:d:")) != -1) {
		switch (ch) {
		case 'c':
			if (cfg_load(&cfg, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
			break;
		case 'd':
			dev = optarg;
			break;
		default:
			return 2;
		}
	}
	log_init("openvpn-mcast-helper", 0, 1, LOG_LVL_INFO);
	if (cfg_needs_instance(&cfg)) {
		unsigned int idx = dev ? if_nametoindex(dev) : 0;

		if (!dev || !strcmp(dev, "-")) {
			log_warnx("cleanup: the settings follow from the tap; name it with -d TAP");
			return 2;
		}
		/* A tap that is gone took its filter along; the group of an
		 * upstream filter cannot be known then. */
		if (!idx && cfg.nflog_group == 0) {
			if (cfg.upstream[0])
				log_warnx("cleanup: %s is gone, so the nflog group is unknown; a tc "
					  "filter of the dead helper on %s, if any, stays (tc filter "
					  "show dev %s ingress: handle 0x6d63...)", dev, cfg.upstream,
					  cfg.upstream);
			cfg.nflog_group = -1;
		}
		if (cfg_instance(&cfg, dev, idx, err, sizeof(err)) < 0) {
			log_warnx("cleanup: %s", err);
			return 1;
		}
	}
	if (ctl_remove_stale(cfg.control_socket) < 0 && errno != ENOENT) {
		log_warn("cleanup: control socket %s", cfg.control_socket);
		if (errno == EADDRINUSE)
			return 1;	/* a helper runs: nothing of it is stale */
		rc = 1;
	}
	if (dev && cfg.nflog_group > 0 && tcbpf_remove(dev, 0, (unsigned int)cfg.nflog_group) < 0)
		rc = 1;
	/* client_multicast's filter on the tap's ingress, whatever the config says now. */
	if (dev && cfg.nflog_group > 0 && tcbpf_remove(dev, TCBPF_TAP_INGRESS, (unsigned int)cfg.nflog_group) < 0)
		rc = 1;
	if (cfg.upstream[0] && cfg.nflog_group > 0 && tcbpf_remove(cfg.upstream, 1, (unsigned int)cfg.nflog_group) < 0)
		rc = 1;
	if (divert_remove_stale(cfg.nft_table) < 0)
		rc = 1;
	divert_exit();
	return rc;
}

static void usage(FILE *f)
{
	fputs("usage: openvpn-mcast-helper status [-s SOCKET | -d TAP] [-c CONFIG] [--csv]\n"
	      "       openvpn-mcast-helper cleanup [-c CONFIG] [-d TAP]  (a dead helper's leftovers)\n"
	      "       openvpn-mcast-helper -t -c CONFIG        (check a config file)\n"
	      "       openvpn-mcast-helper -V                  (print the version)\n"
	      "The daemon itself is started by openvpn-plugin-mcast.so (--supervise --plugin-fd):\n"
	      "a supervisor that starts the daemon and restarts it when it crashes.\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "plugin-fd", required_argument, NULL, 'p' },
		{ "supervise", no_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfgpath = NULL;
	int plugin_fd = -1, test = 0, supervise = 0, ch;
	char err[PATH_MAX + 512];

	cfg_defaults(&cfg);
	if (argc > 1 && !strcmp(argv[1], "status"))
		return run_status(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "cleanup"))
		return run_cleanup(argc - 1, argv + 1);
	while ((ch = getopt_long(argc, argv, "c:tVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			plugin_fd = atoi(optarg);
			break;
		case 'S':
			supervise = 1;
			break;
		case 'c':
			cfgpath = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'V':
			printf("openvpn-mcast-helper %s\n", VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (test) {
		if (!cfgpath) {
			usage(stderr);
			return 2;
		}
		if (cfg_load(&cfg, cfgpath, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		printf("%s: OK\n", cfgpath);
		fflush(stdout);
		if (upstream_mode_line(&cfg, err, sizeof(err)))
			fprintf(stderr, "warning: %s\n", err);
		else
			printf("%s\n", err);
		return 0;
	}
	if (plugin_fd < 0) {
		usage(stderr);
		return 2;
	}
	if (supervise) {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		log_init("openvpn-mcast-supervisor", 1, 1, LOG_LVL_INFO);
		/* The helper is started by the path we were started by; that is
		 * the installed binary even after a package upgrade. */
		if (argv[0][0] == '/' || n <= 0)
			return supervise_run(argv[0], cfgpath, plugin_fd);
		self[n] = '\0';
		return supervise_run(self, cfgpath, plugin_fd);
	}
	log_init("openvpn-mcast-helper", 1, 1, LOG_LVL_INFO);
	return daemon_run(cfgpath, plugin_fd);
}
