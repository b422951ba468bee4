/* smd_render.c - the table of output formats.  See smd_render.h. */
#include "smd_render.h"

#include <stdlib.h>
#include <string.h>

#include "smd_format.h"

struct smd_render {
    const smd_format *f;
    smd_ctx ctx;
    void *state;
    bool ended;
};

static const smd_format *const formats[] = {&smd_format_xml, &smd_format_json, &smd_format_csv,
                                            &smd_format_text, &smd_format_layout, &smd_format_p1};

static const smd_format *find(const char *name)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i]->name, name) == 0)
            return formats[i];
    return NULL;
}

bool smd_format_known(const char *name) { return find(name) != NULL; }

smd_render *smd_render_new(const char *format, bool layers, smd_out *out)
{
    const smd_format *f = find(format);
    if (!f)
        return NULL;
    smd_render *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->state = calloc(1, f->state_size ? f->state_size : 1);
    if (!r->state) {
        free(r);
        return NULL;
    }
    r->f = f;
    r->ctx.out = out;
    r->ctx.layers = layers;
    if (f->begin)
        f->begin(&r->ctx, r->state);
    return r;
}

void smd_render_telegram(smd_render *r, const sm_telegram *t)
{
    r->f->telegram(&r->ctx, r->state, t);
}

const char *smd_render_end(smd_render *r)
{
    if (!r->ended) {
        if (r->f->end)
            r->f->end(&r->ctx, r->state);
        smd_out_flush(r->ctx.out);
        r->ended = true;
    }
    return r->ctx.problem;
}

void smd_render_free(smd_render *r)
{
    if (!r)
        return;
    smd_render_end(r);
    free(r->state);
    free(r);
}
