/*
 * maddr.h - one 32-bit key space for IPv4 and IPv6 group and source
 * addresses, so that the membership engine, the upstream merge and the
 * data plane's maps keep a single code path for both families.
 *
 * An IPv4 address is its own key (network byte order, as in struct
 * in_addr). An IPv6 address is interned: it gets a key in 240.0.0.0/4,
 * IPv4's reserved class E, which is never an IPv4 group. A source's
 * family is its group's: a source key is read as IPv6 only under an IPv6
 * group, so an IPv4 record that names a class E source stays IPv4.
 *
 * Interned keys are reclaimed by mark and sweep: the owner marks every key
 * still in use, then sweeps the rest. Pure: no I/O, no clock.
 */
#ifndef MADDR_H
#define MADDR_H

#include <stddef.h>
#include <stdint.h>

#define MADDR_MAX_DEFAULT 65536u	/* interned IPv6 addresses */
#define MADDR_MAX_LIMIT	(1u << 28)	/* keys class E can hold */
/* Longest text maddr_ntop() writes, NUL included (INET6_ADDRSTRLEN). */
#define MADDR_STRLEN	46

struct maddr;

/** maddr_is6() - is @key an interned IPv6 address (as a group key)? */
static inline int maddr_is6(uint32_t key)
{
	return (((const uint8_t *)&key)[0] & 0xf0) == 0xf0;
}

/**
 * maddr_new() - an empty table for up to @max IPv6 addresses (0 = the
 * default, at most MADDR_MAX_LIMIT). Return: the table, or NULL with
 * errno ENOMEM or EINVAL.
 */
struct maddr *maddr_new(unsigned int max);

/** maddr_free() - free @t. */
void maddr_free(struct maddr *t);

/**
 * maddr_intern() - the key of IPv6 address @a, given one if it has none.
 * Return: 0 with *@key set, or -1 with errno ENOSPC (table full) or ENOMEM.
 */
int maddr_intern(struct maddr *t, const uint8_t a[16], uint32_t *key);

/**
 * maddr_find() - the key of @a if it has one; never allocates.
 * Return: 0 with *@key set, or -1 with errno ENOENT.
 */
int maddr_find(const struct maddr *t, const uint8_t a[16], uint32_t *key);

/**
 * maddr_addr() - the IPv6 address behind @key, or NULL if @key is not an
 * interned address (an IPv4 key, or one swept).
 */
const uint8_t *maddr_addr(const struct maddr *t, uint32_t key);

/** maddr_mark() - keep @key through the next maddr_sweep(). */
void maddr_mark(struct maddr *t, uint32_t key);

/**
 * maddr_sweep() - forget every address not marked since the last sweep;
 * its key may be given to another address afterwards. @gone, if not NULL,
 * is told each one first (e.g. to delete it from a kernel map).
 * Return: how many were forgotten.
 */
unsigned int maddr_sweep(struct maddr *t,
			 void (*gone)(void *arg, uint32_t key, const uint8_t a[16]), void *arg);

/** maddr_count() - interned addresses. */
unsigned int maddr_count(const struct maddr *t);

/**
 * maddr_ntop() - @key as text: IPv6 if @group (the key of its group, or
 * @key itself for a group) is an IPv6 key, else IPv4. @buf has room for
 * MADDR_STRLEN. An IPv6 key no longer interned prints as "?".
 * Return: @buf.
 */
const char *maddr_ntop(const struct maddr *t, uint32_t key, uint32_t group, char *buf);

#endif
