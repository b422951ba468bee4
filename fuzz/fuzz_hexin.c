/* fuzz_hexin.c - smdecode's reader for hex captures.  Property: the bytes
 * and errors do not depend on how the text is split (whole, or one
 * character at a time), and never more bytes than half the digits. */
#include <string.h>

#include "fuzz.h"
#include "smd_hexin.h"

typedef struct {
    uint64_t hash, bytes, errors;
} trace;

static void on_bytes(void *ctx, const uint8_t *p, size_t n)
{
    trace *t = ctx;
    for (size_t i = 0; i < n; i++)
        t->hash = (t->hash ^ p[i]) * 0x100000001B3ULL;
    t->bytes += n;
}

static void on_error(void *ctx, smd_hex_err e, uint64_t line, uint64_t col, uint8_t ch)
{
    trace *t = ctx;
    t->hash = (t->hash ^ ((uint64_t)e << 56 ^ line << 32 ^ col << 8 ^ ch)) * 0x100000001B3ULL;
    t->errors++;
}

static smd_hexin a, b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    trace ta = {0, 0, 0}, tb = {0, 0, 0};
    smd_hexin_init(&a, on_bytes, on_error, &ta);
    smd_hexin_feed(&a, (const char *)data, size);
    smd_hexin_finish(&a);
    smd_hexin_init(&b, on_bytes, on_error, &tb);
    for (size_t i = 0; i < size; i++)
        smd_hexin_feed(&b, (const char *)data + i, 1);
    smd_hexin_finish(&b);
    if (memcmp(&ta, &tb, sizeof ta) != 0)
        FUZZ_FAIL("split text gave other bytes or errors");
    if (ta.bytes * 2 > size)
        FUZZ_FAIL("%llu bytes from %zu characters", (unsigned long long)ta.bytes, size);
    return 0;
}
