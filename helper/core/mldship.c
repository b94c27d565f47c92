/*
 * mldship.c - MLD into the membership engine; see mldship.h.
 */
#include <errno.h>
#include <string.h>

#include "mldship.h"

/* More sources than a 2048-byte capture, or a 1500-byte frame, can name. */
#define MLDSHIP_MAX_SRC 128

/*
 * The key of @a, into *@key; with @creates false only an existing one.
 * Return 1 with a key, 0 without (counted if the table is full), or -1
 * with errno ENOMEM.
 */
static int key_of(struct maddr *ma, const uint8_t *p, int creates, uint32_t *key,
		  struct mld_stats *st)
{
	uint8_t a[16];

	memcpy(a, p, 16);
	if (!creates)
		return maddr_find(ma, a, key) == 0;
	if (maddr_intern(ma, a, key) == 0)
		return 1;
	if (errno != ENOSPC)
		return -1;
	if (st)
		st->drops[MLD_DROP_TABLE_FULL]++;
	return 0;
}

static int record(struct mship *ms, struct maddr *ma, uint32_t client, const uint8_t *mac,
		  int version, const uint8_t *group, enum mld_rec_type type,
		  const uint8_t *src, unsigned int nsrc, uint64_t now, struct mld_stats *st)
{
	int block = type == MLD_BLOCK_OLD_SOURCES;
	int creates = !block && (nsrc || type == MLD_MODE_IS_EXCLUDE ||
				 type == MLD_CHANGE_TO_EXCLUDE);
	uint32_t g, keys[MLDSHIP_MAX_SRC];
	unsigned int i, k = 0;
	int rc;

	if (nsrc > MLDSHIP_MAX_SRC)
		nsrc = MLDSHIP_MAX_SRC;
	if ((rc = key_of(ma, group, creates, &g, st)) <= 0)
		return rc;
	for (i = 0; i < nsrc; i++) {
		/* A BLOCK names sources of an existing filter: one without a
		 * key is in none, and is left out. */
		rc = key_of(ma, src + 16 * (size_t)i, !block, &keys[k], st);
		if (rc < 0)
			return rc;
		if (rc)
			k++;
		else if (!block)
			return 0;	/* table full (counted): not half a record */
	}
	return mship_record(ms, client, mac, version, g, (enum igmp_rec_type)type, keys, k, now);
}

int mldship_apply(struct mship *ms, struct maddr *ma, uint32_t client, const uint8_t mac[6],
		  const struct mld_msg *m, uint64_t now, struct mld_stats *st)
{
	struct mld_rec_iter it;
	struct mld_rec r;
	int n = 0, rc, err = 0;

	switch (m->type) {
	case MLD_V1_REPORT:
		n = record(ms, ma, client, mac, 2, m->group, MLD_MODE_IS_EXCLUDE, NULL, 0, now, st);
		break;
	case MLD_V1_DONE:
		n = record(ms, ma, client, mac, 2, m->group, MLD_CHANGE_TO_INCLUDE, NULL, 0, now,
			   st);
		break;
	case MLD_V2_REPORT:
		mld_rec_begin(m, &it);
		while (mld_rec_next(&it, &r)) {
			rc = record(ms, ma, client, mac, 3, r.group, r.type, r.src, r.nsrc, now,
				    st);
			if (rc < 0)
				err = errno;
			else
				n += rc;
		}
		if (err) {
			errno = err;
			return -1;
		}
		break;
	default:
		break;
	}
	return n;
}

struct mark_ctx {
	const struct mship *ms;
	struct maddr *ma;
	uint64_t now;
};

static int mark_host(void *arg, const struct mship_filter *f)
{
	struct maddr *ma = arg;

	for (unsigned int i = 0; i < f->nsrc; i++)
		maddr_mark(ma, f->src[i].addr);
	return 0;
}

static int mark_group(void *arg, uint32_t group, unsigned int members,
		      const struct mship_group_stats *gs)
{
	struct mark_ctx *c = arg;

	(void)members, (void)gs;
	if (!maddr_is6(group))
		return 0;
	maddr_mark(c->ma, group);
	return mship_group_hosts(c->ms, group, c->now, mark_host, c->ma);
}

int mldship_mark(const struct mship *ms, struct maddr *ma, uint64_t now)
{
	struct mark_ctx c = { ms, ma, now };

	return mship_group_foreach(ms, mark_group, &c) < 0 ? -1 : 0;
}
