/* fuzz_pipeline.c - the whole pipeline as smdecode and the plugin run it:
 * bytes -> link frames -> general-block-transfer -> security (fixed key,
 * tag verified) -> data-notification or P1 text -> readings, rendered in
 * every output format (XML with --layers, JSON, CSV, text).
 *
 * Byte 0: bits 0-2 the framing (6-7: auto); bit 3 set: the rest is a
 * plaintext APDU that is first encrypted under the fixed key (bit 4: with
 * a tag) and put into M-Bus frames (bit 5: HDLC) as a meter would, so the
 * fuzzer reaches everything behind the decryption; bit 3 clear: the rest is
 * the raw stream.  Properties: every telegram's JSON line is valid JSON (for
 * any bytes the meter sends), the decoder's statistics add up, and a
 * telegram this target framed and encrypted itself is never a link error,
 * nor a security error (except "wrong key" for a plaintext that is no APDU
 * when there is no tag: that is the plausibility check doing its job); and
 * the telegrams (errors, offsets, every reading's code and value) are the
 * same when the stream arrives in pseudo-random pieces of 1 to 300 bytes. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_render.h"
#include "sm_build.h"
#include "fuzz_split.h"
#include "sm_decoder.h"

static sm_decoder dec, split;
static fuzz_renderers fr;
static uint8_t apdu[SM_APDU_MAX + 64], stream[2 * SM_APDU_MAX];
static bool wrapped, wrapped_tag;
static uint64_t telegrams;

static void on_telegram(void *ctx, const sm_telegram *t)
{
    fuzz_trace_telegram(ctx, t);
    telegrams++;
    sm_datetime dt;
    (void)sm_telegram_time(t, &dt);
    fuzz_render(&fr, t);
    /* without a tag, a plaintext that is no APDU is taken for a wrong key */
    if (wrapped && t->err != SM_OK && sm_errlayer(t->err) == SM_LAYER_SECURITY &&
        (wrapped_tag || t->err != SM_ERR_WRONG_KEY))
        FUZZ_FAIL("a telegram encrypted with the right key failed: %s", sm_errname(t->err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    unsigned framing = mode & 7;
    data++;
    size--;
    wrapped = false;
    if (mode & 8) {
        uint8_t sc = (mode & 16) ? 0x30 : 0x20;
        size_t n = smb_glo(apdu, sizeof apdu, sc, fuzz_title, 7014, fuzz_ek, 16, fuzz_ak, 16, data,
                           size);
        if (n == 0)
            return 0;
        static const uint8_t dst[] = {0x03}, src[] = {0x21};
        if (mode & 32) {
            if (n > 2030)
                return 0;
            size = smb_hdlc_frame(stream, sizeof stream, apdu, n, true, false, dst, 1, src, 1);
        } else {
            size = smb_mbus(stream, sizeof stream, apdu, n, 245);
        }
        if (size == 0)
            return 0;
        data = stream;
        wrapped = true;
        wrapped_tag = sc & 0x10;
        framing = SM_LINK_AUTO;
    }
    sm_link link = framing < SM_LINK_COUNT ? (sm_link)framing : SM_LINK_AUTO;
    fuzz_renderers_new(&fr);
    fuzz_trace whole = {0, 0};
    sm_decoder_init(&dec, link, on_telegram, &whole);
    sm_decoder_set_keys(&dec, fuzz_ek, 16, fuzz_ak, 16, true);
    telegrams = 0;
    sm_decoder_feed(&dec, data, size);
    sm_decoder_finish(&dec);
    sm_decoder_stats st;
    sm_decoder_get_stats(&dec, &st);
    const sm_decoder_stats *s = &st;
    if (s->telegrams != telegrams ||
        s->ok + s->link_errors + s->security_errors + s->parse_errors != s->telegrams)
        FUZZ_FAIL("statistics do not add up");
    if (wrapped && s->link_errors != 0)
        FUZZ_FAIL("frames built as meters do failed");
    fuzz_split_check(&split, link, true, data, size, mode, &whole);
    sm_decoder_wipe(&dec);
    fuzz_renderers_free(&fr);
    return 0;
}
