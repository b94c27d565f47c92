/*
 * config.c - load the helper configuration with libconfig.
 *
 * Unknown keys are errors: a typo silently falling back to a default is
 * worse than refusing to start.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "config.h"

void cfg_defaults(struct cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->helper, sizeof(cfg->helper), "%s", DEFAULT_HELPER);
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s",
		 "/run/openvpn-mcast/" CFG_INSTANCE_TOKEN ".sock");
	cfg->status_interval = 10;
	snprintf(cfg->nft_table, sizeof(cfg->nft_table), "%s", "openvpn_mcast_" CFG_INSTANCE_TOKEN);
	cfg->nflog_group = 0;
	cfg->nflog_batch_ms = 10;
	cfg->log_level = 2;
	cfg->client_multicast = 1;
	cfg->igmp.querier = QUERIER_AUTO;
	cfg->igmp.version = 2;
	cfg->igmp.robustness = 2;
	cfg->igmp.query_interval = 125;
	cfg->igmp.query_response_interval = 10;
	cfg->restart.crashes = 5;
	cfg->restart.window = 60;
	policy_init(&cfg->policy);
}

void cfg_free(struct cfg *cfg)
{
	policy_free(&cfg->policy);
}

struct cfg_err {
	char *buf;
	size_t len;
	const char *file;
};

static int cfg_fail(struct cfg_err *e, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cfg_fail(struct cfg_err *e, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(e->buf, e->len, "%s:%d: ", e->file, s ? config_setting_source_line(s) : 0);
	if (n >= 0 && (size_t)n < e->len) {
		va_start(ap, fmt);
		vsnprintf(e->buf + n, e->len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	errno = EINVAL;
	return -1;
}

static int cfg_string(struct cfg_err *e, const config_setting_t *s, char *dst, size_t dlen)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return cfg_fail(e, s, "'%s' must be a string", config_setting_name(s));
	v = config_setting_get_string(s);
	if (strlen(v) >= dlen)
		return cfg_fail(e, s, "'%s' is too long (at most %zu characters)",
				config_setting_name(s), dlen - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/*
 * An interface name, or "" for none. Only [A-Za-z0-9_.-]: the name goes
 * into an nft script, and a name refused there would only fail later, at
 * the tap's UP.
 */
static int cfg_ifname(struct cfg_err *e, const config_setting_t *s, char *dst, size_t dlen)
{
	if (cfg_string(e, s, dst, dlen) < 0)
		return -1;
	for (const char *p = dst; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			goto bad;
	if (strcmp(dst, ".") && strcmp(dst, ".."))
		return 0;
bad:
	return cfg_fail(e, s, "'%s' is not a valid interface name: \"%s\" (letters, digits, '_', '.', '-')",
			config_setting_name(s), dst);
}

static int cfg_int(struct cfg_err *e, const config_setting_t *s, int *dst, int min, int max)
{
	int v;

	if (config_setting_type(s) != CONFIG_TYPE_INT)
		return cfg_fail(e, s, "'%s' must be an integer", config_setting_name(s));
	v = config_setting_get_int(s);
	if (v < min || v > max)
		return cfg_fail(e, s, "'%s' must be between %d and %d, not %d",
				config_setting_name(s), min, max, v);
	*dst = v;
	return 0;
}

static int cfg_bool(struct cfg_err *e, const config_setting_t *s, int *dst)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return cfg_fail(e, s, "'%s' must be true or false", config_setting_name(s));
	*dst = config_setting_get_bool(s);
	return 0;
}

static int cfg_datapath(struct cfg *cfg, struct cfg_err *e, const config_setting_t *s)
{
	char v[16];

	if (cfg_string(e, s, v, sizeof(v)) < 0)
		return -1;
	if (!strcmp(v, "auto"))
		cfg->datapath = DATAPATH_AUTO;
	else if (!strcmp(v, "bpf"))
		cfg->datapath = DATAPATH_BPF;
	else if (!strcmp(v, "nflog"))
		cfg->datapath = DATAPATH_NFLOG;
	else
		return cfg_fail(e, s, "datapath must be \"auto\", \"bpf\" or \"nflog\", not \"%s\"", v);
	return 0;
}

