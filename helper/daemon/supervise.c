/*
 * supervise.c - the privileged supervisor between the plugin and the helper.
 *
 * OpenVPN drops root after opening the plugin, so the plugin cannot start a
 * helper again later. It therefore starts this supervisor at open (as
 * root); the supervisor starts the helper and stays, small and idle, to
 * restart it when it crashes:
 *
 *   openvpn --(channel)-- supervisor --(channel)-- helper
 *
 * Every plugin event passes through here and updates a copy of the client
 * registry (helper/core/registry.c), so a restarted helper is told the tap,
 * the server options and every client with its MACs again. The new helper
 * learns the memberships by querying at once. What the dead helper left in
 * the kernel (its diversion) stays until the new one replaces it, so no
 * client gets group traffic it did not ask for.
 *
 * A helper that keeps crashing (restart.crashes within restart.window
 * seconds) stays down; the diversion stays too. When the plugin goes away
 * the helper is stopped, or, if it is down, its leftovers are removed with
 * `openvpn-mcast-helper cleanup`, which needs the root we still have.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ev.h"
#include "log.h"
#include "mcast_proto.h"
#include "registry.h"
#include "supervise.h"

/* First restart after this long, doubled per crash in the window. */
#define SV_BACKOFF_MS 100
#define SV_BACKOFF_MAX_MS 10000
/* Retry a send to a helper whose socket is full. */
#define SV_RETRY_MS 10
/* Messages queued for a helper that is (re)starting: a full registry. */
#define SV_QUEUE_MAX 65536
#define SV_MAX_OPTIONS 8
#define SV_MAX_CRASHES 1000
#define SV_CLEANUP_WAIT_MS 5000

struct sv_msg {
	uint16_t len;
	uint8_t buf[];
};

static struct {
	struct cfg cfg;
	const char *self, *cfgpath;
	int pfd, hfd, sigfd;
	pid_t pid;              /* the helper, 0 while there is none */
	int started;            /* the first helper reported ready */
	int ready;              /* the current one did */
	int stopping, dirty, status;
	int restart_timer, retry_timer;
	struct registry *reg;
	char dev[MCP_MAX_STR + 1], dev_type[MCP_MAX_STR + 1];
	char lastdev[MCP_MAX_STR + 1];  /* for the cleanup, also after DOWN */
	char opt[SV_MAX_OPTIONS][2][MCP_MAX_STR + 1];
	unsigned nopts;
	uint64_t crash_at[SV_MAX_CRASHES];
	unsigned ncrash;        /* crashes ever; crash_at is a ring */
	struct sv_msg **q;      /* to the helper, oldest first */
	size_t qhead, qlen, qcap;
	unsigned long qlost;    /* lost since the queue was last empty */
} sv = { .pfd = -1, .hfd = -1, .sigfd = -1 };

static void sv_plugin_gone(void);

