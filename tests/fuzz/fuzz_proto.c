/*
 * fuzz_proto.c - libFuzzer target over the plugin<->helper wire protocol
 * (helper/core/proto.c): mcp_decode() and mcp_encode().
 *
 * Each input is used twice:
 *  1. as one received datagram for mcp_decode(). What decodes must carry
 *     mcp_field_count() NUL-free strings of at most MCP_MAX_STR bytes, and
 *     encoding it again must give back the datagram byte for byte.
 *  2. as a message to encode: byte 0 the type, byte 1 the output size
 *     (0 = MCP_MAX_MSG, else that many bytes), bytes 2-5 the client id, the
 *     rest the fields separated by NUL. What encodes must decode to the same
 *     type, id and fields; a refusal must say EINVAL or EMSGSIZE.
 * The decoded message and the output buffer are heap blocks of their exact
 * size, so AddressSanitizer sees any write past them. Any violation aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcast_proto.h"

static void die(const char *what)
{
	fprintf(stderr, "fuzz_proto: %s\n", what);
	abort();
}

static void check_decoded(const struct mcp_msg *m, int want_fields)
{
	if (want_fields < 0 || m->nfields != (unsigned)want_fields ||
	    m->nfields > MCP_MAX_FIELDS)
		die("decode: field count does not match the type");
	for (unsigned i = 0; i < m->nfields; i++) {
		const char *f = m->field[i];

		if (!f || f < m->buf || f >= m->buf + sizeof(m->buf))
			die("decode: field outside the message buffer");
		if (strnlen(f, (size_t)(m->buf + sizeof(m->buf) - f)) > MCP_MAX_STR)
			die("decode: field too long or not terminated");
	}
}

static void one_datagram(const uint8_t *data, size_t size)
{
	struct mcp_msg *m = malloc(sizeof(*m));
	uint8_t *out = malloc(MCP_MAX_MSG);
	int len;

	if (!m || !out)
		die("out of memory");
	if (mcp_decode(data, size, m) == 0) {
		check_decoded(m, mcp_field_count(m->type));
		len = mcp_encode(out, MCP_MAX_MSG, m->type, m->client_id, m->field);
		if (len < 0)
			die("a decoded message does not encode");
		if ((size_t)len != size || memcmp(out, data, size))
			die("decode + encode is not the identity");
	} else if (errno != EPROTO && errno != EBADMSG && errno != ENOMSG) {
		die("decode: unexpected errno");
	}
	free(out);
	free(m);
}

static void one_message(const uint8_t *data, size_t size)
{
	const char *fields[MCP_MAX_FIELDS] = { NULL };
	struct mcp_msg *m;
	size_t outlen, i, nf = 0;
	uint32_t id;
	uint8_t type, *out;
	char *text;
	int len, n;

	if (size < 6)
		return;
	type = data[0];
	outlen = data[1] ? data[1] : MCP_MAX_MSG;
	id = (uint32_t)data[2] << 24 | (uint32_t)data[3] << 16 |
	     (uint32_t)data[4] << 8 | data[5];
	data += 6, size -= 6;

	/* The rest as NUL-separated strings (a missing one is NULL = ""). */
	text = malloc(size + 1);
	if (!text)
		die("out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; nf < MCP_MAX_FIELDS && i <= size; i += strlen(text + i) + 1)
		fields[nf++] = text + i;

	out = malloc(outlen);
	m = malloc(sizeof(*m));
	if (!out || !m)
		die("out of memory");
	n = mcp_field_count(type);
	len = mcp_encode(out, outlen, type, id, fields);
	if (len < 0) {
		if (errno != EINVAL && errno != EMSGSIZE)
			die("encode: unexpected errno");
		if (errno == EINVAL && n >= 0) {
			int too_long = 0;

			for (i = 0; i < (size_t)n; i++)
				if (fields[i] && strlen(fields[i]) > MCP_MAX_STR)
					too_long = 1;
			if (!too_long)
				die("encode: EINVAL for a valid message");
		}
	} else {
		if (n < 0)
			die("encode: an unknown type was encoded");
		if ((size_t)len > outlen || len > MCP_MAX_MSG)
			die("encode: longer than the buffer");
		if (mcp_decode(out, (size_t)len, m) < 0)
			die("an encoded message does not decode");
		check_decoded(m, n);
		if (m->type != type || m->client_id != id)
			die("encode + decode: header changed");
		for (i = 0; i < (size_t)n; i++)
			if (strcmp(m->field[i], fields[i] ? fields[i] : ""))
				die("encode + decode: field changed");
	}
	free(m);
	free(out);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of the exact size: a read past the datagram is caught. */
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		die("out of memory");
	memcpy(copy, data, size);
	one_datagram(copy, size);
	one_message(copy, size);
	free(copy);
	return 0;
}
