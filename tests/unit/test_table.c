/* Unit test of the terminal rendering of the status report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "table.h"

static void test_render(void **state)
{
	static const char csv[] =
		"TITLE,openvpn-mcast 0.1.0\n"
		"TIME,Sun Nov 22 00:42:51 2026,1795308171\n"
		"HEADER,CLIENT,Id,Common Name,Groups\n"
		"CLIENT,7,alice,239.1.1.1 239.1.1.2\n"
		"CLIENT,12,,\n"
		"HEADER,GROUP,Group,Members\n"
		"HEADER,DROPS,Reason,Count\n"
		"DROPS,igmp_bad_checksum,3\n"
		"END\n";
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(table_render(csv, out), 0);
	fclose(out);
	assert_string_equal(buf,
			    "openvpn-mcast 0.1.0\n"
			    "Sun Nov 22 00:42:51 2026\n"
			    "\nClients\n"
			    "Id  Common Name  Groups\n"
			    "7   alice        239.1.1.1 239.1.1.2\n"
			    "12\n"
			    "\nGroups\n"
			    "Group  Members\n"
			    "(none)\n"
			    "\nDrops\n"
			    "Reason             Count\n"
			    "igmp_bad_checksum  3\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
