/*
 * openvpn-plugin-mcast - OpenVPN side of openvpn-mcast.
 *
 * At open (still root) it forks the privileged supervisor, which starts the
 * helper (and restarts it when it crashes: OpenVPN may have dropped root by
 * then), and waits for the helper's "ready". Afterwards it only forwards
 * client events over a non-blocking SOCK_SEQPACKET socket: OpenVPN is never
 * kept waiting on the helper, and if the helper is gone OpenVPN keeps
 * serving its clients.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openvpn/openvpn-plugin.h>

#include "config.h"
#include "mroute.h"
#include "mcast_proto.h"
#include "ovpnconf.h"

#define MODULE "openvpn-mcast"
#define HELPER_FD 3
#define PLUGIN_API __attribute__((visibility("default")))
#define READY_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 3000
/* How long a disconnect waits at most for the helper's summary of the
 * client; it comes through the supervisor, so two hops. */
#define SUMMARY_WAIT_MS 50

struct plugin {
	plugin_log_t log;
	int sock;        /* our end of the socketpair, -1 once the supervisor is gone */
	pid_t pid;       /* supervisor pid, 0 once reaped */
	int helper_down; /* the supervisor gave up restarting the helper */
	uint32_t next_id;
	char upstream[16]; /* standalone upstream interface, "" = off */
	char dev[16];      /* the tap, from UP */
	char helper[PATH_MAX];
	char *cfgpath;     /* NULL: none given */
	struct policy policy; /* names each client's rule in its connect line */
};

struct client_ctx {
	uint32_t id;
};

#define plog(p, flags, ...) (p)->log((flags), MODULE, __VA_ARGS__)