static int cfg_igmp(struct cfg *cfg, struct cfg_err *e, const config_setting_t *grp)
{
	int n = config_setting_length(grp);

	if (config_setting_type(grp) != CONFIG_TYPE_GROUP)
		return cfg_fail(e, grp, "'igmp' must be a group: igmp = { ... };");
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
		const char *k = config_setting_name(s);
		int rc;

		if (!strcmp(k, "querier")) {
			char v[16];

			if (cfg_string(e, s, v, sizeof(v)) < 0)
				return -1;
			if (!strcmp(v, "auto"))
				cfg->igmp.querier = QUERIER_AUTO;
			else if (!strcmp(v, "on"))
				cfg->igmp.querier = QUERIER_ON;
			else if (!strcmp(v, "off"))
				cfg->igmp.querier = QUERIER_OFF;
			else
				return cfg_fail(e, s, "igmp.querier must be \"auto\", \"on\" or \"off\", not \"%s\"", v);
			rc = 0;
		} else if (!strcmp(k, "version")) {
			rc = cfg_int(e, s, &cfg->igmp.version, 1, 3);
		} else if (!strcmp(k, "robustness")) {
			rc = cfg_int(e, s, &cfg->igmp.robustness, 1, 7);
		} else if (!strcmp(k, "query_interval")) {
			rc = cfg_int(e, s, &cfg->igmp.query_interval, 1, 3600);
		} else if (!strcmp(k, "query_response_interval")) {
			rc = cfg_int(e, s, &cfg->igmp.query_response_interval, 1, 25);
		} else {
			rc = cfg_fail(e, s, "unknown key 'igmp.%s'", k);
		}
		if (rc < 0)
			return -1;
	}
	if (cfg->igmp.query_response_interval >= cfg->igmp.query_interval)
		return cfg_fail(e, grp, "igmp.query_response_interval must be shorter than igmp.query_interval");
	return 0;
}

/* A user name: looked up when the helper drops privileges, not here (the
 * plugin parses this file too and needs no account database). */
static int cfg_user(struct cfg_err *e, const config_setting_t *s, char *out, size_t len)
{
	if (cfg_string(e, s, out, len) < 0)
		return -1;
	if (!out[0] || out[0] == '-' || strpbrk(out, ":/ \t\n"))
		return cfg_fail(e, s, "user must be a user name");
	return 0;
}

/* A list of prefixes into @p's pool: the entries of @s, in order. */
static int cfg_prefixes(struct cfg_err *e, const config_setting_t *s, struct policy *p,
			size_t *off, unsigned int *n)
{
	int len = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST)
		return cfg_fail(e, s, "'%s' must be a list of prefixes: [ \"239.1.0.0/16\" ]",
				config_setting_name(s));
	*off = p->npool;
	*n = 0;
	for (int i = 0; i < len; i++) {
		const config_setting_t *el = config_setting_get_elem(s, (unsigned)i);
		const config_setting_t *at = config_setting_source_line(el) ? el : s;
		struct policy_prefix pfx;
		const char *v, *why;

		if (config_setting_type(el) != CONFIG_TYPE_STRING)
			return cfg_fail(e, at, "'%s' entries must be strings such as \"239.1.0.0/16\"",
					config_setting_name(s));
		v = config_setting_get_string(el);
		if (policy_parse_prefix(v, &pfx, &why) < 0)
			return cfg_fail(e, at, "'%s': \"%s\" is not a multicast prefix: %s",
					config_setting_name(s), v, why);
		if (policy_pool_add(p, &pfx) < 0)
			return cfg_fail(e, at, "out of memory");
		(*n)++;
	}
	return 0;
}

/* One policy entry: `default = { ... }` or an element of `clients`. */
static int cfg_policy_entry(struct cfg_err *e, const config_setting_t *grp, struct policy *p,
			    struct policy_entry *ent, int is_default)
{
	int n = config_setting_length(grp);
	int v;

	memset(ent, 0, sizeof(*ent));
	if (config_setting_type(grp) != CONFIG_TYPE_GROUP)
		return cfg_fail(e, grp, "a policy entry must be a group: { allow = [ ... ]; ... }");
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
		const char *k = config_setting_name(s);
		int rc;

		if (!strcmp(k, "allow")) {
			ent->has_allow = 1;
			rc = cfg_prefixes(e, s, p, &ent->allow_off, &ent->nallow);
		} else if (!strcmp(k, "deny")) {
			ent->has_deny = 1;
			rc = cfg_prefixes(e, s, p, &ent->deny_off, &ent->ndeny);
		} else if (!strcmp(k, "max_groups")) {
			ent->has_groups = 1;
			rc = cfg_int(e, s, &v, 1, POLICY_MAX_GROUPS);
			ent->max_groups = (unsigned)v;
		} else if (!strcmp(k, "max_sources")) {
			ent->has_sources = 1;
			rc = cfg_int(e, s, &v, 1, POLICY_MAX_SOURCES);
			ent->max_sources = (unsigned)v;
		} else if (!strcmp(k, "common_name") && !is_default) {
			rc = cfg_string(e, s, ent->name, sizeof(ent->name));
			if (rc == 0 && !ent->name[0])
				rc = cfg_fail(e, s, "common_name is empty");
		} else {
			rc = cfg_fail(e, s, "unknown key '%s' in %s", k,
				      is_default ? "policy.default" : "a policy.clients entry");
		}
		if (rc < 0)
			return -1;
	}
	if (!is_default && !ent->name[0])
		return cfg_fail(e, grp, "a policy.clients entry needs a common_name");
	return 0;
}

