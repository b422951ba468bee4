/* render_layout.c - smdecode --suggest-layout (-f layout): for a list that
 * no layout knows, a layout file ready to edit (shared/layouts/README):
 * its element count and types, and one "field N -" line per element with
 * the element's type and value in a comment above it.  Replace a "-" by
 * the OBIS code (and a scaler and unit) and the file decodes the list.
 * Each list is suggested once (by its count and types); telegrams that a
 * layout already decodes get a comment that says which. */
#include "smd_format.h"

#include <stdio.h>
#include <string.h>

#define MAX_SEEN 64

typedef struct {
    unsigned suggested;
    uint64_t seen[MAX_SEEN]; /* signatures suggested so far */
    size_t nseen;
} layout_state;

static uint64_t signature(const sm_telegram *t)
{
    uint64_t h = 1469598103934665603ull ^ t->nodes[0].item.count;
    for (size_t i = 0; i < t->nreadings; i++)
        h = (h ^ t->readings[i].type) * 1099511628211ull;
    return h;
}

static void comment_value(smd_out *o, const sm_reading *rd)
{
    char buf[200];
    bool q;
    size_t n = smd_value_text(rd, buf, sizeof buf, &q);
    const char *type = sm_axdr_type_name(rd->type);
    smd_out_str(o, "# element ");
    smd_out_u64(o, rd->index);
    smd_out_str(o, ": ");
    smd_out_str(o, type ? type : "unknown");
    smd_out_ch(o, ' ');
    for (size_t i = 0; i < n; i++) /* one line, whatever the value holds */
        smd_out_ch(o, buf[i] == '\n' || buf[i] == '\r' ? ' ' : buf[i]);
    smd_out_ch(o, '\n');
}

static void suggest(smd_out *o, layout_state *s, const sm_telegram *t)
{
    s->suggested++;
    smd_out_str(o, "# suggested by smdecode --suggest-layout from telegram ");
    smd_out_u64(o, t->index + 1);
    smd_out_str(o, ".\n# Put each element's OBIS code (and its scaler and unit) in place of\n"
                   "# the \"-\", fill in description and source, and give the file to\n"
                   "# smdecode --layout-file or to the plugin's LayoutFile.\n"
                   "layout my-list-");
    smd_out_u64(o, s->suggested);
    smd_out_str(o, "\ndescription (which meter and operator, which list)\n"
                   "source (where the meaning of the fields comes from)\ntypes");
    for (size_t i = 0; i < t->nreadings; i++) {
        const char *type = sm_axdr_type_name(t->readings[i].type);
        smd_out_ch(o, ' ');
        smd_out_str(o, type ? type : "any");
    }
    smd_out_ch(o, '\n');
    const sm_reading *first = t->nreadings ? &t->readings[0] : NULL;
    if (first && first->kind == SM_RK_STRING && first->len > 0 && first->len < 40 &&
        sm_bytes_printable(first->bytes, first->len) && !memchr(first->bytes, '"', first->len) &&
        !memchr(first->bytes, '\\', first->len)) {
        smd_out_str(o, "# if element 0 names the list (not the meter), match it:\n# match 0 \"");
        smd_out_mem(o, (const char *)first->bytes, first->len);
        smd_out_str(o, "\"\n");
    }
    for (size_t i = 0; i < t->nreadings; i++) {
        comment_value(o, &t->readings[i]);
        smd_out_str(o, "field ");
        smd_out_u64(o, i);
        smd_out_str(o, " -\n");
    }
    smd_out_ch(o, '\n');
}

static void render(smd_ctx *cx, void *state, const sm_telegram *t)
{
    layout_state *s = state;
    smd_out *o = cx->out;
    bool positional = t->is_notification && !t->err && t->layout &&
                      strcmp(t->layout, "unknown-positional") == 0 && t->nreadings > 0;
    if (!positional) {
        smd_out_str(o, "# telegram ");
        smd_out_u64(o, t->index + 1);
        if (t->err) {
            smd_out_str(o, ": not decoded (");
            smd_out_str(o, sm_strerror(t->err));
            smd_out_str(o, "): nothing to suggest\n");
        } else {
            smd_out_str(o, ": decoded with layout ");
            smd_out_str(o, t->layout ? t->layout : "none");
            smd_out_str(o, ", nothing to suggest\n");
        }
        return;
    }
    uint64_t sig = signature(t);
    for (size_t i = 0; i < s->nseen; i++)
        if (s->seen[i] == sig)
            return;
    if (s->nseen < MAX_SEEN)
        s->seen[s->nseen++] = sig;
    suggest(o, s, t);
}

const smd_format smd_format_layout = {"layout", sizeof(layout_state), NULL, render, NULL};
