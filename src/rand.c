/* rand.c: libre's rand_*() API served from the kernel's CSPRNG in blocks, not one OpenSSL call each. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <re.h>
#include "autoconf.h"
#include "rand.h"

#define DEBUG_MODULE "rand"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Why: libre's sip_msg_decode() draws a 64-bit To-tag for every message
 * it parses (msg->tag, for a reply's To), and libre's rand_u64() is two
 * RAND_bytes() calls: 13.3k of the 107.5k instructions the daemon spent
 * per MESSAGE (callgrind, libre 1.1.0, OpenSSL 3.0: the CTR-DRBG sets up
 * its cipher on every call), plus two getpid() syscalls for OpenSSL's
 * fork check. These definitions in the executable take the place of
 * libre's (ELF symbol interposition: libre calls its rand_*() through
 * the PLT; with a static libre.a, rand.o is not pulled in since every
 * symbol it defines is defined here), so libre's tags, branches,
 * Call-IDs and nonces come from here as well.
 *
 * The bytes are the kernel's CSPRNG (getrandom(2), as OpenSSL's own seed
 * source), read RAND_BLOCK at a time: RFC 3261 §19.3 asks tags to be
 * cryptographically random. Each byte is handed out once and wiped.
 * sippushd never forks without exec (app_exec execs at once), so no two
 * processes share a block.
 */
enum { RAND_BLOCK = 512 };

static uint8_t rand_buf[RAND_BLOCK];
static size_t rand_left;


static int fill_urandom(uint8_t *p, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return errno;

	while (n) {
		ssize_t r = read(fd, p, n);
		if (r <= 0) {
			err = r < 0 ? errno : EIO;
			if (err == EINTR)
				continue;
			break;
		}
		p += r;
		n -= (size_t)r;
	}

	(void)close(fd);
	return err;
}


static void fill(uint8_t *p, size_t n)
{
	int err = 0;

	while (n) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		p += r;
		n -= (size_t)r;
	}

	/* a kernel before 3.17 (ENOSYS), or a seccomp filter */
	if (n && fill_urandom(p, n)) {
		DEBUG_WARNING("no random bytes: getrandom: %m\n", err);
		memset(p, 0, n);
	}
}


size_t rand_avail(void)
{
	return rand_left;
}


void rand_bytes(uint8_t *p, size_t size)
{
	if (!p)
		return;

	if (size > RAND_BLOCK / 2) {
		fill(p, size);
		return;
	}

	while (size) {
		size_t n;
		uint8_t *src;

		if (!rand_left) {
			fill(rand_buf, sizeof(rand_buf));
			rand_left = sizeof(rand_buf);
		}

		n   = size < rand_left ? size : rand_left;
		src = rand_buf + sizeof(rand_buf) - rand_left;
		memcpy(p, src, n);
		memset(src, 0, n);
		rand_left -= n;
		p    += n;
		size -= n;
	}
}


uint16_t rand_u16(void)
{
	uint16_t v;

	rand_bytes((uint8_t *)&v, sizeof(v));
	return v;
}


uint32_t rand_u32(void)
{
	uint32_t v;

	rand_bytes((uint8_t *)&v, sizeof(v));
	return v;
}


uint64_t rand_u64(void)
{
	uint64_t v;

	rand_bytes((uint8_t *)&v, sizeof(v));
	return v;
}


/* as libre's: letters and digits, the modulo bias of 256 % 62 included */
void rand_str(char *str, size_t size)
{
	static const char alphanum[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz"
		"0123456789";
	size_t i;

	if (!str || !size)
		return;

	--size;
	rand_bytes((uint8_t *)str, size);

	for (i = 0; i < size; i++)
		str[i] = alphanum[(uint8_t)str[i] % (sizeof(alphanum) - 1)];

	str[size] = '\0';
}


char rand_char(void)
{
	char s[2];

	rand_str(s, sizeof(s));
	return s[0];
}
