/*
 * policy.c - per-client multicast policy (see policy.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static const struct policy_prefix all_multicast[2] = {
	{ .addr = 0xe0000000u, .mask = 0xf0000000u },
	{ .v6 = 1, .len6 = 8, .a6 = { 0xff } },
};

static const char *const refusal_names[POLICY_REFUSAL_MAX] = {
	[POLICY_NOT_ALLOWED] = "not_allowed",
	[POLICY_DENIED] = "denied",
	[POLICY_MAX_GROUPS_HIT] = "max_groups",
	[POLICY_MAX_SOURCES_HIT] = "max_sources",
};

const char *policy_refusal_name(enum policy_refusal r)
{
	return (unsigned)r < POLICY_REFUSAL_MAX ? refusal_names[r] : "?";
}

void policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->def.name, "default");
	p->def.allow = all_multicast;
	p->def.nallow = 2;
	p->def.max_groups = POLICY_DEFAULT_GROUPS;
	p->def.max_sources = POLICY_DEFAULT_SOURCES;
}

void policy_free(struct policy *p)
{
	free(p->clients);
	free(p->pool);
	policy_init(p);
}

void policy_move(struct policy *to, struct policy *from)
{
	free(to->clients);
	free(to->pool);
	*to = *from;
	policy_init(from);
}

static int rule_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct policy_rule *)elem)->name);
}

const struct policy_rule *policy_for(const struct policy *p, const char *cn)
{
	const struct policy_rule *r = NULL;

	if (p->nclients && cn)
		r = bsearch(cn, p->clients, p->nclients, sizeof(*p->clients), rule_cmp);
	return r ? r : &p->def;
}

static int in_list(const struct policy_prefix *l, unsigned int n, uint32_t a)
{
	for (unsigned int i = 0; i < n; i++)
		if (!l[i].v6 && (a & l[i].mask) == l[i].addr)
			return 1;
	return 0;
}

/* Do the first @len bits of @a and @b agree? */
static int bits_equal(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	unsigned int whole = len / 8, rest = len % 8;

	if (memcmp(a, b, whole))
		return 0;
	return !rest || !((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest)));
}

static int in_list6(const struct policy_prefix *l, unsigned int n, const uint8_t *a)
{
	for (unsigned int i = 0; i < n; i++)
		if (l[i].v6 && bits_equal(a, l[i].a6, l[i].len6))
			return 1;
	return 0;
}

int policy_check_group6(const struct policy_rule *r, const uint8_t a[16])
{
	if (in_list6(r->deny, r->ndeny, a))
		return POLICY_DENIED;
	if (!in_list6(r->allow, r->nallow, a))
		return POLICY_NOT_ALLOWED;
	return -1;
}

/* parse_prefix() for "ff3e::/16": into @out, or -1 with @why. */
static int parse_prefix6(char *buf, const char *slash, struct policy_prefix *out,
			 const char **why)
{
	uint8_t a[16];
	long len = 128;
	char *end;

	if (slash) {
		errno = 0;
		len = strtol(slash, &end, 10);
		if (!*slash || *end || errno || len < 0 || len > 128) {
			*why = "the prefix length must be 0 to 128";
			return -1;
		}
	}
	if (inet_pton(AF_INET6, buf, a) != 1) {
		*why = "not an IPv6 address";
		return -1;
	}
	/* Host bits: the address must equal itself cut to the prefix. */
	memset(out, 0, sizeof(*out));
	memcpy(out->a6, a, (size_t)len / 8);
	if (len % 8)
		out->a6[len / 8] = a[len / 8] & (uint8_t)(0xff << (8 - len % 8));
	if (memcmp(out->a6, a, 16)) {
		*why = "host bits are set after the prefix length";
		return -1;
	}
	if (len < 8 || a[0] != 0xff) {
		*why = "not inside ff00::/8 (IPv6 multicast)";
		return -1;
	}
	out->v6 = 1;
	out->len6 = (uint8_t)len;
	return 0;
}

int policy_check_group(const struct policy_rule *r, uint32_t group)
{
	uint32_t a = ntohl(group);

	if (in_list(r->deny, r->ndeny, a))
		return POLICY_DENIED;
	if (!in_list(r->allow, r->nallow, a))
		return POLICY_NOT_ALLOWED;
	return -1;
}