static const char *env_get(const char *envp[], const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* Reap the helper if it has exited, and say how it ended. */
static void helper_reap(struct plugin *p, int options)
{
	int status;

	if (p->pid <= 0 || waitpid(p->pid, &status, options) != p->pid)
		return;
	if (WIFEXITED(status))
		plog(p, WEXITSTATUS(status) ? PLOG_ERR : PLOG_NOTE,
		     "helper supervisor (pid %d) exited with status %d", (int)p->pid,
		     WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		plog(p, PLOG_ERR, "helper supervisor (pid %d) killed by signal %d", (int)p->pid,
		     WTERMSIG(status));
	p->pid = 0;
}

static void helper_lost(struct plugin *p, const char *why)
{
	/* Its data path stays: never all multicast to everyone, which is what
	 * overloads slow links. */
	plog(p, PLOG_ERR, "helper is gone (%s); until OpenVPN restarts no join or leave takes "
	     "effect, and routed multicast reaches only the members of this moment (bpf data "
	     "path) or no client (nflog data path)", why);
	close(p->sock);
	p->sock = -1;
	helper_reap(p, WNOHANG);
}

/*
 * Pass on whatever the helper asked us to log; never waits.
 * Return: 1 if a line about client @want (not 0) was among it, else 0.
 */
static int helper_drain(struct plugin *p, uint32_t want)
{
	uint8_t buf[MCP_MAX_MSG + 1];
	struct mcp_msg m;
	int seen = 0;

	while (p->sock >= 0) {
		ssize_t n = recv(p->sock, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				helper_lost(p, strerror(errno));
			return seen;
		}
		if (n == 0) {
			helper_lost(p, "connection closed");
			return seen;
		}
		if (mcp_decode(buf, (size_t)n > sizeof(buf) ? sizeof(buf) : (size_t)n, &m) < 0) {
			plog(p, PLOG_ERR, "bad message from helper (%zd bytes): %s", n, strerror(errno));
			continue;
		}
		if (m.type == MCP_LOG || m.type == MCP_ERROR)
			plog(p, m.type == MCP_ERROR ? PLOG_ERR : PLOG_NOTE, "%s", m.field[0]);
		if (m.type == MCP_LOG && want && m.client_id == want)
			seen = 1;
		if (m.type == MCP_STATE) {
			p->helper_down = !strcmp(m.field[0], "down");
			plog(p, strcmp(m.field[0], "running") ? PLOG_ERR : PLOG_NOTE, "%s", m.field[1]);
		}
	}
	return seen;
}

static int helper_send(struct plugin *p, uint8_t type, uint32_t id, const char *const *fields)
{
	uint8_t buf[MCP_MAX_MSG];
	int n;

	helper_drain(p, 0);
	if (p->sock < 0)
		return -1;
	n = mcp_encode(buf, sizeof(buf), type, id, fields);
	if (n < 0) {
		plog(p, PLOG_ERR, "cannot encode %s event: %s", mcp_type_name(type), strerror(errno));
		return -1;
	}
	if (send(p->sock, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) == n)
		return 0;
	if (errno == EAGAIN || errno == ENOBUFS) {
		plog(p, PLOG_ERR, "helper is not keeping up; %s event for client %u lost",
		     mcp_type_name(type), id);
		return -1;
	}
	helper_lost(p, strerror(errno));
	return -1;
}

/* Child side of the fork: become the helper. Only async-signal-safe calls. */
static void helper_exec(int fd, const char *path, const char *cfgpath)
{
	char fdarg[16];
	sigset_t none;
	const char *argv[] = { path, "--supervise", "--plugin-fd", fdarg, cfgpath ? "-c" : NULL,
			       cfgpath, NULL };

	if (fd != HELPER_FD) {
		if (dup2(fd, HELPER_FD) < 0)
			_exit(127);
	} else if (fcntl(fd, F_SETFD, 0) < 0) {
		_exit(127);
	}
	close_range(HELPER_FD + 1, ~0U, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	/* Own session: a Ctrl-C meant for OpenVPN must not kill the helper
	 * before OpenVPN has closed it down in order. */
	setsid();
	snprintf(fdarg, sizeof(fdarg), "%d", HELPER_FD);
	execv(path, (char *const *)argv);
	_exit(127);
}

/* Wait for the helper's first message: ready, or an error to report. */
static int helper_wait_ready(struct plugin *p, const char *path)
{
	uint8_t buf[MCP_MAX_MSG + 1];
	struct pollfd pfd = { .fd = p->sock, .events = POLLIN };
	struct mcp_msg m;
	ssize_t n;
	int rc;

	do
		rc = poll(&pfd, 1, READY_TIMEOUT_MS);
	while (rc < 0 && errno == EINTR);
	if (rc == 0) {
		plog(p, PLOG_ERR, "helper %s did not report ready within %d s", path,
		     READY_TIMEOUT_MS / 1000);
		return -1;
	}
	n = recv(p->sock, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n <= 0) {
		helper_reap(p, 0);
		plog(p, PLOG_ERR, "helper %s failed to start (see the lines above, or exit status 127: cannot execute it)",
		     path);
		return -1;
	}
	if (mcp_decode(buf, (size_t)n > sizeof(buf) ? sizeof(buf) : (size_t)n, &m) < 0) {
		plog(p, PLOG_ERR, "helper %s sent a malformed first message", path);
		return -1;
	}
	if (m.type == MCP_ERROR) {
		plog(p, PLOG_ERR, "helper failed: %s", m.field[0]);
		return -1;
	}
	if (m.type != MCP_READY) {
		plog(p, PLOG_ERR, "helper %s sent %s instead of ready", path, mcp_type_name(m.type));
		return -1;
	}
	if (strcmp(m.field[0], VERSION))
		plog(p, PLOG_NOTE, "helper version %s differs from plugin version %s",
		     m.field[0], VERSION);
	return 0;
}

/*
 * A helper that died left its data path in the kernel (on purpose: see
 * helper_lost()). When OpenVPN stops, `openvpn-mcast-helper cleanup`
 * removes it; that needs the privileges OpenVPN may have dropped.
 */
static void helper_cleanup(struct plugin *p)
{
	const char *argv[] = { p->helper, "cleanup", "-d", p->dev[0] ? p->dev : "-",
			       p->cfgpath ? "-c" : NULL, p->cfgpath, NULL };
	int status = -1;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		plog(p, PLOG_ERR | PLOG_ERRNO, "cleanup after the helper: fork");
		return;
	}
	if (pid == 0) {
		close_range(3, ~0U, 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (int waited = 0; waitpid(pid, &status, WNOHANG) == 0; waited += 10) {
		if (waited == 2 * STOP_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		plog(p, PLOG_NOTE, "removed what the dead helper left in the kernel");
	else
		plog(p, PLOG_ERR, "could not remove all that the dead helper left in the kernel "
		     "(OpenVPN no longer root?); as root run: %s cleanup%s%s -d %s", p->helper,
		     p->cfgpath ? " -c " : "", p->cfgpath ? p->cfgpath : "", p->dev[0] ? p->dev : "TAP");
}

/* Close the channel (the helper exits on EOF), then make sure it is gone. */
static void helper_stop(struct plugin *p)
{
	if (p->sock >= 0) {
		close(p->sock);
		p->sock = -1;
	}
	for (int waited = 0; p->pid > 0; waited += 10) {
		helper_reap(p, WNOHANG);
		if (p->pid <= 0)
			break;
		if (waited == STOP_TIMEOUT_MS) {
			plog(p, PLOG_ERR, "helper (pid %d) did not exit; sending SIGTERM", (int)p->pid);
			kill(p->pid, SIGTERM);
		} else if (waited == 2 * STOP_TIMEOUT_MS) {
			plog(p, PLOG_ERR, "helper (pid %d) did not exit; sending SIGKILL", (int)p->pid);
			kill(p->pid, SIGKILL);
			helper_reap(p, 0);
			break;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
}

PLUGIN_API int openvpn_plugin_open_v3(const int v3structver,
					  struct openvpn_plugin_args_open_in const *args,
					  struct openvpn_plugin_args_open_return *ret)
{
	const char *cfgpath;
	struct plugin *p;
	struct cfg cfg;
	char err[512];
	int sv[2];

	if (v3structver < OPENVPN_PLUGINv3_STRUCTVER)
		return OPENVPN_PLUGIN_FUNC_ERROR;
	p = calloc(1, sizeof(*p));
	if (!p)
		return OPENVPN_PLUGIN_FUNC_ERROR;
	p->log = args->callbacks->plugin_log;
	p->sock = -1;

	cfgpath = args->argv[1];
	if (cfgpath && args->argv[2]) {
		plog(p, PLOG_ERR, "usage: plugin openvpn-plugin-mcast.so [CONFIG-FILE]");
		goto error;
	}
	cfg_defaults(&cfg);
	if (cfgpath && cfg_load(&cfg, cfgpath, err, sizeof(err)) < 0) {
		plog(p, PLOG_ERR, "%s", err);
		cfg_free(&cfg);
		goto error;
	}
	policy_move(&p->policy, &cfg.policy);
	snprintf(p->upstream, sizeof(p->upstream), "%s", cfg.upstream);
	snprintf(p->helper, sizeof(p->helper), "%s", cfg.helper);
	if (cfgpath && !(p->cfgpath = strdup(cfgpath))) {
		plog(p, PLOG_ERR, "out of memory");
		goto error;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		plog(p, PLOG_ERR | PLOG_ERRNO, "socketpair");
		goto error;
	}
	p->pid = fork();
	if (p->pid < 0) {
		plog(p, PLOG_ERR | PLOG_ERRNO, "fork");
		close(sv[0]);
		close(sv[1]);
		goto error;
	}
	if (p->pid == 0)
		helper_exec(sv[1], cfg.helper, cfgpath);
	close(sv[1]);
	p->sock = sv[0];
	if (helper_wait_ready(p, cfg.helper) < 0)
		goto error;
	plog(p, PLOG_NOTE, "helper %s running as pid %d (the supervisor; it restarts the "
	     "daemon if that crashes)", cfg.helper, (int)p->pid);
	if (ovpnconf_self_has("client-to-client")) {
		plog(p, PLOG_WARN, "client-to-client is set: OpenVPN relays multicast sent by one "
		     "client to all other clients itself, past the tap; only multicast "
		     "routed into the tap is delivered per client");
		helper_send(p, MCP_OPTION, 0, (const char *[]){ "client-to-client", "1" });
	}

	ret->type_mask = OPENVPN_PLUGIN_MASK(OPENVPN_PLUGIN_UP) |
			 OPENVPN_PLUGIN_MASK(OPENVPN_PLUGIN_DOWN) |
			 OPENVPN_PLUGIN_MASK(OPENVPN_PLUGIN_CLIENT_CONNECT_V2) |
			 OPENVPN_PLUGIN_MASK(OPENVPN_PLUGIN_LEARN_ADDRESS) |
			 OPENVPN_PLUGIN_MASK(OPENVPN_PLUGIN_CLIENT_DISCONNECT);
	ret->handle = p;
	return OPENVPN_PLUGIN_FUNC_SUCCESS;
error:
	helper_stop(p);
	free(p->cfgpath);
	policy_free(&p->policy);
	free(p);
	return OPENVPN_PLUGIN_FUNC_ERROR;
}

static int on_up(struct plugin *p, const char *envp[])
{
	const char *dev = env_get(envp, "dev"), *type = env_get(envp, "dev_type");

	if (!dev || !type || strcmp(type, "tap")) {
		plog(p, PLOG_ERR, "device %s is of type %s; openvpn-mcast works with 'dev-type tap' only",
		     dev ? dev : "?", type ? type : "?");
		return OPENVPN_PLUGIN_FUNC_ERROR;
	}
	/* Two forwarders on one tap: every member would get each packet twice. */
	if (p->upstream[0] && mroute_is_vif(dev)) {
		plog(p, PLOG_ERR, "refusing to start: upstream = \"%s\" (standalone mode) is set, but "
		     "%s is already a multicast routing interface (igmpproxy, smcroute or pimd "
		     "runs on it); remove 'upstream' from the helper config or stop the router",
		     p->upstream, dev);
		return OPENVPN_PLUGIN_FUNC_ERROR;
	}
	snprintf(p->dev, sizeof(p->dev), "%s", dev);
	helper_send(p, MCP_UP, 0, (const char *[]){ dev, type });
	return OPENVPN_PLUGIN_FUNC_SUCCESS;
}

/*
 * The helper answers a disconnect at once with the client's summary line;
 * waiting for it (a few ms) keeps it next to OpenVPN's own disconnect lines
 * and puts it out now rather than at the next event.
 */
static void summary_wait(struct plugin *p, uint32_t id)
{
	struct timespec t0, t;
	int left = SUMMARY_WAIT_MS;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (left > 0 && p->sock >= 0) {
		struct pollfd pfd = { .fd = p->sock, .events = POLLIN };

		if (poll(&pfd, 1, left) <= 0 || helper_drain(p, id))
			return;
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = SUMMARY_WAIT_MS - (int)((t.tv_sec - t0.tv_sec) * 1000 +
					       (t.tv_nsec - t0.tv_nsec) / 1000000);
	}
}

PLUGIN_API int openvpn_plugin_func_v3(const int v3structver,
					  struct openvpn_plugin_args_func_in const *args,
					  struct openvpn_plugin_args_func_return *ret)
{
	struct plugin *p = args->handle;
	struct client_ctx *cc = args->per_client_context;
	const char **argv = args->argv, **envp = args->envp;
	uint32_t id = cc ? cc->id : 0;

	(void)ret;
	if (v3structver < OPENVPN_PLUGINv3_STRUCTVER)
		return OPENVPN_PLUGIN_FUNC_ERROR;

	switch (args->type) {
	case OPENVPN_PLUGIN_UP:
		return on_up(p, envp);
	case OPENVPN_PLUGIN_DOWN:
		helper_send(p, MCP_DOWN, 0, NULL);
		break;
	case OPENVPN_PLUGIN_CLIENT_CONNECT_V2: {
		const char *ip = env_get(envp, "trusted_ip"), *port = env_get(envp, "trusted_port");
		const char *cn = env_get(envp, "common_name");
		const char *pool = env_get(envp, "ifconfig_pool_remote_ip");
		char real[MCP_MAX_STR + 1];

		if (!ip)
			ip = env_get(envp, "trusted_ip6");
		snprintf(real, sizeof(real), "%s:%s", ip ? ip : "", port ? port : "");
		/* policy: the config's policy entry that decides this client's
		 * groups, or none because the helper is gone. */
		plog(p, PLOG_NOTE, "event=connect id=%u cn=%s ip=%s real=%s policy=%s", id,
		     cn ? cn : "", pool && *pool ? pool : "-", real,
		     p->sock >= 0 && !p->helper_down ? policy_for(&p->policy, cn)->name
							     : "none(helper-down)");
		helper_send(p, MCP_CONNECT, id, (const char *[]){ cn, pool, real });
		break;
	}
	case OPENVPN_PLUGIN_LEARN_ADDRESS:
		if (argv[1] && argv[2])
			helper_send(p, MCP_LEARN, id,
				    (const char *[]){ argv[1], argv[2], argv[3] });
		break;
	case OPENVPN_PLUGIN_CLIENT_DISCONNECT:
		if (helper_send(p, MCP_DISCONNECT, id, NULL) == 0 && !p->helper_down)
			summary_wait(p, id);
		break;
	}
	/* Never refuse a client because of us. */
	return OPENVPN_PLUGIN_FUNC_SUCCESS;
}

PLUGIN_API void *openvpn_plugin_client_constructor_v1(openvpn_plugin_handle_t handle)
{
	struct plugin *p = handle;
	struct client_ctx *cc = calloc(1, sizeof(*cc));

	if (cc) {
		if (++p->next_id == 0)
			++p->next_id;
		cc->id = p->next_id;
	}
	return cc;
}

PLUGIN_API void openvpn_plugin_client_destructor_v1(openvpn_plugin_handle_t handle,
							void *per_client_context)
{
	(void)handle;
	free(per_client_context);
}

PLUGIN_API void openvpn_plugin_close_v1(openvpn_plugin_handle_t handle)
{
	struct plugin *p = handle;
	int lost;

	helper_drain(p, 0);
	lost = p->sock < 0;	/* the helper went away before we stopped it */
	helper_stop(p);
	if (lost)
		helper_cleanup(p);
	free(p->cfgpath);
	policy_free(&p->policy);
	free(p);
}

PLUGIN_API void openvpn_plugin_abort_v1(openvpn_plugin_handle_t handle)
{
	helper_stop(handle);
}
