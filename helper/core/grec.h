/*
 * grec.h - the group records of IGMPv3 and MLDv2 reports, which share one
 * layout (RFC 3376 4.2.4, RFC 3810 5.2.4) but for the address size @alen
 * (4 or 16): type, aux data length (32-bit words), number of sources,
 * group, sources, aux data. Both parsers walk them here.
 *
 * @check tells whether a record is usable: -1 if so, else the parser's
 * drop reason for skipping it. Pure and inline.
 */
#ifndef GREC_H
#define GREC_H

#include <stddef.h>
#include <stdint.h>

/* Record length as its header says; @r has at least 4 + @alen bytes. */
static inline size_t grec_len(const uint8_t *r, size_t alen)
{
	return 4 + alen * (1 + ((size_t)r[2] << 8 | r[3])) + 4 * (size_t)r[1];
}

/* Does a whole record start at @p, before @end? */
static inline int grec_fits(const uint8_t *p, const uint8_t *end, size_t alen)
{
	return (size_t)(end - p) >= 4 + alen && grec_len(p, alen) <= (size_t)(end - p);
}

/*
 * grec_scan() - check that @nrec records fit in [@p, @end) and sort them:
 * each unusable one is counted in @skipped[reason], the usable ones in
 * *@nvalid. Return: the length of the records, or 0 if one overruns (a
 * malformed report, whose counts the caller drops).
 */
static inline size_t grec_scan(const uint8_t *p, const uint8_t *end, unsigned int nrec,
			       size_t alen, int (*check)(const uint8_t *r),
			       unsigned int *skipped, uint16_t *nvalid)
{
	const uint8_t *start = p;

	for (unsigned int i = 0; i < nrec; i++) {
		int why;

		if (!grec_fits(p, end, alen))
			return 0;
		why = check(p);
		if (why >= 0)
			skipped[why]++;
		else
			(*nvalid)++;
		p += grec_len(p, alen);
	}
	return (size_t)(p - start);
}

/*
 * grec_next() - the next usable record at or after *@p (of *@left records
 * before @end), stepping past it; NULL at the end. It checks the bounds
 * again, cheaply, though grec_scan() has proved them.
 */
static inline const uint8_t *grec_next(const uint8_t **p, const uint8_t *end, uint16_t *left,
				       size_t alen, int (*check)(const uint8_t *r))
{
	while (*left && grec_fits(*p, end, alen)) {
		const uint8_t *r = *p;

		*p += grec_len(r, alen);
		(*left)--;
		if (check(r) < 0)
			return r;
	}
	*left = 0;
	return NULL;
}

#endif
