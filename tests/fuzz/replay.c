/* replay.c: runs a fuzz harness once over every file of its corpus, without libFuzzer (make fuzz-replay). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz.h"

/*
 * Linked with one fuzz_<target>.o under ASan+UBSan by gcc or clang, so the
 * committed corpora (every finding among them) are checked by make check
 * on any machine, also where clang's libFuzzer is not installed.
 * Arguments are files or directories (not recursive). No file at all is
 * an error: a missing corpus must not pass silently.
 */

enum { FILE_MAX = 1 << 20 };   /* libFuzzer's default -max_len is 4096 */

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);


static int run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t n;
	FILE *f;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	if (st.st_size > FILE_MAX) {
		fprintf(stderr, "%s: larger than %d bytes\n", path, FILE_MAX);
		exit(2);
	}

	/* exact size, so that an over-read is caught by ASan */
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	f = fopen(path, "rb");
	if (!buf || !f) {
		perror(path);
		exit(2);
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	(void)fclose(f);
	if (n != (size_t)st.st_size) {
		fprintf(stderr, "%s: short read\n", path);
		exit(2);
	}

	(void)LLVMFuzzerTestOneInput(buf, n);
	free(buf);

	return 1;
}


static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}


/* sorted, so that a failure is reproducible by file order too */
static int run_dir(const char *dir)
{
	char **names = NULL, path[4096];
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	int files = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -1;

	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (cnt == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				exit(2);
		}
		names[cnt] = strdup(de->d_name);
		if (!names[cnt++])
			exit(2);
	}
	(void)closedir(d);

	if (cnt)
		qsort(names, cnt, sizeof(*names), cmp_str);

	for (size_t i = 0; i < cnt; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (getenv("FUZZ_REPLAY_VERBOSE"))
			fprintf(stderr, "  %s\n", path);
		files += run_file(path);
		free(names[i]);
	}
	free(names);

	return files;
}


int main(int argc, char **argv)
{
	int files = 0;

	if (LLVMFuzzerInitialize)
		(void)LLVMFuzzerInitialize(&argc, &argv);

	for (int i = 1; i < argc; i++) {
		struct stat st;
		int n;

		if (stat(argv[i], &st)) {
			perror(argv[i]);
			return 2;
		}
		n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
		if (n < 0) {
			perror(argv[i]);
			return 2;
		}
		files += n;
	}

	if (!files) {
		fprintf(stderr, "%s: no input files\n", argv[0]);
		return 2;
	}

	printf("%s: %d inputs, no failure\n", argv[0], files);
	return 0;
}
