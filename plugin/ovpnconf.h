/*
 * ovpnconf.h - find out whether OpenVPN runs with client-to-client.
 *
 * OpenVPN does not tell plugins its options, so the plugin reads the same
 * sources OpenVPN did: its command line and the config files named there.
 */
#ifndef OVPNCONF_H
#define OVPNCONF_H

#include <stddef.h>

/**
 * ovpnconf_text_has() - does config text @text set the option @opt
 * (without leading dashes)? Comments (# and ;) are ignored.
 * @include: if not NULL, called with the argument of each "config" line
 *   so the caller can follow nested config files.
 * Return: 1 if found, else 0.
 */
int ovpnconf_text_has(const char *text, const char *opt,
		      void (*include)(const char *path, void *arg), void *arg);

/**
 * ovpnconf_argv_has() - does the OpenVPN command line @argv (NUL-separated
 * in @len bytes, as in /proc/PID/cmdline) set --@opt, either directly or in
 * a config file it names? Return 1 if so, else 0.
 */
int ovpnconf_argv_has(const char *argv, size_t len, const char *opt);

/** ovpnconf_self_has() - ovpnconf_argv_has() for the running process. */
int ovpnconf_self_has(const char *opt);

#endif
