/*
 * chan.h - the helper's end of the plugin channel (see mcast_proto.h).
 */
#ifndef CHAN_H
#define CHAN_H

#include <stdint.h>

#include "mcast_proto.h"

/* Called for each valid message; @msg is only valid during the call. */
typedef void (*chan_msg_cb)(const struct mcp_msg *msg, void *arg);
/* Called once when the plugin closes its end (OpenVPN is going away). */
typedef void (*chan_eof_cb)(void *arg);

/**
 * chan_open() - serve the plugin channel @fd through the event loop.
 * Return 0, or -1 with errno.
 */
int chan_open(int fd, chan_msg_cb on_msg, chan_eof_cb on_eof, void *arg);

/** chan_send() - send one message to the plugin. Return 0, or -1 with errno. */
int chan_send(uint8_t type, uint32_t client_id, const char *const *fields);

/**
 * chan_drain() - handle every message already waiting, now. OpenVPN tells
 * the plugin a client's MAC before it writes that client's first frame to
 * the tap, so a caller who sees an unknown MAC can catch up first.
 */
void chan_drain(void);

/** chan_bad_messages() - count of rejected (malformed or unknown) messages. */
uint64_t chan_bad_messages(void);

/** chan_close() - stop serving and close the channel. */
void chan_close(void);

#endif
