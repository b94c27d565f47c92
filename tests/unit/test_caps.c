/*
 * test_caps.c - caps_drop() in a forked child (it changes the process for
 * good): afterwards CapPrm = CapEff = CapBnd = CAP_NET_ADMIN | CAP_NET_RAW,
 * nothing inheritable or ambient, no_new_privs set, and with a user the
 * uids and gids are that user's. Needs root; skipped otherwise.
 */
#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "caps.h"
#include "log.h"

/* The hex value of @key in /proc/self/status, or ~0 if absent. */
static unsigned long long status_hex(const char *key)
{
	unsigned long long v = ~0ULL;
	char line[256];
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 16);
	if (f)
		fclose(f);
	return v;
}

/* In the child: 0 when every set is as promised, else which check failed. */
static int child_checks(const char *user, uid_t uid, gid_t gid)
{
	unsigned long long keep = caps_keep_mask();

	if (caps_drop(user) < 0)
		return 10;
	if (status_hex("CapPrm") != keep)
		return 11;
	if (status_hex("CapEff") != keep)
		return 12;
	if (status_hex("CapBnd") != keep)
		return 13;
	if (status_hex("CapInh") != 0 || status_hex("CapAmb") != 0)
		return 14;
	if (status_hex("NoNewPrivs") != 1)
		return 15;
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
		return 16;
	/* What the bounding set lost cannot come back. */
	if (setuid(0) == 0 && uid != 0)
		return 17;
	return 0;
}

static void run_child(const char *user, uid_t uid, gid_t gid)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_checks(user, uid, gid));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status))
		fail_msg("caps_drop(%s): check %d failed", user ? user : "NULL", WEXITSTATUS(status));
}

static void test_drop_as_root(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	run_child(NULL, 0, 0);
	run_child("", 0, 0);
}

static void test_drop_to_user(void **state)
{
	struct passwd *pw;

	(void)state;
	if (geteuid() != 0 || !(pw = getpwnam("nobody")))
		skip();
	run_child("nobody", pw->pw_uid, pw->pw_gid);
}

static void test_unknown_user(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(caps_drop("no-such-user-om") < 0 && errno == ENOENT ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_as_root),
		cmocka_unit_test(test_drop_to_user),
		cmocka_unit_test(test_unknown_user),
	};

	log_init("test_caps", 0, 0, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
