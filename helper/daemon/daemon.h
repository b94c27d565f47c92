/*
 * daemon.h - the helper daemon.
 */
#ifndef DAEMON_H
#define DAEMON_H

/**
 * daemon_run() - load @cfgpath (NULL: defaults), report ready to the plugin
 * on @plugin_fd and serve until the plugin goes away or a signal arrives.
 * Return: the exit status. Startup errors are sent to the plugin and exit.
 */
int daemon_run(const char *cfgpath, int plugin_fd);

#endif
