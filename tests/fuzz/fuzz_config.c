/*
 * fuzz_config.c - libFuzzer target over the configuration loader
 * (helper/core/config.c: cfg_load()).
 *
 * The input is the configuration file. cfg_load() is called unchanged, on a
 * memfd reached through /proc/self/fd, so libconfig's own file reader runs
 * as in the helper. Inputs that mention "include" are skipped: @include
 * would read other files of this machine (or /dev/zero), which tests
 * nothing of ours.
 *
 * A load that succeeds must leave a configuration the helper can use: every
 * string terminated within its field, every number in its documented
 * range, an absolute control socket, a non-empty nft table name of
 * [A-Za-z0-9_] and a valid upstream name, and a policy whose prefixes are
 * multicast with no host bits, whose caps are in range and whose client
 * entries are sorted, unique and found by name. A load that fails must say
 * why, with errno EINVAL. Any violation aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

static void die(const char *what)
{
	fprintf(stderr, "fuzz_config: %s\n", what);
	abort();
}

/*
 * libconfig 1.5's scanner leaks the token it is building (a string, in
 * strbuf_append or libconfig_yylex) when the file has a syntax error there;
 * config_destroy() cannot reach it. That is libconfig's, once per refused
 * file at start-up: do not report it as ours. Leaks of the setting tree
 * (a missing config_destroy()) are still reported.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

static int fd = -1;
static char path[64];

static void check_string(const char *s, size_t size, const char *what)
{
	if (strnlen(s, size) >= size)
		die(what);
}

static int only(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}

static void check_cfg(const struct cfg *c)
{
	check_string(c->helper, sizeof(c->helper), "helper not terminated");
	check_string(c->control_socket, sizeof(c->control_socket),
		     "control_socket not terminated");
	check_string(c->status_file, sizeof(c->status_file), "status_file not terminated");
	check_string(c->metrics_file, sizeof(c->metrics_file), "metrics_file not terminated");
	check_string(c->nft_table, sizeof(c->nft_table), "nft_table not terminated");
	check_string(c->upstream, sizeof(c->upstream), "upstream not terminated");
	if (c->control_socket[0] != '/')
		die("control_socket is not absolute");
	/* "%i" (the instance) is the one non-name sequence nft_table may hold. */
	for (const char *p = strchr(c->nft_table, '%'); p; p = strchr(p + 1, '%'))
		if (p[1] != 'i')
			die("nft_table has a '%' that is not %i");
	if (!c->nft_table[0] || !only(c->nft_table, "_%"))
		die("nft_table is empty or has a bad character");
	if (!only(c->upstream, "_.-") || !strcmp(c->upstream, ".") ||
	    !strcmp(c->upstream, ".."))
		die("upstream is not a valid interface name");
	if (c->status_interval < 1 || c->status_interval > 86400 ||
	    c->nflog_group < 0 || c->nflog_group > 65535 ||
	    c->nflog_batch_ms < 0 || c->nflog_batch_ms > 100 ||
	    c->log_level < 0 || c->log_level > 3)
		die("a number is out of range");
	if (c->datapath != DATAPATH_AUTO && c->datapath != DATAPATH_BPF &&
	    c->datapath != DATAPATH_NFLOG)
		die("bad datapath");
	if (c->igmp.querier != QUERIER_AUTO && c->igmp.querier != QUERIER_ON &&
	    c->igmp.querier != QUERIER_OFF)
		die("bad igmp.querier");
	if (c->igmp.version < 1 || c->igmp.version > 3 ||
	    c->igmp.robustness < 1 || c->igmp.robustness > 7 ||
	    c->igmp.query_interval < 1 || c->igmp.query_interval > 3600 ||
	    c->igmp.query_response_interval < 1 ||
	    c->igmp.query_response_interval > 25 ||
	    c->igmp.query_response_interval >= c->igmp.query_interval)
		die("an igmp number is out of range");
}

/*
 * Settled for a tap, a loaded config names a usable table and group, or
 * says why not; explicit settings stay as they were.
 */
