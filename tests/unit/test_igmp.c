/*
 * test_igmp.c - IGMP parser and query builder, on frames captured from Linux
 * (tests/frames/capture.sh) and on malformed variants of them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "csum.h"
#include "igmp.h"
#include "../frames/frames.h"

#define S1 "10.99.0.11"
#define S2 "10.99.0.12"
#define S3 "10.99.0.13"
#define S4 "10.99.0.14"
#define S5 "10.99.0.15"

static const uint8_t host_mac[6] = { 0x02, 0x99, 0, 0, 0, 0x02 };

static uint32_t A(const char *s)
{
	return inet_addr(s);
}

/* The @nth frame of capture @name carrying @type about @group. */
static void pick(struct frame *f, const char *name, enum igmp_type type,
		 const char *group, int rtype, int nth)
{
	assert_int_equal(frames_pick(f, name, type, group, rtype, nth), 0);
}

/* Offset of record @n of the v3 report in @f, walking the headers. */
static size_t rec_off(const struct frame *f, unsigned int n)
{
	size_t off = 14 + 24 + 8;

	while (n--)
		off += 8 + 4 * (size_t)(f->data[off + 2] << 8 | f->data[off + 3]) +
		       4 * (size_t)f->data[off + 1];
	return off;
}

static unsigned int nrec_of(const struct frame *f)
{
	return (unsigned int)(f->data[14 + 24 + 6] << 8 | f->data[14 + 24 + 7]);
}

static int rec_link_local(const struct frame *f, unsigned int n)
{
	const uint8_t *g = f->data + rec_off(f, n) + 4;

	return g[0] == 224 && g[1] == 0 && g[2] == 0;
}

static void parse_ok(const struct frame *f, struct igmp_msg *m)
{
	enum igmp_drop why = IGMP_DROP_MAX;

	assert_int_equal(igmp_parse(f->data, f->len, m, &why, NULL), 0);
	assert_int_equal(why, IGMP_DROP_MAX);
}

static void parse_bad(const uint8_t *d, size_t len, enum igmp_drop expect)
{
	struct igmp_stats st = { { 0 } };
	enum igmp_drop why = IGMP_DROP_MAX;
	struct igmp_msg m;

	errno = 0;
	assert_int_equal(igmp_parse(d, len, &m, &why, &st), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(why, expect);
	assert_int_equal(st.drops[expect], 1);
}

/* Recompute both checksums after a test edited a frame. */
static void fix_csums(uint8_t *f, size_t l3)
{
	uint8_t *ip = f + l3;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t tot = (size_t)ip[2] << 8 | ip[3];
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = htons(csum_inet(ip, ihl));
	memcpy(ip + 10, &c, 2);
	if (tot >= ihl + 4) {
		ip[ihl + 2] = ip[ihl + 3] = 0;
		c = htons(csum_inet(ip + ihl, tot - ihl));
		memcpy(ip + ihl + 2, &c, 2);
	}
}

static void set_tot(uint8_t *f, size_t tot)
{
	f[14 + 2] = (uint8_t)(tot >> 8);
	f[14 + 3] = (uint8_t)tot;
}

struct exp_rec {
	enum igmp_rec_type type;
	const char *group;
	const char *src[3];
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The usable records of a v3 report: @n of them, in any order. */
static void check_recs(const struct frame *f, const struct exp_rec *e,
		       size_t n)
{
	struct igmp_rec_iter it;
	struct igmp_rec rec;
	struct igmp_msg m;
	uint32_t want[3], got[3];
	size_t i, j, seen = 0;

	parse_ok(f, &m);
	assert_int_equal(m.type, IGMP_V3_REPORT);
	assert_int_equal(m.version, 3);
	assert_int_equal(m.dst_ip, A("224.0.0.22"));
	assert_int_equal(m.nrec_valid, n);
	for (i = 0; i < n; i++) {
		igmp_rec_begin(&m, &it);
		while (igmp_rec_next(&it, &rec))
			if (rec.type == e[i].type && rec.group == A(e[i].group))
				break;
		assert_int_equal(rec.type, e[i].type);
		assert_int_equal(rec.group, A(e[i].group));
		for (j = 0; e[i].src[j]; j++)
			want[j] = A(e[i].src[j]);
		assert_int_equal(rec.nsrc, j);
		for (j = 0; j < rec.nsrc; j++)
			got[j] = igmp_rec_src(&rec, (unsigned int)j);
		qsort(want, rec.nsrc, 4, cmp_u32);
		qsort(got, rec.nsrc, 4, cmp_u32);
		assert_memory_equal(want, got, 4 * (size_t)rec.nsrc);
		seen++;
	}
	assert_int_equal(seen, n);
}

static void test_v1(void **state)
{
	struct igmp_stats st = { { 0 } };
	static struct frames fs;
	struct igmp_msg m;
	struct frame f;
	size_t i;

	(void)state;
	pick(&f, "v1", IGMP_V1_REPORT, "239.1.1.1", 0, 0);
	parse_ok(&f, &m);
	assert_int_equal(m.type, IGMP_V1_REPORT);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.group, A("239.1.1.1"));
	assert_int_equal(m.src_ip, A("10.99.0.2"));
	assert_int_equal(m.dst_ip, A("239.1.1.1"));
	assert_memory_equal(m.src_mac, host_mac, 6);
	assert_memory_equal(m.dst_mac, "\x01\x00\x5e\x01\x01\x01", 6);
	assert_int_equal(m.ttl, 1);
	assert_true(m.router_alert);
	assert_false(m.tagged);

	pick(&f, "v1", IGMP_QUERY, "0.0.0.0", 0, 0);
	parse_ok(&f, &m);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.max_resp_ds, 100);
	assert_int_equal(m.src_ip, A("10.99.0.1"));

	/* The router's own report for 224.0.0.106 is never tracked. */
	assert_true(frames_load("v1", &fs) > 0);
	for (i = 0; i < fs.n; i++)
		igmp_parse(fs.f[i].data, fs.f[i].len, &m, NULL, &st);
	assert_int_equal(st.drops[IGMP_DROP_LINK_LOCAL], 1);
}

