/*
 * divert.c - the helper's nftables table, driven through libnftables.
 *
 * Everything is said in nft syntax and sent as one buffer, which libnftables
 * commits as one transaction: a ruleset is either fully there or not at all.
 * nft's own messages are buffered and go to our log, never to stdout.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <nftables/libnftables.h>

#include "divert.h"
#include "log.h"

#define SCRIPT_MAX	4096
/* IPv6 group data: scope above link-local, no Hop-by-Hop header. */
#define DIVERT_MATCH6	"ip6 daddr ff00::/8 @nh,204,4 > 2 ip6 nexthdr != 0"

static struct {
	struct nft_ctx *nft;
	int installed;
	enum divert_hook hook;		/* EGRESS or FORWARD once installed */
	char table[64];
	char ifname[16];
	char upstream[16];		/* "" = no standalone upstream */
	int client;			/* client_multicast: the tap's ingress chain */
	int group;
	unsigned int qthresh;		/* the rules' queue-threshold */
	char err[512];			/* last nft error, first line */
} dv;

static const char *family(enum divert_hook hook)
{
	return hook == DIVERT_FORWARD ? "inet" : "netdev";
}

static const char *chain(enum divert_hook hook)
{
	return hook == DIVERT_FORWARD ? DIVERT_CHAIN_FORWARD : DIVERT_CHAIN_EGRESS;
}

