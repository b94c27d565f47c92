/* Unit tests of the plugin <-> helper wire protocol, hostile input included. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mcast_proto.h"

static void test_roundtrip_connect(void **state)
{
	uint8_t buf[MCP_MAX_MSG];
	struct mcp_msg m;
	int n;

	(void)state;
	n = mcp_encode(buf, sizeof(buf), MCP_CONNECT, 0x01020304,
		       (const char *[]){ "alice", "10.8.0.2", "198.51.100.7:51820" });
	assert_int_equal(n, MCP_HDR_LEN + 1 + 5 + 1 + 8 + 1 + 18);
	assert_int_equal(buf[0], MCP_VERSION);
	assert_int_equal(buf[1], MCP_CONNECT);
	assert_int_equal(buf[2] << 8 | buf[3], n - MCP_HDR_LEN);
	assert_int_equal(mcp_decode(buf, (size_t)n, &m), 0);
	assert_int_equal(m.type, MCP_CONNECT);
	assert_int_equal(m.client_id, 0x01020304);
	assert_int_equal(m.nfields, 3);
	assert_string_equal(m.field[0], "alice");
	assert_string_equal(m.field[1], "10.8.0.2");
	assert_string_equal(m.field[2], "198.51.100.7:51820");
}

static void test_roundtrip_every_type(void **state)
{
	static const uint8_t types[] = { MCP_UP, MCP_DOWN, MCP_CONNECT, MCP_LEARN,
					 MCP_DISCONNECT, MCP_OPTION, MCP_READY,
					 MCP_ERROR, MCP_LOG, MCP_STATE };
	const char *f[MCP_MAX_FIELDS] = { "a", "", NULL, "d" };
	uint8_t buf[MCP_MAX_MSG];
	struct mcp_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(types); i++) {
		int n = mcp_encode(buf, sizeof(buf), types[i], (uint32_t)i, f);

		assert_true(n >= MCP_HDR_LEN);
		assert_int_equal(mcp_decode(buf, (size_t)n, &m), 0);
		assert_int_equal(m.type, types[i]);
		assert_int_equal((int)m.nfields, mcp_field_count(types[i]));
		for (unsigned k = 0; k < m.nfields; k++)
			assert_string_equal(m.field[k], f[k] ? f[k] : "");
	}
}

static void test_max_size_strings(void **state)
{
	char big[MCP_MAX_STR + 2];
	uint8_t buf[MCP_MAX_MSG];
	struct mcp_msg m;
	int n;

	(void)state;
	memset(big, 'x', MCP_MAX_STR);
	big[MCP_MAX_STR] = '\0';
	n = mcp_encode(buf, sizeof(buf), MCP_CONNECT, 1, (const char *[]){ big, big, big });
	assert_true(n > 0);
	assert_int_equal(mcp_decode(buf, (size_t)n, &m), 0);
	assert_int_equal(strlen(m.field[2]), MCP_MAX_STR);

	big[MCP_MAX_STR] = 'x';
	big[MCP_MAX_STR + 1] = '\0';
	errno = 0;
	assert_int_equal(mcp_encode(buf, sizeof(buf), MCP_LOG, 1, (const char *[]){ big }), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_encode_errors(void **state)
{
	uint8_t buf[16];

	(void)state;
	errno = 0;
	assert_int_equal(mcp_encode(buf, sizeof(buf), 200, 0, NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(mcp_encode(buf, sizeof(buf), MCP_LOG, 0,
				    (const char *[]){ "much too long for 16 bytes" }), -1);
	assert_int_equal(errno, EMSGSIZE);
}

static int encode_learn(uint8_t *buf)
{
	return mcp_encode(buf, MCP_MAX_MSG, MCP_LEARN, 9,
			  (const char *[]){ "add", "da:8e:f0:44:67:03@0", "alice" });
}

static void test_truncated_every_length(void **state)
{
	uint8_t buf[MCP_MAX_MSG];
	struct mcp_msg m;
	int n = encode_learn(buf);

	(void)state;
	for (int len = 0; len < n; len++) {
		errno = 0;
		assert_int_equal(mcp_decode(buf, (size_t)len, &m), -1);
		assert_int_equal(errno, EBADMSG);
	}
}

static void test_length_field_lies(void **state)
{
	uint8_t buf[MCP_MAX_MSG + 16];
	struct mcp_msg m;
	int n = encode_learn(buf);

	(void)state;
	/* Claims more than arrived. */
	buf[3]++;
	assert_int_equal(mcp_decode(buf, (size_t)n, &m), -1);
	assert_int_equal(errno, EBADMSG);
	/* Claims less than arrived: trailing garbage. */
	buf[3] -= 2;
	assert_int_equal(mcp_decode(buf, (size_t)n, &m), -1);
	assert_int_equal(errno, EBADMSG);
	/* Oversized datagram with a consistent length field. */
	n = encode_learn(buf);
	memset(buf + n, 0, sizeof(buf) - (size_t)n);
	buf[2] = (uint8_t)((sizeof(buf) - MCP_HDR_LEN) >> 8);
	buf[3] = (uint8_t)(sizeof(buf) - MCP_HDR_LEN);
	assert_int_equal(mcp_decode(buf, sizeof(buf), &m), -1);
	assert_int_equal(errno, EBADMSG);
}

