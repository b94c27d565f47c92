/*
 * Unit tests of the per-client policy: prefixes, deny over allow, caps and
 * overrides (helper/core/policy.c), the `policy` config section with its
 * file:line errors, and the membership engine's admission hooks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "mship.h"
#include "policy.h"

#define SAMPLE_CONFIG "sample-config/openvpn-mcast.conf"

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static int load(struct cfg *cfg, const char *text, char *err, size_t errlen)
{
	char path[] = "/tmp/ompolXXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	cfg_defaults(cfg);
	err[0] = '\0';
	rc = cfg_load(cfg, path, err, errlen);
	unlink(path);
	return rc;
}

/* The error message without its "/tmp/ompolXXXXXX:" prefix. */
static const char *where(const char *err)
{
	const char *c = strchr(err, ':');

	return c ? c + 1 : err;
}

static void test_prefix_parse(void **state)
{
	struct policy_prefix p;
	const char *why;

	(void)state;
	assert_int_equal(policy_parse_prefix("239.1.0.0/16", &p, &why), 0);
	assert_int_equal(p.addr, 0xef010000u);
	assert_int_equal(p.mask, 0xffff0000u);
	assert_int_equal(policy_parse_prefix("239.2.1.99", &p, &why), 0);
	assert_int_equal(p.mask, 0xffffffffu);
	assert_int_equal(policy_parse_prefix("224.0.0.0/4", &p, &why), 0);
	/* Not multicast, too wide, host bits, junk. */
	assert_int_equal(policy_parse_prefix("10.0.0.0/8", &p, &why), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(why, "224.0.0.0/4"));
	assert_int_equal(policy_parse_prefix("224.0.0.0/3", &p, &why), -1);
	assert_int_equal(policy_parse_prefix("0.0.0.0/0", &p, &why), -1);
	assert_int_equal(policy_parse_prefix("239.1.1.1/16", &p, &why), -1);
	assert_non_null(strstr(why, "host bits"));
	assert_int_equal(policy_parse_prefix("239.1.0.0/33", &p, &why), -1);
	assert_int_equal(policy_parse_prefix("239.1.0.0/", &p, &why), -1);
	assert_int_equal(policy_parse_prefix("239.1.0.0/1x", &p, &why), -1);
	assert_int_equal(policy_parse_prefix("239.1.0", &p, &why), -1);
	assert_int_equal(policy_parse_prefix("", &p, &why), -1);
	assert_int_equal(policy_parse_prefix("239.100.100.100/32/32", &p, &why), -1);
	assert_int_equal(p.v6, 0);
}

static void test_prefix_parse6(void **state)
{
	uint8_t a[16];
	struct policy_prefix p;
	const char *why;

	(void)state;
	assert_int_equal(policy_parse_prefix("ff3e::/16", &p, &why), 0);
	assert_int_equal(p.v6, 1);
	assert_int_equal(p.len6, 16);
	inet_pton(AF_INET6, "ff3e::", a);
	assert_memory_equal(p.a6, a, 16);
	assert_int_equal(policy_parse_prefix("ff3e::8000:1", &p, &why), 0);
	assert_int_equal(p.len6, 128);
	assert_int_equal(policy_parse_prefix("ff00::/8", &p, &why), 0);
	assert_int_equal(policy_parse_prefix("ff10::/12", &p, &why), 0);
	assert_int_equal(policy_parse_prefix("ff02::1", &p, &why), 0);
	/* Not multicast, too wide, host bits, junk. */
	assert_int_equal(policy_parse_prefix("fe80::/10", &p, &why), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(why, "ff00::/8"));
	assert_int_equal(policy_parse_prefix("fe00::/7", &p, &why), -1);
	assert_int_equal(policy_parse_prefix("::/0", &p, &why), -1);
	assert_int_equal(policy_parse_prefix("ff3e::1/16", &p, &why), -1);
	assert_non_null(strstr(why, "host bits"));
	assert_int_equal(policy_parse_prefix("ff15::/14", &p, &why), -1);
	assert_int_equal(policy_parse_prefix("ff3e::/129", &p, &why), -1);
	assert_int_equal(policy_parse_prefix("ff3e::/", &p, &why), -1);
	assert_int_equal(policy_parse_prefix("ff3e:::1", &p, &why), -1);
	assert_int_equal(policy_parse_prefix("ff3e:0:0:0:0:0:0:0:1/128x", &p, &why), -1);
}

