/* smd_render.h - smdecode's output formats, behind one interface.  Each
 * renders one sm_telegram at a time (good or failed) into an smd_out, so
 * a capture of any length is rendered in constant memory:
 *   xml   the Gurux DLMS translator's element names and value style, with
 *         comments naming OBIS objects, scaled values, ISO date-times;
 *   json  JSON Lines, one object per telegram;
 *   csv   a header row, one row per telegram, one column per OBIS object
 *         (columns are added, and the header repeated, when an object
 *         appears that earlier telegrams did not carry);
 *   text  the summary the usual meter scripts print;
 *   layout  a layout file (shared/layouts/README) drafted from an unknown
 *         list, for the user to name its fields.
 * The formats themselves are render_<format>.c (smd_format.h). */
#ifndef SMD_RENDER_H
#define SMD_RENDER_H

#include <stdbool.h>

#include "sm_decoder.h"
#include "smd_out.h"

typedef struct smd_render smd_render;

/* True for the name of a format of the table in smd_render.c ("xml",
 * "json", "csv", "text", "layout"). */
bool smd_format_known(const char *name);
/* A renderer of the named format writing to out; NULL when the name is
 * unknown or memory is short.  layers: also the link frames, the security
 * header and the plaintext (xml, json). */
smd_render *smd_render_new(const char *format, bool layers, smd_out *out);
void smd_render_telegram(smd_render *r, const sm_telegram *t);
/* After the last telegram: what the format still has to write, then a
 * flush.  Returns NULL, or why a value could not be rendered (the output
 * then lacks it: smdecode exits with status 1). */
const char *smd_render_end(smd_render *r);
void smd_render_free(smd_render *r);

#endif