/*
 * policy = { default = { ... }; clients = ( { common_name = ...; ... }, ... ); };
 * into @out, which the caller installs only once the whole file has loaded.
 */
static int cfg_policy(struct policy *out, struct cfg_err *e, const config_setting_t *grp)
{
	struct policy np;
	struct policy_entry def, *ents = NULL;
	const config_setting_t *clients = NULL, *defs = NULL;
	unsigned int nents = 0, dup;
	int n = config_setting_length(grp), rc = -1;

	if (config_setting_type(grp) != CONFIG_TYPE_GROUP)
		return cfg_fail(e, grp, "'policy' must be a group: policy = { default = { ... }; };");
	policy_init(&np);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
		const char *k = config_setting_name(s);

		if (!strcmp(k, "default"))
			defs = s;
		else if (!strcmp(k, "clients"))
			clients = s;
		else
			return cfg_fail(e, s, "unknown key 'policy.%s'", k);
	}
	if (defs && cfg_policy_entry(e, defs, &np, &def, 1) < 0)
		goto out;
	if (clients) {
		int len = config_setting_length(clients);

		if (config_setting_type(clients) != CONFIG_TYPE_LIST) {
			cfg_fail(e, clients, "'policy.clients' must be a list: clients = ( { ... }, ... );");
			goto out;
		}
		ents = calloc(len ? (size_t)len : 1, sizeof(*ents));
		if (!ents) {
			cfg_fail(e, clients, "out of memory");
			goto out;
		}
		for (int i = 0; i < len; i++, nents++)
			if (cfg_policy_entry(e, config_setting_get_elem(clients, (unsigned)i), &np,
					     &ents[i], 0) < 0)
				goto out;
	}
	if (policy_finish(&np, defs ? &def : NULL, ents, nents, &dup) < 0) {
		if (errno == EEXIST)
			cfg_fail(e, config_setting_get_elem(clients, dup),
				 "common_name \"%s\" has a policy entry already", ents[dup].name);
		else
			cfg_fail(e, grp, "out of memory");
		goto out;
	}
	policy_move(out, &np);
	rc = 0;
out:
	free(ents);
	policy_free(&np);
	return rc;
}

/* restart = { crashes = N; window = M; }: the supervisor's crash-loop limit. */
static int cfg_restart(struct cfg *cfg, struct cfg_err *e, const config_setting_t *grp)
{
	int n = config_setting_length(grp);

	if (config_setting_type(grp) != CONFIG_TYPE_GROUP)
		return cfg_fail(e, grp, "'restart' must be a group: restart = { ... };");
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
		const char *k = config_setting_name(s);
		int rc;

		if (!strcmp(k, "crashes"))
			rc = cfg_int(e, s, &cfg->restart.crashes, 1, 1000);
		else if (!strcmp(k, "window"))
			rc = cfg_int(e, s, &cfg->restart.window, 1, 86400);
		else
			rc = cfg_fail(e, s, "unknown key 'restart.%s'", k);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int cfg_load(struct cfg *cfg, const char *path, char *err, size_t errlen)
{
	struct cfg_err e = { err, errlen, path };
	struct policy pol;
	int have_pol = 0;
	config_t lc;
	const config_setting_t *root;
	int n, rc = 0;
	FILE *f;

	policy_init(&pol);
	f = fopen(path, "r");
	if (!f) {
		int saved = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	config_init(&lc);
	if (config_read(&lc, f) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&lc),
			 config_error_text(&lc));
		fclose(f);
		config_destroy(&lc);
		errno = EINVAL;
		return -1;
	}
	fclose(f);

	root = config_root_setting(&lc);
	n = config_setting_length(root);
	for (int i = 0; i < n && rc == 0; i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *k = config_setting_name(s);

		if (!strcmp(k, "helper"))
			rc = cfg_string(&e, s, cfg->helper, sizeof(cfg->helper));
		else if (!strcmp(k, "control_socket"))
			rc = cfg_string(&e, s, cfg->control_socket, sizeof(cfg->control_socket));
		else if (!strcmp(k, "status_file"))
			rc = cfg_string(&e, s, cfg->status_file, sizeof(cfg->status_file));
		else if (!strcmp(k, "metrics_file"))
			rc = cfg_string(&e, s, cfg->metrics_file, sizeof(cfg->metrics_file));
		else if (!strcmp(k, "status_interval"))
			rc = cfg_int(&e, s, &cfg->status_interval, 1, 86400);
		else if (!strcmp(k, "nft_table"))
			rc = cfg_string(&e, s, cfg->nft_table, sizeof(cfg->nft_table));
		else if (!strcmp(k, "nflog_group"))
			rc = cfg_int(&e, s, &cfg->nflog_group, 0, 65535);
		else if (!strcmp(k, "nflog_batch_ms"))
			rc = cfg_int(&e, s, &cfg->nflog_batch_ms, 0, 100);
		else if (!strcmp(k, "log_level"))
			rc = cfg_int(&e, s, &cfg->log_level, 0, 3);
		else if (!strcmp(k, "igmp"))
			rc = cfg_igmp(cfg, &e, s);
		else if (!strcmp(k, "upstream"))
			rc = cfg_ifname(&e, s, cfg->upstream, sizeof(cfg->upstream));
		else if (!strcmp(k, "datapath"))
			rc = cfg_datapath(cfg, &e, s);
		else if (!strcmp(k, "client_multicast"))
			rc = cfg_bool(&e, s, &cfg->client_multicast);
		else if (!strcmp(k, "user"))
			rc = cfg_user(&e, s, cfg->user, sizeof(cfg->user));
		else if (!strcmp(k, "policy")) {
			rc = cfg_policy(&pol, &e, s);
			have_pol = rc == 0;
		}
		else if (!strcmp(k, "restart"))
			rc = cfg_restart(cfg, &e, s);
		else
			rc = cfg_fail(&e, s, "unknown key '%s'", k);
	}
	if (rc == 0 && cfg->control_socket[0] != '/')
		rc = cfg_fail(&e, config_lookup(&lc, "control_socket"),
			      "control_socket must be an absolute path");
	if (rc == 0) {
		for (const char *p = cfg->nft_table; *p; p++)
			if (!strncmp(p, CFG_INSTANCE_TOKEN, 2))
				p++;	/* the tap's name goes there */
			else if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9')))
				rc = cfg_fail(&e, config_lookup(&lc, "nft_table"),
					      "nft_table may only contain letters, digits, '_' and %%i");
		if (rc == 0 && !cfg->nft_table[0])
			rc = cfg_fail(&e, config_lookup(&lc, "nft_table"), "nft_table is empty");
	}
	/* A file that fails anywhere leaves the policy in force alone. */
	if (rc == 0 && have_pol)
		policy_move(&cfg->policy, &pol);
	policy_free(&pol);
	config_destroy(&lc);
	return rc;
}

