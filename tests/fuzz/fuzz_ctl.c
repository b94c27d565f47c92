/*
 * fuzz_ctl.c - libFuzzer target over the control socket's command reader
 * (helper/edge/ctl.c: ctl_read() with its pure part ctl_cmd_end()).
 *
 * Byte 0 of the input picks how the rest, the bytes a client sends, arrives
 * in recv() calls: chunk sizes follow from it (1 byte at a time, all at
 * once, or a mix). The reader is replayed exactly as ctl_read() does it, on
 * a heap buffer of CTL_CMD_MAX bytes so that AddressSanitizer sees any
 * write past it, until the request is complete or the stream ends (EOF
 * ends a non-empty request too).
 *
 * The command handed to the handler must be the stream's prefix up to the
 * first CR, LF or NUL, at most CTL_CMD_MAX - 1 bytes; a request is complete
 * before EOF only at a CR or LF ahead of any NUL, or with a full buffer.
 * Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static void die(const char *what)
{
	fprintf(stderr, "fuzz_ctl: %s\n", what);
	abort();
}

static size_t next_chunk(uint32_t *state, uint8_t mode)
{
	switch (mode & 3u) {
	case 0:
		return 1;
	case 1:
		return (size_t)-1;	/* everything that is there */
	default:
		*state = *state * 1103515245u + 12345u;
		return 1 + (*state >> 16) % (mode & 2u ? 64u : 300u);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = 0, off = 0, cut, i;
	uint32_t state;
	int done = 0, at_eol = 0;
	char *cmd;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	state = mode;
	data++, size--;

	cmd = malloc(CTL_CMD_MAX);
	if (!cmd)
		die("out of memory");
	while (!done) {
		size_t room = CTL_CMD_MAX - 1 - len, n;

		if (room == 0 || room >= CTL_CMD_MAX)
			die("reader asks for no bytes or more than the buffer");
		n = next_chunk(&state, mode);
		if (n > room)
			n = room;
		if (n > size - off)
			n = size - off;
		if (n == 0) {
			/* EOF: a non-empty request still counts. */
			if (!len)
				break;
			cmd[len] = '\0';
			done = 1;
			break;
		}
		memcpy(cmd + len, data + off, n);
		off += n;
		len += n;
		cmd[len] = '\0';
		if (ctl_cmd_end(cmd, len, CTL_CMD_MAX)) {
			done = 1;
			at_eol = 1;
		}
	}

	/* What the command must be. */
	for (cut = 0; cut < size && cut < CTL_CMD_MAX - 1; cut++)
		if (data[cut] == '\r' || data[cut] == '\n' || data[cut] == '\0')
			break;
	if (!done) {
		if (size)
			die("a non-empty stream gave no command");
	} else {
		if (strlen(cmd) != cut || memcmp(cmd, data, cut))
			die("command is not the stream's first line");
		if (strpbrk(cmd, "\r\n"))
			die("command holds a line end");
		if (at_eol) {
			int eol = cut < size && (data[cut] == '\r' || data[cut] == '\n');

			if (!eol && len != CTL_CMD_MAX - 1)
				die("request ended without a line end or a full buffer");
		}
		for (i = 0; i < cut; i++)
			if (!cmd[i])
				die("NUL inside the command");
	}
	free(cmd);
	return 0;
}
