/*
 * ev.h - the helper's single-threaded event loop: fd callbacks and timers.
 * Signal handlers only set flags; ev_run() returns when ev_stop() is called.
 */
#ifndef EV_H
#define EV_H

#include <signal.h>
#include <stdint.h>

typedef void (*ev_fd_cb)(int fd, void *arg);
typedef void (*ev_timer_cb)(void *arg);

/** ev_now_ms() - monotonic clock in milliseconds. */
uint64_t ev_now_ms(void);

/** ev_add() - call @cb when @fd is readable. Return 0 or -1 with errno. */
int ev_add(int fd, ev_fd_cb cb, void *arg);

/** ev_del() - stop watching @fd. */
void ev_del(int fd);

/**
 * ev_timer() - call @cb every @interval_ms (one-shot if 0) starting
 * @delay_ms from now. Return a timer id > 0, or -1 with errno.
 */
int ev_timer(uint64_t delay_ms, uint64_t interval_ms, ev_timer_cb cb, void *arg);

/** ev_timer_cancel() - cancel timer @id. */
void ev_timer_cancel(int id);

/**
 * ev_set_waitmask() - signal mask in force while the loop sleeps; the
 * caller keeps its signals blocked at all other times.
 */
void ev_set_waitmask(const sigset_t *mask);

/**
 * ev_on_signal() - call @cb from the loop, not from the handler, after
 * @sig arrives. Call after ev_set_waitmask(): @sig is then blocked except
 * while the loop sleeps. Return 0, or -1 with errno ENOSPC.
 */
int ev_on_signal(int sig, ev_timer_cb cb, void *arg);

/** ev_run() - dispatch until ev_stop(). Return 0, or -1 on poll failure. */
int ev_run(void);

/** ev_stop() - make ev_run() return (async-signal-safe). */
void ev_stop(void);

#endif
