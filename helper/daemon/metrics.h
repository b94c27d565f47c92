/*
 * metrics.h - the figures of the status report as a Prometheus textfile
 * (node_exporter's textfile collector format).
 */
#ifndef METRICS_H
#define METRICS_H

#include <stdio.h>
#include <time.h>

struct status_view;

/**
 * metrics_write() - write the metrics of @v to @out. The figures come from
 * the status report itself (status_write()), so they mean the same on both
 * data paths; common names come from the registry, escaped as label values.
 * Return: 0, or -1 with errno.
 */
int metrics_write(FILE *out, const struct status_view *v, time_t now);

/**
 * metrics_write_file() - metrics_write() to @path atomically (temporary
 * file in the same directory, then rename), so that a collector never reads
 * half a file. Return: 0, or -1 with errno.
 */
int metrics_write_file(const char *path, const struct status_view *v, time_t now);

#endif
