/* render_p1.c - each telegram as a DSMR 5.0 P1 telegram (sm_p1_write.h):
 * what Home Assistant's DSMR integration, dsmr_parser, DSMR-reader and
 * evcc read.  A telegram that failed to decode writes nothing (smdecode
 * says why on standard error). */
#include "smd_format.h"

#include "sm_p1_write.h"

typedef struct {
    char text[SM_P1_WRITE_MAX];
} p1_state;

static void render(smd_ctx *cx, void *state, const sm_telegram *t)
{
    p1_state *s = state;
    size_t n = sm_p1_write(t, s->text, sizeof s->text);
    smd_out_mem(cx->out, s->text, n);
}

const smd_format smd_format_p1 = {"p1", sizeof(p1_state), NULL, render, NULL};
