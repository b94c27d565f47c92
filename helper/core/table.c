/*
 * table.c - status report as human-readable tables.
 *
 * Works on the CSV text rather than on the daemon's state so that the
 * status client needs nothing but the socket, and both forms always agree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

#define TABLE_MAX_COLS 16

struct row {
	char *f[TABLE_MAX_COLS];
	int n;
};

/* Split @line at commas in place, skipping the first @skip fields. */
static void split(char *line, int skip, struct row *r)
{
	char *tok;
	int i = 0;

	/* strsep, not strtok: empty fields (no MAC yet) must keep their column. */
	r->n = 0;
	while ((tok = strsep(&line, ",")) != NULL) {
		if (i++ >= skip && r->n < TABLE_MAX_COLS)
			r->f[r->n++] = tok;
	}
}

/* One row, padded to the column widths, without trailing blanks. */
static void print_row(FILE *out, const int *w, int ncols, char *const *f, int nf)
{
	char line[4096];
	size_t off = 0;

	for (int c = 0; c < ncols && off < sizeof(line); c++) {
		int n = snprintf(line + off, sizeof(line) - off, "%-*s%s", w[c],
				 c < nf ? f[c] : "", c + 1 < ncols ? "  " : "");

		off += n > 0 ? (size_t)n : 0;
	}
	if (off >= sizeof(line))
		off = sizeof(line) - 1;
	while (off && line[off - 1] == ' ')
		off--;
	fprintf(out, "%.*s\n", (int)off, line);
}

static void print_section(FILE *out, const struct row *hdr, const struct row *rows, int nrows)
{
	int w[TABLE_MAX_COLS] = { 0 };

	for (int c = 0; c < hdr->n; c++)
		w[c] = (int)strlen(hdr->f[c]);
	for (int r = 0; r < nrows; r++)
		for (int c = 0; c < rows[r].n && c < hdr->n; c++)
			if ((int)strlen(rows[r].f[c]) > w[c])
				w[c] = (int)strlen(rows[r].f[c]);
	print_row(out, w, hdr->n, hdr->f, hdr->n);
	for (int r = 0; r < nrows; r++)
		print_row(out, w, hdr->n, rows[r].f, rows[r].n);
	if (!nrows)
		fputs("(none)\n", out);
}

int table_render(const char *csv, FILE *out)
{
	char *text = strdup(csv), *save = NULL, *line;
	struct row hdr = { .n = 0 }, *rows = NULL;
	int nrows = 0, cap = 0, have_hdr = 0;
	char kind[32] = "";

	if (!text) {
		errno = ENOMEM;
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "TITLE,", 6)) {
			fprintf(out, "%s\n", line + 6);
		} else if (!strncmp(line, "TIME,", 5)) {
			char *comma = strrchr(line, ',');

			if (comma > line + 5)
				*comma = '\0';
			fprintf(out, "%s\n", line + 5);
		} else if (!strncmp(line, "HEADER,", 7) || !strcmp(line, "END")) {
			if (have_hdr) {
				fprintf(out, "\n%s%s\n", kind,
					kind[0] && kind[strlen(kind) - 1] == 's' ? "" : "s");
				print_section(out, &hdr, rows, nrows);
			}
			nrows = 0;
			have_hdr = 0;
			if (line[0] == 'H') {
				char *k = line + 7, *c = strchr(k, ',');

				snprintf(kind, sizeof(kind), "%.*s", c ? (int)(c - k) : 0, k);
				for (char *p = kind + 1; *p; p++)
					*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
				split(line, 2, &hdr);
				have_hdr = 1;
			}
		} else if (have_hdr) {
			if (nrows == cap) {
				struct row *nr = realloc(rows, (size_t)(cap ? cap * 2 : 16) * sizeof(*nr));

				if (!nr) {
					free(rows);
					free(text);
					errno = ENOMEM;
					return -1;
				}
				rows = nr;
				cap = cap ? cap * 2 : 16;
			}
			split(line, 1, &rows[nrows++]);
		}
	}
	free(rows);
	free(text);
	return 0;
}
