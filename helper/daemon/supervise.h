/*
 * supervise.h - the privileged supervisor that restarts a crashed helper.
 */
#ifndef SUPERVISE_H
#define SUPERVISE_H

/**
 * supervise_run() - sit between the plugin (on @plugin_fd) and a helper
 * daemon started from @self (this binary) with @cfgpath (NULL: defaults).
 * Relays the plugin's events, keeps a copy of the client registry and
 * restarts a helper that crashed, replaying the tap and the clients to it.
 * Return: the exit status once the plugin has gone away and the helper has
 * stopped (or its leftovers in the kernel were removed).
 */
int supervise_run(const char *self, const char *cfgpath, int plugin_fd);

#endif