int cfg_needs_instance(const struct cfg *cfg)
{
	return cfg->nflog_group == 0 || strstr(cfg->control_socket, CFG_INSTANCE_TOKEN) ||
	       strstr(cfg->status_file, CFG_INSTANCE_TOKEN) ||
	       strstr(cfg->metrics_file, CFG_INSTANCE_TOKEN) ||
	       strstr(cfg->nft_table, CFG_INSTANCE_TOKEN);
}

/* Replace every "%i" in @s (capacity @len) with @inst. */
static int cfg_expand(char *s, size_t len, const char *inst)
{
	char out[PATH_MAX];
	size_t o = 0, n = strlen(inst);

	for (const char *p = s; *p; p++) {
		const char *add = p;
		size_t alen = 1;

		if (!strncmp(p, CFG_INSTANCE_TOKEN, 2)) {
			add = inst;
			alen = n;
			p++;
		}
		if (o + alen >= sizeof(out) || o + alen >= len) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(out + o, add, alen);
		o += alen;
	}
	out[o] = '\0';
	memcpy(s, out, o + 1);
	return 0;
}

int cfg_instance(struct cfg *cfg, const char *dev, unsigned int ifindex, char *err,
		 size_t errlen)
{
	char tname[64];
	size_t i;

	/* nft names: letters, digits and '_' only (checked by cfg_load). */
	for (i = 0; dev[i] && i < sizeof(tname) - 1; i++)
		tname[i] = isalnum((unsigned char)dev[i]) ? dev[i] : '_';
	tname[i] = '\0';
	if (cfg_expand(cfg->control_socket, sizeof(cfg->control_socket), dev) < 0 ||
	    cfg_expand(cfg->status_file, sizeof(cfg->status_file), dev) < 0 ||
	    cfg_expand(cfg->metrics_file, sizeof(cfg->metrics_file), dev) < 0 ||
	    cfg_expand(cfg->nft_table, sizeof(cfg->nft_table), tname) < 0) {
		snprintf(err, errlen, "a path or nft_table is too long with %%i = %s", dev);
		return -1;
	}
	if (cfg->nflog_group == 0) {
		if (ifindex == 0 || ifindex > 65535u - CFG_NFLOG_BASE) {
			snprintf(err, errlen, "%s has interface index %u: no default nflog group "
				 "(%d + index) fits in 16 bits; set nflog_group", dev, ifindex,
				 CFG_NFLOG_BASE);
			errno = ERANGE;
			return -1;
		}
		cfg->nflog_group = CFG_NFLOG_BASE + (int)ifindex;
	}
	return 0;
}
