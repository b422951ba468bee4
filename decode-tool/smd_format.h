/* smd_format.h - what an output format is, inside smdecode: a table entry
 * {begin, telegram, end} with state of its own (state_size bytes, zeroed,
 * owned by smd_render.c).  A format writes only through ctx->out and says
 * what it could not render in ctx->problem (smdecode prints it); it knows
 * no other format.  The formats are render_xml.c, render_json.c,
 * render_csv.c, render_text.c and render_layout.c (--suggest-layout); the text they share is smd_text.h. */
#ifndef SMD_FORMAT_H
#define SMD_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "sm_decoder.h"
#include "smd_out.h"
#include "smd_text.h"

typedef struct {
    smd_out *out;
    bool layers;          /* also the link frames, security header, plaintext */
    const char *problem;  /* a value that could not be rendered: NULL, or why */
} smd_ctx;

typedef struct {
    const char *name;     /* "xml" */
    size_t state_size;
    void (*begin)(smd_ctx *c, void *state);       /* may be NULL */
    void (*telegram)(smd_ctx *c, void *state, const sm_telegram *t);
    void (*end)(smd_ctx *c, void *state);         /* may be NULL */
} smd_format;

extern const smd_format smd_format_xml, smd_format_json, smd_format_csv, smd_format_text,
    smd_format_layout, smd_format_p1;

#endif
