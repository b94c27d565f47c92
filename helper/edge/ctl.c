/*
 * ctl.c - control socket server and client.
 *
 * The event loop is single-threaded, so a client must not be able to stall
 * the data path: commands are read only when readable, the answer is
 * rendered into memory and written with a short send timeout, and a
 * client that sends nothing is dropped after CTL_IDLE_MS.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "ev.h"
#include "log.h"

#define CTL_MAX_CLIENTS 8
#define CTL_IDLE_MS 2000

struct ctl_client {
	int fd;
	int timer;
	size_t len;
	char cmd[CTL_CMD_MAX];
};

static int ctl_fd = -1;
static char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static ctl_handler ctl_cb;
static void *ctl_arg;
static struct ctl_client clients[CTL_MAX_CLIENTS];

static int ctl_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

static void ctl_drop(struct ctl_client *c)
{
	ev_del(c->fd);
	ev_timer_cancel(c->timer);
	close(c->fd);
	c->fd = -1;
}

static void ctl_idle(void *arg)
{
	struct ctl_client *c = arg;

	c->timer = 0;
	log_debug("control client sent no command in time; dropped");
	ctl_drop(c);
}

static void ctl_answer(struct ctl_client *c)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	char *buf = NULL;
	size_t len = 0, off = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out) {
		log_warn("control: open_memstream");
		return;
	}
	if (ctl_cb(c->cmd, out, ctl_arg) < 0)
		fprintf(out, "ERROR: unknown command '%s' (try: status)\n", c->cmd);
	fclose(out);
	/* Bounded blocking write: a reader that stalls loses its answer,
	 * the data path loses at most 200 ms. */
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (off < len) {
		ssize_t n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);

		if (n <= 0) {
			log_debug("control: client went away during the answer");
			break;
		}
		off += (size_t)n;
	}
	free(buf);
}

int ctl_cmd_end(char *cmd, size_t len, size_t size)
{
	char *nl = strpbrk(cmd, "\r\n");

	if (!nl && len < size - 1)
		return 0;
	if (nl)
		*nl = '\0';
	return 1;
}

static void ctl_read(int fd, void *arg)
{
	struct ctl_client *c = arg;
	ssize_t n;

	(void)fd;
	n = recv(c->fd, c->cmd + c->len, sizeof(c->cmd) - 1 - c->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* EOF without a newline still ends a command ("status" via nc -N). */
		if (n == 0 && c->len) {
			c->cmd[c->len] = '\0';
			ctl_answer(c);
		}
		ctl_drop(c);
		return;
	}
	c->len += (size_t)n;
	c->cmd[c->len] = '\0';
	if (!ctl_cmd_end(c->cmd, c->len, sizeof(c->cmd)))
		return;
	ctl_answer(c);
	ctl_drop(c);
}

static void ctl_accept(int fd, void *arg)
{
	struct ctl_client *c = NULL;
	int cfd;

	(void)arg;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("control: accept");
		return;
	}
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		if (clients[i].fd < 0) {
			c = &clients[i];
			break;
		}
	if (!c) {
		log_warnx("control: more than %d clients at once; refusing one", CTL_MAX_CLIENTS);
		close(cfd);
		return;
	}
	*c = (struct ctl_client){ .fd = cfd };
	if (ev_add(cfd, ctl_read, c) < 0) {
		log_warn("control: cannot watch client");
		close(cfd);
		c->fd = -1;
		return;
	}
	c->timer = ev_timer(CTL_IDLE_MS, 0, ctl_idle, c);
}

/* Remove a socket file left by a dead helper; refuse if one is alive. */
static int ctl_clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		close(fd);
		errno = EADDRINUSE;
		return -1;
	}
	close(fd);
	return unlink(sa->sun_path);
}

/* Create the socket's directory and its parents (e.g. /run/openvpn-mcast)
 * if they are missing, as mkdir -p. */
static int ctl_mkdir_parent(const char *path)
{
	char dir[sizeof(ctl_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = c;
		if (!c)
			return 0;
	}
}

int ctl_open(const char *path, ctl_handler handler, void *arg)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, rc;

	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		clients[i].fd = -1;
	if (ctl_addr(path, &sa) < 0 || ctl_mkdir_parent(path) < 0 || ctl_clear_stale(&sa) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || listen(fd, 8) < 0 || ev_add(fd, ctl_accept, NULL) < 0) {
		int saved = errno;

		if (rc == 0)
			unlink(path);
		close(fd);
		errno = saved;
		return -1;
	}
	ctl_fd = fd;
	strcpy(ctl_path, sa.sun_path);
	ctl_cb = handler;
	ctl_arg = arg;
	return 0;
}

int ctl_remove_stale(const char *path)
{
	struct sockaddr_un sa;

	if (ctl_addr(path, &sa) < 0)
		return -1;
	return ctl_clear_stale(&sa);
}

void ctl_close(void)
{
	if (ctl_fd < 0)
		return;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			ctl_drop(&clients[i]);
	ev_del(ctl_fd);
	close(ctl_fd);
	ctl_fd = -1;
	unlink(ctl_path);
}

int ctl_query(const char *path, const char *cmd, FILE *out)
{
	struct sockaddr_un sa;
	char buf[4096];
	ssize_t n;
	int fd, saved;

	if (ctl_addr(path, &sa) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    dprintf(fd, "%s\n", cmd) < 0 || shutdown(fd, SHUT_WR) < 0)
		goto fail;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, out);
	if (n < 0)
		goto fail;
	close(fd);
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
