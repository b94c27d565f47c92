/*
 * openvpn-mcast-helper - privileged side of openvpn-mcast.
 *
 * Started by the plugin with the channel on --plugin-fd. Runs one event
 * loop: plugin events, control socket, timers. Exits when the plugin closes
 * the channel or on SIGTERM/SIGINT, removing what it installed.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "config.h"
#include "ctl.h"
#include "ev.h"
#include "log.h"
#include "registry.h"
#include "status.h"
#include "table.h"

static struct {
	struct cfg cfg;
	const char *cfgpath;
	struct registry *reg;
	char dev[MCP_MAX_STR + 1];
	int status_timer;
} d;

static void drop_rows(void *arg, FILE *out)
{
	(void)arg;
	fprintf(out, "DROPS,ipc_bad_message,%llu\n", (unsigned long long)chan_bad_messages());
}

static void status_view_fill(struct status_view *v)
{
	*v = (struct status_view){ .reg = d.reg, .drop_rows = drop_rows };
}

static int on_command(const char *cmd, FILE *out, void *arg)
{
	struct status_view v;

	(void)arg;
	if (strcmp(cmd, "status"))
		return -1;
	status_view_fill(&v);
	if (status_write(out, &v, time(NULL)) < 0)
		log_warn("status: cannot render");
	return 0;
}

static void on_status_timer(void *arg)
{
	static int failed;
	struct status_view v;

	(void)arg;
	status_view_fill(&v);
	if (status_write_file(d.cfg.status_file, &v, time(NULL)) < 0) {
		if (!failed)
			log_warn("cannot write status file %s", d.cfg.status_file);
		failed = 1;
	} else {
		failed = 0;
	}
}

static void on_learn(const struct mcp_msg *m)
{
	const char *op = m->field[0], *addr = m->field[1], *cn = m->field[2];

	if (reg_learn(d.reg, m->client_id, op, addr) == 0) {
		log_info("client %u (%s): learn-address %s %s", m->client_id, cn, op, addr);
		return;
	}
	/* learn-address also reports IP routes and stale deletes; neither is
	 * a problem, so they stay at debug level. */
	if (errno == ENOSPC)
		log_warnx("client %u (%s): more than %d MAC addresses; %s ignored",
			  m->client_id, cn, REG_MAX_MACS, addr);
	else
		log_debug("client %u: learn-address %s %s ignored: %s", m->client_id, op, addr,
			  strerror(errno));
}

static void on_message(const struct mcp_msg *m, void *arg)
{
	(void)arg;
	switch (m->type) {
	case MCP_UP:
		snprintf(d.dev, sizeof(d.dev), "%s", m->field[0]);
		log_info("device %s (%s) is up", d.dev, m->field[1]);
		break;
	case MCP_DOWN:
		log_info("device %s is going down", d.dev);
		d.dev[0] = '\0';
		break;
	case MCP_CONNECT:
		if (!reg_connect(d.reg, m->client_id, m->field[0], m->field[1], m->field[2],
				 time(NULL))) {
			log_warn("client %u (%s): cannot record connect", m->client_id, m->field[0]);
			break;
		}
		log_info("client %u connected: cn=%s ip=%s real=%s", m->client_id, m->field[0],
			 m->field[1], m->field[2]);
		break;
	case MCP_LEARN:
		on_learn(m);
		break;
	case MCP_DISCONNECT:
		if (reg_disconnect(d.reg, m->client_id) == 0)
			log_info("client %u disconnected", m->client_id);
		else
			log_debug("disconnect of unknown client %u", m->client_id);
		break;
	case MCP_OPTION:
		if (!strcmp(m->field[0], "client-to-client"))
			log_warnx("OpenVPN runs with client-to-client: multicast sent by a client "
				  "reaches all other clients without passing the tap");
		else
			log_debug("server option %s=%s", m->field[0], m->field[1]);
		break;
	default:
		log_warnx("unexpected %s message from the plugin ignored", mcp_type_name(m->type));
		break;
	}
}

