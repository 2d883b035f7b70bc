/* instance.c: loads, or creates once and keeps, the urn:uuid +sip.instance. */
#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "instance.h"

#define DEBUG_MODULE "instance"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The instance ID must survive reboots and reflashing of the config:
 * a new one would make the core add a second binding instead of
 * replacing ours. It is written once (tmp + fsync + rename) and then
 * only read, so it costs one flash write in the device's life.
 */

static bool valid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(s) != 9 + sizeof(shape) - 1 || strncasecmp(s, "urn:uuid:", 9))
		return false;

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		char c = s[9 + i];

		if (shape[i] == '-' ? c != '-' : !isxdigit((unsigned char)c))
			return false;
	}

	return true;
}


static int generate(char *out, size_t sz)
{
	uint8_t u[16];

	rand_bytes(u, sizeof(u));
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);   /* version 4 */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);   /* RFC 4122 variant */

	return re_snprintf(out, sz, "urn:uuid:%w-%w-%w-%w-%w", u, (size_t)4,
			   u + 4, (size_t)2, u + 6, (size_t)2, u + 8,
			   (size_t)2, u + 10, (size_t)6) < 0 ? ENOMEM : 0;
}


static int store(const char *path, const char *tmp, const char *val)
{
	int fd, err = 0;
	size_t len = strlen(val);

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;

	if (write(fd, val, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) < 0)
		err = errno ? errno : EIO;

	if (close(fd) < 0 && !err)
		err = errno;

	if (!err && rename(tmp, path) < 0)
		err = errno;

	if (err)
		(void)unlink(tmp);

	return err;
}


/**
 * Our instance ID: the configured one, else the one kept in
 * STATE_DIR/instance, else a new random one that is kept there.
 */
int instance_get(char *out, size_t sz, const char *configured,
		 const char *state_dir)
{
	char path[256], tmp[264], buf[64] = "";
	FILE *f;
	int err;

	if (!out || sz < INSTANCE_SIZE)
		return EINVAL;

	if (configured) {
		if (!valid(configured))
			return EINVAL;
		(void)re_snprintf(out, sz, "%s", configured);
		return 0;
	}

	if (!state_dir)
		return EINVAL;

	if (re_snprintf(path, sizeof(path), "%s/instance", state_dir) < 0 ||
	    re_snprintf(tmp, sizeof(tmp), "%s.tmp", path) < 0)
		return ENAMETOOLONG;

	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			buf[strcspn(buf, "\r\n")] = '\0';
		fclose(f);

		if (valid(buf)) {
			(void)re_snprintf(out, sz, "%s", buf);
			return 0;
		}

		DEBUG_WARNING("%s does not hold a urn:uuid; making a new one\n",
			      path);
	}

	err = generate(buf, sizeof(buf));
	if (err)
		return err;

	err = store(path, tmp, buf);
	if (err) {
		DEBUG_WARNING("cannot keep instance ID in %s: %m\n", path, err);
		return err;
	}

	DEBUG_INFO("new instance ID %s\n", buf);
	(void)re_snprintf(out, sz, "%s", buf);
	return 0;
}
