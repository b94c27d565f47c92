/*
 * pcap2corpus.c - turn the captures into libFuzzer seeds for fuzz_igmp.
 *
 * Usage: pcap2corpus OUTDIR FILE.pcap...
 *
 * For each capture it writes every frame as it is (<name>-<n>.raw) and the
 * whole capture as one script in fuzz_igmp's step format (<name>.seq): each
 * frame from client 1, one second apart, followed by a timer run.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>

#define CTL_FRAME_1S	(2 << 3)	/* client 1, frame MAC, +999 ms */
#define CTL_EXPIRE_GMI	(3 << 6 | 6 << 3)	/* +260 s, run timers */

static int put(const char *dir, const char *name, const void *d, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "pcap2corpus: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int convert(const char *dir, const char *file)
{
	static unsigned char seq[1 << 16];
	char err[PCAP_ERRBUF_SIZE], base[256], name[300], tmp[4096];
	struct pcap_pkthdr *h;
	const u_char *data;
	size_t n = 0, i = 0;
	pcap_t *p;
	char *dot;

	p = pcap_open_offline(file, err);
	if (!p) {
		fprintf(stderr, "pcap2corpus: %s\n", err);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s", file);
	snprintf(base, sizeof(base), "%s", basename(tmp));
	dot = strrchr(base, '.');
	if (dot)
		*dot = '\0';
	while (pcap_next_ex(p, &h, &data) == 1) {
		snprintf(name, sizeof(name), "%s-%zu.raw", base, i++);
		if (put(dir, name, data, h->caplen) < 0)
			goto fail;
		if (n + 3 + h->caplen + 1 > sizeof(seq))
			continue;
		seq[n++] = CTL_FRAME_1S;
		seq[n++] = (unsigned char)(h->caplen >> 8);
		seq[n++] = (unsigned char)h->caplen;
		memcpy(seq + n, data, h->caplen);
		n += h->caplen;
	}
	seq[n++] = CTL_EXPIRE_GMI;
	snprintf(name, sizeof(name), "%s.seq", base);
	if (put(dir, name, seq, n) < 0)
		goto fail;
	pcap_close(p);
	return 0;
fail:
	pcap_close(p);
	return -1;
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: pcap2corpus OUTDIR FILE.pcap...\n");
		return 2;
	}
	for (i = 2; i < argc; i++)
		if (convert(argv[1], argv[i]) < 0)
			return 1;
	return 0;
}
