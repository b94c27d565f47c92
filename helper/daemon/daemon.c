/*
 * daemon.c - the helper daemon: wires plugin events, IGMP snooping, the data
 * path, the control socket and timers into one event loop.
 *
 * Exits when the plugin closes the channel or on SIGTERM/SIGINT, removing
 * what it installed.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <pwd.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <net/if.h>

#include "caps.h"
#include "chan.h"
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "ev.h"
#include "fwd.h"
#include "igmpd.h"
#include "log.h"
#include "metrics.h"
#include "registry.h"
#include "status.h"
#include "upstream.h"

static struct {
	struct cfg cfg;
	const char *cfgpath;
	struct registry *reg;
	struct mship *ms;
	char dev[MCP_MAX_STR + 1];
	int status_timer;
	int pending;		/* per-instance settings wait for the tap */
} d;

static int instance_start(const char *dev);

static void client_groups(void *arg, const struct client *c, FILE *out)
{
	(void)arg;
	igmpd_client_groups(c, out);
}

static void group_rows(void *arg, FILE *out)
{
	(void)arg;
	igmpd_group_rows(out);
}

static void drop_rows(void *arg, FILE *out)
{
	(void)arg;
	igmpd_drop_rows(out);
	fwd_drop_rows(out);
	upstream_drop_rows(out);
	fprintf(out, "DROPS,ipc_bad_message,%llu\n", (unsigned long long)chan_bad_messages());
}

static void upstream_section(void *arg, FILE *out)
{
	(void)arg;
	upstream_rows(out);
}