static void test_field_overruns_payload(void **state)
{
	uint8_t buf[MCP_MAX_MSG];
	struct mcp_msg m;
	int n = encode_learn(buf);

	(void)state;
	/* First string length points past the end. */
	buf[MCP_HDR_LEN] = 250;
	assert_int_equal(mcp_decode(buf, (size_t)n, &m), -1);
	assert_int_equal(errno, EBADMSG);
}

static void test_embedded_nul(void **state)
{
	uint8_t buf[MCP_MAX_MSG];
	struct mcp_msg m;
	int n = encode_learn(buf);

	(void)state;
	buf[MCP_HDR_LEN + 2] = '\0';
	assert_int_equal(mcp_decode(buf, (size_t)n, &m), -1);
	assert_int_equal(errno, EBADMSG);
}

static void test_bad_version_and_type(void **state)
{
	uint8_t buf[MCP_MAX_MSG];
	struct mcp_msg m;
	int n = encode_learn(buf);

	(void)state;
	buf[0] = 2;
	assert_int_equal(mcp_decode(buf, (size_t)n, &m), -1);
	assert_int_equal(errno, EPROTO);
	buf[0] = MCP_VERSION;
	buf[1] = 99;
	assert_int_equal(mcp_decode(buf, (size_t)n, &m), -1);
	assert_int_equal(errno, ENOMSG);
}

static void test_missing_field(void **state)
{
	uint8_t buf[MCP_MAX_MSG];
	struct mcp_msg m;
	int n = mcp_encode(buf, sizeof(buf), MCP_UP, 0, (const char *[]){ "tap0", "tap" });

	(void)state;
	/* Relabel a two-field message as a three-field one. */
	buf[1] = MCP_CONNECT;
	assert_int_equal(mcp_decode(buf, (size_t)n, &m), -1);
	assert_int_equal(errno, EBADMSG);
}

/* Every single-byte corruption must be either rejected or decoded sanely. */
static void test_bitflips_never_crash(void **state)
{
	uint8_t buf[MCP_MAX_MSG], orig[MCP_MAX_MSG];
	struct mcp_msg m;
	int n = encode_learn(orig);

	(void)state;
	for (int i = 0; i < n; i++)
		for (int bit = 0; bit < 8; bit++) {
			memcpy(buf, orig, (size_t)n);
			buf[i] ^= (uint8_t)(1 << bit);
			if (mcp_decode(buf, (size_t)n, &m) == 0)
				for (unsigned k = 0; k < m.nfields; k++)
					assert_true(strlen(m.field[k]) <= MCP_MAX_STR);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_connect),
		cmocka_unit_test(test_roundtrip_every_type),
		cmocka_unit_test(test_max_size_strings),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_length_field_lies),
		cmocka_unit_test(test_field_overruns_payload),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_bad_version_and_type),
		cmocka_unit_test(test_missing_field),
		cmocka_unit_test(test_bitflips_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
