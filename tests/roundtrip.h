/* roundtrip.h - the round-trip property: what sim/sm_gen.c encoded comes
 * back exactly from the core (the nodes and readings of sm_telegram) and
 * in smdecode's JSON, CSV and XML.  The expected forms are written here
 * from smdecode(1)'s description of each format, not with the renderers'
 * own helpers.  Used by tests/test_roundtrip.c (fixed seeds, the core and
 * the smdecode program) and fuzz/fuzz_roundtrip.c (the renderers in
 * process).  Each check returns true, or false with a message in msg. */
#ifndef ROUNDTRIP_H
#define ROUNDTRIP_H

#include <stdbool.h>
#include <stddef.h>

#include "sm_decoder.h"
#include "sm_gen.h"

bool rt_check_core(const smg_telegram *g, const sm_telegram *t, char *msg, size_t cap);
/* line: one JSON Lines object (without its line break) */
bool rt_check_json(const smg_telegram *g, const char *line, char *msg, size_t cap);
/* header and row: CSV lines (without line breaks) */
bool rt_check_csv(const smg_telegram *g, const char *header, const char *row, char *msg,
                  size_t cap);
/* xml: the telegram's XML as smdecode writes it */
bool rt_check_xml(const smg_telegram *g, const char *xml, char *msg, size_t cap);

#endif
