/*
 * ctl.h - the control socket: a unix stream socket taking one-line
 * commands ("status") and answering with text, then closing.
 */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <stdio.h>

/* The request buffer: a command is cut at CTL_CMD_MAX - 1 bytes. */
#define CTL_CMD_MAX 256

/* Writes the answer to @cmd into @out; returns -1 for an unknown command. */
typedef int (*ctl_handler)(const char *cmd, FILE *out, void *arg);

/**
 * ctl_cmd_end() - has a client's request line ended? The pure part of the
 * command reader, for the fuzzer.
 * @cmd:  the bytes received so far, NUL-terminated at @cmd[@len] (a NUL
 *        received earlier ends the string there and hides what follows)
 * @size: the size of the buffer @cmd; a request is cut at @size - 1 bytes
 * Return: 1 if the request is complete - at the first CR or LF, which is
 * replaced by NUL, or because the buffer is full - and @cmd is then the
 * command; 0 if more must be read.
 */
int ctl_cmd_end(char *cmd, size_t len, size_t size);

/**
 * ctl_open() - listen on @path (mode 0600) and serve commands through the
 * event loop. A stale socket file is replaced; one with a live listener is
 * not (errno EADDRINUSE). Return 0, or -1 with errno.
 */
int ctl_open(const char *path, ctl_handler handler, void *arg);

/** ctl_close() - stop serving, drop clients and remove the socket file. */
void ctl_close(void);

/**
 * ctl_remove_stale() - remove the socket at @path if nobody listens on it
 * (a dead helper's). Return: 0 (also if there is none), or -1 with errno
 * (EADDRINUSE: a helper answers there).
 */
int ctl_remove_stale(const char *path);

/**
 * ctl_query() - client side: send @cmd to the socket at @path and copy the
 * answer to @out. Return 0, or -1 with errno.
 */
int ctl_query(const char *path, const char *cmd, FILE *out);

#endif