static void test_v2(void **state)
{
	struct igmp_msg m;
	struct frame f;

	(void)state;
	pick(&f, "v2", IGMP_V2_REPORT, "239.2.2.2", 0, 0);
	parse_ok(&f, &m);
	assert_int_equal(m.version, 2);
	assert_int_equal(m.group, A("239.2.2.2"));
	assert_int_equal(m.dst_ip, A("239.2.2.2"));

	pick(&f, "v2", IGMP_QUERY, "0.0.0.0", 0, 0);
	parse_ok(&f, &m);
	assert_int_equal(m.version, 2);
	assert_int_equal(m.max_resp_ds, 5);
	assert_int_equal(m.src_ip, A("10.99.0.1"));
	assert_int_equal(m.dst_ip, A("224.0.0.1"));

	pick(&f, "v2", IGMP_V2_LEAVE, "239.2.2.2", 0, 0);
	parse_ok(&f, &m);
	assert_int_equal(m.version, 2);
	assert_int_equal(m.dst_ip, A("224.0.0.2"));
}

static void test_v3_change_records(void **state)
{
	struct frame f;

	(void)state;
	pick(&f, "v3_asm", IGMP_V3_REPORT, "239.3.3.3",
	     IGMP_CHANGE_TO_EXCLUDE, 0);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_CHANGE_TO_EXCLUDE, "239.3.3.3", { NULL } } }, 1);
	pick(&f, "v3_asm", IGMP_V3_REPORT, "239.3.3.3",
	     IGMP_CHANGE_TO_INCLUDE, 0);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_CHANGE_TO_INCLUDE, "239.3.3.3", { NULL } } }, 1);

	pick(&f, "v3_ssm", IGMP_V3_REPORT, "239.3.3.4",
	     IGMP_ALLOW_NEW_SOURCES, 0);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_ALLOW_NEW_SOURCES, "239.3.3.4", { S1 } } }, 1);
	/* Linux sends each change twice (robustness 2): #2 is the next one. */
	pick(&f, "v3_ssm", IGMP_V3_REPORT, "239.3.3.4",
	     IGMP_ALLOW_NEW_SOURCES, 2);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_ALLOW_NEW_SOURCES, "239.3.3.4", { S2 } } }, 1);
	pick(&f, "v3_ssm", IGMP_V3_REPORT, "239.3.3.4",
	     IGMP_BLOCK_OLD_SOURCES, 0);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_BLOCK_OLD_SOURCES, "239.3.3.4", { S1 } } }, 1);
	pick(&f, "v3_ssm", IGMP_V3_REPORT, "239.3.3.4",
	     IGMP_BLOCK_OLD_SOURCES, 2);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_BLOCK_OLD_SOURCES, "239.3.3.4", { S2 } } }, 1);

	pick(&f, "v3_block", IGMP_V3_REPORT, "239.3.3.5",
	     IGMP_CHANGE_TO_EXCLUDE, 0);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_CHANGE_TO_EXCLUDE, "239.3.3.5", { S3 } } }, 1);
	pick(&f, "v3_block", IGMP_V3_REPORT, "239.3.3.5",
	     IGMP_BLOCK_OLD_SOURCES, 0);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_BLOCK_OLD_SOURCES, "239.3.3.5", { S4 } } }, 1);
	pick(&f, "v3_block", IGMP_V3_REPORT, "239.3.3.5",
	     IGMP_ALLOW_NEW_SOURCES, 0);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_ALLOW_NEW_SOURCES, "239.3.3.5", { S3 } } }, 1);
	pick(&f, "v3_block", IGMP_V3_REPORT, "239.3.3.5",
	     IGMP_CHANGE_TO_INCLUDE, 0);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_CHANGE_TO_INCLUDE, "239.3.3.5", { NULL } } }, 1);

	pick(&f, "v3_to_in", IGMP_V3_REPORT, "239.3.3.6",
	     IGMP_CHANGE_TO_EXCLUDE, 0);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_CHANGE_TO_EXCLUDE, "239.3.3.6", { NULL } } }, 1);
	pick(&f, "v3_to_in", IGMP_V3_REPORT, "239.3.3.6",
	     IGMP_CHANGE_TO_INCLUDE, 0);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_CHANGE_TO_INCLUDE, "239.3.3.6", { S5 } } }, 1);
	pick(&f, "v3_to_in", IGMP_V3_REPORT, "239.3.3.6",
	     IGMP_BLOCK_OLD_SOURCES, 0);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_BLOCK_OLD_SOURCES, "239.3.3.6", { S5 } } }, 1);
}

