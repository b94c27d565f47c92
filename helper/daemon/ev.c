/*
 * ev.c - epoll event loop with millisecond timers.
 *
 * Signals the daemon cares about stay blocked except inside epoll_pwait(),
 * so a flag set by a handler is always seen before the loop sleeps again.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"

#define EV_MAX_FDS 32
#define EV_MAX_TIMERS 32
#define EV_MAX_SIGNALS 4

struct ev_fd {
	int fd;
	ev_fd_cb cb;
	void *arg;
};

struct ev_tmr {
	int id;
	uint64_t due;
	uint64_t interval;
	ev_timer_cb cb;
	void *arg;
};

static int ep = -1;
static struct ev_fd fds[EV_MAX_FDS];
static struct ev_tmr tmrs[EV_MAX_TIMERS];
static int next_timer_id = 1;
static volatile sig_atomic_t stopping;
static sigset_t waitmask;
static int have_waitmask;

static struct ev_sig {
	int sig;
	volatile sig_atomic_t pending;
	ev_timer_cb cb;
	void *arg;
} sigs[EV_MAX_SIGNALS];

static void ev_sig_handler(int sig)
{
	for (int i = 0; i < EV_MAX_SIGNALS; i++)
		if (sigs[i].sig == sig)
			sigs[i].pending = 1;
}

int ev_on_signal(int sig, ev_timer_cb cb, void *arg)
{
	struct sigaction sa = { .sa_handler = ev_sig_handler };
	sigset_t one;

	for (int i = 0; i < EV_MAX_SIGNALS; i++) {
		if (sigs[i].sig)
			continue;
		sigs[i] = (struct ev_sig){ .sig = sig, .cb = cb, .arg = arg };
		sigemptyset(&one);
		sigaddset(&one, sig);
		sigprocmask(SIG_BLOCK, &one, NULL);
		if (have_waitmask)
			sigdelset(&waitmask, sig);
		sigaction(sig, &sa, NULL);
		return 0;
	}
	errno = ENOSPC;
	return -1;
}

static void ev_signals_run(void)
{
	for (int i = 0; i < EV_MAX_SIGNALS; i++)
		if (sigs[i].sig && sigs[i].pending) {
			sigs[i].pending = 0;
			sigs[i].cb(sigs[i].arg);
		}
}

uint64_t ev_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void ev_set_waitmask(const sigset_t *mask)
{
	waitmask = *mask;
	have_waitmask = 1;
}

static int ev_setup(void)
{
	if (ep >= 0)
		return 0;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -1;
	for (int i = 0; i < EV_MAX_FDS; i++)
		fds[i].fd = -1;
	return 0;
}

int ev_add(int fd, ev_fd_cb cb, void *arg)
{
	struct epoll_event e = { .events = EPOLLIN };
	int slot = -1;

	if (ev_setup() < 0)
		return -1;
	for (int i = 0; i < EV_MAX_FDS; i++)
		if (fds[i].fd < 0) {
			slot = i;
			break;
		}
	if (slot < 0) {
		errno = ENOSPC;
		return -1;
	}
	e.data.u32 = (uint32_t)slot;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0)
		return -1;
	fds[slot] = (struct ev_fd){ fd, cb, arg };
	return 0;
}

void ev_del(int fd)
{
	for (int i = 0; i < EV_MAX_FDS; i++)
		if (fds[i].fd == fd && fd >= 0) {
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			fds[i].fd = -1;
		}
}

int ev_timer(uint64_t delay_ms, uint64_t interval_ms, ev_timer_cb cb, void *arg)
{
	for (int i = 0; i < EV_MAX_TIMERS; i++)
		if (!tmrs[i].id) {
			tmrs[i] = (struct ev_tmr){ next_timer_id++, ev_now_ms() + delay_ms,
						   interval_ms, cb, arg };
			return tmrs[i].id;
		}
	errno = ENOSPC;
	return -1;
}

void ev_timer_cancel(int id)
{
	for (int i = 0; i < EV_MAX_TIMERS; i++)
		if (id > 0 && tmrs[i].id == id)
			tmrs[i].id = 0;
}

/* Run due timers; return the ms until the next one, or -1 if none. */
static int ev_timers_run(void)
{
	uint64_t now = ev_now_ms(), next = UINT64_MAX;

	for (int i = 0; i < EV_MAX_TIMERS; i++) {
		struct ev_tmr *t = &tmrs[i];

		if (!t->id || t->due > now)
			continue;
		if (t->interval) {
			t->due = now + t->interval;
		} else {
			t->id = 0;
		}
		t->cb(t->arg);
	}
	now = ev_now_ms();
	for (int i = 0; i < EV_MAX_TIMERS; i++)
		if (tmrs[i].id && tmrs[i].due < next)
			next = tmrs[i].due;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
}

int ev_run(void)
{
	struct epoll_event evs[EV_MAX_FDS];

	if (ev_setup() < 0)
		return -1;
	stopping = 0;
	while (!stopping) {
		int timeout = ev_timers_run();
		int n;

		if (stopping)
			break;
		n = epoll_pwait(ep, evs, EV_MAX_FDS, timeout, have_waitmask ? &waitmask : NULL);
		if (n < 0 && errno == EINTR) {
			ev_signals_run();
			continue;
		}
		if (n < 0) {
			log_warn("epoll_pwait");
			return -1;
		}
		for (int i = 0; i < n && !stopping; i++) {
			struct ev_fd *f = &fds[evs[i].data.u32];

			/* The slot may have been emptied by an earlier callback. */
			if (f->fd >= 0)
				f->cb(f->fd, f->arg);
		}
	}
	return 0;
}

void ev_stop(void)
{
	stopping = 1;
}
