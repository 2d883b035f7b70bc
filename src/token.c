/* token.c: unguessable identifiers from the operating system's random number generator. */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/random.h>
#include <re.h>
#include "autoconf.h"
#include "token.h"

#define DEBUG_MODULE "token"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * An MSRP session-id is what binds a connection to a push (RFC 4975
 * §14.1 asks for at least 80 bits of randomness): who can guess one can
 * inject content. The bytes come from the kernel (getrandom), not from
 * a user-space generator that a fork or a snapshot could repeat. Early
 * in boot, before the kernel's pool is initialised, getrandom() would
 * block: /dev/urandom is read instead (and that is logged once), since
 * a daemon that hangs at boot receives nothing at all.
 *
 * The text form is base32 (RFC 4648 alphabet, lower case): letters and
 * digits only, valid in an MSRP URI's session part and in a file name.
 */

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";


static int urandom(void *buf, size_t n)
{
	static bool said;
	size_t got = 0;
	int fd, err = 0;

	if (!said) {
		DEBUG_NOTICE("kernel random pool not ready: using "
			     "/dev/urandom\n");
		said = true;
	}

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;

	while (got < n) {
		ssize_t r = read(fd, (uint8_t *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? errno : EIO;
			break;
		}
		got += (size_t)r;
	}

	(void)close(fd);
	return err;
}


/** n random bytes from the kernel. */
int token_random(void *buf, size_t n)
{
	size_t got = 0;

	if (!buf)
		return EINVAL;

	while (got < n) {
		ssize_t r = getrandom((uint8_t *)buf + got, n - got,
				      GRND_NONBLOCK);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == ENOSYS)
				return urandom((uint8_t *)buf + got, n - got);
			return errno;
		}
		got += (size_t)r;
	}

	return 0;
}


/**
 * A NUL-terminated token of at least bits random bits, base32.
 *
 * @param buf   Output
 * @param sz    Size of buf: (bits + 4) / 5 + 1 at least
 * @param bits  Randomness wanted (TOKEN_BITS_MIN or more)
 *
 * @return 0, EINVAL, EOVERFLOW if buf is too small, or an errno of the RNG
 */
int token_make(char *buf, size_t sz, unsigned bits)
{
	uint8_t rnd[64];
	size_t chars = (bits + 4) / 5;
	int err;

	if (!buf || !bits || chars > sizeof(rnd))
		return EINVAL;

	if (sz < chars + 1)
		return EOVERFLOW;

	err = token_random(rnd, chars);
	if (err)
		return err;

	/* one byte per character, its low five bits: no bias */
	for (size_t i = 0; i < chars; i++)
		buf[i] = b32[rnd[i] & 31];
	buf[chars] = '\0';

	memset(rnd, 0, sizeof(rnd));
	return 0;
}
