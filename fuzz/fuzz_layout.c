/* fuzz_layout.c - the layout file parser (sm_layout_set_parse) and the
 * matching of the layouts it reads.
 *
 * The input is a layout file.  Properties: a file with an error leaves
 * the set exactly as it was (all or nothing) and names a line of the file
 * and a message; a file that reads gives layouts whose fields, types,
 * matches and implied rules lie inside the set, whose names are unique,
 * and which a second parse of the same text into a fresh set reproduces;
 * then a few real bodies (a Slovenian positional list, an OBIS-keyed list,
 * a Czech tuple push) are read with the set: every reading's index and
 * node lie inside the body. */
#include <string.h>

#include "fuzz.h"
#include "sm_apdu.h"
#include "sm_layout.h"
#include "sm_readings.h"

static sm_layout_set set, again;
static sm_node nodes[SM_MAX_NODES];
static sm_reading readings[SM_MAX_READINGS];

static const char *const bodies[] = {
    /* Elektro Celje UP_3f (fixtures/iskraemeco/gh615-8.hex), no HDLC */
    "0F000BD5900C07E70B01030C0C1200FFC400020C091049534B31303330373839303134373331090555505F"
    "3366120 90A1208FF12092C1201C312020D1200580600000 95F060000000006000000040600000108",
    /* an OBIS-keyed list with a date-time first and a string last (EVN's form) */
    "0F00000001000204090C07E80B0F050E2D2D00FFC40209060100010800FF0600000001090431323334",
    /* a Czech tuple push of two objects */
    "0F000000010002021601010202020001000060010 0FF0209023132020200030100010800FF020600000008",
};

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = 0;
    for (int hi = -1; *h; h++) {
        int v = *h >= '0' && *h <= '9' ? *h - '0' : *h >= 'A' && *h <= 'F' ? *h - 'A' + 10 : -1;
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

static void check_set(const sm_layout_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        const sm_layout *l = &s->layouts[i];
        if (!l->name[0] || !l->description || !l->source)
            FUZZ_FAIL("layout %zu without a name, description or source", i);
        if (l->nfields && (l->fields < s->fields || l->fields + l->nfields > s->fields + s->nfields))
            FUZZ_FAIL("layout %s: fields outside the set", l->name);
        if (l->types && (l->types < s->types || l->types + l->count > s->types + s->ntypes))
            FUZZ_FAIL("layout %s: types outside the set", l->name);
        if (l->nimplied &&
            (l->implied < s->implied || l->implied + l->nimplied > s->implied + s->nimplied))
            FUZZ_FAIL("layout %s: implied rules outside the set", l->name);
        if (l->form == SM_FORM_POSITIONAL && (l->count == 0 || l->nfields > l->count))
            FUZZ_FAIL("layout %s: %u fields for a count of %u", l->name, l->nfields, l->count);
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->layouts[j].name, l->name) == 0)
                FUZZ_FAIL("layout %s twice", l->name);
    }
}

static void read_bodies(void)
{
    for (size_t b = 0; b < sizeof bodies / sizeof bodies[0]; b++) {
        uint8_t apdu[512];
        size_t len = unhex(bodies[b], apdu), nn;
        sm_notification n;
        if (sm_notification_parse(SM_CUR_OVER(apdu, len), &n, nodes, SM_MAX_NODES, &nn))
            FUZZ_FAIL("body %zu of the target does not parse", b);
        sm_reading_set rs = {readings, SM_MAX_READINGS, 0, NULL, false};
        if (sm_readings_extract(nodes, nn, apdu, len, &set, &rs) != SM_OK)
            continue;
        for (size_t i = 0; i < rs.n; i++)
            if (readings[i].index != i || readings[i].node >= nn)
                FUZZ_FAIL("body %zu: reading %zu at node %u of %zu", b, i, readings[i].node, nn);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sm_layout_set_init(&set);
    sm_layout_error err = {0, ""};
    sm_err e = sm_layout_set_parse(&set, (const char *)data, size, "fuzz.layout", &err);
    if (e) {
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        if (set.n || set.nfields || set.ntypes || set.nimplied || set.ntext)
            FUZZ_FAIL("an error (%s) left %zu layouts in the set", err.message, set.n);
        if (err.line > lines + 1 || !err.message[0])
            FUZZ_FAIL("error at line %u of %zu lines: \"%s\"", err.line, lines, err.message);
        return 0;
    }
    check_set(&set);
    sm_layout_set_init(&again);
    if (sm_layout_set_parse(&again, (const char *)data, size, "fuzz.layout", NULL) != SM_OK ||
        again.n != set.n || again.nfields != set.nfields || again.ntext != set.ntext)
        FUZZ_FAIL("a second parse of the same text differs");
    read_bodies();
    return 0;
}
