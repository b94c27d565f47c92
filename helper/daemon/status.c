/*
 * status.c - render the status report.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "registry.h"
#include "status.h"

/* One CSV field: characters that would break the row become '_'. */
static void status_field(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == ',' || *s == '"' || *s == 0x7f ? '_' : *s, out);
}

int status_write(FILE *out, const struct status_view *v, time_t now)
{
	char tbuf[64], mbuf[18];
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(tbuf, sizeof(tbuf), "%a %b %e %H:%M:%S %Y", &tm);
	fprintf(out, "TITLE,openvpn-mcast %s\n", VERSION);
	fprintf(out, "TIME,%s,%lld\n", tbuf, (long long)now);
	fputs("HEADER,CLIENT,Id,Common Name,Real Address,Virtual Address,MAC,Groups,"
	      "Frames Sent,Bytes Sent,Connected Since (time_t),Policy,Refused Not Allowed,"
	      "Refused Denied,Refused Max Groups,Refused Max Sources\n", out);
	for (unsigned i = 0; i < reg_count(v->reg); i++) {
		const struct client *c = reg_at(v->reg, i);

		fprintf(out, "CLIENT,%u,", c->id);
		status_field(out, c->cn);
		fputc(',', out);
		status_field(out, c->real);
		fputc(',', out);
		status_field(out, c->pool_ip);
		fputc(',', out);
		/* Extra MACs of one client (bridged LAN behind it) join with ' '. */
		for (unsigned m = 0; m < c->nmacs; m++)
			fprintf(out, "%s%s", m ? " " : "", reg_format_mac(c->mac[m], mbuf));
		fputc(',', out);
		if (v->client_groups)
			v->client_groups(v->arg, c, out);
		fprintf(out, ",%llu,%llu,%lld,", (unsigned long long)c->frames_sent,
			(unsigned long long)c->bytes_sent, (long long)c->since);
		status_field(out, v->policy ? policy_for(v->policy, c->cn)->name : "default");
		for (int r = 0; r < POLICY_REFUSAL_MAX; r++)
			fprintf(out, ",%llu", (unsigned long long)c->refused[r]);
		fputc('\n', out);
	}
	fputs("HEADER,GROUP,Group,Members,Frames In,Frames Out,Bytes Out\n", out);
	if (v->group_rows)
		v->group_rows(v->arg, out);
	fputs("HEADER,DROPS,Reason,Count\n", out);
	if (v->drop_rows)
		v->drop_rows(v->arg, out);
	if (v->upstream_rows)
		v->upstream_rows(v->arg, out);
	fputs("END\n", out);
	if (ferror(out)) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int status_file_replace(const char *path,
			int (*render)(FILE *, const struct status_view *, time_t),
			const struct status_view *v, time_t now)
{
	char tmp[4096];
	FILE *f;
	int saved;

	/* Not named *.prom: node_exporter reads only those. */
	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	if (fchmod(fileno(f), 0644) < 0 || render(f, v, now) < 0 || fflush(f) != 0 ||
	    fsync(fileno(f)) < 0) {
		saved = errno;
		fclose(f);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

int status_write_file(const char *path, const struct status_view *v, time_t now)
{
	return status_file_replace(path, status_write, v, now);
}
