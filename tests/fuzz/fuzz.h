/* fuzz.h: what every harness in tests/fuzz/ shares: the libFuzzer entry points and small helpers. */
#ifndef SIPPUSH_FUZZ_H
#define SIPPUSH_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * Each fuzz_<target>.c defines LLVMFuzzerTestOneInput() (and may define
 * LLVMFuzzerInitialize()). The same object is linked two ways:
 * - with clang's -fsanitize=fuzzer: coverage-guided fuzzing (make fuzz);
 * - with replay.c's main(): every committed corpus file once, under
 *   ASan+UBSan with any compiler (make fuzz-replay, part of make check).
 * A harness checks what must hold for every input and calls abort()
 * (fuzz_fail) when it does not, so both ways report it as a crash.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);  /* fuzz.c has a
						      * default: fuzz_quiet() */

/* libre's debug output off (a harness runs millions of inputs) */
void fuzz_quiet(void);

/* abort() with a message: an invariant did not hold */
void fuzz_fail(const char *file, unsigned line, const char *what)
	__attribute__((noreturn));
#define FUZZ_ASSERT(cond) \
	do { if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond); } while (0)

/* A NUL-terminated heap copy of data (free() it) */
char *fuzz_strdup(const uint8_t *data, size_t size);

/* Deterministic 32-bit hash of the input, to pick split points etc. */
uint32_t fuzz_hash(const uint8_t *data, size_t size);

/* 1..max sorted cut offsets in [0, size] derived from the input (0 if
 * size is 0): the same input is always cut the same way */
size_t fuzz_cuts(const uint8_t *data, size_t size, size_t *cuts, size_t max);

struct config;
struct appset;

/* The configuration text parsed, and its static app lines advertised */
void fuzz_setup_apps(struct config **cfgp, struct appset **appsp,
		     const char *text);

#endif
