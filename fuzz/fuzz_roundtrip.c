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
static smd_render rj, rc, rx;
static smd_out oj, oc, ox;
static unsigned seen;

static void on_telegram(void *ctx, const sm_telegram *t)
{
    (void)ctx;
    char msg[600];
    seen++;
    if (!rt_check_core(&gen, t, msg, sizeof msg))
        FUZZ_FAIL("core: %s", msg);
    oj.len = oc.len = ox.len = 0;
    smd_render_telegram(&rj, t);
    smd_render_telegram(&rc, t);
    smd_render_telegram(&rx, t);
    /* JSON: one line; CSV: the header, then the row; XML: the telegram */
    if (oj.len == 0 || oc.len == 0 || ox.len == 0 || oj.len == SMD_OUT_CAP ||
        oc.len == SMD_OUT_CAP || ox.len == SMD_OUT_CAP)
        FUZZ_FAIL("a renderer wrote nothing or filled its buffer");
    oj.buf[oj.len - 1] = '\0';
    if (!rt_check_json(&gen, oj.buf, msg, sizeof msg))
        FUZZ_FAIL("json: %s", msg);
    oc.buf[oc.len - 1] = '\0';
    char *row = strchr(oc.buf, '\n');
    if (!row)
        FUZZ_FAIL("csv: no header and row");
    *row++ = '\0';
    if (!rt_check_csv(&gen, oc.buf, row, msg, sizeof msg))
        FUZZ_FAIL("csv: %s", msg);
    ox.buf[ox.len - 1] = '\0';
    if (!rt_check_xml(&gen, ox.buf, msg, sizeof msg))
        FUZZ_FAIL("xml: %s", msg);
    oj.len = oc.len = ox.len = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0)
        fd = open_devnull();
    if (size < 1)
        return 0;
    /* FNV-1a of the input seeds the generator */
    uint64_t rng = 1469598103934665603ull;
    for (size_t i = 0; i < size; i++)
        rng = (rng ^ data[i]) * 1099511628211ull;
    if (rng == 0)
        rng = 1;
    smg_make(&gen, &rng, 1 + data[0] % SMG_MAX_READINGS);
    smd_out_init(&oj, fd);
    smd_out_init(&oc, fd);
    smd_out_init(&ox, fd);
    /* a fresh CSV renderer each time: one header and one row */
    smd_render_init(&rj, SMD_JSON, false, &oj);
    smd_render_init(&rc, SMD_CSV, false, &oc);
    smd_render_init(&rx, SMD_XML, false, &ox);
    sm_decoder_init(&dec, SM_LINK_RAW, on_telegram, NULL);
    seen = 0;
    sm_decoder_apdu(&dec, gen.apdu, gen.len);
    if (seen != 1)
        FUZZ_FAIL("%u telegrams for one", seen);
    smd_render_end(&rc);
    smd_render_end(&rj);
    smd_render_end(&rx);
    return 0;
}
