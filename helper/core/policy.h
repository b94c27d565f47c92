/*
 * policy.h - per-client multicast policy: which groups a client may join,
 * and how many groups and sources it may hold.
 *
 * Pure: rules in, decisions out. The config loader builds a policy from the
 * `policy` section; the daemon asks it at each join. Client entries are
 * complete after loading (each key a client entry leaves out is the
 * default's), so a lookup is one binary search by common name.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stddef.h>
#include <stdint.h>

#define POLICY_NAME_MAX 64	/* common names are at most 64 bytes */
#define POLICY_MAX_GROUPS 1024	/* ceiling of max_groups */
#define POLICY_MAX_SOURCES 256	/* ceiling of max_sources */
#define POLICY_DEFAULT_GROUPS 256
#define POLICY_DEFAULT_SOURCES 64

/* Why a join (or a source in a join) was refused. */
enum policy_refusal {
	POLICY_NOT_ALLOWED,	/* the group is in no allow prefix */
	POLICY_DENIED,		/* the group is in a deny prefix */
	POLICY_MAX_GROUPS_HIT,	/* the client holds max_groups groups */
	POLICY_MAX_SOURCES_HIT,	/* the record holds max_sources sources */
	POLICY_REFUSAL_MAX
};

/*
 * A multicast prefix: IPv4 in addr/mask (host byte order), or, with v6
 * set, IPv6 in a6/len6. An IPv4 group is checked against the IPv4
 * prefixes of a list only, an IPv6 group against the IPv6 ones: a list
 * without prefixes of a family allows nothing of it (fails closed).
 */
struct policy_prefix {
	uint32_t addr;
	uint32_t mask;
	uint8_t v6;
	uint8_t len6;
	uint8_t a6[16];
};

struct policy_rule {
	char name[POLICY_NAME_MAX + 1];	/* "default" or the common name */
	const struct policy_prefix *allow;
	const struct policy_prefix *deny;
	unsigned int nallow, ndeny;
	unsigned int max_groups;
	unsigned int max_sources;
};

struct policy {
	struct policy_rule def;
	struct policy_rule *clients;	/* sorted by name */
	unsigned int nclients;
	struct policy_prefix *pool;	/* every prefix list lives here */
	size_t npool;
};

/**
 * policy_init() - the policy without a `policy` section: every multicast
 * group allowed (224.0.0.0/4 and ff00::/8), 256 groups and 64 sources per record. Allocates nothing.
 */
void policy_init(struct policy *p);

/** policy_free() - release @p's lists and re-initialise it. */
void policy_free(struct policy *p);

/**
 * policy_move() - give @from's contents to @to (whose old contents are
 * freed) and leave @from initialised. Pointers into @from stay valid.
 */
void policy_move(struct policy *to, struct policy *from);

/**
 * policy_for() - the rule for a client with common name @cn: its own entry,
 * or the default. Never NULL.
 */
const struct policy_rule *policy_for(const struct policy *p, const char *cn);

/**
 * policy_check_group() - may a client under @r receive IPv4 @group (network
 * byte order)? deny beats allow.
 * Return: -1 if it may, else the refusal (POLICY_NOT_ALLOWED or _DENIED).
 */
int policy_check_group(const struct policy_rule *r, uint32_t group);

/**
 * policy_check_group6() - policy_check_group() for IPv6 group @a.
 */
int policy_check_group6(const struct policy_rule *r, const uint8_t a[16]);

/**
 * policy_parse_prefix() - parse "239.1.0.0/16" (or one address, "/32") as
 * an IPv4 multicast prefix, or "ff3e::/16" (one address: "/128") as an
 * IPv6 one, inside ff00::/8.
 * @why: on failure, a short reason for the error message.
 * Return: 0, or -1 with errno EINVAL.
 */
int policy_parse_prefix(const char *s, struct policy_prefix *out, const char **why);

/** policy_refusal_name() - "not_allowed", "denied", "max_groups", "max_sources". */
const char *policy_refusal_name(enum policy_refusal r);

/*
 * Building a policy (the config loader). Prefix lists are appended to the
 * pool while rules are built; policy_finish() resolves the lists and the
 * client overrides.
 */

/* A rule as written: which keys it sets. */
struct policy_entry {
	char name[POLICY_NAME_MAX + 1];
	int has_allow, has_deny, has_groups, has_sources;
	size_t allow_off, deny_off;	/* into the pool */
	unsigned int nallow, ndeny;
	unsigned int max_groups, max_sources;
};

/**
 * policy_pool_add() - append @pfx to @p's pool.
 * Return: its offset, or -1 with errno ENOMEM.
 */
long policy_pool_add(struct policy *p, const struct policy_prefix *pfx);

/**
 * policy_finish() - install the default entry @def and the @n client
 * entries @ents (each overriding the default key by key).
 * Return: 0; -1 with errno EEXIST and @dup set to the index of a common name
 * given twice, or ENOMEM.
 */
int policy_finish(struct policy *p, const struct policy_entry *def,
		  const struct policy_entry *ents, unsigned int n, unsigned int *dup);

#endif
