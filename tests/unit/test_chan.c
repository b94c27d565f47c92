/*
 * test_chan.c - the helper's end of the plugin channel over a real
 * SOCK_SEQPACKET socketpair: hostile datagrams are rejected and counted,
 * valid ones delivered, and the plugin closing its end stops the loop.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "chan.h"
#include "ev.h"
#include "log.h"

static unsigned got, eofs;
static char last_cn[MCP_MAX_STR + 1];

static void on_msg(const struct mcp_msg *m, void *arg)
{
	(void)arg;
	got++;
	if (m->type == MCP_CONNECT)
		snprintf(last_cn, sizeof(last_cn), "%s", m->field[0]);
}

static void on_eof(void *arg)
{
	(void)arg;
	eofs++;
	ev_stop();
}

static void test_hostile_datagrams(void **state)
{
	uint8_t buf[MCP_MAX_MSG + 64];
	int sv[2], n;

	(void)state;
	log_init("test", 0, 0, LOG_LVL_ERR);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(chan_open(sv[1], on_msg, on_eof, NULL), 0);

	n = mcp_encode(buf, sizeof(buf), MCP_CONNECT, 7,
		       (const char *[]){ "alice", "10.8.0.2", "192.0.2.2:1194" });
	/* Truncated: every prefix of a valid message. */
	for (int len = 1; len < n; len++)
		assert_int_equal(send(sv[0], buf, (size_t)len, 0), len);
	/* Oversized: longer than any valid message, length field consistent. */
	memset(buf + n, 'x', sizeof(buf) - (size_t)n);
	buf[2] = (uint8_t)((sizeof(buf) - MCP_HDR_LEN) >> 8);
	buf[3] = (uint8_t)(sizeof(buf) - MCP_HDR_LEN);
	assert_int_equal(send(sv[0], buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	/* Unknown type, bad version. */
	n = mcp_encode(buf, sizeof(buf), MCP_CONNECT, 7,
		       (const char *[]){ "alice", "10.8.0.2", "192.0.2.2:1194" });
	buf[1] = 200;
	assert_int_equal(send(sv[0], buf, (size_t)n, 0), n);
	buf[1] = MCP_CONNECT;
	buf[0] = 9;
	assert_int_equal(send(sv[0], buf, (size_t)n, 0), n);
	/* And one good message after all that. */
	buf[0] = MCP_VERSION;
	assert_int_equal(send(sv[0], buf, (size_t)n, 0), n);
	close(sv[0]);

	assert_int_equal(ev_run(), 0);
	assert_int_equal(got, 1);
	assert_string_equal(last_cn, "alice");
	assert_int_equal(eofs, 1);
	assert_int_equal(chan_bad_messages(), (uint64_t)(n - 1) + 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_datagrams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