static int check6(const struct policy_rule *r, const char *g)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(AF_INET6, g, a), 1);
	return policy_check_group6(r, a);
}

/* Each family is checked against its own prefixes; none of it = refused. */
static void test_check_group6(void **state)
{
	struct policy_prefix v4, v6a, v6b, v6d;
	struct policy_rule r = { .name = "t", .max_groups = 8 };
	struct policy_prefix both[2], allow6[2];
	struct policy p;
	const char *why;

	(void)state;
	policy_init(&p);
	/* The built-in policy allows every group of both families. */
	assert_int_equal(check6(&p.def, "ff3e::8000:1"), -1);
	assert_int_equal(check6(&p.def, "ff05::1:3"), -1);
	assert_int_equal(policy_check_group(&p.def, ip("239.1.1.1")), -1);
	policy_free(&p);

	assert_int_equal(policy_parse_prefix("239.0.0.0/8", &v4, &why), 0);
	assert_int_equal(policy_parse_prefix("ff3e::/16", &v6a, &why), 0);
	assert_int_equal(policy_parse_prefix("ff15::8000:0/113", &v6b, &why), 0);
	assert_int_equal(policy_parse_prefix("ff3e::8000:99", &v6d, &why), 0);
	/* An IPv4-only allow list refuses every IPv6 group. */
	r.allow = &v4;
	r.nallow = 1;
	assert_int_equal(check6(&r, "ff3e::8000:1"), POLICY_NOT_ALLOWED);
	assert_int_equal(policy_check_group(&r, ip("239.1.1.1")), -1);
	/* An IPv6-only one refuses every IPv4 group; a v6 prefix with zero
	 * IPv4 fields must not read as 0.0.0.0/0. */
	allow6[0] = v6a;
	allow6[1] = v6b;
	r.allow = allow6;
	r.nallow = 2;
	assert_int_equal(policy_check_group(&r, ip("239.1.1.1")), POLICY_NOT_ALLOWED);
	assert_int_equal(check6(&r, "ff3e::8000:1"), -1);
	assert_int_equal(check6(&r, "ff3f::8000:1"), POLICY_NOT_ALLOWED);
	assert_int_equal(check6(&r, "ff15::8000:7fff"), -1);
	assert_int_equal(check6(&r, "ff15::8001:0"), POLICY_NOT_ALLOWED);
	assert_int_equal(check6(&r, "ff15::7fff:ffff"), POLICY_NOT_ALLOWED);
	/* Deny beats allow, per family. */
	both[0] = v4;
	both[1] = v6a;
	r.allow = both;
	r.nallow = 2;
	r.deny = &v6d;
	r.ndeny = 1;
	assert_int_equal(check6(&r, "ff3e::8000:99"), POLICY_DENIED);
	assert_int_equal(check6(&r, "ff3e::8000:98"), -1);
	assert_int_equal(policy_check_group(&r, ip("239.0.0.0")), -1);
}

static void test_builtin_default(void **state)
{
	struct policy p;
	const struct policy_rule *r;

	(void)state;
	policy_init(&p);
	r = policy_for(&p, "anyone");
	assert_ptr_equal(r, &p.def);
	assert_string_equal(r->name, "default");
	assert_int_equal(r->max_groups, 256);
	assert_int_equal(r->max_sources, 64);
	assert_int_equal(policy_check_group(r, ip("239.1.1.1")), -1);
	assert_int_equal(policy_check_group(r, ip("224.0.1.1")), -1);
	assert_int_equal(policy_check_group(r, ip("10.0.0.1")), POLICY_NOT_ALLOWED);
	policy_free(&p);
}

static const char issue_example[] =
	"policy = {\n"
	"  default = { allow = [ \"224.0.0.0/4\" ]; deny = [ ]; max_groups = 32; max_sources = 64; };\n"
	"  clients = (\n"
	"    { common_name = \"alice\"; allow = [ \"239.1.0.0/16\" ]; max_groups = 4; },\n"
	"    { common_name = \"bob\";   allow = [ \"239.2.1.0/24\" ]; deny = [ \"239.2.1.99/32\" ]; }\n"
	"  );\n"
	"};\n";

