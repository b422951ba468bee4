/* fuzz.h - shared by the libFuzzer targets in this directory.
 *
 * Each target defines LLVMFuzzerTestOneInput and checks a property beyond
 * "does not crash" where the layer has one (split invariance, round trips,
 * valid JSON); a violated property calls FUZZ_FAIL, which aborts so that
 * libFuzzer keeps the input.  The same sources are linked with
 * fuzz/replay.c into ordinary programs that `make check` runs over the
 * checked-in corpus and every input that ever crashed (fuzz/regress/).
 *
 * The key is the synthetic fixtures' test key (fixtures/synthetic/test.key),
 * a published test value, not a secret. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_FAIL(...)                                                                     \
    do {                                                                                   \
        fprintf(stderr, "fuzz property violated at %s:%d: ", __FILE__, __LINE__);           \
        fprintf(stderr, __VA_ARGS__);                                                      \
        fputc('\n', stderr);                                                               \
        abort();                                                                           \
    } while (0)

static const uint8_t fuzz_ek[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t fuzz_ak[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
                                    0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
static const uint8_t fuzz_title[8] = {0x4B, 0x46, 0x4D, 0x10, 0x20, 0x00, 0x37, 0x74};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include <string.h>

/* A whole file in a malloc'd buffer of exactly its length (so that ASan
 * sees any read past the input); returns the length, *out NULL when the
 * file cannot be read.  Shared by replay.c and mkseeds.c. */
static inline size_t fuzz_read_file(const char *path, uint8_t **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t cap = 1 << 16, n = 0, k;
    uint8_t *buf = malloc(cap);
    while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0)
        if ((n += k) == cap) {
            uint8_t *more = realloc(buf, cap *= 2);
            if (!more)
                free(buf);
            buf = more;
        }
    int bad = !buf || ferror(f);
    fclose(f);
    uint8_t *exact = bad ? NULL : malloc(n ? n : 1);
    if (exact)
        memcpy(exact, buf, n);
    free(buf);
    *out = exact;
    return exact ? n : 0;
}

#endif