int divert_name_ok(const char *name, int is_ifname)
{
	size_t i, max = is_ifname ? 16 : 64;

	if (!name || !name[0] || strlen(name) >= max)
		return 0;
	if (!is_ifname && !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return 0;
	for (i = 0; name[i]; i++) {
		unsigned char c = (unsigned char)name[i];

		if (isalnum(c) || c == '_')
			continue;
		if (is_ifname && (c == '.' || c == ':' || c == '-'))
			continue;
		return 0;
	}
	return 1;
}

int divert_kernel_has_egress(const char *release)
{
	unsigned long major, minor = 0;
	char *end;

	if (!release || !isdigit((unsigned char)release[0]))
		return 0;
	major = strtoul(release, &end, 10);
	if (*end == '.')
		minor = strtoul(end + 1, NULL, 10);
	return major > 5 || (major == 5 && minor >= 16);
}

long divert_owner_pid(const char *listing)
{
	const char *p;
	char *end;
	long pid;

	p = listing ? strstr(listing, "comment \"" DIVERT_OWNER_TAG) : NULL;
	if (!p)
		return 0;
	p += strlen("comment \"" DIVERT_OWNER_TAG);
	pid = strtol(p, &end, 10);
	return end != p && *end == '"' && pid > 0 ? pid : 0;
}

int divert_ruleset(char *buf, size_t size, enum divert_hook hook, int replace,
		   const char *table, const char *ifname, int group, long pid,
		   unsigned int qthresh)
{
	const char *fam = family(hook), *ch = chain(hook);
	char match[64];
	int n;

	if ((hook != DIVERT_EGRESS && hook != DIVERT_FORWARD) ||
	    !divert_name_ok(table, 0) || !divert_name_ok(ifname, 1) ||
	    group < 0 || group > 65535 || !buf || !size) {
		errno = EINVAL;
		return -1;
	}
	/* Egress sees frames: match the multicast bit of the destination MAC,
	 * so that our own unicast copies pass. Forward sees IP packets of
	 * every interface, hence the oifname. */
	if (hook == DIVERT_EGRESS)
		snprintf(match, sizeof(match), "ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00");
	else
		snprintf(match, sizeof(match), "oifname \"%s\"", ifname);
	buf[0] = '\0';
	n = 0;
	/* "add" then "delete" removes a table whether or not it exists, in
	 * the same transaction as the "create" that follows. */
	if (replace)
		n = snprintf(buf, size, "add table %s %s\ndelete table %s %s\n",
			     fam, table, fam, table);
	if (n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n,
			"create table %s %s { comment \"" DIVERT_OWNER_TAG "%ld\"; }\n"
			"add chain %s %s %s { type filter hook %s%s%s%s priority 0; policy accept; }\n"
			"add rule %s %s %s %s ip daddr 224.0.0.0/4 ip daddr != 224.0.0.0/24 "
			"log group %d queue-threshold %u drop\n",
			fam, table, pid,
			fam, table, ch, hook == DIVERT_EGRESS ? "egress" : "forward",
			hook == DIVERT_EGRESS ? " device \"" : "",
			hook == DIVERT_EGRESS ? ifname : "",
			hook == DIVERT_EGRESS ? "\"" : "",
			fam, table, ch, match, group, qthresh ? qthresh : 1);
	if (n < 0 || (size_t)n >= size) {
		errno = ENOSPC;
		return -1;
	}
	return n;
}

/* An ingress chain on @dev that copies (no drop) IPv4 group data to nflog;
 * IGMP to a group address (other hosts' v1/v2 reports) is no data. */
static int ingress_rules(char *buf, size_t size, const char *table, const char *chain,
			 const char *dev, int group, unsigned int qthresh)
{
	int n;

	if (!divert_name_ok(table, 0) || !divert_name_ok(dev, 1) || group < 0 ||
	    group > 65535 || !buf || !size) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(buf, size,
		     "add chain netdev %s %s { type filter hook ingress device \"%s\" priority 0; "
		     "policy accept; }\n"
		     "add rule netdev %s %s ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 "
		     "ip daddr 224.0.0.0/4 ip daddr != 224.0.0.0/24 ip protocol != igmp "
		     "log group %d queue-threshold %u\n",
		     table, chain, dev, table, chain, group, qthresh ? qthresh : 1);
	if (n < 0 || (size_t)n >= size) {
		errno = ENOSPC;
		return -1;
	}
	return n;
}

/* The IPv6 rule of the ingress chain @chain, as ingress_rules() has IPv4's. */
static int ingress_rule6(char *buf, size_t size, const char *table, const char *chain,
			 int group, unsigned int qthresh)
{
	return snprintf(buf, size, "add rule netdev %s %s ether daddr & ff:ff:00:00:00:00 == "
			"33:33:00:00:00:00 " DIVERT_MATCH6 " log group %d queue-threshold %u\n",
			table, chain, group, qthresh ? qthresh : 1);
}

int divert_upstream_rules(char *buf, size_t size, const char *table, const char *upstream,
			  int group, unsigned int qthresh)
{
	return ingress_rules(buf, size, table, DIVERT_CHAIN_UPSTREAM, upstream, group, qthresh);
}

int divert_rules6(char *buf, size_t size, enum divert_hook hook, const char *table,
		  const char *ifname, const char *upstream, int group, unsigned int qthresh)
{
	const char *fam = family(hook);
	char match[64];
	int n;

	if ((hook != DIVERT_EGRESS && hook != DIVERT_FORWARD) || !divert_name_ok(table, 0) ||
	    !divert_name_ok(ifname, 1) || (upstream && upstream[0] && !divert_name_ok(upstream, 1)) ||
	    group < 0 || group > 65535 || !buf || !size) {
		errno = EINVAL;
		return -1;
	}
	if (hook == DIVERT_EGRESS)
		snprintf(match, sizeof(match),
			 "ether daddr & ff:ff:00:00:00:00 == 33:33:00:00:00:00");
	else
		snprintf(match, sizeof(match), "oifname \"%s\"", ifname);
	/* The scope is the low nibble of the group's second byte: 1 and 2
	 * (interface- and link-local: ND, MLD queries) reach everyone. Next
	 * header 0 is Hop-by-Hop, which MLD carries and group data does not. */
	n = snprintf(buf, size, "add rule %s %s %s %s " DIVERT_MATCH6 " log group %d "
		     "queue-threshold %u drop\n", fam, table, chain(hook), match, group,
		     qthresh ? qthresh : 1);
	if (n >= 0 && (size_t)n < size && hook == DIVERT_EGRESS && upstream && upstream[0])
		n += ingress_rule6(buf + n, size - (size_t)n, table, DIVERT_CHAIN_UPSTREAM, group,
				   qthresh);
	if (n < 0 || (size_t)n >= size) {
		errno = ENOSPC;
		return -1;
	}
	return n;
}

int divert_client_rules(char *buf, size_t size, const char *table, const char *ifname,
			int group, unsigned int qthresh)
{
	return ingress_rules(buf, size, table, DIVERT_CHAIN_CLIENT, ifname, group, qthresh);
}

int divert_client_rules6(char *buf, size_t size, const char *table, int group,
			 unsigned int qthresh)
{
	int n;

	if (!divert_name_ok(table, 0) || group < 0 || group > 65535 || !buf || !size) {
		errno = EINVAL;
		return -1;
	}
	n = ingress_rule6(buf, size, table, DIVERT_CHAIN_CLIENT, group, qthresh);
	if (n < 0 || (size_t)n >= size) {
		errno = ENOSPC;
		return -1;
	}
	return n;
}

void divert_set_client(int on)
{
	dv.client = on;
}

/* What becomes of client_multicast on this hook: said once per install. */
static void divert_client_log(enum divert_hook hook)
{
	if (hook == DIVERT_EGRESS)
		log_info("divert: group traffic clients send into %s is copied to nflog group %d "
			 "(client_multicast)", dv.ifname, dv.group);
	else
		log_warnx("divert: client_multicast needs the netdev egress hook (Linux 5.16); "
			  "multicast clients send is not copied to the other members");
}

void divert_set_batch(unsigned int qthresh)
{
	dv.qthresh = qthresh;
}

void divert_set_upstream(const char *ifname)
{
	snprintf(dv.upstream, sizeof(dv.upstream), "%s", ifname ? ifname : "");
}

/* nft reports errors as text; map the common ones back to errno. */
static int nft_errno(const char *msg)
{
	static const struct { const char *text; int err; } map[] = {
		{ "No such file or directory", ENOENT },
		{ "File exists", EEXIST },
		{ "Operation not permitted", EPERM },
		{ "Operation not supported", EOPNOTSUPP },
		{ "Protocol not supported", EPROTONOSUPPORT },
		{ "Device or resource busy", EBUSY },
		{ "No such device", ENODEV },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strstr(msg, map[i].text))
			return map[i].err;
	return EIO;
}

/*
 * Run @cmd; return 0 or -1 with errno, keeping nft's first error line in
 * dv.err. @out, if not NULL, receives the buffered standard output.
 */
static int nft_run(const char *cmd, const char **out)
{
	const char *e;
	size_t n;
	int rc;

	if (!dv.nft) {
		dv.nft = nft_ctx_new(NFT_CTX_DEFAULT);
		if (!dv.nft || nft_ctx_buffer_output(dv.nft) ||
		    nft_ctx_buffer_error(dv.nft)) {
			snprintf(dv.err, sizeof(dv.err), "cannot create nftables context");
			errno = ENOMEM;
			return -1;
		}
	}
	rc = nft_run_cmd_from_buffer(dv.nft, cmd);
	if (out)
		*out = nft_ctx_get_output_buffer(dv.nft);
	else
		nft_ctx_get_output_buffer(dv.nft);	/* drain */
	e = nft_ctx_get_error_buffer(dv.nft);
	if (rc == 0)
		return 0;
	e = e ? e : "";
	n = strcspn(e, "\n");
	snprintf(dv.err, sizeof(dv.err), "%.*s", (int)n, e);
	errno = nft_errno(e);
	return -1;
}

/*
 * Is there a table of our name already? 0 free, 1 a leftover of a dead
 * helper (or of us), -1 with errno EEXIST if someone else's.
 */
static int divert_check_owner(enum divert_hook hook)
{
	char cmd[128];
	const char *out = NULL;
	long pid;

	snprintf(cmd, sizeof(cmd), "list table %s %s", family(hook), dv.table);
	if (nft_run(cmd, &out) < 0) {
		if (errno == ENOENT)
			return 0;
		log_warnx("divert: nftables unavailable: %s", dv.err);
		return -1;
	}
	pid = divert_owner_pid(out);
	if (pid == getpid())
		return 1;
	if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
		log_info("divert: replacing table %s %s left by helper pid %ld",
			 family(hook), dv.table, pid);
		return 1;
	}
	if (pid > 0)
		log_warnx("divert: nftables table %s %s belongs to running helper pid %ld; "
			  "set another nft_table", family(hook), dv.table, pid);
	else
		log_warnx("divert: nftables table %s %s already exists and is not ours; "
			  "set another nft_table, or remove it (nft delete table %s %s)",
			  family(hook), dv.table, family(hook), dv.table);
	errno = EEXIST;
	return -1;
}

