/*
 * ctl.h - the control socket: a unix stream socket taking one-line
 * commands ("status") and answering with text, then closing.
 */
#ifndef CTL_H
#define CTL_H

#include <stdio.h>

/* Writes the answer to @cmd into @out; returns -1 for an unknown command. */
typedef int (*ctl_handler)(const char *cmd, FILE *out, void *arg);

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