int policy_parse_prefix(const char *s, struct policy_prefix *out, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 5], *slash, *end;
	struct in_addr in;
	long len = 32;
	uint32_t a, mask;

	if (strlen(s) >= sizeof(buf)) {
		*why = "not an IPv4 or IPv6 prefix";
		goto bad;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (strchr(buf, ':')) {
		if (parse_prefix6(buf, slash, out, why) < 0)
			goto bad;
		return 0;
	}
	if (slash) {
		errno = 0;
		len = strtol(slash, &end, 10);
		if (!*slash || *end || errno || len < 0 || len > 32) {
			*why = "the prefix length must be 0 to 32";
			goto bad;
		}
	}
	if (inet_pton(AF_INET, buf, &in) != 1) {
		*why = "not an IPv4 address";
		goto bad;
	}
	a = ntohl(in.s_addr);
	mask = len ? 0xffffffffu << (32 - len) : 0;
	if (a & ~mask) {
		*why = "host bits are set after the prefix length";
		goto bad;
	}
	if (len < 4 || (a & 0xf0000000u) != 0xe0000000u) {
		*why = "not inside 224.0.0.0/4 (IPv4 multicast)";
		goto bad;
	}
	memset(out, 0, sizeof(*out));
	out->addr = a;
	out->mask = mask;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

long policy_pool_add(struct policy *p, const struct policy_prefix *pfx)
{
	/* Grow by doubling: the pool's size is only ever a power of two. */
	if ((p->npool & (p->npool - 1)) == 0) {
		size_t cap = p->npool ? 2 * p->npool : 8;
		struct policy_prefix *n = realloc(p->pool, cap * sizeof(*n));

		if (!n) {
			errno = ENOMEM;
			return -1;
		}
		p->pool = n;
	}
	p->pool[p->npool] = *pfx;
	return (long)p->npool++;
}

/* @r from @e, with what @e leaves out taken from @base. */
static void rule_build(struct policy *p, struct policy_rule *r, const struct policy_entry *e,
		       const struct policy_rule *base)
{
	*r = *base;
	memcpy(r->name, e->name, sizeof(r->name));
	/* An empty list points nowhere: the pool may not exist at all. */
	if (e->has_allow) {
		r->allow = e->nallow ? p->pool + e->allow_off : NULL;
		r->nallow = e->nallow;
	}
	if (e->has_deny) {
		r->deny = e->ndeny ? p->pool + e->deny_off : NULL;
		r->ndeny = e->ndeny;
	}
	if (e->has_groups)
		r->max_groups = e->max_groups;
	if (e->has_sources)
		r->max_sources = e->max_sources;
}

static int rule_sort(const void *a, const void *b)
{
	return strcmp(((const struct policy_rule *)a)->name, ((const struct policy_rule *)b)->name);
}

int policy_finish(struct policy *p, const struct policy_entry *def,
		  const struct policy_entry *ents, unsigned int n, unsigned int *dup)
{
	struct policy_rule builtin = p->def;

	if (def) {
		rule_build(p, &p->def, def, &builtin);
		strcpy(p->def.name, "default");
	}
	free(p->clients);
	p->clients = NULL;
	p->nclients = 0;
	if (!n)
		return 0;
	p->clients = calloc(n, sizeof(*p->clients));
	if (!p->clients) {
		errno = ENOMEM;
		return -1;
	}
	for (unsigned int i = 0; i < n; i++)
		rule_build(p, &p->clients[i], &ents[i], &p->def);
	qsort(p->clients, n, sizeof(*p->clients), rule_sort);
	for (unsigned int i = 1; i < n; i++) {
		const char *name = p->clients[i].name;
		unsigned int k, seen = 0;

		if (strcmp(name, p->clients[i - 1].name))
			continue;
		/* Report the second entry as written, where the user looks. */
		for (k = 0; k < n; k++)
			if (!strcmp(ents[k].name, name) && seen++)
				break;
		*dup = k;
		free(p->clients);
		p->clients = NULL;
		errno = EEXIST;
		return -1;
	}
	p->nclients = n;
	return 0;
}