/* Append the IPv6 rules to @script (@rc: < 0 if building it failed). */
static int divert_load6(char *script, size_t size, int rc, enum divert_hook hook)
{
	size_t len = strlen(script);
	int n;

	if (rc < 0)
		return -1;
	n = divert_rules6(script + len, size - (size_t)len, hook, dv.table, dv.ifname,
			  hook == DIVERT_EGRESS ? dv.upstream : "", dv.group, dv.qthresh);
	if (n >= 0 && dv.client && hook == DIVERT_EGRESS) {
		int k = divert_client_rules6(script + len + n, size - len - (size_t)n, dv.table,
					     dv.group, dv.qthresh);

		n = k < 0 ? k : n + k;
	}
	return n < 0 ? -1 : (int)len + n;
}

static int divert_load(enum divert_hook hook, int replace)
{
	char script[SCRIPT_MAX];
	int n, k;

	n = divert_ruleset(script, sizeof(script), hook, replace, dv.table, dv.ifname, dv.group,
			   (long)getpid(), dv.qthresh);
	/* Each part appends to the script: n is its length so far. */
	if (n >= 0 && dv.upstream[0] && hook == DIVERT_EGRESS) {
		k = divert_upstream_rules(script + n, sizeof(script) - (size_t)n, dv.table,
					  dv.upstream, dv.group, dv.qthresh);
		n = k < 0 ? k : n + k;
	}
	if (n >= 0 && dv.client && hook == DIVERT_EGRESS) {
		k = divert_client_rules(script + n, sizeof(script) - (size_t)n, dv.table,
					dv.ifname, dv.group, dv.qthresh);
		n = k < 0 ? k : n + k;
	}
	n = divert_load6(script, sizeof(script), n, hook);
	if (n < 0) {
		snprintf(dv.err, sizeof(dv.err), "%s", strerror(errno));
		return -1;
	}
	log_debug("divert: loading\n%s", script);
	return nft_run(script, NULL);
}

