/*
 * proto.c - encoder and decoder of the plugin <-> helper wire protocol.
 * Shared by the plugin and the helper; see include/mcast_proto.h.
 */
#include <errno.h>
#include <string.h>

#include "mcast_proto.h"

int mcp_field_count(uint8_t type)
{
	switch (type) {
	case MCP_DOWN:
	case MCP_DISCONNECT:
		return 0;
	case MCP_READY:
	case MCP_ERROR:
	case MCP_LOG:
		return 1;
	case MCP_UP:
	case MCP_OPTION:
	case MCP_STATE:
		return 2;
	case MCP_CONNECT:
	case MCP_LEARN:
		return 3;
	}
	return -1;
}

const char *mcp_type_name(uint8_t type)
{
	switch (type) {
	case MCP_UP: return "up";
	case MCP_DOWN: return "down";
	case MCP_CONNECT: return "connect";
	case MCP_LEARN: return "learn-address";
	case MCP_DISCONNECT: return "disconnect";
	case MCP_OPTION: return "option";
	case MCP_READY: return "ready";
	case MCP_ERROR: return "error";
	case MCP_LOG: return "log";
	case MCP_STATE: return "state";
	}
	return "unknown";
}

int mcp_encode(uint8_t *out, size_t outlen, uint8_t type, uint32_t client_id,
	       const char *const *fields)
{
	int n = mcp_field_count(type);
	size_t off = MCP_HDR_LEN;

	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	if (outlen < MCP_HDR_LEN) {
		errno = EMSGSIZE;
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *s = fields && fields[i] ? fields[i] : "";
		size_t sl = strlen(s);

		if (sl > MCP_MAX_STR) {
			errno = EINVAL;
			return -1;
		}
		if (outlen - off < 1 + sl) {
			errno = EMSGSIZE;
			return -1;
		}
		out[off++] = (uint8_t)sl;
		memcpy(out + off, s, sl);
		off += sl;
	}
	out[0] = MCP_VERSION;
	out[1] = type;
	out[2] = (uint8_t)((off - MCP_HDR_LEN) >> 8);
	out[3] = (uint8_t)(off - MCP_HDR_LEN);
	out[4] = (uint8_t)(client_id >> 24);
	out[5] = (uint8_t)(client_id >> 16);
	out[6] = (uint8_t)(client_id >> 8);
	out[7] = (uint8_t)client_id;
	return (int)off;
}

int mcp_decode(const uint8_t *in, size_t len, struct mcp_msg *msg)
{
	size_t plen, off = MCP_HDR_LEN;
	char *dst = msg->buf;
	int n;

	if (len < MCP_HDR_LEN) {
		errno = EBADMSG;
		return -1;
	}
	if (in[0] != MCP_VERSION) {
		errno = EPROTO;
		return -1;
	}
	plen = (size_t)in[2] << 8 | in[3];
	if (len > MCP_MAX_MSG || plen != len - MCP_HDR_LEN) {
		errno = EBADMSG;
		return -1;
	}
	n = mcp_field_count(in[1]);
	if (n < 0) {
		errno = ENOMSG;
		return -1;
	}
	msg->type = in[1];
	msg->client_id = (uint32_t)in[4] << 24 | (uint32_t)in[5] << 16 |
			 (uint32_t)in[6] << 8 | in[7];
	msg->nfields = (unsigned)n;
	for (int i = 0; i < n; i++) {
		size_t sl;

		if (off >= len) {
			errno = EBADMSG;
			return -1;
		}
		sl = in[off++];
		if (sl > len - off || memchr(in + off, '\0', sl)) {
			errno = EBADMSG;
			return -1;
		}
		memcpy(dst, in + off, sl);
		dst[sl] = '\0';
		msg->field[i] = dst;
		dst += sl + 1;
		off += sl;
	}
	if (off != len) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}
