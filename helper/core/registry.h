/*
 * registry.h - the helper's table of connected OpenVPN clients.
 *
 * Pure bookkeeping: the caller passes the time and the event fields as the
 * plugin sent them. Clients are keyed by the plugin's per-instance id, never
 * by common name (names repeat with duplicate-cn).
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stdint.h>
#include <time.h>

#include "mcast_proto.h"
#include "policy.h"

#define REG_MAX_MACS 4

struct client {
	uint32_t id;
	char cn[MCP_MAX_STR + 1];
	char real[MCP_MAX_STR + 1];     /* "ip:port" of the VPN peer */
	char pool_ip[MCP_MAX_STR + 1];  /* ifconfig_pool_remote_ip, may be "" */
	uint8_t mac[REG_MAX_MACS][6];
	uint16_t vid[REG_MAX_MACS];
	unsigned nmacs;
	time_t since;
	uint64_t frames_sent;
	uint64_t bytes_sent;
	uint64_t refused[POLICY_REFUSAL_MAX]; /* joins the policy refused, by reason */
	uint64_t refused_quiet_until;   /* ms: no refusal log line before then */
	unsigned refused_unlogged;      /* refusals not logged since the last line */
	struct client *hnext;           /* registry's id hash chain */
};

struct registry;

/** reg_new() - an empty registry, or NULL with errno ENOMEM. */
struct registry *reg_new(void);
void reg_free(struct registry *reg);

/**
 * reg_connect() - record a connected client; an existing entry with the
 * same id is replaced. Return the entry, or NULL with errno ENOMEM.
 */
struct client *reg_connect(struct registry *reg, uint32_t id, const char *cn,
			   const char *pool_ip, const char *real, time_t now);

/**
 * reg_disconnect() - forget client @id.
 * Return 0, or -1 with errno ENOENT.
 */
int reg_disconnect(struct registry *reg, uint32_t id);

/**
 * reg_learn() - apply an OpenVPN learn-address event.
 * @op: "add", "update" or "delete".
 * @addr: "aa:bb:cc:dd:ee:ff@vid" as OpenVPN passes it in TAP mode.
 *
 * add/update give the MAC to client @id (taking it from any other client:
 * a MAC follows a reconnect). delete removes it from @id only, because
 * OpenVPN's delete can arrive after the MAC has moved on.
 * Return 0, or -1 with errno EINVAL (bad op or address), ENOENT (unknown
 * client) or ENOSPC (client already has REG_MAX_MACS addresses).
 */
int reg_learn(struct registry *reg, uint32_t id, const char *op, const char *addr);

/** reg_find() - client @id, or NULL. O(1): the data path calls it per copy. */
struct client *reg_find(const struct registry *reg, uint32_t id);

/** reg_find_mac() - the client owning @mac, or NULL. */
struct client *reg_find_mac(const struct registry *reg, const uint8_t mac[6]);

/** reg_count() - number of connected clients. */
unsigned reg_count(const struct registry *reg);

/** reg_at() - the @i-th client (0 <= i < reg_count()), in connect order. */
struct client *reg_at(const struct registry *reg, unsigned i);

/**
 * reg_parse_mac() - parse "aa:bb:cc:dd:ee:ff" optionally followed by
 * "@vid". Return 0, or -1 with errno EINVAL.
 */
int reg_parse_mac(const char *s, uint8_t mac[6], uint16_t *vid);

/** reg_format_mac() - "aa:bb:cc:dd:ee:ff" into @buf (at least 18 bytes). */
char *reg_format_mac(const uint8_t mac[6], char *buf);

#endif