/* Send @buf to the plugin; a plugin that does not read loses lines only. */
static void sv_to_plugin(const void *buf, size_t len)
{
	if (sv.pfd < 0)
		return;
	if (send(sv.pfd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len)
		return;
	if (errno == EAGAIN || errno == ENOBUFS)
		log_debug("plugin not reading; a message to it was dropped");
	else
		sv_plugin_gone();
}

/* The helper's new @state, with a line for OpenVPN's log. */
static void sv_tell_plugin(const char *state, const char *text)
{
	uint8_t buf[MCP_MAX_MSG];
	char line[MCP_MAX_STR + 1];
	int n;

	snprintf(line, sizeof(line), "%s", text);	/* the protocol's limit */
	n = mcp_encode(buf, sizeof(buf), MCP_STATE, 0, (const char *[]){ state, line });
	if (n > 0)
		sv_to_plugin(buf, (size_t)n);
}

static void sv_queue_drop(void)
{
	while (sv.qlen) {
		free(sv.q[sv.qhead]);
		sv.qhead = (sv.qhead + 1) % sv.qcap;
		sv.qlen--;
	}
	sv.qhead = 0;
}

static void sv_flush(void *arg);

/* Queue one message for the helper and try to send what is queued. */
static void sv_queue(const uint8_t *buf, size_t len)
{
	struct sv_msg *m;

	if (sv.hfd < 0)
		return;	/* no helper: the registry copy carries it to the next */
	if (sv.qlen == sv.qcap) {
		size_t ncap = sv.qcap ? 2 * sv.qcap : 64;
		struct sv_msg **nq;

		if (ncap > SV_QUEUE_MAX || !(nq = calloc(ncap, sizeof(*nq)))) {
			/* Once per backlog: a stuck helper must not flood the log. */
			if (!sv.qlost++)
				log_warnx("helper is not keeping up; messages to it are lost");
			return;
		}
		for (size_t i = 0; i < sv.qlen; i++)
			nq[i] = sv.q[(sv.qhead + i) % sv.qcap];
		free(sv.q);
		sv.q = nq;
		sv.qcap = ncap;
		sv.qhead = 0;
	}
	m = malloc(sizeof(*m) + len);
	if (!m) {
		log_warn("a %s message to the helper was lost", mcp_type_name(buf[1]));
		return;
	}
	m->len = (uint16_t)len;
	memcpy(m->buf, buf, len);
	sv.q[(sv.qhead + sv.qlen) % sv.qcap] = m;
	sv.qlen++;
	if (!sv.retry_timer)
		sv_flush(NULL);
}

static void sv_flush(void *arg)
{
	(void)arg;
	sv.retry_timer = 0;
	while (sv.qlen && sv.hfd >= 0) {
		struct sv_msg *m = sv.q[sv.qhead];

		if (send(sv.hfd, m->buf, m->len, MSG_DONTWAIT | MSG_NOSIGNAL) != m->len) {
			if (errno == EAGAIN || errno == ENOBUFS) {
				sv.retry_timer = ev_timer(SV_RETRY_MS, 0, sv_flush, NULL);
				if (sv.retry_timer < 0)
					sv.retry_timer = 0;
				return;
			}
			/* The helper is gone; SIGCHLD tells the rest. */
			sv_queue_drop();
			return;
		}
		free(m);
		sv.qhead = (sv.qhead + 1) % sv.qcap;
		sv.qlen--;
	}
	if (!sv.qlen && sv.qlost) {
		log_warnx("%lu messages to the helper were lost", sv.qlost);
		sv.qlost = 0;
	}
}

static void sv_queue_msg(uint8_t type, uint32_t id, const char *const *fields)
{
	uint8_t buf[MCP_MAX_MSG];
	int n = mcp_encode(buf, sizeof(buf), type, id, fields);

	if (n > 0)
		sv_queue(buf, (size_t)n);
}

/* Tell a new helper what the old one knew: tap, options, clients, MACs. */
static void sv_replay(void)
{
	char addr[32], mac[18];

	for (unsigned i = 0; i < sv.nopts; i++)
		sv_queue_msg(MCP_OPTION, 0, (const char *[]){ sv.opt[i][0], sv.opt[i][1] });
	if (sv.dev[0])
		sv_queue_msg(MCP_UP, 0, (const char *[]){ sv.dev, sv.dev_type });
	for (unsigned i = 0; i < reg_count(sv.reg); i++) {
		const struct client *c = reg_at(sv.reg, i);

		sv_queue_msg(MCP_CONNECT, c->id, (const char *[]){ c->cn, c->pool_ip, c->real });
		for (unsigned k = 0; k < c->nmacs; k++) {
			snprintf(addr, sizeof(addr), "%s@%u", reg_format_mac(c->mac[k], mac),
				 (unsigned)c->vid[k]);
			sv_queue_msg(MCP_LEARN, c->id, (const char *[]){ "add", addr, c->cn });
		}
	}
	log_info("replayed %s%s and %u client%s to the new helper",
		 sv.dev[0] ? "tap " : "no tap", sv.dev, reg_count(sv.reg),
		 reg_count(sv.reg) == 1 ? "" : "s");
}

static void sv_helper_read(int fd, void *arg);

/* In a child before exec: the signal state we started with. */
static void sv_child_signals(void)
{
	sigset_t none;

	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Child side: become the helper on channel fd 3. */
static void __attribute__((noreturn)) sv_exec_helper(int fd)
{
	const char *argv[] = { sv.self, "--plugin-fd", "3", sv.cfgpath ? "-c" : NULL,
			       sv.cfgpath, NULL };

	if (fd != 3 ? dup2(fd, 3) < 0 : fcntl(fd, F_SETFD, 0) < 0)
		_exit(127);
	close_range(4, ~0U, 0);
	sv_child_signals();
	execv(sv.self, (char *const *)argv);
	_exit(127);
}

static int sv_helper_start(void)
{
	int sp[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		log_warn("socketpair");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		/* EAGAIN here is LimitNPROC, among others. */
		log_warn("cannot start the helper: fork");
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	if (pid == 0)
		sv_exec_helper(sp[1]);
	close(sp[1]);
	if (ev_add(sp[0], sv_helper_read, NULL) < 0) {
		log_warn("cannot watch the helper");
		close(sp[0]);
		kill(pid, SIGKILL);	/* reaped by the SIGCHLD handler */
		sv.pid = pid;
		return 0;
	}
	sv.hfd = sp[0];
	sv.pid = pid;
	return 0;
}

static void sv_helper_close(void)
{
	if (sv.hfd >= 0) {
		ev_del(sv.hfd);
		close(sv.hfd);
		sv.hfd = -1;
	}
	if (sv.retry_timer)
		ev_timer_cancel(sv.retry_timer);
	sv.retry_timer = 0;
	sv_queue_drop();
}

static void sv_crashed(const char *why);

static void sv_restart(void *arg)
{
	(void)arg;
	sv.restart_timer = 0;
	if (sv.stopping || sv.pid)
		return;
	if (sv_helper_start() < 0) {
		/* Counts as a crash: a start that keeps failing ends the loop too. */
		sv_crashed("could not be started");
		return;
	}
	log_info("helper restarted as pid %d", (int)sv.pid);
	sv_replay();
}

/* Crashes within the window, this one included. */
static unsigned sv_crashes_in_window(uint64_t now)
{
	uint64_t win = (uint64_t)sv.cfg.restart.window * 1000;
	unsigned n = 0;

	for (unsigned i = 0; i < sv.ncrash && i < SV_MAX_CRASHES; i++)
		if (now - sv.crash_at[(sv.ncrash - 1 - i) % SV_MAX_CRASHES] < win)
			n++;
	return n;
}

static void sv_helper_ended(int status)
{
	char why[64];

	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(why, sizeof(why), "exited with status %d", WEXITSTATUS(status));
	/* Its last words (an ERROR before ready) first. */
	if (sv.hfd >= 0)
		sv_helper_read(sv.hfd, NULL);
	sv_helper_close();
	/* A helper that exits 0 has removed its data path itself. */
	sv.dirty = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	log_info("helper (pid %d) %s", (int)sv.pid, why);
	sv.pid = 0;
	sv.ready = 0;
	if (sv.stopping) {
		ev_stop();
		return;
	}
	if (!sv.started) {
		/* Never ready: the plugin reports the start failure. */
		sv.status = 1;
		ev_stop();
		return;
	}
	if (!sv.dirty) {
		/* Stopped on purpose (SIGTERM by an operator): leave it so. */
		log_info("the helper stopped by itself; it is not restarted");
		ev_stop();
		return;
	}
	sv_crashed(why);
}

/* The helper @why: restart it after a back-off, or give up. */
static void sv_crashed(const char *why)
{
	char line[MCP_MAX_STR + 1];
	uint64_t now = ev_now_ms(), delay;
	unsigned n;

	sv.crash_at[sv.ncrash++ % SV_MAX_CRASHES] = now;
	n = sv_crashes_in_window(now);
	if (n >= (unsigned)sv.cfg.restart.crashes) {
		snprintf(line, sizeof(line), "helper %s; it crashed %u times within %d s and stays "
			 "down until OpenVPN restarts; its diversion stays, so multicast is not "
			 "flooded, but joins and leaves take no effect", why, n,
			 sv.cfg.restart.window);
		log_warnx("%s", line);
		sv_tell_plugin("down", line);
		return;
	}
	delay = (uint64_t)SV_BACKOFF_MS << (n - 1 < 16 ? n - 1 : 16);
	if (delay > SV_BACKOFF_MAX_MS)
		delay = SV_BACKOFF_MAX_MS;
	snprintf(line, sizeof(line), "helper %s; restarting it in %llu ms (crash %u of %d allowed "
		 "within %d s)", why, (unsigned long long)delay, n, sv.cfg.restart.crashes - 1,
		 sv.cfg.restart.window);
	log_warnx("%s", line);
	sv_tell_plugin("restarting", line);
	sv.restart_timer = ev_timer(delay, 0, sv_restart, NULL);
	if (sv.restart_timer < 0)
		fatalx("no timer for the restart");
}

static void sv_helper_read(int fd, void *arg)
{
	uint8_t buf[MCP_MAX_MSG + 1];
	struct mcp_msg m;
	char line[MCP_MAX_STR + 1];

	(void)arg;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			/* Gone; SIGCHLD brings the exit status. */
			sv_helper_close();
			return;
		}
		if ((size_t)n > MCP_MAX_MSG || mcp_decode(buf, (size_t)n, &m) < 0) {
			log_warnx("malformed message of %zd bytes from the helper dropped", n);
			continue;
		}
		if (m.type == MCP_READY && sv.started) {
			sv.ready = 1;
			snprintf(line, sizeof(line), "helper restarted (pid %d): tap and %u client%s "
				 "replayed, memberships are asked for with an IGMP query", (int)sv.pid,
				 reg_count(sv.reg), reg_count(sv.reg) == 1 ? "" : "s");
			log_info("%s", line);
			sv_tell_plugin("running", line);
			continue;
		}
		if (m.type == MCP_READY)
			sv.started = sv.ready = 1;
		sv_to_plugin(buf, (size_t)n);
	}
}

/* Keep the registry copy in step with what the plugin tells the helper. */
static void sv_track(const struct mcp_msg *m)
{
	switch (m->type) {
	case MCP_UP:
		snprintf(sv.dev, sizeof(sv.dev), "%s", m->field[0]);
		snprintf(sv.dev_type, sizeof(sv.dev_type), "%s", m->field[1]);
		snprintf(sv.lastdev, sizeof(sv.lastdev), "%s", m->field[0]);
		break;
	case MCP_DOWN:
		sv.dev[0] = '\0';
		break;
	case MCP_CONNECT:
		if (!reg_connect(sv.reg, m->client_id, m->field[0], m->field[1], m->field[2],
				 time(NULL)))
			log_warn("client %u not recorded for a restart", m->client_id);
		break;
	case MCP_LEARN:
		/* Routes and stale deletes fail here as in the helper: fine. */
		reg_learn(sv.reg, m->client_id, m->field[0], m->field[1]);
		break;
	case MCP_DISCONNECT:
		reg_disconnect(sv.reg, m->client_id);
		break;
	case MCP_OPTION: {
		unsigned i = 0;

		while (i < sv.nopts && strcmp(sv.opt[i][0], m->field[0]))
			i++;
		if (i == SV_MAX_OPTIONS)
			break;
		if (i == sv.nopts)
			sv.nopts++;
		snprintf(sv.opt[i][0], sizeof(sv.opt[i][0]), "%s", m->field[0]);
		snprintf(sv.opt[i][1], sizeof(sv.opt[i][1]), "%s", m->field[1]);
		break;
	}
	default:
		break;
	}
}

static void sv_plugin_read(int fd, void *arg)
{
	uint8_t buf[MCP_MAX_MSG + 1];
	struct mcp_msg m;

	(void)arg;
	while (sv.pfd >= 0) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			sv_plugin_gone();
			return;
		}
		/* The helper checks again and counts what it rejects; here a
		 * bad message must only not reach the registry copy. */
		if ((size_t)n > MCP_MAX_MSG) {
			log_warnx("plugin message of %zd bytes dropped: longer than %d",
				  n, MCP_MAX_MSG);
			continue;
		}
		if (mcp_decode(buf, (size_t)n, &m) == 0)
			sv_track(&m);
		sv_queue(buf, (size_t)n);
	}
}

