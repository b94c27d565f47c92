/*
 * chan.c - receive and validate plugin messages.
 *
 * Every datagram is checked by mcp_decode() before anything looks at it.
 * MSG_TRUNC makes recv() report the real size of an oversized datagram,
 * so it is rejected rather than silently cut to a plausible length.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chan.h"
#include "ev.h"
#include "log.h"

static int chan_fd = -1;
static chan_msg_cb chan_on_msg;
static chan_eof_cb chan_on_eof;
static void *chan_arg;
static uint64_t chan_bad;

static void chan_read(int fd, void *arg)
{
	uint8_t buf[MCP_MAX_MSG + 1];
	struct mcp_msg msg;

	(void)arg;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			log_warn("plugin channel");
			n = 0;
		}
		if (n == 0) {
			log_info("plugin closed the channel");
			chan_close();
			chan_on_eof(chan_arg);
			return;
		}
		if ((size_t)n > sizeof(buf)) {
			chan_bad++;
			log_warnx("plugin message of %zd bytes rejected: longer than %d", n, MCP_MAX_MSG);
			continue;
		}
		if (mcp_decode(buf, (size_t)n, &msg) < 0) {
			chan_bad++;
			log_warn("plugin message of %zd bytes (type %u) rejected", n,
				 n > 1 ? buf[1] : 0);
			continue;
		}
		chan_on_msg(&msg, chan_arg);
	}
}

int chan_open(int fd, chan_msg_cb on_msg, chan_eof_cb on_eof, void *arg)
{
	chan_on_msg = on_msg;
	chan_on_eof = on_eof;
	chan_arg = arg;
	if (ev_add(fd, chan_read, NULL) < 0)
		return -1;
	chan_fd = fd;
	return 0;
}

int chan_send(uint8_t type, uint32_t client_id, const char *const *fields)
{
	uint8_t buf[MCP_MAX_MSG];
	int n;

	if (chan_fd < 0) {
		errno = ENOTCONN;
		return -1;
	}
	n = mcp_encode(buf, sizeof(buf), type, client_id, fields);
	if (n < 0)
		return -1;
	if (send(chan_fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) != n)
		return -1;
	return 0;
}

void chan_drain(void)
{
	if (chan_fd >= 0)
		chan_read(chan_fd, NULL);
}

uint64_t chan_bad_messages(void)
{
	return chan_bad;
}

void chan_close(void)
{
	if (chan_fd < 0)
		return;
	ev_del(chan_fd);
	close(chan_fd);
	chan_fd = -1;
}
