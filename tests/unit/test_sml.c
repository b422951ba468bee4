/* tests/unit/test_sml.c - SML: the transport (sm_sml_frame.c) and the
 * messages (sm_sml.c).  Every real frame of fixtures/sml/ decoded, every
 * value its file lists checked (the ones its source asserts and the ones
 * an independent decoder read); then the transport's rules one by one. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "sm_build.h"
#include "sm_crc.h"
#include "sm_sml.h"
#include "test_json.h"
#include "test_util.h"


/* "253917.70" and "253917.7", "0.0" and "0": the same decimal */
static void decimal_norm(const char *in, char *out, size_t cap)
{
    snprintf(out, cap, "%s", in);
    char *dot = strchr(out, '.');
    if (!dot)
        return;
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '0')
        out[--n] = '\0';
    if (n > 0 && out[n - 1] == '.')
        out[--n] = '\0';
    if (strcmp(out, "-0") == 0)
        snprintf(out, cap, "0");
}

/* The printed meter number of a DIN 43863-5 server id, written here from
 * the rule (medium, maker, block as two digits, number as eight) */
static bool printed_id(const char *hex, char *out, size_t cap)
{
    uint8_t b[16];
    if (strlen(hex) != 20 || hex_decode(hex, b, sizeof b) != 10)
        return false;
    unsigned long number = (unsigned long)b[6] << 24 | (unsigned long)b[7] << 16 |
                           (unsigned long)b[8] << 8 | b[9];
    snprintf(out, cap, "%u%c%c%c%02u%08lu", b[1], b[2], b[3], b[4], b[5], number);
    return b[2] >= 'A' && b[2] <= 'Z' && b[3] >= 'A' && b[3] <= 'Z' && b[4] >= 'A' &&
           b[4] <= 'Z';
}

/* The reading of the entry: the first with its OBIS code not yet used */
static const got_reading *entry_reading(const got_telegram *t, const char *obis, bool *used)
{
    for (size_t i = 0; i < t->n; i++)
        if (!used[i] && strcmp(t->readings[i].obis, obis) == 0) {
            used[i] = true;
            return &t->readings[i];
        }
    return NULL;
}

/* A number: raw, scaler, unit, status, and the exact decimal */
static void check_number(const char *file, const got_reading *g, json_object *e)
{
    int64_t raw, scaler, unit, status;
    CU_ASSERT_EQUAL_FATAL(g->r.kind, SM_RK_NUMBER);
    if (jint(e, "raw_value", &raw))
        CU_ASSERT(g->r.is_signed ? g->r.raw_i == raw : g->r.raw_u == (uint64_t)raw);
    if (jint(e, "scaler", &scaler))
        CU_ASSERT_EQUAL(g->r.scaler, scaler);
    if (jint(e, "unit_code", &unit))
        CU_ASSERT_EQUAL(g->r.unit, unit);
    if (jint(e, "status", &status)) {
        CU_ASSERT_TRUE(g->r.has_status);
        CU_ASSERT_EQUAL(g->r.status, (uint64_t)status);
    }
    char got[SM_DECIMAL_MAX], a[64], b[64];
    sm_reading_format_value(&g->r, got, sizeof got);
    decimal_norm(got, a, sizeof a);
    decimal_norm(jstr(e, "value"), b, sizeof b);
    if (strcmp(a, b) != 0)
        fprintf(stderr, "\n    %s %s: got %s, want %s\n", file, g->obis, got, jstr(e, "value"));
    CU_ASSERT_STRING_EQUAL(a, b);
}

/* A string: as ASCII, as hex, or the server id printed */
static void check_string(const char *file, const got_reading *g, json_object *e)
{
    const char *type = jstr(e, "value_type"), *want = jstr(e, "value");
    char printed[32];
    CU_ASSERT_EQUAL_FATAL(g->r.kind, SM_RK_STRING);
    if (strstr(type, "hex") && printed_id(want, printed, sizeof printed) &&
        (strncmp(g->obis, "1-0:0.0.9", 9) == 0 || strncmp(g->obis, "1-0:96.1.0", 10) == 0))
        want = printed;
    if (strcasecmp(g->text, want) != 0)
        fprintf(stderr, "\n    %s %s: got %s, want %s\n", file, g->obis, g->text, want);
    CU_ASSERT(strcasecmp(g->text, want) == 0);
}

