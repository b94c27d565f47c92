/*
 * frames.h - load the captured frames of tests/frames/<name>.pcap in tests.
 *
 * The directory is $FRAMES_DIR if set, else ../frames next to the running
 * binary (tests/unit/, tests/fuzz/, tests/bench/), else tests/frames.
 *
 * Tests pick frames by what they carry (frames_pick()), not by position, so
 * that a re-capture with tests/frames/capture.sh still fits them.
 */
#ifndef TEST_FRAMES_H
#define TEST_FRAMES_H

#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>

#include "igmp.h"

#define FRAME_MAX 2048
#define FRAMES_MAX 64

struct frame {
	size_t len;
	uint8_t data[FRAME_MAX];
};

struct frames {
	size_t n;
	struct frame f[FRAMES_MAX];
};

static inline const char *frames_dir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;

	if (getenv("FRAMES_DIR"))
		return getenv("FRAMES_DIR");
	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		snprintf(dir, sizeof(dir), "%s/../frames", dirname(exe));
		if (access(dir, R_OK) == 0)
			return dir;
	}
	snprintf(dir, sizeof(dir), "tests/frames");
	return dir;
}

/*
 * frames_load() - read every frame of <name>.pcap into @fs.
 * Return: number of frames, or -1 (message on stderr).
 */
static inline int frames_load(const char *name, struct frames *fs)
{
	char path[PATH_MAX + 64], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	snprintf(path, sizeof(path), "%s/%s.pcap", frames_dir(), name);
	p = pcap_open_offline(path, err);
	if (!p) {
		fprintf(stderr, "frames_load: %s\n", err);
		return -1;
	}
	fs->n = 0;
	while (fs->n < FRAMES_MAX && pcap_next_ex(p, &h, &data) == 1) {
		if (h->caplen > FRAME_MAX)
			continue;
		fs->f[fs->n].len = h->caplen;
		memcpy(fs->f[fs->n].data, data, h->caplen);
		fs->n++;
	}
	pcap_close(p);
	return (int)fs->n;
}

/*
 * frame_is() - does @f parse as @type about @group? For a v3 report: does it
 * have a usable record for @group of type @rtype (0 = any)?
 */
static inline int frame_is(const struct frame *f, enum igmp_type type,
			   uint32_t group, int rtype)
{
	struct igmp_rec_iter it;
	struct igmp_rec r;
	struct igmp_msg m;

	if (igmp_parse(f->data, f->len, &m, NULL, NULL) < 0 || m.type != type)
		return 0;
	if (type != IGMP_V3_REPORT)
		return m.group == group;
	igmp_rec_begin(&m, &it);
	while (igmp_rec_next(&it, &r))
		if (r.group == group && (!rtype || (int)r.type == rtype))
			return 1;
	return 0;
}

/*
 * frames_pick() - copy to @out the @nth (from 0) frame of capture @name
 * that frame_is(@type, @group, @rtype).
 * Return: 0, or -1 if there is none (message on stderr).
 */
static inline int frames_pick(struct frame *out, const char *name,
			      enum igmp_type type, const char *group, int rtype,
			      int nth)
{
	static struct frames fs;
	int want = nth;
	size_t i;

	if (frames_load(name, &fs) < 0)
		return -1;
	for (i = 0; i < fs.n; i++)
		if (frame_is(&fs.f[i], type, inet_addr(group), rtype) &&
		    nth-- == 0) {
			*out = fs.f[i];
			return 0;
		}
	fprintf(stderr, "frames_pick: %s: no frame 0x%02x %s/%d #%d\n", name,
		type, group, rtype, want);
	return -1;
}

#endif
