/*
 * log.c - logging to syslog and stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static int log_syslog;
static int log_stderr = 1;
static int log_level = LOG_LVL_INFO;
static const char *log_ident = "openvpn-mcast-helper";
static char log_last[1024];

void log_init(const char *ident, int use_syslog, int use_stderr, int level)
{
	log_ident = ident;
	log_syslog = use_syslog;
	log_stderr = use_stderr;
	log_level = level;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_setlevel(int level)
{
	log_level = level;
}

static void log_emit(int level, int with_errno, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	int saved = errno;
	char msg[1024];
	int n;

	if (level > log_level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(saved));
	if (level <= LOG_LVL_WARN)
		memcpy(log_last, msg, sizeof(log_last));
	if (log_syslog)
		syslog(prio[level], "%s", msg);
	if (log_stderr)
		fprintf(stderr, "%s: %s%s\n", log_ident, tag[level], msg);
	errno = saved;
}

const char *log_last_warning(void)
{
	return log_last;
}

#define LOG_BODY(level, with_errno)                  \
	do {                                         \
		va_list ap;                          \
		va_start(ap, fmt);                   \
		log_emit(level, with_errno, fmt, ap); \
		va_end(ap);                          \
	} while (0)

void log_warn(const char *fmt, ...) { LOG_BODY(LOG_LVL_WARN, 1); }
void log_warnx(const char *fmt, ...) { LOG_BODY(LOG_LVL_WARN, 0); }
void log_info(const char *fmt, ...) { LOG_BODY(LOG_LVL_INFO, 0); }
void log_debug(const char *fmt, ...) { LOG_BODY(LOG_LVL_DEBUG, 0); }

void fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_ERR, 1);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_ERR, 0);
	exit(1);
}