int divert_check_free(const char *table)
{
	struct utsname u;
	enum divert_hook hook = DIVERT_EGRESS;

	if (!divert_name_ok(table, 0)) {
		log_warnx("divert: invalid table name \"%s\"", table ? table : "");
		errno = EINVAL;
		return -1;
	}
	if (dv.installed)
		return 0;
	snprintf(dv.table, sizeof(dv.table), "%s", table);
	if (uname(&u) == 0 && !divert_kernel_has_egress(u.release))
		hook = DIVERT_FORWARD;
	return divert_check_owner(hook) < 0 ? -1 : 0;
}

int divert_install(const char *ifname, const char *table, int group,
		   enum divert_hook hook)
{
	struct utsname u;
	int owned, rc;

	if (!divert_name_ok(table, 0) || !divert_name_ok(ifname, 1) ||
	    group < 0 || group > 65535) {
		log_warnx("divert: invalid table \"%s\", device \"%s\" or group %d",
			  table ? table : "", ifname ? ifname : "", group);
		errno = EINVAL;
		return -1;
	}
	if (dv.installed && divert_remove() < 0)
		return -1;
	snprintf(dv.table, sizeof(dv.table), "%s", table);
	snprintf(dv.ifname, sizeof(dv.ifname), "%s", ifname);
	dv.group = group;

