/*
 * mcast_proto.h - wire protocol between openvpn-plugin-mcast and
 * openvpn-mcast-helper.
 *
 * Transport: one AF_UNIX SOCK_SEQPACKET socketpair created by the plugin
 * before it forks the helper. One datagram carries exactly one message, so
 * the receiver always knows the true length of what arrived and never has to
 * trust a length field for framing.
 *
 * Message layout (all integers in network byte order):
 *
 *   offset size field
 *   0      1    version      MCP_VERSION; anything else is rejected
 *   1      1    type         enum mcp_type
 *   2      2    payload_len  must equal datagram length - MCP_HDR_LEN
 *   4      4    client_id    plugin-assigned id of the client instance, 0 if none
 *   8      ...  payload      a sequence of fields, each: 1 byte length, bytes
 *
 * Each type has a fixed number of string fields (see mcp_field_count()).
 * Strings carry no NUL byte and are at most MCP_MAX_STR bytes long.
 * A message whose fields do not consume the payload exactly is rejected.
 *
 * Version 1 messages:
 *
 *   plugin -> helper
 *     MCP_UP          [dev, dev_type]       tap device is up
 *     MCP_DOWN        []                    tap device goes down
 *     MCP_CONNECT     [cn, pool_ip, real]   client connected (real = "ip:port")
 *     MCP_LEARN       [op, addr, cn]        learn-address; op add|update|delete,
 *                                           addr "aa:bb:cc:dd:ee:ff@vid"
 *     MCP_DISCONNECT  []                    client disconnected
 *     MCP_OPTION      [name, value]         a server option of interest
 *
 *   helper -> plugin
 *     MCP_READY       [version]             helper initialised
 *     MCP_ERROR       [text]                helper failed to initialise
 *     MCP_LOG         [text]                a line for OpenVPN's log
 *     MCP_STATE       [state, text]         from the supervisor: the helper's
 *                                           state changed; state is "restarting"
 *                                           (it crashed), "running" (restarted
 *                                           and ready) or "down" (it crashed too
 *                                           often and stays down); text is the
 *                                           line for OpenVPN's log
 *
 * A supervisor (helper/daemon/supervise.c) sits between the two and relays
 * every message; only MCP_STATE is its own. MCP_STATE was added to version 1:
 * a peer that predates it rejects it as an unknown type (ENOMSG).
 */
#ifndef MCAST_PROTO_H
#define MCAST_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define MCP_VERSION 1
#define MCP_HDR_LEN 8
#define MCP_MAX_STR 255
#define MCP_MAX_FIELDS 4
/* Largest possible message: header plus MCP_MAX_FIELDS full strings. */
#define MCP_MAX_MSG (MCP_HDR_LEN + MCP_MAX_FIELDS * (1 + MCP_MAX_STR))

enum mcp_type {
	MCP_UP = 1,
	MCP_DOWN = 2,
	MCP_CONNECT = 3,
	MCP_LEARN = 4,
	MCP_DISCONNECT = 5,
	MCP_OPTION = 6,
	MCP_READY = 64,
	MCP_ERROR = 65,
	MCP_LOG = 66,
	MCP_STATE = 67,
};

/* A decoded message. Strings point into msg->buf and are NUL-terminated. */
struct mcp_msg {
	uint8_t type;
	uint32_t client_id;
	unsigned nfields;
	const char *field[MCP_MAX_FIELDS];
	char buf[MCP_MAX_MSG + MCP_MAX_FIELDS];
};

/**
 * mcp_field_count() - number of string fields message @type carries.
 * Return: the count, or -1 for an unknown type.
 */
int mcp_field_count(uint8_t type);

/**
 * mcp_type_name() - short name of a message type, for logs.
 */
const char *mcp_type_name(uint8_t type);

/**
 * mcp_encode() - encode a message into @out.
 * @fields: mcp_field_count(@type) strings; NULL is sent as "".
 * Return: the message length, or -1 with errno EINVAL (unknown type,
 * string too long or containing NUL) or EMSGSIZE (@outlen too small).
 */
int mcp_encode(uint8_t *out, size_t outlen, uint8_t type, uint32_t client_id,
	       const char *const *fields);

/**
 * mcp_decode() - validate and decode one received datagram.
 * @len: the number of bytes actually received.
 * Return: 0, or -1 with errno EPROTO (bad version), EBADMSG (truncated,
 * length mismatch, malformed field) or ENOMSG (unknown type).
 */
int mcp_decode(const uint8_t *in, size_t len, struct mcp_msg *msg);

#endif
