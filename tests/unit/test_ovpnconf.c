/* Unit tests of the plugin's client-to-client detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ovpnconf.h"

static void test_text(void **state)
{
	(void)state;
	assert_true(ovpnconf_text_has("dev tap0\nclient-to-client\n", "client-to-client", NULL, NULL));
	assert_true(ovpnconf_text_has("  --client-to-client\r\n", "client-to-client", NULL, NULL));
	assert_true(ovpnconf_text_has("client-to-client", "client-to-client", NULL, NULL));
	assert_false(ovpnconf_text_has("# client-to-client\n", "client-to-client", NULL, NULL));
	assert_false(ovpnconf_text_has(";client-to-client\n", "client-to-client", NULL, NULL));
	assert_false(ovpnconf_text_has("client-to-clientx\n", "client-to-client", NULL, NULL));
	assert_false(ovpnconf_text_has("push \"client-to-client\"\n", "client-to-client", NULL, NULL));
	assert_false(ovpnconf_text_has("", "client-to-client", NULL, NULL));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_argv_and_nested_config(void **state)
{
	char dir[] = "/tmp/omovpnXXXXXX", a[64], b[64], text[128], argv[256];
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a.conf", dir);
	snprintf(b, sizeof(b), "%s/b.conf", dir);
	snprintf(text, sizeof(text), "dev tap0\nconfig %s\n", b);
	write_file(a, text);
	write_file(b, "mode server\n");

	len = (size_t)snprintf(argv, sizeof(argv), "openvpn%c--config%c%s%c", 0, 0, a, 0);
	assert_false(ovpnconf_argv_has(argv, len, "client-to-client"));
	write_file(b, "mode server\nclient-to-client\n");
	assert_true(ovpnconf_argv_has(argv, len, "client-to-client"));
	/* "openvpn FILE" is short for --config FILE. */
	len = (size_t)snprintf(argv, sizeof(argv), "openvpn%c%s%c", 0, a, 0);
	assert_true(ovpnconf_argv_has(argv, len, "client-to-client"));
	len = (size_t)snprintf(argv, sizeof(argv), "openvpn%c--dev%ctap0%c--client-to-client%c",
			       0, 0, 0, 0);
	assert_true(ovpnconf_argv_has(argv, len, "client-to-client"));
	/* A config that includes itself must not loop forever. */
	snprintf(text, sizeof(text), "config %s\n", a);
	write_file(a, text);
	len = (size_t)snprintf(argv, sizeof(argv), "openvpn%c--config%c%s%c", 0, 0, a, 0);
	write_file(b, "mode server\n");
	assert_false(ovpnconf_argv_has(argv, len, "client-to-client"));
	unlink(a);
	unlink(b);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_argv_and_nested_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