/* Multi-record reports with a link-local record among them, and queries. */
static void test_v3_query_and_state(void **state)
{
	struct igmp_stats st = { { 0 } };
	struct igmp_msg m;
	struct frame f;

	(void)state;
	pick(&f, "v3_query", IGMP_V3_REPORT, "239.3.4.2",
	     IGMP_ALLOW_NEW_SOURCES, 0);
	assert_int_equal(igmp_parse(f.data, f.len, &m, NULL, &st), 0);
	assert_int_equal(m.nrec, 3);
	assert_int_equal(m.nrec_valid, 2);
	assert_int_equal(st.drops[IGMP_DROP_LINK_LOCAL], 1);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_ALLOW_NEW_SOURCES, "239.3.4.2", { S1, S2 } },
		{ IGMP_CHANGE_TO_EXCLUDE, "239.3.4.1", { NULL } } }, 2);

	pick(&f, "v3_query", IGMP_QUERY, "0.0.0.0", 0, 0);
	parse_ok(&f, &m);
	assert_int_equal(m.version, 3);
	assert_int_equal(m.max_resp_ds, 5);
	assert_int_equal(m.qrv, 2);
	assert_int_equal(m.qqi, 3);
	assert_false(m.s_flag);
	assert_int_equal(m.nsrc, 0);
	assert_int_equal(m.src_ip, A("10.99.0.1"));

	pick(&f, "v3_query", IGMP_V3_REPORT, "239.3.4.2",
	     IGMP_MODE_IS_INCLUDE, 0);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_MODE_IS_INCLUDE, "239.3.4.2", { S1, S2 } },
		{ IGMP_MODE_IS_EXCLUDE, "239.3.4.1", { NULL } } }, 2);
	pick(&f, "v3_query", IGMP_V3_REPORT, "239.3.4.1",
	     IGMP_CHANGE_TO_INCLUDE, 0);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_CHANGE_TO_INCLUDE, "239.3.4.1", { NULL } },
		{ IGMP_BLOCK_OLD_SOURCES, "239.3.4.2", { S2, S1 } } }, 2);

	pick(&f, "v3_query", IGMP_QUERY, "239.3.4.1", 0, 0);
	parse_ok(&f, &m);
	assert_int_equal(m.version, 3);
	assert_int_equal(m.dst_ip, A("239.3.4.1"));
	assert_int_equal(m.max_resp_ds, 10);
}