	if (hook == DIVERT_AUTO) {
		hook = DIVERT_EGRESS;
		if (uname(&u) == 0 && !divert_kernel_has_egress(u.release)) {
			log_warnx("divert: kernel %s has no netdev egress hook (needs 5.16)",
				  u.release);
			hook = DIVERT_FORWARD;
		}
	}
	owned = divert_check_owner(hook);
	if (owned < 0)
		return -1;
	rc = divert_load(hook, owned);
	if (rc < 0 && hook == DIVERT_EGRESS && errno == EOPNOTSUPP) {
		log_warnx("divert: egress hook refused (%s)", dv.err);
		hook = DIVERT_FORWARD;
		owned = divert_check_owner(hook);
		if (owned < 0)
			return -1;
		rc = divert_load(hook, owned);
	}
	if (rc < 0) {
		log_warnx("divert: cannot install table %s %s on %s: %s",
			  family(hook), dv.table, dv.ifname, dv.err);
		return -1;
	}
	dv.installed = 1;
	dv.hook = hook;
	if (hook == DIVERT_FORWARD && dv.upstream[0])
		log_warnx("divert: standalone upstream %s needs the netdev egress hook (Linux 5.16); "
			  "no group traffic is taken in from it", dv.upstream);
	if (hook == DIVERT_FORWARD)
		log_warnx("divert: diverting routed multicast at the forward hook only; "
			  "multicast sent by processes on this server still reaches every "
			  "client on %s", dv.ifname);
	log_info("divert: table %s %s diverts multicast leaving %s to nflog group %d",
		 family(hook), dv.table, dv.ifname, dv.group);
	if (hook == DIVERT_EGRESS && dv.upstream[0])
		log_info("divert: group traffic arriving on %s goes to nflog group %d too",
			 dv.upstream, dv.group);
	if (dv.client)
		divert_client_log(hook);
	return 0;
}

int divert_present(void)
{
	char cmd[160];

	if (!dv.installed)
		return 0;
	snprintf(cmd, sizeof(cmd), "list chain %s %s %s", family(dv.hook),
		 dv.table, chain(dv.hook));
	if (nft_run(cmd, NULL) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	log_warnx("divert: cannot list table %s %s: %s", family(dv.hook),
		  dv.table, dv.err);
	return -1;
}

int divert_reinstall(void)
{
	if (!dv.installed) {
		errno = EINVAL;
		return -1;
	}
	if (divert_load(dv.hook, 1) < 0) {
		log_warnx("divert: cannot reinstall table %s %s on %s: %s",
			  family(dv.hook), dv.table, dv.ifname, dv.err);
		return -1;
	}
	log_info("divert: table %s %s reinstalled on %s", family(dv.hook),
		 dv.table, dv.ifname);
	return 0;
}

int divert_remove(void)
{
	char cmd[160];

	if (!dv.installed)
		return 0;
	snprintf(cmd, sizeof(cmd), "delete table %s %s", family(dv.hook), dv.table);
	if (nft_run(cmd, NULL) < 0 && errno != ENOENT) {
		log_warnx("divert: cannot delete table %s %s: %s",
			  family(dv.hook), dv.table, dv.err);
		return -1;
	}
	dv.installed = 0;
	log_info("divert: table %s %s removed", family(dv.hook), dv.table);
	return 0;
}

int divert_remove_stale(const char *table)
{
	static const enum divert_hook hooks[] = { DIVERT_EGRESS, DIVERT_FORWARD };
	char cmd[160];
	int rc = 0;

	if (!divert_name_ok(table, 0)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(dv.table, sizeof(dv.table), "%s", table);
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		int owned = divert_check_owner(hooks[i]);

		if (owned < 0) {
			rc = -1;
			continue;
		}
		if (!owned)
			continue;
		snprintf(cmd, sizeof(cmd), "delete table %s %s", family(hooks[i]), table);
		if (nft_run(cmd, NULL) < 0 && errno != ENOENT) {
			log_warnx("divert: cannot delete table %s %s: %s", family(hooks[i]), table, dv.err);
			rc = -1;
			continue;
		}
		log_info("divert: removed table %s %s left by a helper", family(hooks[i]), table);
	}
	return rc;
}

void divert_exit(void)
{
	divert_remove();
	if (dv.nft)
		nft_ctx_free(dv.nft);
	dv.nft = NULL;
}
