/* fuzz_roundtrip.c - the round-trip property (tests/roundtrip.h) for any
 * seed: the input bytes seed the generator of sim/sm_gen.c, which makes a
 * data-notification with values of every A-XDR type; the decoder must give
 * every node and reading back exactly, and smdecode's JSON, CSV and XML
 * renderers (in process) every value.  Byte 0 bounds the readings. */
#include <string.h>

#include "fuzz.h"
#include "roundtrip.h"
#include "smd_render.h"

static sm_decoder dec;
static smg_telegram gen;
static smd_render *rj, *rc, *rx;
static smd_out oj, oc, ox;
static unsigned seen;

static void on_telegram(void *ctx, const sm_telegram *t)
{
    (void)ctx;
    char msg[600];
    seen++;
    if (!rt_check_core(&gen, t, msg, sizeof msg))
        FUZZ_FAIL("core: %s", msg);
    smd_render_telegram(rj, t);
    smd_render_telegram(rc, t);
    smd_render_telegram(rx, t);
    /* JSON: one line; CSV: the header, then the row; XML: the telegram.
     * Each is copied out with a NUL (the checks read C strings). */
    static char text[3][SMD_OUT_CAP + 1];
    const smd_out *outs[3] = {&oj, &oc, &ox};
    for (int i = 0; i < 3; i++) {
        size_t n;
        const char *p = smd_out_text(outs[i], &n);
        if (n == 0 || n == SMD_OUT_CAP || outs[i]->flushed)
            FUZZ_FAIL("a renderer wrote nothing or filled its buffer");
        memcpy(text[i], p, n - 1); /* without the last line break */
        text[i][n - 1] = '\0';
    }
    if (!rt_check_json(&gen, text[0], msg, sizeof msg))
        FUZZ_FAIL("json: %s", msg);
    char *row = strchr(text[1], '\n');
    if (!row)
        FUZZ_FAIL("csv: no header and row");
    *row++ = '\0';
    if (!rt_check_csv(&gen, text[1], row, msg, sizeof msg))
        FUZZ_FAIL("csv: %s", msg);
    if (!rt_check_xml(&gen, text[2], msg, sizeof msg))
        FUZZ_FAIL("xml: %s", msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* FNV-1a of the input seeds the generator */
    uint64_t rng = 1469598103934665603ull;
    for (size_t i = 0; i < size; i++)
        rng = (rng ^ data[i]) * 1099511628211ull;
    if (rng == 0)
        rng = 1;
    smg_make(&gen, &rng, 1 + data[0] % SMG_MAX_READINGS);
    /* the text stays in memory (no sink); a fresh CSV renderer each time:
     * one header and one row */
    smd_out_init(&oj, NULL, NULL);
    smd_out_init(&oc, NULL, NULL);
    smd_out_init(&ox, NULL, NULL);
    rj = smd_render_new("json", false, &oj);
    rc = smd_render_new("csv", false, &oc);
    rx = smd_render_new("xml", false, &ox);
    if (!rj || !rc || !rx)
        FUZZ_FAIL("out of memory");
    sm_decoder_init(&dec, SM_LINK_RAW, on_telegram, NULL);
    seen = 0;
    sm_decoder_apdu(&dec, gen.apdu, gen.len);
    if (seen != 1)
        FUZZ_FAIL("%u telegrams for one", seen);
    smd_render_free(rc);
    smd_render_free(rj);
    smd_render_free(rx);
    return 0;
}
