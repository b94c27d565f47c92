/*
 * log.h - the one logging API of the helper.
 *
 * log_warn() and fatal() append strerror(errno); the *x variants do not.
 * Messages go to syslog, and to stderr when running in the foreground.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/**
 * log_init() - set identity, destinations and verbosity.
 * @use_syslog: also send messages to syslog (daemon facility).
 * @use_stderr: also print messages to stderr, prefixed with @ident (the
 *   helper's stderr is OpenVPN's, so its lines land in OpenVPN's log).
 */
void log_init(const char *ident, int use_syslog, int use_stderr, int level);
void log_setlevel(int level);

/**
 * log_last_warning() - the text of the most recent warning or error, "" if
 * none: lets a caller report a failure a module has already explained.
 */
const char *log_last_warning(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