static void on_eof(void *arg)
{
	(void)arg;
	ev_stop();
}

static void on_signal(int sig)
{
	(void)sig;
	ev_stop();
}

static void signals_setup(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, wait;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &wait);
	sigdelset(&wait, SIGTERM);
	sigdelset(&wait, SIGINT);
	ev_set_waitmask(&wait);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
}

/* Tell the plugin why we cannot run, and give up. */
static void __attribute__((noreturn)) startup_fail(const char *text)
{
	log_warnx("%s", text);
	chan_send(MCP_ERROR, 0, (const char *[]){ text });
	exit(1);
}

static int run_daemon(int plugin_fd)
{
	char err[PATH_MAX + 512];

	if (chan_open(plugin_fd, on_message, on_eof, NULL) < 0)
		fatal("plugin channel fd %d", plugin_fd);
	if (d.cfgpath && cfg_load(&d.cfg, d.cfgpath, err, sizeof(err)) < 0)
		startup_fail(err);
	log_setlevel(d.cfg.log_level);
	signals_setup();
	d.reg = reg_new();
	if (!d.reg)
		startup_fail("out of memory");
	if (ctl_open(d.cfg.control_socket, on_command, NULL) < 0) {
		snprintf(err, sizeof(err), "control socket %s: %s", d.cfg.control_socket,
			 strerror(errno));
		startup_fail(err);
	}
	if (d.cfg.status_file[0])
		d.status_timer = ev_timer(0, (uint64_t)d.cfg.status_interval * 1000,
					  on_status_timer, NULL);
	if (chan_send(MCP_READY, 0, (const char *[]){ VERSION }) < 0)
		fatal("cannot report ready to the plugin");
	log_info("version %s ready; control socket %s", VERSION, d.cfg.control_socket);

	if (ev_run() < 0)
		log_warnx("event loop failed; shutting down");
	log_info("shutting down");
	ctl_close();
	if (d.cfg.status_file[0])
		unlink(d.cfg.status_file);
	chan_close();
	reg_free(d.reg);
	return 0;
}

static int run_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "csv", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL;
	char err[PATH_MAX + 512];
	char *buf = NULL;
	size_t len = 0;
	int ch, csv = !isatty(STDOUT_FILENO), rc;
	FILE *out;

	while ((ch = getopt_long(argc, argv, "s:c:", opts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			csv = 1;
			break;
		case 's':
			sock = optarg;
			break;
		case 'c':
			if (cfg_load(&d.cfg, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
			break;
		default:
			return 2;
		}
	}
	if (!sock)
		sock = d.cfg.control_socket;
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

static void usage(FILE *f)
{
	fputs("usage: openvpn-mcast-helper status [-s SOCKET] [-c CONFIG] [--csv]\n"
	      "       openvpn-mcast-helper -t -c CONFIG        (check a config file)\n"
	      "       openvpn-mcast-helper -V                  (print the version)\n"
	      "The daemon itself is started by openvpn-plugin-mcast.so (--plugin-fd).\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "plugin-fd", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int plugin_fd = -1, test = 0, ch;
	char err[PATH_MAX + 512];

	cfg_defaults(&d.cfg);
	if (argc > 1 && !strcmp(argv[1], "status"))
		return run_status(argc - 1, argv + 1);
	while ((ch = getopt_long(argc, argv, "c:tVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			plugin_fd = atoi(optarg);
			break;
		case 'c':
			d.cfgpath = optarg;
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
		if (!d.cfgpath) {
			usage(stderr);
			return 2;
		}
		if (cfg_load(&d.cfg, d.cfgpath, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		printf("%s: OK\n", d.cfgpath);
		return 0;
	}
	if (plugin_fd < 0) {
		usage(stderr);
		return 2;
	}
	log_init("openvpn-mcast-helper", 1, 1, LOG_LVL_INFO);
	return run_daemon(plugin_fd);
}