static void test_overrides_and_deny(void **state)
{
	const struct policy_rule *a, *b, *c;
	struct cfg cfg;
	char err[512];

	(void)state;
	assert_int_equal(load(&cfg, issue_example, err, sizeof(err)), 0);
	a = policy_for(&cfg.policy, "alice");
	b = policy_for(&cfg.policy, "bob");
	c = policy_for(&cfg.policy, "carol");
	assert_string_equal(a->name, "alice");
	assert_string_equal(b->name, "bob");
	assert_string_equal(c->name, "default");
	/* alice: own allow and max_groups, the default's max_sources. */
	assert_int_equal(a->max_groups, 4);
	assert_int_equal(a->max_sources, 64);
	assert_int_equal(policy_check_group(a, ip("239.1.200.7")), -1);
	assert_int_equal(policy_check_group(a, ip("239.2.1.1")), POLICY_NOT_ALLOWED);
	/* bob: deny beats allow; his max_groups is the default's. */
	assert_int_equal(b->max_groups, 32);
	assert_int_equal(policy_check_group(b, ip("239.2.1.98")), -1);
	assert_int_equal(policy_check_group(b, ip("239.2.1.99")), POLICY_DENIED);
	assert_int_equal(policy_check_group(b, ip("239.2.2.1")), POLICY_NOT_ALLOWED);
	/* carol: the default. */
	assert_int_equal(c->max_groups, 32);
	assert_int_equal(policy_check_group(c, ip("232.1.1.1")), -1);
	cfg_free(&cfg);
}

static void test_default_overrides_builtin(void **state)
{
	struct cfg cfg;
	char err[512];
	const struct policy_rule *r;

	(void)state;
	/* A default that only denies keeps the built-in allow-all. */
	assert_int_equal(load(&cfg, "policy = { default = { deny = [ \"239.9.0.0/16\" ]; }; };",
			      err, sizeof(err)), 0);
	r = policy_for(&cfg.policy, "x");
	assert_int_equal(policy_check_group(r, ip("239.9.1.1")), POLICY_DENIED);
	assert_int_equal(policy_check_group(r, ip("239.8.1.1")), -1);
	assert_int_equal(r->max_groups, 256);
	cfg_free(&cfg);
	/* An empty allow list allows nothing. */
	assert_int_equal(load(&cfg, "policy = { clients = ( { common_name = \"z\"; allow = [ ]; } ); };",
			      err, sizeof(err)), 0);
	assert_int_equal(policy_check_group(policy_for(&cfg.policy, "z"), ip("239.1.1.1")),
			 POLICY_NOT_ALLOWED);
	assert_int_equal(policy_check_group(policy_for(&cfg.policy, "y"), ip("239.1.1.1")), -1);
	cfg_free(&cfg);
}

static void test_many_clients_sorted(void **state)
{
	char text[64 * 200], *p = text;
	struct cfg cfg;
	char err[512];

	(void)state;
	p += sprintf(p, "policy = { clients = (\n");
	for (int i = 199; i >= 0; i--)
		p += sprintf(p, "{ common_name = \"cn%03d\"; max_groups = %d; }%s\n", i, i + 1,
			     i ? "," : "");
	sprintf(p, "); };\n");
	assert_int_equal(load(&cfg, text, err, sizeof(err)), 0);
	assert_int_equal(cfg.policy.nclients, 200);
	for (int i = 0; i < 200; i++) {
		char cn[16];

		snprintf(cn, sizeof(cn), "cn%03d", i);
		assert_int_equal(policy_for(&cfg.policy, cn)->max_groups, i + 1);
	}
	assert_string_equal(policy_for(&cfg.policy, "cn200")->name, "default");
	cfg_free(&cfg);
}

static void expect_error(const char *text, const char *want)
{
	struct cfg cfg;
	char err[512];

	assert_int_equal(load(&cfg, text, err, sizeof(err)), -1);
	assert_int_equal(errno, EINVAL);
	if (!strstr(where(err), want))
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	/* A refused file leaves the policy in force as it was. */
	assert_int_equal(cfg.policy.nclients, 0);
	cfg_free(&cfg);
}

