/*
 * cgcount.h - copies and bytes sent per (client, group), for the
 * per-member metrics.
 *
 * An entry exists while the client is a member of the group: the owner
 * sets a group's members after each membership change and drops a client
 * when it disconnects. The nflog path counts into the entries; the bpf
 * path keeps its counts in a kernel map with the same keys and copies
 * them in before they are read. Groups are maddr keys.
 *
 * Pure: no I/O. Entries are kept sorted by (group, client).
 */
#ifndef CGCOUNT_H
#define CGCOUNT_H

#include <stddef.h>
#include <stdint.h>

#define CGC_MAX_DEFAULT 131072u	/* entries; the bpf map holds as many */

struct cg_entry {
	uint32_t group;
	uint32_t client;
	uint64_t frames;
	uint64_t bytes;
};

/* Told of each entry added or removed by a call below; may be NULL. */
struct cgc_hooks {
	void (*added)(void *arg, uint32_t group, uint32_t client);
	void (*removed)(void *arg, uint32_t group, uint32_t client);
	void *arg;
};

struct cgcount;

/**
 * cgc_new() - an empty table of at most @max entries (0 = default).
 * Return: the table, or NULL with errno ENOMEM.
 */
struct cgcount *cgc_new(unsigned int max, const struct cgc_hooks *hooks);

/** cgc_free() - free @t, without telling the hooks. */
void cgc_free(struct cgcount *t);

/**
 * cgc_set_group() - make @group's entries those of @clients[0..@n) (any
 * order, repeats allowed): new ones start at zero, the others keep their
 * counts, those of clients not listed go.
 * Return: 0, or -1 with errno ENOMEM or ENOSPC; the entries that fitted
 * are in, and the removals are done.
 */
int cgc_set_group(struct cgcount *t, uint32_t group, const uint32_t *clients, size_t n);

/** cgc_drop_client() - remove every entry of @client. */
void cgc_drop_client(struct cgcount *t, uint32_t client);

/** cgc_find() - the entry of (@group, @client), or NULL. */
struct cg_entry *cgc_find(struct cgcount *t, uint32_t group, uint32_t client);

/** cgc_count() - number of entries. */
size_t cgc_count(const struct cgcount *t);

/** cgc_at() - entry @i (0 <= @i < cgc_count()), in (group, client) order. */
struct cg_entry *cgc_at(const struct cgcount *t, size_t i);

#endif
