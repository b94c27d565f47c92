/*
 * metrics.c - the status report's figures in Prometheus' text format, for
 * node_exporter's textfile collector.
 *
 * The group and drop figures are read back from the rendered status report
 * rather than from the modules: one source, which already pulls the
 * in-kernel (bpf) counters, so both data paths report the same meaning.
 * Client rows come from the registry, because the CSV flattens the
 * characters of a common name that a label value can carry escaped.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgcount.h"
#include "maddr.h"
#include "metrics.h"
#include "registry.h"
#include "status.h"

#define METRICS_MAX_FIELDS 8

struct metric {
	const char *name;
	const char *type;
	const char *help;
};

static const struct metric m_frames_in = { "openvpn_mcast_frames_in_total", "counter",
	"Group frames taken in for replication (diverted from the tap or from the upstream)." };
static const struct metric m_copies_out = { "openvpn_mcast_copies_out_total", "counter",
	"Unicast copies of group frames written to the tap, one per member client." };
static const struct metric m_group_bytes = { "openvpn_mcast_group_bytes_out_total", "counter",
	"Bytes of the copies of a group written to the tap (Ethernet frames)." };
static const struct metric m_members = { "openvpn_mcast_members", "gauge",
	"Clients that are members of the group." };
static const struct metric m_drops = { "openvpn_mcast_drops_total", "counter",
	"Frames or messages dropped, by reason (the DROPS rows of the status)." };
static const struct metric m_clients = { "openvpn_mcast_clients", "gauge",
	"Connected clients." };
static const struct metric m_bytes_out = { "openvpn_mcast_bytes_out_total", "counter",
	"Bytes of the group's copies written to the tap for the client (Ethernet frames)." };
static const struct metric m_client_bytes = { "openvpn_mcast_client_bytes_out_total", "counter",
	"Bytes of group copies written to the tap for the client (Ethernet frames)." };
static const struct metric m_frames_out = { "openvpn_mcast_client_copies_out_total", "counter",
	"Group copies written to the tap for the client." };

static void metrics_head(FILE *out, const struct metric *m)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->type);
}

/* Length of the valid UTF-8 sequence at @s, or 0. */
static size_t metrics_utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/*
 * A label value: '\', '"' and newline escaped as the format asks; bytes that
 * are not UTF-8 (which the format requires) become '?'.
 */
static void metrics_label(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = metrics_utf8_len(p);

		if (*p == '\\')
			fputs("\\\\", out);
		else if (*p == '"')
			fputs("\\\"", out);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (!n)
			fputc('?', out);
		else
			fwrite(p, 1, n, out);
		p += n ? n : 1;
	}
}

/* Split a CSV row of the status report in place (it has no quoting). */
static int metrics_split(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ',') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

/* A counter field of the report: digits only, else the row is skipped. */
static int metrics_num(const char *s, unsigned long long *v)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

struct metrics_rows {
	char **group;		/* GROUP rows, split */
	char **drops;		/* DROPS rows, split */
	size_t ngroup, ndrops;
};

/* Per group metric: one sample per GROUP row, value from column @col. */
static void metrics_groups(FILE *out, const struct metric *m, char *const *rows, size_t n, int col)
{
	metrics_head(out, m);
	for (size_t i = 0; i < n; i++) {
		char *f[METRICS_MAX_FIELDS];
		char row[256];
		unsigned long long v;

		snprintf(row, sizeof(row), "%s", rows[i]);
		if (metrics_split(row, f, METRICS_MAX_FIELDS) < 6 || metrics_num(f[col], &v) < 0)
			continue;
		fprintf(out, "%s{group=\"", m->name);
		metrics_label(out, f[1]);
		fprintf(out, "\"} %llu\n", v);
	}
}

int metrics_write(FILE *out, const struct status_view *v, time_t now)
{
	char *buf = NULL, *line, *save = NULL;
	char **group = NULL, **drops = NULL;
	size_t len = 0, ng = 0, nd = 0;
	unsigned nclients = reg_count(v->reg);
	FILE *csv;
	int rc = -1;

	csv = open_memstream(&buf, &len);
	if (!csv)
		return -1;
	if (status_write(csv, v, now) < 0 || fclose(csv) != 0) {
		free(buf);
		errno = EIO;
		return -1;
	}
	/* Each row at most once per line: len bounds both arrays. */
	group = calloc(len / 2 + 1, sizeof(*group));
	drops = calloc(len / 2 + 1, sizeof(*drops));
	if (!group || !drops)
		goto out;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "GROUP,", 6))
			group[ng++] = line;
		else if (!strncmp(line, "DROPS,", 6))
			drops[nd++] = line;
	}

	metrics_head(out, &m_clients);
	fprintf(out, "%s %u\n", m_clients.name, nclients);
	metrics_groups(out, &m_members, group, ng, 2);
	metrics_groups(out, &m_frames_in, group, ng, 3);
	metrics_groups(out, &m_copies_out, group, ng, 4);
	metrics_groups(out, &m_group_bytes, group, ng, 5);

	/* Common names may repeat (duplicate-cn): the id keeps series apart. */
	metrics_head(out, &m_bytes_out);
	for (size_t i = 0; v->cg && i < cgc_count(v->cg); i++) {
		const struct cg_entry *e = cgc_at(v->cg, i);
		const struct client *c = reg_find(v->reg, e->client);
		char grp[MADDR_STRLEN];

		if (!c)
			continue;
		fprintf(out, "%s{client=\"", m_bytes_out.name);
		metrics_label(out, c->cn);
		fprintf(out, "\",id=\"%u\",group=\"%s\"} %llu\n", c->id,
			maddr_ntop(v->addrs, e->group, e->group, grp), (unsigned long long)e->bytes);
	}
	metrics_head(out, &m_client_bytes);
	for (unsigned i = 0; i < nclients; i++) {
		const struct client *c = reg_at(v->reg, i);

		fprintf(out, "%s{client=\"", m_client_bytes.name);
		metrics_label(out, c->cn);
		fprintf(out, "\",id=\"%u\"} %llu\n", c->id, (unsigned long long)c->bytes_sent);
	}
	metrics_head(out, &m_frames_out);
	for (unsigned i = 0; i < nclients; i++) {
		const struct client *c = reg_at(v->reg, i);

		fprintf(out, "%s{client=\"", m_frames_out.name);
		metrics_label(out, c->cn);
		fprintf(out, "\",id=\"%u\"} %llu\n", c->id, (unsigned long long)c->frames_sent);
	}

	metrics_head(out, &m_drops);
	for (size_t i = 0; i < nd; i++) {
		char *f[METRICS_MAX_FIELDS];
		unsigned long long n;

		if (metrics_split(drops[i], f, METRICS_MAX_FIELDS) != 3 || metrics_num(f[2], &n) < 0)
			continue;
		fprintf(out, "%s{reason=\"", m_drops.name);
		metrics_label(out, f[1]);
		fprintf(out, "\"} %llu\n", n);
	}
	rc = ferror(out) ? -1 : 0;
	if (rc < 0)
		errno = EIO;
out:
	if (rc < 0 && !errno)
		errno = ENOMEM;
	free(group);
	free(drops);
	free(buf);
	return rc;
}

int metrics_write_file(const char *path, const struct status_view *v, time_t now)
{
	return status_file_replace(path, metrics_write, v, now);
}
