/*
 * status.h - the status report (control socket `status`, status file).
 *
 * CSV in the style of OpenVPN's status-version 2: HEADER rows name the
 * columns, END closes the output. Columns may be appended, never removed
 * or reordered.
 */
#ifndef STATUS_H
#define STATUS_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct registry;
struct client;
struct policy;
struct cgcount;
struct maddr;

/* What the report shows. The daemon fills one of these from its modules. */
struct status_view {
	const struct registry *reg;
	/* The policy in force: names each client's rule. May be NULL. */
	const struct policy *policy;
	/* Per (client, group) counters, for the metrics. May be NULL. */
	const struct cgcount *cg;
	/* Turns IPv6 group keys into addresses. May be NULL (IPv4 only). */
	const struct maddr *addrs;
	/* Writes the client's groups, space separated. May be NULL. */
	void (*client_groups)(void *arg, const struct client *c, FILE *out);
	/* Writes one "GROUP,..." row per group. May be NULL. */
	void (*group_rows)(void *arg, FILE *out);
	/* Writes one "DROPS,reason,count" row per reason. May be NULL. */
	void (*drop_rows)(void *arg, FILE *out);
	/* Writes the UPSTREAM section, HEADER row included. May be NULL. */
	void (*upstream_rows)(void *arg, FILE *out);
	void *arg;
};

/**
 * status_write() - write the whole report for time @now to @out.
 * Return 0, or -1 with errno from the stream.
 */
int status_write(FILE *out, const struct status_view *v, time_t now);

/**
 * status_file_replace() - replace @path whole, never half-written: @render
 * writes into a temporary file beside it, which is synced, given mode 0644
 * and renamed over @path. Return 0, or -1 with errno (no temporary left).
 */
int status_file_replace(const char *path,
			int (*render)(FILE *, const struct status_view *, time_t),
			const struct status_view *v, time_t now);

/**
 * status_write_file() - write the report to @path atomically (temporary
 * file in the same directory, then rename). Return 0, or -1 with errno.
 */
int status_write_file(const char *path, const struct status_view *v, time_t now);

#endif
