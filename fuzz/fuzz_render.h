/* fuzz_render.h - the four output formats for the fuzz targets that
 * render what they decode (pipeline, p1): each telegram rendered in every
 * format into memory, its JSON line checked to be valid JSON, the text
 * dropped.  Static functions: include it once per target. */
#ifndef FUZZ_RENDER_H
#define FUZZ_RENDER_H

#include <json-c/json.h>
#include <string.h>

#include "fuzz.h"
#include "sm_decoder.h"
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

/* One telegram in every format; its JSON line must be one valid object
 * (nested A-XDR, 16 levels, nests JSON twice as deep as json-c's default
 * of 32 allows). */
static void fuzz_render(fuzz_renderers *f, const sm_telegram *t)
{
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
