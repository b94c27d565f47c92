/*
 * mroute.c - read the kernel's multicast routing interfaces.
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mroute.h"

int mroute_kernel_routes(void)
{
	return access(MROUTE_PROC_VIF, F_OK) == 0;
}

int mroute_vif_listed(const char *proc, const char *ifname)
{
	const char *line = proc ? strchr(proc, '\n') : NULL;	/* skip the header */
	char name[IF_NAMESIZE + 1];
	int idx;

	while (line && *++line) {
		if (sscanf(line, "%d %16s", &idx, name) == 2 && !strcmp(name, ifname))
			return 1;
		line = strchr(line, '\n');
	}
	return 0;
}

int mroute_is_vif(const char *ifname)
{
	char text[8192];
	size_t n;
	FILE *f;

	if (!ifname || !ifname[0] || !(f = fopen(MROUTE_PROC_VIF, "re")))
		return 0;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return mroute_vif_listed(text, ifname);
}
