/*
 * ovpnconf.c - scan OpenVPN's command line and config files for an option.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ovpnconf.h"

#define OVPNCONF_MAX_FILE (1 << 20)
#define OVPNCONF_MAX_DEPTH 4

struct scan {
	const char *opt;
	int depth;
	int found;
};

static int file_has(const char *path, struct scan *sc);

static void follow_include(const char *path, void *arg)
{
	struct scan *sc = arg;

	if (!sc->found && sc->depth < OVPNCONF_MAX_DEPTH && file_has(path, sc))
		sc->found = 1;
}

int ovpnconf_text_has(const char *text, const char *opt,
		      void (*include)(const char *path, void *arg), void *arg)
{
	size_t optlen = strlen(opt);
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n'), *p = line, *w;
		size_t wl;

		if (!end)
			end = line + strlen(line);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		/* OpenVPN also accepts "--option" inside config files. */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			p += 2;
		w = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		wl = (size_t)(p - w);
		if (wl == optlen && !strncmp(w, opt, optlen))
			return 1;
		if (include && wl == 6 && !strncmp(w, "config", 6)) {
			char path[4096];
			size_t pl;

			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			pl = (size_t)(end - p);
			while (pl && (p[pl - 1] == '\r' || p[pl - 1] == ' ' || p[pl - 1] == '\t'))
				pl--;
			if (pl && pl < sizeof(path)) {
				memcpy(path, p, pl);
				path[pl] = '\0';
				include(path, arg);
			}
		}
		line = *end ? end + 1 : NULL;
	}
	return 0;
}

static int file_has(const char *path, struct scan *sc)
{
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd, found;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	buf = malloc(OVPNCONF_MAX_FILE + 1);
	if (!buf) {
		close(fd);
		return 0;
	}
	while (len < OVPNCONF_MAX_FILE &&
	       (n = read(fd, buf + len, OVPNCONF_MAX_FILE - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	sc->depth++;
	found = ovpnconf_text_has(buf, sc->opt, follow_include, sc);
	sc->depth--;
	free(buf);
	return found || sc->found;
}

int ovpnconf_argv_has(const char *argv, size_t len, const char *opt)
{
	struct scan sc = { .opt = opt };
	const char *end = argv + len, *a = argv;
	int nargs = 0;

	for (const char *p = argv; p < end; p += strlen(p) + 1)
		nargs++;
	/* argv[0] is openvpn itself. */
	if (a < end)
		a += strlen(a) + 1;
	for (; a < end; a += strlen(a) + 1) {
		if (a[0] == '-' && a[1] == '-' && !strcmp(a + 2, opt))
			return 1;
		if (!strcmp(a, "--config") && a + strlen(a) + 1 < end) {
			a += strlen(a) + 1;
			if (file_has(a, &sc))
				return 1;
		} else if (nargs == 2 && a[0] != '-') {
			/* "openvpn server.conf" is short for --config server.conf. */
			if (file_has(a, &sc))
				return 1;
		}
	}
	return 0;
}

int ovpnconf_self_has(const char *opt)
{
	char *buf = malloc(65536);
	size_t len = 0;
	ssize_t n;
	int fd, found = 0;

	if (!buf)
		return 0;
	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		while (len < 65535 && (n = read(fd, buf + len, 65535 - len)) > 0)
			len += (size_t)n;
		close(fd);
		buf[len] = '\0';
		found = ovpnconf_argv_has(buf, len, opt);
	}
	free(buf);
	return found;
}