/* valTime: a clock gives the capture time; a secIndex (a counter) none */
static void check_val_time(const got_reading *g, json_object *e)
{
    json_object *vt, *v;
    if (!json_object_object_get_ex(e, "val_time", &vt))
        return;
    int64_t tag = 0;
    jint(vt, "tag", &tag);
    if (tag != 3 && tag != 2) {
        CU_ASSERT_FALSE(g->r.has_capture);
        return;
    }
    json_object_object_get_ex(vt, "value", &v);
    int64_t ts = 0, local = 0, season = 0;
    if (tag == 3) {
        jint(v, "timestamp", &ts);
        jint(v, "local_offset_min", &local);
        jint(v, "season_offset_min", &season);
    } else {
        ts = json_object_get_int64(v);
    }
    char want[40], got[40];
    sm_unix_iso_utc(ts, want, sizeof want);
    CU_ASSERT_TRUE_FATAL(g->r.has_capture);
    sm_datetime_iso_utc(&g->r.capture, got, sizeof got);
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL(-g->r.capture.deviation, local + season);
}

static void check_entry(const char *file, const got_telegram *t, json_object *e, bool *used)
{
    const char *obis = jstr(e, "obis"), *type = jstr(e, "value_type");
    if (obis[0] == '(') { /* the meter number printed from the server id */
        CU_ASSERT_STRING_EQUAL(t->sml.meter_number, jstr(e, "value"));
        CU_ASSERT_STRING_EQUAL(t->meter_id, jstr(e, "value"));
        return;
    }
    const got_reading *g = entry_reading(t, obis, used);
    if (!g)
        fprintf(stderr, "\n    %s: %s missing\n", file, obis);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    json_object *v;
    json_object_object_get_ex(e, "value", &v);
    if (json_object_is_type(v, json_type_object)) { /* a time as value: its secIndex */
        int64_t sec = 0;
        jint(v, "sec_index", &sec);
        CU_ASSERT_EQUAL(g->r.kind, SM_RK_NUMBER);
        CU_ASSERT_EQUAL(g->r.raw_u, (uint64_t)sec);
    } else if (strstr(type, "octet string") || strstr(type, "meter id")) {
        check_string(file, g, e);
    } else {
        check_number(file, g, e);
    }
    check_val_time(g, e);
}

/* The transport: which CRC, the padding count */
static void check_transport(const got_telegram *t, json_object *v)
{
    json_object *in, *crc, *end;
    json_object_object_get_ex(v, "integrity", &in);
    json_object_object_get_ex(in, "transport_crc", &crc);
    CU_ASSERT_EQUAL(t->link, SM_LINK_SML);
    CU_ASSERT_EQUAL(t->frame0.u.sml.kermit, strstr(jstr(crc, "algorithm"), "KERMIT") != NULL);
    CU_ASSERT_EQUAL(t->sml.kermit, t->frame0.u.sml.kermit);
    int64_t pad;
    if (json_object_object_get_ex(in, "end_escape", &end) && jint(end, "padding_bytes", &pad))
        CU_ASSERT_EQUAL(t->frame0.u.sml.padding, pad);
}

/* A frame a quirk changes: the quirk named, and without it the values as
 * sent (raw_value_on_wire, under wire_obis where the quirk recodes). */