static void check_instance(const struct cfg *loaded)
{
	static const char *const devs[] = { "tap0", "tap-udp.1", "t" };
	char err[512];

	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		struct cfg c = *loaded;	/* the policy is shared, never freed here */

		if (cfg_instance(&c, devs[i], 7, err, sizeof(err)) < 0) {
			if (errno != ENAMETOOLONG || !err[0])
				die("cfg_instance failed without a reason");
			continue;
		}
		if (cfg_needs_instance(&c))
			die("settled config still needs the instance");
		if (!c.nft_table[0] || !only(c.nft_table, "_"))
			die("settled nft_table has a bad character");
		if (c.nflog_group < 1 || c.nflog_group > 65535)
			die("settled nflog_group out of range");
		if (loaded->nflog_group && c.nflog_group != loaded->nflog_group)
			die("an explicit nflog_group changed");
		if (!strstr(loaded->nft_table, "%i") && strcmp(c.nft_table, loaded->nft_table))
			die("an explicit nft_table changed");
		if (c.control_socket[0] != '/')
			die("settled control_socket is not absolute");
	}
}

/* An IPv6 prefix: inside ff00::/8, no bits set past its length. */
static int clean6(const struct policy_prefix *p)
{
	if (p->addr || p->mask || p->len6 < 8 || p->len6 > 128 || p->a6[0] != 0xff)
		return 0;
	for (unsigned int b = p->len6; b < 128; b++)
		if (p->a6[b / 8] & (0x80 >> (b % 8)))
			return 0;
	return 1;
}

static void check_prefixes(const struct policy_prefix *l, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (l[i].v6 ? !clean6(&l[i]) :
		    (l[i].addr & ~l[i].mask) || (l[i].addr & 0xf0000000u) != 0xe0000000u ||
		    (l[i].mask & 0xf0000000u) != 0xf0000000u)
			die("a policy prefix is not a clean multicast prefix");
}

static void check_rule(const struct policy_rule *r)
{
	check_string(r->name, sizeof(r->name), "policy name not terminated");
	if (!r->name[0])
		die("empty policy name");
	if (r->max_groups < 1 || r->max_groups > POLICY_MAX_GROUPS ||
	    r->max_sources < 1 || r->max_sources > POLICY_MAX_SOURCES)
		die("a policy cap is out of range");
	check_prefixes(r->allow, r->nallow);
	check_prefixes(r->deny, r->ndeny);
}

static void check_policy(const struct policy *p)
{
	check_rule(&p->def);
	if (strcmp(p->def.name, "default") || policy_for(p, "") != &p->def)
		die("the default rule is not the default");
	for (unsigned int i = 0; i < p->nclients; i++) {
		check_rule(&p->clients[i]);
		if (i && strcmp(p->clients[i - 1].name, p->clients[i].name) >= 0)
			die("policy clients not sorted and unique");
		if (policy_for(p, p->clients[i].name) != &p->clients[i])
			die("a policy client is not found by name");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg cfg;
	char err[512];

	if (memmem(data, size, "include", 7))
		return 0;
	if (fd < 0) {
		fd = memfd_create("fuzz_config", MFD_CLOEXEC);
		if (fd < 0)
			die("memfd_create");
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 ||
	    (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		die("cannot write the memfd");

	cfg_defaults(&cfg);
	memset(err, 0xa5, sizeof(err));
	if (cfg_load(&cfg, path, err, sizeof(err)) == 0) {
		check_cfg(&cfg);
		check_policy(&cfg.policy);
		check_instance(&cfg);
	} else {
		if (errno != EINVAL)
			die("a bad file fails without EINVAL");
		if (strnlen(err, sizeof(err)) >= sizeof(err) || !err[0])
			die("no error message");
		/* A failed load leaves the policy as it was: the default. */
		if (cfg.policy.nclients || cfg.policy.npool)
			die("a failed load changed the policy");
	}
	cfg_free(&cfg);
	return 0;
}