static void test_config_errors(void **state)
{
	(void)state;
	expect_error("policy = {\n  clients = (\n    { common_name = \"a\";\n"
		     "      allow = [ \"10.0.0.0/8\" ]; }\n  );\n};\n",
		     "4: 'allow': \"10.0.0.0/8\" is not a multicast prefix");
	expect_error("policy = { default = {\n deny = [ \"239.1.1.1/16\" ]; }; };\n",
		     "2: 'deny': \"239.1.1.1/16\" is not a multicast prefix: host bits");
	expect_error("policy = { default = { allow = [ 1 ]; }; };\n", "entries must be strings");
	expect_error("policy = { default = { allow = \"239.1.0.0/16\"; }; };\n", "must be a list");
	expect_error("policy = { default = { max_groups = 0; }; };\n", "between 1 and 1024");
	expect_error("policy = { default = { max_sources = 257; }; };\n", "between 1 and 256");
	expect_error("policy = { default = { common_name = \"x\"; }; };\n",
		     "unknown key 'common_name' in policy.default");
	expect_error("policy = { clients = ( { max_groups = 3; } ); };\n", "needs a common_name");
	expect_error("policy = { clients = ( { common_name = \"\"; } ); };\n", "common_name is empty");
	expect_error("policy = { clients = (\n{ common_name = \"a\"; },\n{ common_name = \"b\"; },\n"
		     "{ common_name = \"a\"; }\n); };\n", "4: common_name \"a\" has a policy entry already");
	expect_error("policy = { extra = 1; };\n", "unknown key 'policy.extra'");
	expect_error("policy = { clients = { a = 1; }; };\n", "must be a list");
	expect_error("policy = 3;\n", "'policy' must be a group");
	/* A good policy in a file that fails later is not installed either. */
	expect_error("policy = { clients = ( { common_name = \"a\"; } ); };\nnft_table = \"a-b\";\n",
		     "nft_table may only contain");
}

/* The commented example in sample-config loads as documented. */
static void test_sample_config_example(void **state)
{
	FILE *in = fopen(SAMPLE_CONFIG, "r");
	char line[512], text[4096] = "", err[512];
	int on = 0;
	struct cfg cfg;

	(void)state;
	assert_non_null(in);
	while (fgets(line, sizeof(line), in)) {
		if (!strncmp(line, "# policy = {", 12))
			on = 1;
		if (on)
			strncat(text, line + 2, sizeof(text) - strlen(text) - 1);
		if (on && !strncmp(line, "# };", 4))
			on = 0;
	}
	fclose(in);
	assert_non_null(strstr(text, "clients"));
	assert_int_equal(load(&cfg, text, err, sizeof(err)), 0);
	assert_int_equal(cfg.policy.nclients, 2);
	assert_int_equal(policy_for(&cfg.policy, "alice")->max_groups, 4);
	assert_int_equal(policy_check_group(policy_for(&cfg.policy, "bob"), ip("239.2.1.99")),
			 POLICY_DENIED);
	/* Its default allows both families. */
	assert_int_equal(policy_check_group(policy_for(&cfg.policy, "carol"), ip("239.9.9.9")), -1);
	assert_int_equal(policy_check_group6(policy_for(&cfg.policy, "carol"),
					     (const uint8_t[16]){ 0xff, 0x3e, [15] = 1 }), -1);
	cfg_free(&cfg);
}

/* ---- the membership engine's admission hooks ---- */

static const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 1 }, mac2[6] = { 2, 0, 0, 0, 0, 2 };

struct adm {
	const struct policy_rule *rule;
	unsigned int refused[POLICY_REFUSAL_MAX];
	unsigned int leaves;
	unsigned int last_groups;
};

static int adm_group(void *arg, uint32_t client, uint32_t group, unsigned int groups)
{
	struct adm *a = arg;
	int why = policy_check_group(a->rule, group);

	(void)client;
	a->last_groups = groups;
	if (why < 0 && groups >= a->rule->max_groups)
		why = POLICY_MAX_GROUPS_HIT;
	if (why < 0)
		return 0;
	a->refused[why]++;
	return -1;
}

static int adm_source(void *arg, uint32_t client, uint32_t group, unsigned int nsrc)
{
	struct adm *a = arg;

	(void)client;
	(void)group;
	if (nsrc < a->rule->max_sources)
		return 0;
	a->refused[POLICY_MAX_SOURCES_HIT]++;
	return -1;
}

static void adm_notify(void *arg, const struct mship_event *ev)
{
	struct adm *a = arg;

	if (ev->type == MSHIP_LEAVE && ev->why == MSHIP_WHY_REVOKE)
		a->leaves++;
}