static void check_quirk(json_object *v, const got_telegram *t, const uint8_t *tel, size_t len)
{
    const char *name = jstr(v, "quirk");
    if (name)
        CU_ASSERT_STRING_EQUAL(t->quirk, name);
    json_object *exp;
    json_object_object_get_ex(v, "expected", &exp);
    collector c;
    collector_init(&c);
    decode_opts none = {false, SM_QUIRKS_NONE, NULL};
    decode_bytes_opts(&c, SM_LINK_SML, &none, tel, len, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_STRING_EQUAL(c.t[0].quirk, "");
    unsigned amended = 0;
    for (size_t i = 0; i < json_object_array_length(exp); i++) {
        json_object *e = json_object_array_get_idx(exp, i);
        int64_t wire;
        if (!jint(e, "raw_value_on_wire", &wire))
            continue;
        const char *obis = jstr(e, "wire_obis") ? jstr(e, "wire_obis") : jstr(e, "obis");
        bool used[MAX_R] = {false};
        const got_reading *g = entry_reading(&c.t[0], obis, used);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        CU_ASSERT_FALSE(g->r.amended);
        CU_ASSERT(g->r.is_signed ? g->r.raw_i == wire : g->r.raw_u == (uint64_t)wire);
        const got_reading *q = entry_reading(t, jstr(e, "obis"), (bool[MAX_R]){false});
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        CU_ASSERT_TRUE(q->r.amended);
        amended++;
    }
    CU_ASSERT_EQUAL(t->quirk_changed, amended);
    collector_free(&c);
}

static unsigned check_file(const char *file)
{
    json_object *v = fixture_json("sml", file);
    static uint8_t tel[4096];
    size_t len = hex_decode(jstr(v, "telegram_hex"), tel, sizeof tel);
    CU_ASSERT_FATAL(len != (size_t)-1);
    unsigned checked = 0;
    collector c;
    collector_init(&c);
    json_object *in, *crc, *valid;
    json_object_object_get_ex(v, "integrity", &in);
    json_object_object_get_ex(in, "transport_crc", &crc);
    /* a frame whose CRC no known variant verifies (Itron): rejected, and
     * read only with the check switched off */
    bool unverifiable = json_object_object_get_ex(crc, "valid", &valid) &&
                        !json_object_get_boolean(valid);
    if (strcmp(jstr(v, "framing"), "sml") == 0) {
        /* auto and forced; whole and byte by byte */
        for (int mode = 0; mode < 3; mode++) {
            c.n = 0;
            decode_opts o = {unverifiable, SM_QUIRKS_AUTO, NULL};
            decode_bytes_opts(&c, mode == 1 ? SM_LINK_SML : SM_LINK_AUTO, &o, tel, len,
                              mode == 2 ? 1 : 0);
            CU_ASSERT_EQUAL_FATAL(c.n, 1);
            ASSERT_ERR(c.t[0].err, SM_OK);
        }
        got_telegram *t = &c.t[0];
        if (unverifiable) {
            collector r;
            collector_init(&r);
            decode_bytes(&r, SM_LINK_SML, NULL, 0, NULL, 0, true, tel, len, 0);
            CU_ASSERT_EQUAL_FATAL(r.n, 1);
            ASSERT_ERR(r.t[0].err, SM_ERR_SML_CRC);
            CU_ASSERT_EQUAL(r.t[0].n, 0);
            collector_free(&r);
        } else {
            check_transport(t, v);
        }
        check_quirk(v, t, tel, len);
        /* the reduced data set: energy only, no power (the EFR and DZG frames
         * without their PIN entered) */
        bool reduced = strstr(file, "reduced") != NULL;
        CU_ASSERT_EQUAL(t->sml.reduced, reduced);
        json_object *exp;
        json_object_object_get_ex(v, "expected", &exp);
        bool used[MAX_R] = {false};
        for (size_t i = 0; i < json_object_array_length(exp); i++, checked++)
            check_entry(file, t, json_object_array_get_idx(exp, i), used);
    }
    collector_free(&c);
    json_object_put(v);
    return checked;
}

static void test_real_frames(void)
{
    unsigned values;
    CU_ASSERT_EQUAL(fixture_each_json("sml", check_file, &values), 22);
    CU_ASSERT_EQUAL(values, 197); /* the entries of the twenty-one framed ones */
}

/* The messages alone (sml2mqtt's frame without its transport): through
 * sm_sml_parse, X.25 message CRCs. */
static void test_messages_only(void)
{
    char *text = fixture_read("sml/sml-iskra-messages-sml2mqtt.json", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    json_object *v = json_tokener_parse(text);
    free(text);
    static uint8_t msg[4096], scratch[64];
    size_t len = hex_decode(jstr(v, "telegram_hex"), msg, sizeof msg);
    sm_reading rd[32];
    sm_reading_set rs = {rd, 32, 0, NULL, false};
    sm_sml_info info;
    ASSERT_ERR(sm_sml_parse(SM_CUR_OVER(msg, len), false, true, &info, &rs, scratch,
                            sizeof scratch),
               SM_OK);
    CU_ASSERT_EQUAL(info.messages, 3);
    /* 0A 01 'ISK' 00 05020DE2: medium 1, block 00, number 84020706 */
    CU_ASSERT_STRING_EQUAL(info.meter_number, "1ISK0084020706");
    CU_ASSERT_EQUAL_FATAL(rs.n, 5);
    CU_ASSERT_EQUAL(rd[2].obis.c, 1);
    CU_ASSERT_EQUAL(rd[2].raw_u, 2539177); /* 1-0:1.8.0 253917.7 Wh, as the source asserts */
    CU_ASSERT_EQUAL(rd[2].scaler, -1);
    CU_ASSERT_EQUAL(rd[4].raw_i, 272); /* 1-0:16.7.0 272 W */
    json_object_put(v);
}

/* ---- frames built here, and what the transport does with damage ---------- */

typedef struct {
    uint8_t b[8192];
    size_t n;
} wbuf;

static void w_put(wbuf *w, const void *p, size_t n)
{
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void w_tl(wbuf *w, unsigned type, size_t len)
{
    w->n += smb_sml_tl(w->b + w->n, sizeof w->b - w->n, type, len);
}
static void w_num(wbuf *w, unsigned type, uint64_t v, size_t bytes)
{
    w->n += smb_sml_number(w->b + w->n, sizeof w->b - w->n, type, v, bytes);
}
static void w_absent(wbuf *w) { w_put(w, "\x01", 1); }

static void w_name(wbuf *w, const char *obis)
{
    sm_obis o;
    CU_ASSERT_FATAL(sm_obis_parse(obis, &o));
    uint8_t b[6] = {o.a, o.b, o.c, o.d, o.e, o.f};
    w_tl(w, 7, 7);
    w_tl(w, SM_SML_OCTETS, 6);
    w_put(w, b, 6);
}

/* a valList entry: a number (type 5 integer, 6 unsigned) of `bytes` bytes */
static void w_entry(wbuf *w, const char *obis, unsigned unit, int scaler, unsigned type,
                    uint64_t v, size_t bytes)
{
    w_name(w, obis);
    w_absent(w); /* status */
    w_absent(w); /* valTime */
    w_num(w, SM_SML_UINT, unit, 1);
    w_num(w, SM_SML_INT, (uint64_t)(int64_t)scaler, 1);
    w_num(w, type, v, bytes);
    w_absent(w);
}

static void w_entry_octets(wbuf *w, const char *obis, const uint8_t *p, size_t n)
{
    w_name(w, obis);
    for (int k = 0; k < 4; k++)
        w_absent(w); /* status, valTime, unit, scaler */
    w_tl(w, SM_SML_OCTETS, n);
    w_put(w, p, n);
    w_absent(w);
}

static const uint8_t server[10] = {0x0A, 0x01, 'T', 'S', 'T', 0x01, 0x00, 0xBC, 0x61, 0x4E};

/* OpenResponse, GetListResponse of `count` entries, CloseResponse: the
 * messages (a frame's payload) */
static size_t messages(uint8_t *out, size_t cap, const wbuf *entries, unsigned count, bool kermit)
{
    static wbuf open, list, close;
    open.n = list.n = close.n = 0;
    w_tl(&open, 7, 6);
    w_absent(&open);
    w_absent(&open);
    w_tl(&open, SM_SML_OCTETS, 2);
    w_put(&open, "\x00\x01", 2);
    w_tl(&open, SM_SML_OCTETS, 10);
    w_put(&open, server, 10);
    w_absent(&open);
    w_absent(&open);
    w_tl(&list, 7, 7);
    w_absent(&list);
    w_tl(&list, SM_SML_OCTETS, 10);
    w_put(&list, server, 10);
    w_absent(&list);
    w_tl(&list, 7, 2); /* actSensorTime: secIndex */
    w_num(&list, SM_SML_UINT, 1, 1);
    w_num(&list, SM_SML_UINT, 123456, 4);
    w_tl(&list, 7, count);
    w_put(&list, entries->b, entries->n);
    w_absent(&list);
    w_absent(&list);
    w_tl(&close, 7, 1);
    w_absent(&close);
    size_t k = smb_sml_message(out, cap, 1, SM_SML_OPEN_RESPONSE, open.b, open.n, kermit);
    k += smb_sml_message(out + k, cap - k, 2, SM_SML_GET_LIST_RESPONSE, list.b, list.n, kermit);
    k += smb_sml_message(out + k, cap - k, 3, SM_SML_CLOSE_RESPONSE, close.b, close.n, kermit);
    return k;
}

/* A frame of `count` entries decoded (forced SML): one good telegram of
 * `count` readings into c */
static void decode_entries(const wbuf *e, unsigned count, collector *c)
{
    static uint8_t msgs[4096], f[4096];
    size_t m = messages(msgs, sizeof msgs, e, count, false);
    size_t n = smb_sml_frame(f, sizeof f, msgs, m, false);
    collector_init(c);
    decode_bytes(c, SM_LINK_SML, NULL, 0, NULL, 0, true, f, n, 0);
    CU_ASSERT_EQUAL_FATAL(c->n, 1);
    ASSERT_ERR(c->t[0].err, SM_OK);
    CU_ASSERT_EQUAL_FATAL(c->t[0].n, count);
}

/* The usual frame of the tests: five entries, one of them an octet string
 * with four 1B in it (escaped in the transport) */
static size_t usual_frame(uint8_t *out, size_t cap, bool kermit)
{
    static wbuf e;
    e.n = 0;
    w_entry(&e, "1-0:1.8.0*255", SM_UNIT_WH, -1, SM_SML_INT, 123456789012ull, 5);
    w_entry(&e, "1-0:16.7.0*255", SM_UNIT_W, -2, SM_SML_INT, (uint64_t)-123456, 3);
    w_entry(&e, "1-0:32.7.0*255", SM_UNIT_V, -1, SM_SML_UINT, 2301, 2);
    w_entry(&e, "1-0:2.8.0*255", SM_UNIT_WH, 0, SM_SML_UINT, 18446744073709551615ull, 8);
    static const uint8_t esc[] = {'a', 0x1B, 0x1B, 0x1B, 0x1B, 'b'};
    w_entry_octets(&e, "1-0:96.50.1*1", esc, sizeof esc);
    static uint8_t msgs[4096];
    size_t m = messages(msgs, sizeof msgs, &e, 5, kermit);
    return smb_sml_frame(out, cap, msgs, m, kermit);
}

static void check_usual(const got_telegram *t)
{
    ASSERT_ERR(t->err, SM_OK);
    CU_ASSERT_EQUAL_FATAL(t->n, 5);
    CU_ASSERT_EQUAL(t->readings[0].r.raw_i, 123456789012ll); /* Integer40 */
    CU_ASSERT_EQUAL(t->readings[1].r.raw_i, -123456);         /* Integer24, sign-extended */
    CU_ASSERT_EQUAL(t->readings[1].r.scaler, -2);
    CU_ASSERT_EQUAL(t->readings[2].r.raw_u, 2301);
    CU_ASSERT_EQUAL(t->readings[3].r.raw_u, UINT64_MAX);
    CU_ASSERT(strcasecmp(t->readings[4].text, "611B1B1B1B62") == 0);
    CU_ASSERT_STRING_EQUAL(t->sml.meter_number, "1TST0112345678");
}

static void test_built_frames(void)
{
    static uint8_t f[4096];
    for (int kermit = 0; kermit < 2; kermit++) {
        size_t n = usual_frame(f, sizeof f, kermit);
        CU_ASSERT_FATAL(n > 0);
        collector c;
        collector_init(&c);
        decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, f, n, 0);
        CU_ASSERT_EQUAL_FATAL(c.n, 1);
        check_usual(&c.t[0]);
        CU_ASSERT_EQUAL(c.t[0].frame0.u.sml.kermit, kermit);
        CU_ASSERT_EQUAL(c.t[0].frame0.u.sml.escapes, 1);
        collector_free(&c);
    }
    /* twenty entries: the valList's TL field takes two bytes (F1 04) */
    static wbuf e;
    e.n = 0;
    for (unsigned i = 0; i < 20; i++)
        w_entry(&e, "1-0:1.8.1*255", SM_UNIT_WH, 0, SM_SML_UINT, i, 1);
    collector c;
    decode_entries(&e, 20, &c);
    CU_ASSERT_EQUAL(c.t[0].readings[19].r.raw_u, 19);
    collector_free(&c);
}

/* an entry whose valTime is a localTimestamp (list of 3: the time, the
 * local and the season offset in minutes, each 8 bytes here) */
static void w_entry_local(wbuf *w, uint64_t ts, uint64_t local, uint64_t season)
{
    w_name(w, "1-0:1.8.0*255");
    w_absent(w); /* status */
    w_tl(w, 7, 2);
    w_num(w, SM_SML_UINT, 3, 1);
    w_tl(w, 7, 3);
    w_num(w, SM_SML_UINT, ts, 4);
    w_num(w, SM_SML_INT, local, 8);
    w_num(w, SM_SML_INT, season, 8);
    w_num(w, SM_SML_UINT, SM_UNIT_WH, 1);
    w_num(w, SM_SML_INT, (uint64_t)-1, 1);
    w_num(w, SM_SML_UINT, 1234, 4);
    w_absent(w);
}

/* A local time's offsets: within a day, the reading's capture time with
 * them; beyond (the fuzzer's 2^62 minutes overflowed their sum), no capture
 * time, the value kept, the telegram good */
static void test_local_offsets(void)
{
    static const struct {
        uint64_t local, season;
        bool clock;
        int deviation;
    } cases[] = {{60, 60, true, -120},
                 {(uint64_t)-300, 0, true, 300},
                 {7595718147998050665ull, 7595718147998050665ull, false, 0},
                 {60, 1441, false, 0},
                 {(uint64_t)INT64_MIN, 0, false, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static wbuf e;
        e.n = 0;
        w_entry_local(&e, 1700000000, cases[i].local, cases[i].season);
        collector c;
        decode_entries(&e, 1, &c);
        const sm_reading *r = &c.t[0].readings[0].r;
        CU_ASSERT_EQUAL(r->raw_u, 1234);
        CU_ASSERT_EQUAL(r->has_capture, cases[i].clock);
        if (cases[i].clock)
            CU_ASSERT_EQUAL(r->capture.deviation, cases[i].deviation);
        collector_free(&c);
    }
}

/* Every prefix is no telegram (one cut short is named once); split
 * anywhere, the frame is the same */
static void test_prefixes_and_splits(void)
{
    static uint8_t f[4096];
    size_t n = usual_frame(f, sizeof f, false);
    unsigned wrong = 0;
    for (size_t k = 0; k < n; k += every_step()) {
        collector c;
        collector_init(&c);
        decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, f, k, 0);
        wrong += c.n != (k >= 8) || (c.n && c.t[0].err != SM_ERR_INCOMPLETE);
        collector_free(&c);
        sm_decoder *d = malloc(sizeof *d);
        collector_init(&c);
        sm_decoder_init(d, SM_LINK_AUTO, collector_cb, &c);
        sm_decoder_feed(d, f, k);
        sm_decoder_feed(d, f + k, n - k);
        sm_decoder_finish(d);
        wrong += c.n != 1 || c.t[0].err != SM_OK || c.t[0].n != 5;
        free(d);
        collector_free(&c);
    }
    CU_ASSERT_EQUAL(wrong, 0);
}

/* Garbage, a frame cut short by the next one, frames of both CRC kinds:
 * every good frame found, the cut one named where the next begins */
static void test_garbage_and_cuts(void)
{
    static uint8_t f[4096], g[4096], s[16384];
    size_t n = usual_frame(f, sizeof f, false), nk = usual_frame(g, sizeof g, true), k = 0;
    for (int i = 0; i < 37; i++)
        s[k++] = (uint8_t)(i * 7 + 1); /* no 1B in it */
    memcpy(s + k, f, n), k += n;
    size_t cut_at = k;
    memcpy(s + k, f, n / 2), k += n / 2;
    memcpy(s + k, f, n), k += n;
    s[k++] = 0x1B; /* a lone escape byte, garbage */
    memcpy(s + k, g, nk), k += nk;
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, s, k, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 4);
    ASSERT_ERR(c.t[0].err, SM_OK);
    ASSERT_ERR(c.t[1].err, SM_ERR_SML_CUT);
    CU_ASSERT_EQUAL(c.t[1].offset, cut_at);
    CU_ASSERT_EQUAL(c.t[1].err_offset, cut_at);
    ASSERT_ERR(c.t[2].err, SM_OK);
    ASSERT_ERR(c.t[3].err, SM_OK);
    CU_ASSERT_TRUE(c.t[3].frame0.u.sml.kermit);
    check_usual(&c.t[3]);
    collector_free(&c);
}

/* Every flipped bit: no telegram passes (the CRC, or the escapes) */
static void test_flipped_bits(void)
{
    static uint8_t f[4096];
    size_t n = usual_frame(f, sizeof f, false);
    unsigned passed = 0;
    for (size_t bit = 0; bit < 8 * n; bit += every_step()) {
        f[bit / 8] ^= (uint8_t)(1u << bit % 8);
        collector c;
        collector_init(&c);
        decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, f, n, 0);
        for (size_t i = 0; i < c.n; i++)
            passed += c.t[i].err == SM_OK;
        collector_free(&c);
        f[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    CU_ASSERT_EQUAL(passed, 0);
}

/* The frame with its CRC made right again after a change */
static void recrc(uint8_t *f, size_t n, bool kermit)
{
    uint16_t crc = kermit ? sm_crc16_kermit(f, n - 2) : sm_crc16_x25(f, n - 2);
    f[n - 2] = kermit ? (uint8_t)(crc >> 8) : (uint8_t)crc;
    f[n - 1] = kermit ? (uint8_t)crc : (uint8_t)(crc >> 8);
}

static sm_err decode_one_err(const uint8_t *f, size_t n, uint64_t *at)
{
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_SML, NULL, 0, NULL, 0, true, f, n, 0);
    sm_err e = c.n == 1 ? c.t[0].err : SM_ERR_ARG;
    if (at && c.n == 1)
        *at = c.t[0].err_offset;
    collector_free(&c);
    return e;
}

/* Padding count wrong, padding not zero, a byte lost, a message CRC wrong */
static void test_transport_damage(void)
{
    static uint8_t f[4096];
    size_t n = usual_frame(f, sizeof f, false);
    uint8_t pad = f[n - 3];
    f[n - 3] = 5; /* more than any padding */
    recrc(f, n, false);
    ASSERT_ERR(decode_one_err(f, n, NULL), SM_ERR_SML_PADDING);
    f[n - 3] = pad;
    recrc(f, n, false);
    ASSERT_ERR(decode_one_err(f, n, NULL), SM_OK);
    if (pad) { /* a padding byte that is not 00 */
        f[n - 9] = 0x55;
        recrc(f, n, false);
        ASSERT_ERR(decode_one_err(f, n, NULL), SM_ERR_SML_PADDING);
        f[n - 9] = 0x00;
        recrc(f, n, false);
    }
    /* a byte lost inside: the end escape off its 4-byte boundary */
    static uint8_t lost[4096];
    memcpy(lost, f, 20);
    memcpy(lost + 20, f + 21, n - 21);
    ASSERT_ERR(decode_one_err(lost, n - 1, NULL), SM_ERR_SML_DESYNC);
    /* an unknown escape: 1B 1B 1B 1B 02 02 02 02 */
    static uint8_t odd[4096];
    memcpy(odd, f, 16);
    memcpy(odd + 16, "\x1B\x1B\x1B\x1B\x02\x02\x02\x02", 8);
    memcpy(odd + 24, f + 16, n - 16);
    ASSERT_ERR(decode_one_err(odd, n + 8, NULL), SM_ERR_SML_ESCAPE);
    /* the first message's CRC (its 63 lo hi before its 00) wrong, the
     * frame's made right: the message CRC catches it */
    size_t m = 8;
    while (!(f[m] == 0x63 && f[m + 3] == 0x00 && f[m + 4] == 0x76))
        m++;
    f[m + 1] ^= 0x01;
    recrc(f, n, false);
    uint64_t at = 0;
    ASSERT_ERR(decode_one_err(f, n, &at), SM_ERR_SML_MSG_CRC);
    CU_ASSERT_EQUAL(at, m - 8); /* in the payload */
}

/* Messages that lie: a TL length past the end, a list of 65 535 elements,
 * five TL bytes, nesting deeper than any meter's; each with right CRCs */
static void test_lying_messages(void)
{
    static const struct {
        const uint8_t *body;
        size_t n;
    } bodies[] = {
        {(const uint8_t *)"\x71\x0F\x01\x02", 4},             /* 14 bytes promised, 2 there */
        {(const uint8_t *)"\xFF\x0F\x0F\x0F\x01", 5},         /* a list of 65 535 */
        {(const uint8_t *)"\xF1\x8F\x8F\x8F\x01\x01", 6},     /* five TL bytes */
        {(const uint8_t *)"\x71\x71\x71\x71\x71\x71\x71\x71\x71\x71\x71\x71\x71"
                          "\x71\x71\x71\x71\x71\x71\x71\x01", 21}, /* 20 lists deep */
        {(const uint8_t *)"\x21\x01", 2},                     /* no such type */
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        static uint8_t msg[512], f[1024];
        size_t m = smb_sml_message(msg, sizeof msg, 9, 0x0501, bodies[i].body, bodies[i].n, false);
        size_t n = smb_sml_frame(f, sizeof f, msg, m, false);
        ASSERT_ERR(decode_one_err(f, n, NULL), SM_ERR_SML_FORMAT);
    }
}

/* Random bytes (10 MB natively): no telegram, no crash, in bounded time */
static void test_random_bytes(void)
{
    size_t total = (size_t)10 << 20;
    total /= every_step() * every_step();
    static uint8_t chunk[65536];
    uint64_t x = 88172645463325252ull;
    sm_decoder *d = malloc(sizeof *d);
    collector c;
    collector_init(&c);
    sm_decoder_init(d, SM_LINK_SML, collector_cb, &c);
    unsigned good = 0;
    for (size_t done = 0; done < total; done += sizeof chunk) {
        for (size_t i = 0; i < sizeof chunk; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* escapes more often than chance: 1B runs, the start escape */
            chunk[i] = (x & 0xF00) == 0 ? 0x1B : (x & 0xF000) == 0 ? 0x01 : (uint8_t)x;
        }
        size_t k = total - done < sizeof chunk ? total - done : sizeof chunk;
        sm_decoder_feed(d, chunk, k);
        for (size_t i = 0; i < c.n; i++)
            good += c.t[i].err == SM_OK;
        c.n = 0;
    }
    sm_decoder_finish(d);
    CU_ASSERT_EQUAL(good, 0);
    CU_ASSERT_EQUAL(sm_stats(d).bytes_in, total);
    free(d);
    collector_free(&c);
}

static const test_case cases[] = {
    {"a local time's offsets: within a day, or no clock", test_local_offsets},
    {"every value of the real SML frames", test_real_frames},
    {"SML messages without their transport", test_messages_only},
    {"built frames: integer widths, escaped data, both CRC kinds, long lists", test_built_frames},
    {"every prefix, every split", test_prefixes_and_splits},
    {"garbage and frames cut short between frames", test_garbage_and_cuts},
    {"every flipped bit caught", test_flipped_bits},
    {"padding, a lost byte, unknown escapes, a message crc", test_transport_damage},
    {"messages that lie about their lengths and depth", test_lying_messages},
    {"random bytes", test_random_bytes},
    {NULL, NULL}};
const test_suite suite_sml = {"SML", cases};