static void status_view_fill(struct status_view *v)
{
	fwd_stats_pull();
	*v = (struct status_view){ .reg = d.reg, .policy = &d.cfg.policy, .cg = fwd_cg(),
				   .addrs = igmpd_maddr(),
				   .client_groups = client_groups,
				   .group_rows = group_rows, .drop_rows = drop_rows,
				   .upstream_rows = upstream_section };
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

/* The metrics file, rewritten with the status file (same interval). */
static void on_metrics(const struct status_view *v)
{
	static int failed;

	if (metrics_write_file(d.cfg.metrics_file, v, time(NULL)) < 0) {
		if (!failed)
			log_warn("cannot write metrics file %s", d.cfg.metrics_file);
		failed = 1;
	} else {
		failed = 0;
	}
}

static void on_status_timer(void *arg)
{
	static int failed;
	struct status_view v;

	(void)arg;
	status_view_fill(&v);
	if (d.cfg.metrics_file[0])
		on_metrics(&v);
	if (!d.cfg.status_file[0])
		return;
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
	struct client *owner = NULL;
	uint32_t old_id = 0;
	uint8_t mac[6];
	uint16_t vid;
	int is_mac = reg_parse_mac(addr, mac, &vid) == 0;

	/* A MAC that moves to a new instance (reconnect) leaves its old
	 * memberships behind with the old one. */
	if (is_mac && (owner = reg_find_mac(d.reg, mac)))
		old_id = owner->id;
	if (reg_learn(d.reg, m->client_id, op, addr) == 0) {
		log_info("client %u (%s): learn-address %s %s", m->client_id, cn, op, addr);
		fwd_mac_changed(mac);
		if (!strcmp(op, "delete")) {
			igmpd_mac_gone(m->client_id, mac);
			return;
		}
		if (owner && old_id != m->client_id)
			igmpd_mac_gone(old_id, mac);
		/* A new or reconnected client: learn its groups now rather than
		 * at the next general query. */
		if (owner != reg_find(d.reg, m->client_id))
			igmpd_query_host(mac);
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

/*
 * Forget a client, and tell the plugin what it had: the plugin writes that
 * line into OpenVPN's log (management interface) right away.
 */
static void on_disconnect(uint32_t id)
{
	struct client *c = reg_find(d.reg, id);
	uint8_t macs[REG_MAX_MACS][6];
	unsigned nmacs;
	char line[1024];
	char *groups = NULL;
	size_t glen = 0;
	FILE *g;

	if (!c) {
		log_debug("disconnect of unknown client %u", id);
		return;
	}
	fwd_stats_pull();
	g = open_memstream(&groups, &glen);
	if (g) {
		igmpd_client_groups(c, g);
		fclose(g);
	}
	for (char *p = groups; p && *p; p++)
		if (*p == ' ')
			*p = ',';
	/* Groups last: a line longer than a protocol string loses only the
	 * tail of its group list, marked with "...". */
	snprintf(line, sizeof(line), "event=disconnect id=%u cn=%s frames=%llu bytes=%llu groups=%s",
		 id, c->cn, (unsigned long long)c->frames_sent, (unsigned long long)c->bytes_sent,
		 groups && *groups ? groups : "-");
	free(groups);
	if (strlen(line) > MCP_MAX_STR)
		memcpy(line + MCP_MAX_STR - 3, "...", 4);
	igmpd_client_gone(id);
	memcpy(macs, c->mac, sizeof(macs));
	nmacs = c->nmacs;
	reg_disconnect(d.reg, id);
	for (unsigned i = 0; i < nmacs; i++)
		fwd_mac_changed(macs[i]);
	fwd_client_gone(id);
	log_info("client %u disconnected: %s", id, line);
	if (chan_send(MCP_LOG, id, (const char *[]){ line }) < 0)
		log_debug("cannot pass the disconnect line to the plugin: %s", strerror(errno));
}

static void on_message(const struct mcp_msg *m, void *arg)
{
	(void)arg;
	switch (m->type) {
	case MCP_UP:
		snprintf(d.dev, sizeof(d.dev), "%s", m->field[0]);
		log_info("device %s (%s) is up", d.dev, m->field[1]);
		if (d.pending && instance_start(d.dev) < 0)
			break;
		if (fwd_up(d.dev) < 0)
			log_warnx("no per-client delivery on %s: OpenVPN floods multicast to "
				  "every client as without the plugin", d.dev);
		igmpd_up(d.dev);
		break;
	case MCP_DOWN:
		log_info("device %s is going down", d.dev);
		igmpd_down();
		fwd_down();
		d.dev[0] = '\0';
		break;
	case MCP_CONNECT:
		if (!reg_connect(d.reg, m->client_id, m->field[0], m->field[1], m->field[2],
				 time(NULL))) {
			log_warn("client %u (%s): cannot record connect", m->client_id, m->field[0]);
			break;
		}
		log_info("client %u connected: cn=%s ip=%s real=%s policy=%s", m->client_id,
			 m->field[0], m->field[1], m->field[2],
			 policy_for(&d.cfg.policy, m->field[0])->name);
		fwd_client_connected(m->client_id);
		igmpd_client_connected();
		break;
	case MCP_LEARN:
		on_learn(m);
		break;
	case MCP_DISCONNECT:
		on_disconnect(m->client_id);
		break;
	case MCP_OPTION:
		if (!strcmp(m->field[0], "client-to-client")) {
			log_warnx("OpenVPN runs with client-to-client: multicast sent by a client "
				  "reaches all other clients without passing the tap");
			fwd_client_to_client();
		} else
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

/*
 * SIGHUP: read the policy again. Other keys need a restart; a file that does
 * not load changes nothing.
 */
static void on_reload(void *arg)
{
	char err[PATH_MAX + 512];
	struct cfg nc;

	(void)arg;
	if (!d.cfgpath) {
		log_warnx("SIGHUP: no configuration file to read again");
		return;
	}
	cfg_defaults(&nc);
	if (cfg_load(&nc, d.cfgpath, err, sizeof(err)) < 0) {
		log_warnx("SIGHUP: %s; the policy in force stays", err);
		cfg_free(&nc);
		return;
	}
	policy_move(&d.cfg.policy, &nc.policy);
	cfg_free(&nc);
	log_info("SIGHUP: policy read again from %s: %u client entr%s; other settings take "
		 "effect at restart", d.cfgpath, d.cfg.policy.nclients,
		 d.cfg.policy.nclients == 1 ? "y" : "ies");
	igmpd_policy_changed();
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
	if (ev_on_signal(SIGHUP, on_reload, NULL) < 0)
		signal(SIGHUP, SIG_IGN);
}

/* Tell the plugin why we cannot run, and give up. */
static void __attribute__((noreturn)) startup_fail(const char *text)
{
	log_warnx("%s", text);
	chan_send(MCP_ERROR, 0, (const char *[]){ text });
	exit(1);
}

/* The directory of @path (a copy in @dir) is writable by us; else warn. */
static void dir_check(const char *what, const char *path, const char *consequence)
{
	char dir[PATH_MAX];

	if (!path[0])
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	if (access(dirname(dir), W_OK | X_OK) < 0)
		log_warnx("%s %s: user %s cannot write in %s, so %s", what, path, d.cfg.user, dir,
			  consequence);
}

/*
 * Everything that needs more than CAP_NET_ADMIN and CAP_NET_RAW is done:
 * drop the rest, and become the configured user. The status and metrics
 * files are rewritten by rename(), so their directories must be writable
 * by that user. Return: 0, or -1 with the reason in @err.
 */
static int privs_drop(char *err, size_t errlen)
{
	if (caps_drop(d.cfg.user) < 0) {
		snprintf(err, errlen, "cannot drop privileges: %s", log_last_warning());
		return -1;
	}
	if (!d.cfg.user[0])
		return 0;
	if (d.cfgpath && access(d.cfgpath, R_OK) < 0)
		log_warnx("user %s cannot read %s, so SIGHUP cannot read the policy again",
			  d.cfg.user, d.cfgpath);
	dir_check("control socket", d.cfg.control_socket,
		  "the socket stays behind at exit (the next start clears it)");
	dir_check("status file", d.cfg.status_file, "the file will not be updated");
	dir_check("metrics file", d.cfg.metrics_file, "the file will not be updated");
	return 0;
}

/*
 * With a user to become: a missing directory for the control socket is
 * created now, owned by that user, so that the helper can remove its socket
 * at exit. An existing directory is left as the operator made it.
 */
static void user_socket_dir(void)
{
	char dir[PATH_MAX];
	struct passwd *pw;

	if (!d.cfg.user[0])
		return;
	pw = getpwnam(d.cfg.user);
	snprintf(dir, sizeof(dir), "%s", d.cfg.control_socket);
	dirname(dir);
	if (!pw || mkdir(dir, 0755) < 0)
		return;	/* caps_drop() reports an unknown user */
	if (chown(dir, pw->pw_uid, pw->pw_gid) < 0)
		log_warn("control socket directory %s: chown to %s", dir, d.cfg.user);
}

static char err_last[PATH_MAX + 512];

/*
 * Start what depends on this instance's settings: the data path (its
 * table and nflog group), the control socket, the status and metrics
 * files. @dev: the tap, when settings still follow from it (else NULL).
 * On failure the reason is in err_last; at the tap's UP it goes to
 * OpenVPN's log and the helper exits, as it would have at startup.
 */
static int instance_start(const char *dev)
{
	char *err = err_last;
	size_t errlen = sizeof(err_last);

	if (dev) {
		if (cfg_instance(&d.cfg, dev, if_nametoindex(dev), err, errlen) < 0)
			goto fail;
		log_info("instance %s: nft_table %s, nflog_group %d, control socket %s", dev,
			 d.cfg.nft_table, d.cfg.nflog_group, d.cfg.control_socket);
	}
	if (fwd_init(&d.cfg, d.reg, d.ms) < 0) {
		/* The module that failed has logged why; pass that on. */
		snprintf(err, errlen, "cannot start: %s", log_last_warning());
		goto fail;
	}
	user_socket_dir();
	if (ctl_open(d.cfg.control_socket, on_command, NULL) < 0) {
		snprintf(err, errlen, "control socket %s: %s", d.cfg.control_socket,
			 strerror(errno));
		goto fail;
	}
	if (d.cfg.status_file[0] || d.cfg.metrics_file[0])
		d.status_timer = ev_timer(0, (uint64_t)d.cfg.status_interval * 1000,
					  on_status_timer, NULL);
	/* Last: the data path is loaded and every socket and file is open. */
	if (privs_drop(err, errlen) < 0)
		goto fail;
	d.pending = 0;
	return 0;
fail:
	if (dev) {
		log_warnx("%s", err);
		chan_send(MCP_ERROR, 0, (const char *[]){ err });
		ev_stop();
	}
	return -1;
}

/*
 * The IPv6 address table MLD snooping interns into: the data path and the
 * upstream resolve IPv6 keys with it, and the data path forgets the
 * addresses whose keys it frees.
 */
static int addr_table_wire(void)
{
	struct maddr *t = igmpd_maddr();

	if (!t)
		return -1;
	fwd_set_maddr(t);
	upstream_set_maddr(t);
	igmpd_on_addr_gone(fwd_addr_gone, NULL);
	return 0;
}

int daemon_run(const char *cfgpath, int plugin_fd)
{
	char err[PATH_MAX + 512];

	/* Blocks of 8 KiB and more (status answers, nftables and netlink
	 * buffers) get mappings of their own, returned when freed: in the heap
	 * their changing sizes fragmented it, and RSS crept up under churn
	 * (anonymous +864 KiB in 5 min of test_churn_soak; +68 KiB with this). */
	mallopt(M_MMAP_THRESHOLD, 8192);
	if (chan_open(plugin_fd, on_message, on_eof, NULL) < 0)
		fatal("plugin channel fd %d", plugin_fd);
	d.cfgpath = cfgpath;
	cfg_defaults(&d.cfg);
	if (d.cfgpath && cfg_load(&d.cfg, d.cfgpath, err, sizeof(err)) < 0)
		startup_fail(err);
	log_setlevel(d.cfg.log_level);
	signals_setup();
	d.reg = reg_new();
	if (!d.reg)
		startup_fail("out of memory");
	d.ms = igmpd_init(&d.cfg, d.reg);
	if (!d.ms || addr_table_wire() < 0)
		startup_fail("out of memory");
	if (upstream_mode_line(&d.cfg, err, sizeof(err)))
		log_warnx("%s", err);
	else
		log_info("%s", err);
	if (upstream_init(&d.cfg, d.ms) < 0) {
		snprintf(err, sizeof(err), "cannot start: %s", log_last_warning());
		startup_fail(err);
	}
	/* Explicit settings are checked now, so that OpenVPN refuses to start
	 * on a conflict; those that follow from the tap, at its UP. */
	d.pending = cfg_needs_instance(&d.cfg);
	if (!d.pending && instance_start(NULL) < 0)
		startup_fail(err_last);
	if (d.pending && caps_check_privs() < 0) {
		snprintf(err, sizeof(err), "cannot start: %s", log_last_warning());
		startup_fail(err);
	}
	if (d.pending)
		log_info("the nftables table, nflog group, control socket and files follow from "
			 "the tap's name; starting the data path when it is up");
	if (chan_send(MCP_READY, 0, (const char *[]){ VERSION }) < 0)
		fatal("cannot report ready to the plugin");
	log_info("version %s ready%s%s", VERSION, d.pending ? "" : "; control socket ",
		 d.pending ? "" : d.cfg.control_socket);

	if (ev_run() < 0)
		log_warnx("event loop failed; shutting down");
	log_info("shutting down");
	upstream_exit();
	igmpd_exit();
	fwd_exit();
	ctl_close();
	if (!d.pending && d.cfg.status_file[0])
		unlink(d.cfg.status_file);
	if (!d.pending && d.cfg.metrics_file[0])
		unlink(d.cfg.metrics_file);
	chan_close();
	reg_free(d.reg);
	cfg_free(&d.cfg);
	return 0;
}