static int join(struct mship *ms, const uint8_t *mac, const char *g)
{
	return mship_record(ms, 7, mac, 2, ip(g), IGMP_MODE_IS_EXCLUDE, NULL, 0, 0);
}

static void test_mship_admission(void **state)
{
	struct cfg cfg;
	char err[512];
	struct adm a = { 0 };
	struct mship_params mp = { .admit_group = adm_group, .admit_source = adm_source,
				   .notify = adm_notify, .arg = &a };
	struct mship *ms;
	uint32_t groups[8], srcs[4];
	const char *why;

	(void)state;
	assert_int_equal(load(&cfg, "policy = { clients = ( { common_name = \"c\";\n"
			      "allow = [ \"239.1.0.0/16\" ]; deny = [ \"239.1.9.0/24\" ];\n"
			      "max_groups = 2; max_sources = 2; } ); };\n", err, sizeof(err)), 0);
	a.rule = policy_for(&cfg.policy, "c");
	ms = mship_new(&mp);
	assert_non_null(ms);

	assert_int_equal(join(ms, mac1, "239.1.1.1"), 1);
	assert_int_equal(join(ms, mac1, "239.2.1.1"), 0);	/* not allowed */
	assert_int_equal(join(ms, mac1, "239.1.9.5"), 0);	/* denied */
	assert_int_equal(join(ms, mac1, "239.1.1.2"), 1);
	assert_int_equal(join(ms, mac1, "239.1.1.3"), 0);	/* third group */
	/* A group the client holds already through another host is no new
	 * group: admitted past the cap, and counted once. */
	assert_int_equal(join(ms, mac2, "239.1.1.1"), 1);
	assert_int_equal(join(ms, mac2, "239.1.1.4"), 0);
	assert_int_equal(a.last_groups, 2);
	assert_int_equal(a.refused[POLICY_NOT_ALLOWED], 1);
	assert_int_equal(a.refused[POLICY_DENIED], 1);
	assert_int_equal(a.refused[POLICY_MAX_GROUPS_HIT], 2);
	assert_int_equal(mship_client_groups(ms, 7, groups, 8), 2);

	/* Sources beyond max_sources are not kept. */
	srcs[0] = ip("10.0.0.1");
	srcs[1] = ip("10.0.0.2");
	srcs[2] = ip("10.0.0.3");
	assert_int_equal(mship_record(ms, 7, mac1, 3, ip("239.1.1.2"), IGMP_CHANGE_TO_INCLUDE,
				      srcs, 3, 0), 1);
	assert_int_equal(a.refused[POLICY_MAX_SOURCES_HIT], 1);
	{
		struct mship_filter f;

		assert_int_equal(mship_get(ms, 7, mac1, ip("239.1.1.2"), 0, &f), 0);
		assert_int_equal(f.nsrc, 2);
	}
	assert_int_equal(mship_check(ms, &why), 0);

	/* Revoking a group ends it on every host of the client at once. */
	assert_int_equal(mship_client_group_remove(ms, 7, ip("239.1.1.1")), 2);
	assert_int_equal(a.leaves, 2);
	assert_int_equal(mship_client_groups(ms, 7, groups, 8), 1);
	assert_int_equal(groups[0], ip("239.1.1.2"));
	assert_int_equal(mship_client_group_remove(ms, 7, ip("239.1.1.1")), 0);
	assert_int_equal(mship_client_group_remove(ms, 99, ip("239.1.1.2")), 0);
	assert_int_equal(mship_check(ms, &why), 0);
	/* The last group of the client: the client itself goes. */
	assert_int_equal(mship_client_group_remove(ms, 7, ip("239.1.1.2")), 1);
	assert_int_equal(mship_client_groups(ms, 7, groups, 8), 0);
	assert_int_equal(mship_check(ms, &why), 0);
	mship_free(ms);
	cfg_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_prefix_parse6),
		cmocka_unit_test(test_check_group6),
		cmocka_unit_test(test_builtin_default),
		cmocka_unit_test(test_overrides_and_deny),
		cmocka_unit_test(test_default_overrides_builtin),
		cmocka_unit_test(test_many_clients_sorted),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_sample_config_example),
		cmocka_unit_test(test_mship_admission),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