/* OpenVPN closed the plugin (or died): stop the helper, then ourselves. */
static void sv_stop(int sig)
{
	sv.stopping = 1;
	if (sv.restart_timer)
		ev_timer_cancel(sv.restart_timer);
	sv.restart_timer = 0;
	if (!sv.pid) {
		ev_stop();
		return;
	}
	/* EOF on its channel is the helper's orderly stop. */
	sv_helper_close();
	if (sig)
		kill(sv.pid, sig);
}

static void sv_plugin_gone(void)
{
	if (sv.pfd >= 0) {
		ev_del(sv.pfd);
		close(sv.pfd);
		sv.pfd = -1;
	}
	sv_stop(0);
}

static void sv_signal(int fd, void *arg)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	(void)arg;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			sv_stop((int)si.ssi_signo);
		/* The helper re-reads its policy: whichever of us was signalled. */
		if (si.ssi_signo == SIGHUP && sv.pid > 0 && sv.ready)
			kill(sv.pid, SIGHUP);
	}
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == sv.pid)
			sv_helper_ended(status);
}

/* Remove what a crashed helper left in the kernel (needs our root). */
static void sv_cleanup(void)
{
	const char *argv[8] = { sv.self, "cleanup" };
	int argc = 2, status = -1;
	pid_t pid;

	if (sv.lastdev[0]) {
		argv[argc++] = "-d";
		argv[argc++] = sv.lastdev;
	}
	if (sv.cfgpath) {
		argv[argc++] = "-c";
		argv[argc++] = sv.cfgpath;
	}
	pid = fork();
	if (pid < 0) {
		log_warn("cleanup after the helper: fork");
		return;
	}
	if (pid == 0) {
		close_range(3, ~0U, 0);
		sv_child_signals();
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (int waited = 0; waitpid(pid, &status, WNOHANG) == 0; waited += 10) {
		if (waited >= SV_CLEANUP_WAIT_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("removed what the dead helper left in the kernel");
	else
		log_warnx("could not remove all that the dead helper left in the kernel; "
			  "as root run: %s cleanup%s%s%s%s", sv.self, sv.cfgpath ? " -c " : "",
			  sv.cfgpath ? sv.cfgpath : "", sv.lastdev[0] ? " -d " : "", sv.lastdev);
}

int supervise_run(const char *self, const char *cfgpath, int plugin_fd)
{
	char err[PATH_MAX + 512];
	sigset_t set;

	sv.self = self;
	sv.cfgpath = cfgpath;
	sv.pfd = plugin_fd;
	cfg_defaults(&sv.cfg);
	/* A bad config: the helper says why, and the plugin reports it. */
	if (cfgpath && cfg_load(&sv.cfg, cfgpath, err, sizeof(err)) < 0) {
		cfg_free(&sv.cfg);
		cfg_defaults(&sv.cfg);
	}
	log_setlevel(sv.cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sv.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	sv.reg = reg_new();
	if (sv.sigfd < 0 || !sv.reg || ev_add(sv.sigfd, sv_signal, NULL) < 0 ||
	    ev_add(sv.pfd, sv_plugin_read, NULL) < 0)
		fatal("setup");
	if (sv_helper_start() < 0)
		return 1;
	if (ev_run() < 0)
		log_warnx("event loop failed");
	if (sv.pid > 0) {
		/* Only after an event loop failure. */
		kill(sv.pid, SIGTERM);
		waitpid(sv.pid, NULL, 0);
	}
	if (sv.dirty)
		sv_cleanup();
	reg_free(sv.reg);
	cfg_free(&sv.cfg);
	return sv.status;
}
