/* test_roundtrip.c - the round-trip property (tests/roundtrip.h) for fixed
 * seeds: data-notifications with every A-XDR type (sim/sm_gen.c) decode in
 * the core to exactly the values they were made of, and the smdecode
 * program gives every value back exactly in JSON, CSV and XML.  The same
 * property runs under libFuzzer with any seed (fuzz/fuzz_roundtrip.c). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roundtrip.h"
#include "test_run.h"
#include "test_util.h"

#define TELEGRAMS 300
#define SEED 0x5EED0F15u

typedef struct {
    const smg_telegram *g;
    unsigned calls, ok;
    char msg[512];
} core_ctx;

static void on_core(void *ctx, const sm_telegram *t)
{
    core_ctx *c = ctx;
    c->calls++;
    if (rt_check_core(c->g, t, c->msg, sizeof c->msg))
        c->ok++;
    else
        fprintf(stderr, "\n    core, telegram %llu: %s", (unsigned long long)t->index + 1, c->msg);
}

/* Every telegram through the core; their hex, one per line, into *hex. */
static void test_core_roundtrip(void)
{
    smg_telegram *g = malloc(sizeof *g);
    sm_decoder *d = malloc(sizeof *d);
    core_ctx c = {g, 0, 0, ""};
    sm_decoder_init(d, SM_LINK_RAW, on_core, &c);
    uint64_t rng = SEED;
    size_t nodes = 0, types_seen = 0;
    bool seen[256] = {false};
    for (unsigned k = 0; k < TELEGRAMS; k++) {
        smg_make(g, &rng, SMG_MAX_READINGS);
        for (size_t i = 0; i < g->nnodes; i++)
            if (!seen[g->nodes[i].type]) {
                seen[g->nodes[i].type] = true;
                types_seen++;
            }
        nodes += g->nnodes;
        sm_decoder_apdu(d, g->apdu, g->len);
    }
    CU_ASSERT_EQUAL(c.calls, TELEGRAMS);
    CU_ASSERT_EQUAL(c.ok, TELEGRAMS);
    /* the generator reached every type (25 tags) and the deepest level */
    CU_ASSERT_EQUAL(types_seen, 25);
    printf("\n    %u telegrams, %zu elements, %zu types: all decoded exactly ", TELEGRAMS, nodes,
           types_seen);
    free(d);
    free(g);
}

static char *all_hex(size_t *len)
{
    smg_telegram *g = malloc(sizeof *g);
    size_t cap = 1 << 20, n = 0;
    char *hex = malloc(cap);
    uint64_t rng = SEED;
    for (unsigned k = 0; k < TELEGRAMS; k++) {
        smg_make(g, &rng, SMG_MAX_READINGS);
        if (n + 2 * g->len + 2 > cap)
            hex = realloc(hex, cap *= 2);
        hex_encode(g->apdu, g->len, hex + n, cap - n);
        n += 2 * g->len;
        hex[n++] = '\n';
    }
    hex[n] = '\0';
    free(g);
    *len = n;
    return hex;
}

typedef enum { FMT_JSON, FMT_CSV, FMT_XML } fmt;

static void smdecode_roundtrip(fmt f)
{
    static const char *const names[] = {"json", "csv", "xml"};
    const char *args[] = {"--framing", "raw", "-f", names[f], "-", NULL};
    size_t len;
    char *hex = all_hex(&len);
    run_result r = run(args, hex, len, NULL);
    free(hex);
    CU_ASSERT_EQUAL(r.status, 0);
    if (r.status != 0)
        fprintf(stderr, "\n    smdecode: %.300s", r.err);
    smg_telegram *g = malloc(sizeof *g);
    uint64_t rng = SEED;
    unsigned ok = 0;
    char msg[512];
    char *save = NULL, *header = NULL;
    char *cur = r.out;
    for (unsigned k = 0; k < TELEGRAMS; k++) {
        smg_make(g, &rng, SMG_MAX_READINGS);
        bool good = false;
        if (f == FMT_JSON) {
            char *line = strtok_r(k == 0 ? r.out : NULL, "\n", &save);
            good = line && rt_check_json(g, line, msg, sizeof msg);
        } else if (f == FMT_CSV) {
            char *line;
            while ((line = strtok_r(k == 0 && !header ? r.out : NULL, "\n", &save)) &&
                   strncmp(line, "telegram,", 9) == 0)
                header = line; /* written again when columns are added */
            good = line && header && rt_check_csv(g, header, line, msg, sizeof msg);
        } else {
            /* this telegram's XML: up to the next one's first comment */
            char next[48];
            snprintf(next, sizeof next, "<!--telegram %u", k + 2);
            char *end = strstr(cur, next);
            if (end)
                *end = '\0';
            good = rt_check_xml(g, cur, msg, sizeof msg);
            if (end) {
                *end = '<';
                cur = end;
            }
        }
        if (good)
            ok++;
        else if (ok + 5 > k) /* the first few failures only */
            fprintf(stderr, "\n    %s, telegram %u: %s", names[f], k + 1, msg);
    }
    CU_ASSERT_EQUAL(ok, TELEGRAMS);
    printf("\n    %s: %u of %u telegrams give every value back exactly ", names[f], ok, TELEGRAMS);
    free(g);
    run_free(&r);
}

static void test_json_roundtrip(void) { smdecode_roundtrip(FMT_JSON); }
static void test_csv_roundtrip(void) { smdecode_roundtrip(FMT_CSV); }
static void test_xml_roundtrip(void) { smdecode_roundtrip(FMT_XML); }

static const test_case roundtrip_cases[] = {
    {"the core: nodes and readings", test_core_roundtrip},
    {"smdecode -f json", test_json_roundtrip},
    {"smdecode -f csv", test_csv_roundtrip},
    {"smdecode -f xml", test_xml_roundtrip},
    {NULL, NULL}};
const test_suite suite_roundtrip = {"round trip: every a-xdr type comes back exactly", roundtrip_cases};
