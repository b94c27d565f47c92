/*
 * ctlquery - send one command to the helper's control socket and print the
 * answer, for the e2e tests that time how fast the status follows IGMP.
 * `openvpn-mcast-helper status` does the same, but starting that binary
 * (with libnftables, libpcap and libbpf to load) costs tens of ms, which
 * would be counted as the helper's latency.
 *
 *   ctlquery SOCKET [COMMAND]      (default command: status)
 *
 * Exit status: 0 when an answer ended with "END", 1 otherwise.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[65536];
	size_t have = 0;
	ssize_t n;
	int fd;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: ctlquery SOCKET [COMMAND]\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("ctlquery");
		return 1;
	}
	if (dprintf(fd, "%s\n", argc > 2 ? argv[2] : "status") < 0 || shutdown(fd, SHUT_WR) < 0) {
		perror("ctlquery");
		return 1;
	}
	while (have < sizeof(buf) - 1 && (n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0)
		have += (size_t)n;
	close(fd);
	buf[have] = '\0';
	fputs(buf, stdout);
	return have >= 4 && strstr(buf, "END\n") ? 0 : 1;
}