static const char *const all_pcaps[] = {
	"v1", "v2", "v3_asm", "v3_ssm", "v3_block", "v3_to_in", "v3_query",
};

/* Every prefix of every captured frame is rejected as truncated. */
static void test_truncated(void **state)
{
	static struct frames fs;
	size_t p, i, len;

	(void)state;
	for (p = 0; p < sizeof(all_pcaps) / sizeof(*all_pcaps); p++) {
		assert_true(frames_load(all_pcaps[p], &fs) > 0);
		for (i = 0; i < fs.n; i++)
			for (len = 0; len < fs.f[i].len; len++)
				parse_bad(fs.f[i].data, len, IGMP_DROP_TRUNCATED);
	}
}

/* Ethernet padding beyond the IP total length is ignored. */
static void test_padding(void **state)
{
	struct igmp_msg m;
	struct frame f;

	(void)state;
	pick(&f, "v2", IGMP_V2_REPORT, "239.2.2.2", 0, 0);
	memset(f.data + f.len, 0xee, 60 - f.len);
	f.len = 60;
	parse_ok(&f, &m);
	assert_int_equal(m.group, A("239.2.2.2"));
}

/* Any single bit flipped in the IGMP message breaks its checksum. */
static void test_bad_checksum(void **state)
{
	uint8_t b[FRAME_MAX];
	struct frame r, q;
	size_t bit;

	(void)state;
	pick(&r, "v3_query", IGMP_V3_REPORT, "239.3.4.2", 0, 0);
	for (bit = (14 + 24) * 8; bit < r.len * 8; bit++) {
		memcpy(b, r.data, r.len);
		b[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		parse_bad(b, r.len, IGMP_DROP_BAD_CHECKSUM);
	}
	/* IP header checksum: TTL and source address changed. */
	pick(&q, "v3_query", IGMP_QUERY, "0.0.0.0", 0, 0);
	memcpy(b, q.data, q.len);
	b[14 + 8] = 2;
	parse_bad(b, q.len, IGMP_DROP_BAD_CHECKSUM);
	memcpy(b, q.data, q.len);
	b[14 + 15] ^= 0x40;
	parse_bad(b, q.len, IGMP_DROP_BAD_CHECKSUM);
}

static void test_bad_length(void **state)
{
	struct frame qf, *q = &qf;	/* v3 query, 24 + 12 */
	uint8_t b[FRAME_MAX];

	(void)state;
	pick(q, "v3_query", IGMP_QUERY, "0.0.0.0", 0, 0);
	/* IHL below 5. */
	memcpy(b, q->data, q->len);
	b[14] = 0x44;
	parse_bad(b, q->len, IGMP_DROP_BAD_LENGTH);
	/* Total length shorter than the IP header. */
	memcpy(b, q->data, q->len);
	set_tot(b, 20);
	fix_csums(b, 14);
	parse_bad(b, q->len, IGMP_DROP_BAD_LENGTH);
	/* IGMP shorter than 8 bytes. */
	memcpy(b, q->data, q->len);
	set_tot(b, 24 + 4);
	fix_csums(b, 14);
	parse_bad(b, q->len, IGMP_DROP_BAD_LENGTH);
	/* A query of 9..11 bytes is neither v2 nor v3. */
	for (size_t n = 9; n <= 11; n++) {
		memcpy(b, q->data, q->len);
		set_tot(b, 24 + n);
		fix_csums(b, 14);
		parse_bad(b, q->len, IGMP_DROP_BAD_LENGTH);
	}
	/* v3 query claiming a source it does not carry. */
	memcpy(b, q->data, q->len);
	b[14 + 24 + 11] = 1;
	fix_csums(b, 14);
	parse_bad(b, q->len, IGMP_DROP_BAD_LENGTH);
	/* Router Alert option with length 0, and one running past the header. */
	memcpy(b, q->data, q->len);
	b[14 + 21] = 0;
	fix_csums(b, 14);
	parse_bad(b, q->len, IGMP_DROP_BAD_LENGTH);
	memcpy(b, q->data, q->len);
	b[14 + 21] = 8;
	fix_csums(b, 14);
	parse_bad(b, q->len, IGMP_DROP_BAD_LENGTH);
}

static void test_bad_record(void **state)
{
	struct frame rf, *r = &rf, f;
	uint8_t b[FRAME_MAX];
	struct igmp_msg m;
	unsigned int last, usable;

	(void)state;
	pick(r, "v3_query", IGMP_V3_REPORT, "239.3.4.2", 0, 0);
	last = nrec_of(r) - 1;
	assert_int_equal(last, 2);
	/* More records than there are. */
	memcpy(b, r->data, r->len);
	b[14 + 24 + 7] = 4;
	fix_csums(b, 14);
	parse_bad(b, r->len, IGMP_DROP_BAD_RECORD);
	memcpy(b, r->data, r->len);
	b[14 + 24 + 6] = 0xff;
	b[14 + 24 + 7] = 0xff;
	fix_csums(b, 14);
	parse_bad(b, r->len, IGMP_DROP_BAD_RECORD);
	/* One source more in the first record pushes the last off the end. */
	memcpy(b, r->data, r->len);
	b[rec_off(r, 0) + 3]++;
	fix_csums(b, 14);
	parse_bad(b, r->len, IGMP_DROP_BAD_RECORD);
	memcpy(b, r->data, r->len);
	b[rec_off(r, last) + 3]++;
	fix_csums(b, 14);
	parse_bad(b, r->len, IGMP_DROP_BAD_RECORD);
	/* Aux data length running past the end. */
	memcpy(b, r->data, r->len);
	b[rec_off(r, last) + 1] = 1;
	fix_csums(b, 14);
	parse_bad(b, r->len, IGMP_DROP_BAD_RECORD);

	/* Fewer records than there are: the rest is trailing data. */
	f = *r;
	f.data[14 + 24 + 7] = 2;
	fix_csums(f.data, 14);
	parse_ok(&f, &m);
	usable = !rec_link_local(r, 0) + !rec_link_local(r, 1);
	assert_int_equal(m.nrec, 2);
	assert_int_equal(m.nrec_valid, usable);
	/* No records at all is a valid, empty report. */
	f.data[14 + 24 + 7] = 0;
	fix_csums(f.data, 14);
	parse_ok(&f, &m);
	assert_int_equal(m.nrec_valid, 0);
}

/* Aux data is skipped: build TO_EX(G,{S3}) + 2 aux words, then ALLOW. */
static void test_aux_data(void **state)
{
	struct frame rf, *r = &rf;	/* one record, one source */
	uint32_t g2 = A("239.9.9.9"), s1 = A(S1);
	struct frame f;
	uint8_t *p;

	(void)state;
	pick(r, "v3_block", IGMP_V3_REPORT, "239.3.3.5",
	     IGMP_CHANGE_TO_EXCLUDE, 0);
	memcpy(f.data, r->data, r->len);
	p = f.data + r->len;
	memcpy(p, "\xaa\xbb\xcc\xdd\x11\x22\x33\x44", 8);	/* aux */
	p += 8;
	memcpy(p, "\x05\x00\x00\x01", 4);
	memcpy(p + 4, &g2, 4);
	memcpy(p + 8, &s1, 4);
	p += 12;
	f.len = (size_t)(p - f.data);
	f.data[14 + 24 + 8 + 1] = 2;	/* aux len of record 1, in words */
	f.data[14 + 24 + 7] = 2;	/* two records */
	set_tot(f.data, f.len - 14);
	fix_csums(f.data, 14);
	check_recs(&f, (struct exp_rec[]){
		{ IGMP_CHANGE_TO_EXCLUDE, "239.3.3.5", { S3 } },
		{ IGMP_ALLOW_NEW_SOURCES, "239.9.9.9", { S1 } } }, 2);
}

static void set_group(uint8_t *b, size_t off, const char *g)
{
	uint32_t a = A(g);

	memcpy(b + off, &a, 4);
	fix_csums(b, 14);
}

static void test_groups(void **state)
{
	struct igmp_stats st = { { 0 } };
	uint8_t b[FRAME_MAX];
	struct igmp_msg m;
	struct frame f;
	unsigned int i, first = 3, second = 3;

	(void)state;
	pick(&f, "v2", IGMP_V2_REPORT, "239.2.2.2", 0, 0);
	memcpy(b, f.data, f.len);
	set_group(b, 14 + 24 + 4, "10.1.2.3");
	parse_bad(b, f.len, IGMP_DROP_NOT_MULTICAST);
	set_group(b, 14 + 24 + 4, "240.0.0.1");
	parse_bad(b, f.len, IGMP_DROP_NOT_MULTICAST);
	set_group(b, 14 + 24 + 4, "224.0.0.5");
	parse_bad(b, f.len, IGMP_DROP_LINK_LOCAL);
	set_group(b, 14 + 24 + 4, "224.0.1.1");	/* not link-local */
	assert_int_equal(igmp_parse(b, f.len, &m, NULL, NULL), 0);
	pick(&f, "v2", IGMP_V2_LEAVE, "239.2.2.2", 0, 0);
	memcpy(b, f.data, f.len);
	set_group(b, 14 + 24 + 4, "224.0.0.251");
	parse_bad(b, f.len, IGMP_DROP_LINK_LOCAL);
	pick(&f, "v2", IGMP_QUERY, "0.0.0.0", 0, 0);
	memcpy(b, f.data, f.len);
	set_group(b, 14 + 24 + 4, "10.1.2.3");
	parse_bad(b, f.len, IGMP_DROP_NOT_MULTICAST);

	/* In a v3 report a bad record is skipped and counted, not fatal. */
	pick(&f, "v3_query", IGMP_V3_REPORT, "239.3.4.2", 0, 0);
	for (i = 0; i < 3; i++)
		if (!rec_link_local(&f, i)) {
			if (first == 3)
				first = i;
			else
				second = i;
		}
	assert_true(second < 3);
	memcpy(b, f.data, f.len);
	set_group(b, rec_off(&f, first) + 4, "10.1.2.3");
	assert_int_equal(igmp_parse(b, f.len, &m, NULL, &st), 0);
	assert_int_equal(m.nrec_valid, 1);
	assert_int_equal(st.drops[IGMP_DROP_NOT_MULTICAST], 1);
	assert_int_equal(st.drops[IGMP_DROP_LINK_LOCAL], 1);
	b[rec_off(&f, second)] = 7;		/* unknown record type */
	fix_csums(b, 14);
	assert_int_equal(igmp_parse(b, f.len, &m, NULL, &st), 0);
	assert_int_equal(m.nrec_valid, 0);
	assert_int_equal(st.drops[IGMP_DROP_UNKNOWN_TYPE], 1);
	assert_int_equal(st.drops[IGMP_DROP_NOT_MULTICAST], 2);
	assert_int_equal(st.drops[IGMP_DROP_LINK_LOCAL], 2);
}

static void test_unknown_type(void **state)
{
	struct frame f;
	uint8_t b[FRAME_MAX];
	size_t len;

	(void)state;
	pick(&f, "v2", IGMP_V2_REPORT, "239.2.2.2", 0, 0);
	len = f.len;
	memcpy(b, f.data, len);
	b[14 + 24] = 0x13;	/* DVMRP */
	fix_csums(b, 14);
	parse_bad(b, len, IGMP_DROP_UNKNOWN_TYPE);
	b[14 + 24] = 0x1e;	/* mtrace response */
	fix_csums(b, 14);
	parse_bad(b, len, IGMP_DROP_UNKNOWN_TYPE);
}

static void test_not_igmp(void **state)
{
	struct frame f;
	uint8_t b[FRAME_MAX];
	size_t len;

	(void)state;
	pick(&f, "v2", IGMP_V2_REPORT, "239.2.2.2", 0, 0);
	len = f.len;
	memcpy(b, f.data, len);
	b[12] = 0x08, b[13] = 0x06;		/* ARP */
	parse_bad(b, len, IGMP_DROP_NOT_IGMP);
	b[12] = 0x86, b[13] = 0xdd;		/* IPv6 */
	parse_bad(b, len, IGMP_DROP_NOT_IGMP);
	memcpy(b, f.data, len);
	b[14] = 0x66;				/* IP version 6 */
	parse_bad(b, len, IGMP_DROP_NOT_IGMP);
	memcpy(b, f.data, len);
	b[14 + 9] = 17;				/* UDP */
	fix_csums(b, 14);
	parse_bad(b, len, IGMP_DROP_NOT_IGMP);
	memcpy(b, f.data, len);
	b[14 + 6] = 0x20;			/* more fragments */
	fix_csums(b, 14);
	parse_bad(b, len, IGMP_DROP_NOT_IGMP);
	b[14 + 6] = 0x40, b[14 + 7] = 0x01;	/* DF, offset 8 */
	fix_csums(b, 14);
	parse_bad(b, len, IGMP_DROP_NOT_IGMP);
}

/* Insert an 802.1Q tag with @tpid and @vid after the MAC addresses. */
static size_t tag(uint8_t *out, const struct frame *f, uint16_t tpid,
		  uint16_t vid)
{
	memcpy(out, f->data, 12);
	out[12] = (uint8_t)(tpid >> 8);
	out[13] = (uint8_t)tpid;
	out[14] = (uint8_t)(vid >> 8);
	out[15] = (uint8_t)vid;
	memcpy(out + 16, f->data + 12, f->len - 12);
	return f->len + 4;
}

static void test_vlan(void **state)
{
	uint8_t b[FRAME_MAX], c[FRAME_MAX];
	struct frame f, r;
	struct igmp_msg m;
	size_t len, i;

	(void)state;
	pick(&r, "v2", IGMP_V2_REPORT, "239.2.2.2", 0, 0);
	f.len = tag(f.data, &r, 0x8100, 0x2000 | 100);	/* PCP 1 */
	parse_ok(&f, &m);
	assert_true(m.tagged);
	assert_int_equal(m.vid, 100);
	assert_int_equal(m.type, IGMP_V2_REPORT);
	assert_int_equal(m.group, A("239.2.2.2"));
	assert_memory_equal(m.src_mac, host_mac, 6);
	for (i = 0; i < f.len; i++)
		parse_bad(f.data, i, IGMP_DROP_TRUNCATED);

	/* Stacked tags and 802.1ad are not what an OpenVPN tap carries. */
	len = tag(b, &r, 0x8100, 100);
	memcpy(f.data, b, len);
	f.len = len;
	len = tag(c, &f, 0x8100, 200);
	parse_bad(c, len, IGMP_DROP_NOT_IGMP);
	len = tag(b, &r, 0x88a8, 100);
	parse_bad(b, len, IGMP_DROP_NOT_IGMP);
}

static void test_names_and_stats(void **state)
{
	static struct frames fs;
	struct igmp_stats st = { { 0 } };
	struct igmp_msg m;
	int i, j;

	(void)state;
	for (i = 0; i < IGMP_DROP_MAX; i++) {
		assert_int_equal(strncmp(igmp_drop_name(i), "igmp_", 5), 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(igmp_drop_name(i),
						igmp_drop_name(j));
	}
	assert_string_equal(igmp_drop_name(IGMP_DROP_BAD_CHECKSUM),
			    "igmp_bad_checksum");
	assert_string_equal(igmp_drop_name(IGMP_DROP_UNKNOWN_MAC),
			    "igmp_unknown_mac");
	assert_string_equal(igmp_drop_name(IGMP_DROP_LINK_LOCAL),
			    "igmp_link_local");
	assert_string_equal(igmp_drop_name(IGMP_DROP_MAX), "igmp_unknown");
	assert_string_equal(igmp_drop_name(-1), "igmp_unknown");

	/* Accepted frames count nothing; rejected ones count once. */
	assert_true(frames_load("v2", &fs) > 0);
	for (i = 0; i < (int)fs.n; i++)
		assert_int_equal(igmp_parse(fs.f[i].data, fs.f[i].len, &m,
					    NULL, &st), 0);
	for (i = 0; i < 3; i++)
		igmp_parse(fs.f[0].data, 10, &m, NULL, &st);
	for (i = 0; i < IGMP_DROP_MAX; i++)
		assert_int_equal(st.drops[i],
				 i == IGMP_DROP_TRUNCATED ? 3 : 0);
}

static void test_build_query(void **state)
{
	struct frame kqf, *kq = &kqf;
	struct igmp_query_params qp = {
		.version = 2,
		.src_ip = A("10.99.0.1"),
		.ip_id = 0,
		.max_resp_ds = 5,
	};
	uint8_t b[IGMP_QUERY_MAXLEN];
	struct igmp_msg m;
	struct frame f;
	int len;

	(void)state;
	/* Byte for byte what the Linux bridge querier sends. */
	pick(kq, "v2", IGMP_QUERY, "0.0.0.0", 0, 0);
	memcpy(qp.src_mac, kq->data + 6, 6);
	len = igmp_build_query(b, sizeof(b), &qp);
	assert_int_equal(len, (int)kq->len);
	assert_memory_equal(b, kq->data, kq->len);

	pick(kq, "v3_query", IGMP_QUERY, "0.0.0.0", 0, 0);
	qp.version = 3;
	qp.qrv = 2;
	qp.qqi = 3;
	len = igmp_build_query(b, sizeof(b), &qp);
	assert_int_equal(len, (int)kq->len);
	assert_memory_equal(b, kq->data, kq->len);

	/* v1: Max Resp Code 0; parsed back as a v1 query. */
	qp.version = 1;
	qp.ip_id = 0x4d43;
	len = igmp_build_query(b, sizeof(b), &qp);
	assert_int_equal(len, 14 + 24 + 8);
	memcpy(f.data, b, (size_t)len);
	f.len = (size_t)len;
	parse_ok(&f, &m);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.ip_id, 0x4d43);
	assert_int_equal(m.ttl, 1);
	assert_true(m.router_alert);
	assert_int_equal(m.dst_ip, A("224.0.0.1"));
	assert_memory_equal(m.dst_mac, "\x01\x00\x5e\x00\x00\x01", 6);
	assert_memory_equal(m.src_mac, qp.src_mac, 6);

	/* v2 with 0 must not turn into v1; big values saturate. */
	qp.version = 2;
	qp.max_resp_ds = 0;
	len = igmp_build_query(b, sizeof(b), &qp);
	assert_int_equal(b[14 + 24 + 1], 1);
	qp.max_resp_ds = 1000;
	len = igmp_build_query(b, sizeof(b), &qp);
	assert_int_equal(b[14 + 24 + 1], 255);
	qp.version = 3;
	qp.qqi = 125;
	qp.qrv = 9;
	len = igmp_build_query(b, sizeof(b), &qp);
	memcpy(f.data, b, (size_t)len);
	f.len = (size_t)len;
	parse_ok(&f, &m);
	assert_int_equal(m.version, 3);
	assert_int_equal(m.max_resp_ds, 992);	/* 1000 rounded down */
	assert_int_equal(m.qqi, 125);
	assert_int_equal(m.qrv, 0);		/* > 7 is sent as 0 */

	qp.version = 4;
	errno = 0;
	assert_int_equal(igmp_build_query(b, sizeof(b), &qp), -1);
	assert_int_equal(errno, EINVAL);
	qp.version = 3;
	assert_int_equal(igmp_build_query(b, IGMP_QUERY_MAXLEN - 1, &qp), -1);
	assert_int_equal(errno, ENOSPC);
}

static void test_codes(void **state)
{
	unsigned int c;

	(void)state;
	assert_int_equal(igmp_code_decode(0x7f), 127);
	assert_int_equal(igmp_code_decode(0x80), 128);
	assert_int_equal(igmp_code_decode(0x8f), 248);
	assert_int_equal(igmp_code_decode(0xff), 31744);
	for (c = 0; c < 256; c++)
		assert_int_equal(igmp_code_encode(igmp_code_decode((uint8_t)c)),
				 c);
	assert_int_equal(igmp_code_encode(130), 0x80);
	assert_int_equal(igmp_code_encode(100000), 0xff);
}

static void test_rec_iter_other_types(void **state)
{
	struct igmp_rec_iter it;
	struct frame f;
	struct igmp_rec rec;
	struct igmp_msg m;

	(void)state;
	pick(&f, "v2", IGMP_V2_REPORT, "239.2.2.2", 0, 0);
	parse_ok(&f, &m);
	igmp_rec_begin(&m, &it);
	assert_false(igmp_rec_next(&it, &rec));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_v3_change_records),
		cmocka_unit_test(test_v3_query_and_state),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_bad_checksum),
		cmocka_unit_test(test_bad_length),
		cmocka_unit_test(test_bad_record),
		cmocka_unit_test(test_aux_data),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_not_igmp),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_names_and_stats),
		cmocka_unit_test(test_build_query),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_rec_iter_other_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
