/* fuzz_render.h - the four output formats for the fuzz targets that
 * render what they decode (pipeline, p1): each telegram rendered in every
 * format into memory, its JSON line checked to be valid JSON, the text
 * dropped.  Static functions: include it once per target. */
#ifndef FUZZ_RENDER_H
#define FUZZ_RENDER_H

#include <json-c/json.h>
#include <string.h>

#include "fuzz.h"
#include <math.h>

#include "sm_decoder.h"
#include "sm_p1.h"
#include "sm_p1_write.h"
#include "smd_render.h"

typedef struct {
    smd_out ox, oj, oc, ot;
    smd_render *rx, *rj, *rc, *rt;
} fuzz_renderers;

/* xml and json with --layers, csv, text; the text stays in memory */
static void fuzz_renderers_new(fuzz_renderers *f)
{
    smd_out_init(&f->ox, NULL, NULL);
    smd_out_init(&f->oj, NULL, NULL);
    smd_out_init(&f->oc, NULL, NULL);
    smd_out_init(&f->ot, NULL, NULL);
    f->rx = smd_render_new("xml", true, &f->ox);
    f->rj = smd_render_new("json", true, &f->oj);
    f->rc = smd_render_new("csv", false, &f->oc);
    f->rt = smd_render_new("text", false, &f->ot);
    if (!f->rx || !f->rj || !f->rc || !f->rt)
        FUZZ_FAIL("out of memory");
}

static void fuzz_renderers_free(fuzz_renderers *f)
{
    smd_render_free(f->rx);
    smd_render_free(f->rj);
    smd_render_free(f->rc);
    smd_render_free(f->rt);
}

/* The number a reading of the written P1 telegram came from: the decoded
 * telegram's current value with its code (B apart), or NaN when there is
 * none (a power derived from a signed one, the version, an identifier). */
static double fuzz_p1_source(const sm_telegram *t, const sm_reading *w)
{
    for (size_t k = 0; k < t->nreadings; k++) {
        const sm_reading *r = &t->readings[k];
        if (r->obis_source != SM_OBIS_NONE && r->parent == SM_NO_NODE && r->obis.f == 255 &&
            r->kind == SM_RK_NUMBER && !r->invalid &&
            (r->unit == w->unit || (w->unit == 0 && r->unit == SM_UNIT_COUNT)) &&
            sm_obis_is(&r->obis, w->obis.a, w->obis.c, w->obis.d, w->obis.e) &&
            (w->obis.a == 1 || r->obis.b == w->obis.b))
            return r->value;
    }
    return NAN;
}

/* The DSMR P1 telegram of a telegram (sm_p1_write): none for a failed one;
 * for a good one always written, one whole telegram to the project's own
 * scanner, its CRC right, every line read without a note, and every
 * number the value it came from. */
static void fuzz_p1_written(const sm_telegram *t)
{
    static uint8_t text[SM_P1_WRITE_MAX], scratch[SM_P1_WRITE_MAX];
    static sm_reading rd[SM_MAX_READINGS];
    size_t n = sm_p1_write(t, (char *)text, sizeof text);
    unsigned long long no = (unsigned long long)t->index + 1;
    if (t->err || n == 0) {
        if (!t->err || n)
            FUZZ_FAIL("telegram %llu: %s P1 telegram written", no, n ? "a" : "no");
        return;
    }
    sm_p1_frame f;
    memset(&f, 0, sizeof f);
    sm_err e = SM_OK;
    if (sm_p1_scan(text, n, true, &f, &e) != SM_P1_COMPLETE || f.len != n ||
        f.crc_status != SM_P1_CRC_OK || sm_p1_check(text, &f) != SM_OK)
        FUZZ_FAIL("telegram %llu: the P1 telegram written is not one whole telegram with its "
                  "CRC:\n%.*s", no, (int)n, (const char *)text);
    sm_reading_set set = {rd, SM_MAX_READINGS, 0, NULL, false};
    sm_p1_info info;
    sm_p1_parse(text, &f, &info, &set, scratch, sizeof scratch, NULL);
    if (info.nnotes)
        FUZZ_FAIL("telegram %llu: line %u of the P1 telegram written: %s\n%.*s", no,
                  info.notes[0].line, sm_p1_note_text((sm_p1_note_kind)info.notes[0].kind),
                  (int)n, (const char *)text);
    for (size_t k = 0; k < set.n; k++) {
        double src = fuzz_p1_source(t, &rd[k]);
        if (rd[k].kind == SM_RK_NUMBER && !isnan(src) && !sm_obis_is(&rd[k].obis, 1, 0, 2, 8) &&
            fabs(rd[k].value - src) > 1e-9 * (fabs(src) > 1 ? fabs(src) : 1))
            FUZZ_FAIL("telegram %llu: reading %zu of the P1 telegram written is %.17g, the "
                      "decoded one %.17g\n%.*s", no, k, rd[k].value, src, (int)n,
                      (const char *)text);
    }
}

/* One telegram in every format; its JSON line must be one valid object
 * (nested A-XDR, 16 levels, nests JSON twice as deep as json-c's default
 * of 32 allows). */
static void fuzz_render(fuzz_renderers *f, const sm_telegram *t)
{
    fuzz_p1_written(t);
    smd_render_telegram(f->rx, t);
    smd_render_telegram(f->rc, t);
    smd_render_telegram(f->rt, t);
    smd_out_discard(&f->oj);
    smd_render_telegram(f->rj, t);
    size_t jlen;
    const char *json = smd_out_text(&f->oj, &jlen);
    if (jlen == 0 || json[jlen - 1] != '\n')
        FUZZ_FAIL("telegram %llu: no JSON line", (unsigned long long)t->index + 1);
    json_tokener *tok = json_tokener_new_ex(4 * SM_AXDR_MAX_DEPTH + 8);
    size_t line = jlen - 1; /* JSON Lines: one object, no other line break */
    json_object *o = json_tokener_parse_ex(tok, json, (int)line);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!o || je != json_tokener_success || used != line || memchr(json, '\n', line)) {
        fprintf(stderr, "%.*s", (int)jlen, json);
        FUZZ_FAIL("telegram %llu: invalid JSON (%s)", (unsigned long long)t->index + 1,
                  json_tokener_error_desc(je));
    }
    json_object_put(o);
    smd_out_discard(&f->oj);
    smd_out_discard(&f->ox);
    smd_out_discard(&f->oc);
    smd_out_discard(&f->ot);
}

#endif
