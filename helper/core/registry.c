/*
 * registry.c - connected clients, in connect order.
 *
 * An array in connect order for status, plus a hash by id for the data
 * path, which credits each copy to its client. Lookups by MAC happen per
 * IGMP message, not per data packet, so they scan.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

#define REG_HASH_SIZE 1024 /* power of two */

struct registry {
	struct client **v;
	unsigned n, cap;
	struct client *hash[REG_HASH_SIZE];
};

static unsigned reg_hash(uint32_t id)
{
	return (id * 2654435761u) >> 22 & (REG_HASH_SIZE - 1);
}

static void reg_unhash(struct registry *reg, const struct client *c)
{
	struct client **pp = &reg->hash[reg_hash(c->id)];

	while (*pp && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = c->hnext;
}

struct registry *reg_new(void)
{
	return calloc(1, sizeof(struct registry));
}

void reg_free(struct registry *reg)
{
	if (!reg)
		return;
	for (unsigned i = 0; i < reg->n; i++)
		free(reg->v[i]);
	free(reg->v);
	free(reg);
}

static int reg_index(const struct registry *reg, uint32_t id)
{
	for (unsigned i = 0; i < reg->n; i++)
		if (reg->v[i]->id == id)
			return (int)i;
	return -1;
}

struct client *reg_find(const struct registry *reg, uint32_t id)
{
	struct client *c = reg->hash[reg_hash(id)];

	while (c && c->id != id)
		c = c->hnext;
	return c;
}

static int client_mac_index(const struct client *c, const uint8_t mac[6])
{
	for (unsigned i = 0; i < c->nmacs; i++)
		if (!memcmp(c->mac[i], mac, 6))
			return (int)i;
	return -1;
}

struct client *reg_find_mac(const struct registry *reg, const uint8_t mac[6])
{
	for (unsigned i = 0; i < reg->n; i++)
		if (client_mac_index(reg->v[i], mac) >= 0)
			return reg->v[i];
	return NULL;
}

static void copy_str(char *dst, const char *src)
{
	size_t n = src ? strnlen(src, MCP_MAX_STR) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

struct client *reg_connect(struct registry *reg, uint32_t id, const char *cn,
			   const char *pool_ip, const char *real, time_t now)
{
	struct client *c = reg_find(reg, id);

	if (!c) {
		if (reg->n == reg->cap) {
			unsigned cap = reg->cap ? reg->cap * 2 : 16;
			struct client **v = realloc(reg->v, cap * sizeof(*v));

			if (!v)
				return NULL;
			reg->v = v;
			reg->cap = cap;
		}
		c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		reg->v[reg->n++] = c;
	} else {
		reg_unhash(reg, c);
	}
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->hnext = reg->hash[reg_hash(id)];
	reg->hash[reg_hash(id)] = c;
	copy_str(c->cn, cn);
	copy_str(c->pool_ip, pool_ip);
	copy_str(c->real, real);
	c->since = now;
	return c;
}

int reg_disconnect(struct registry *reg, uint32_t id)
{
	int i = reg_index(reg, id);

	if (i < 0) {
		errno = ENOENT;
		return -1;
	}
	reg_unhash(reg, reg->v[i]);
	free(reg->v[i]);
	memmove(&reg->v[i], &reg->v[i + 1], (reg->n - (unsigned)i - 1) * sizeof(reg->v[0]));
	reg->n--;
	return 0;
}

static void client_mac_drop(struct client *c, int i)
{
	c->nmacs--;
	memmove(c->mac[i], c->mac[i + 1], (c->nmacs - (unsigned)i) * 6);
	memmove(&c->vid[i], &c->vid[i + 1], (c->nmacs - (unsigned)i) * sizeof(c->vid[0]));
}

int reg_learn(struct registry *reg, uint32_t id, const char *op, const char *addr)
{
	struct client *c = reg_find(reg, id), *owner;
	uint8_t mac[6];
	uint16_t vid;
	int i;

	if (reg_parse_mac(addr, mac, &vid) < 0)
		return -1;
	if (!strcmp(op, "delete")) {
		if (!c || (i = client_mac_index(c, mac)) < 0) {
			errno = ENOENT;
			return -1;
		}
		client_mac_drop(c, i);
		return 0;
	}
	if (strcmp(op, "add") && strcmp(op, "update")) {
		errno = EINVAL;
		return -1;
	}
	if (!c) {
		errno = ENOENT;
		return -1;
	}
	if (client_mac_index(c, mac) >= 0)
		return 0;
	if (c->nmacs == REG_MAX_MACS) {
		errno = ENOSPC;
		return -1;
	}
	owner = reg_find_mac(reg, mac);
	if (owner)
		client_mac_drop(owner, client_mac_index(owner, mac));
	memcpy(c->mac[c->nmacs], mac, 6);
	c->vid[c->nmacs] = vid;
	c->nmacs++;
	return 0;
}

unsigned reg_count(const struct registry *reg)
{
	return reg->n;
}

struct client *reg_at(const struct registry *reg, unsigned i)
{
	return i < reg->n ? reg->v[i] : NULL;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int reg_parse_mac(const char *s, uint8_t mac[6], uint16_t *vid)
{
	unsigned long v = 0;

	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (lo < 0 || (i < 5 && s[2] != ':'))
			goto bad;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += i < 5 ? 3 : 2;
	}
	if (*s == '@') {
		char *end;

		s++;
		if (*s < '0' || *s > '9')
			goto bad;
		v = strtoul(s, &end, 10);
		if (*end || v > 4095)
			goto bad;
	} else if (*s) {
		goto bad;
	}
	*vid = (uint16_t)v;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

char *reg_format_mac(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}
