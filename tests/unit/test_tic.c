/* test_tic.c - TIC frames (sm_tic_frame.c) and their groups (sm_tic.c).
 * Every real frame of fixtures/tic/ decoded, every listed value checked as
 * its source gives it (the text on the wire, the unit, the horodate), the
 * groups the files name as bad dropped and the rest kept; then frames built
 * here from the specification's rule (smb_tic_group) damaged every way a
 * line damages them. */
#define _GNU_SOURCE /* memmem */
#include <CUnit/CUnit.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sm_build.h"
#include "sm_tic.h"
#include "test_json.h"
#include "test_run.h"
#include "test_util.h"

#define STX 0x02
#define ETX 0x03
#define EOT 0x04

/* The reading of a label, NULL when none. */
static const got_reading *by_label(const got_telegram *t, const char *label)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->readings[i].label, label) == 0)
            return &t->readings[i];
    return NULL;
}

/* The file's frame as bytes (telegram_text: code points 0-255 are bytes). */
static size_t text_bytes(json_object *v, uint8_t *out, size_t cap)
{
    json_object *t;
    json_object_object_get_ex(v, "telegram_text", &t);
    const unsigned char *p = (const unsigned char *)json_object_get_string(t);
    const unsigned char *end = p + json_object_get_string_len(t); /* NULs inside */
    size_t n = 0;
    for (; p < end && n < cap; n++) {
        if (*p < 0x80) {
            out[n] = *p++;
        } else { /* U+0080..U+00FF in UTF-8: two bytes */
            out[n] = (uint8_t)((p[0] & 0x03) << 6 | (p[1] & 0x3F));
            p += 2;
        }
    }
    return n;
}

/* One expected entry: the label's reading with the value as sent, the
 * unit, the horodate's time. */
static bool label_ok(const char *s)
{
    return *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-") == strlen(s);
}

/* ... a label the checksum cannot tell from a right one ("  PRM": two
 * spaces are 0x40, invisible to the 6-bit sum) is refused as a label:
 * false */
static bool check_expected(const char *file, const got_telegram *t, json_object *e)
{
    const char *label = jstr(e, "label");
    if (!label_ok(label)) {
        unsigned refused = 0;
        for (size_t i = 0; i < t->tic.ngroups; i++)
            refused += t->tic.groups[i].verdict == SM_TIC_GROUP_LABEL &&
                       t->tic.groups[i].label_len == strlen(label);
        CU_ASSERT_EQUAL(refused, 1);
        return false;
    }
    const got_reading *g = by_label(t, label);
    if (!g)
        fprintf(stderr, "%s: %s missing\n", file, label);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    const char *hd = jstr(e, "horodate");
    if (strcmp(label, "DATE") == 0) {
        CU_ASSERT_EQUAL(g->r.kind, SM_RK_DATETIME);
        CU_ASSERT_STRING_EQUAL(g->wire, hd); /* its value is its horodate */
    } else {
        CU_ASSERT_STRING_EQUAL(g->wire, jstr(e, "value"));
    }
    const char *unit = jstr(e, "unit");
    if (unit && strcmp(unit, "kVA") == 0) { /* PREF, PCOUP: VA, x 1000 */
        CU_ASSERT_EQUAL(g->r.kind, SM_RK_NUMBER);
        CU_ASSERT_EQUAL(g->r.unit, SM_UNIT_VA);
        CU_ASSERT_DOUBLE_EQUAL(g->r.value, 1000.0 * atof(jstr(e, "value")), 0);
    } else if (unit && strcmp(unit, "min") != 0) {
        CU_ASSERT_EQUAL(g->r.kind, SM_RK_NUMBER);
        CU_ASSERT_EQUAL(strcasecmp(sm_unit_symbol(g->r.unit), unit), 0); /* varh, VArh */
        CU_ASSERT_DOUBLE_EQUAL(g->r.value, atof(jstr(e, "value")), 0);
    }
    if (hd && strcmp(label, "DATE") != 0) {
        /* "H240107092316": 2024-01-07T09:23:16+01:00 (E: +02:00, SP: none) */
        char iso[40];
        snprintf(iso, sizeof iso, "20%.2s-%.2s-%.2sT%.2s:%.2s:%.2s%s", hd + 1, hd + 3, hd + 5,
                 hd + 7, hd + 9, hd + 11,
                 hd[0] == 'H' ? "+01:00" : hd[0] == 'E' ? "+02:00" : "");
        CU_ASSERT_STRING_EQUAL(g->capture, iso);
    }
    return true;
}

static size_t lf_count(const uint8_t *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i] == '\n';
    return k;
}

/* The groups the file names as bad are not readings; every other group
 * the frame has verifies its checksum as the file says. */
static void check_rejected(const got_telegram *t, json_object *v, size_t lfs)
{
    json_object *rej, *in, *etx;
    if (json_object_object_get_ex(v, "expected_rejected_groups", &rej))
        for (size_t i = 0; i < json_object_array_length(rej); i++) {
            json_object *x = json_object_array_get_idx(rej, i);
            if (!json_object_is_type(x, json_type_string))
                continue;
            char label[64];
            snprintf(label, sizeof label, "%s", json_object_get_string(x));
            char *sp = strchr(label, ' '); /* "OT (PPOT with ...)" */
            if (sp && sp != label)
                *sp = '\0';
            CU_ASSERT_PTR_NULL(by_label(t, label));
        }
    json_object_object_get_ex(v, "integrity", &in);
    int64_t total = -1, ok = -1;
    CU_ASSERT_TRUE_FATAL(jint(in, "groups_total", &total) && jint(in, "groups_ok", &ok));
    const sm_tic_info *ti = &t->tic;
    /* a group at every LF (the file counts the CRs: where noise took a CR
     * the two differ) */
    if (json_object_object_get_ex(in, "etx", &etx) && json_object_get_int(etx) == 1)
        CU_ASSERT_EQUAL(ti->ngroups, total);
    CU_ASSERT_EQUAL(ti->ngroups, lfs);
    unsigned sums_ok = 0; /* the file's notion: the checksum alone */
    for (size_t i = 0; i < ti->ngroups; i++)
        sums_ok += ti->groups[i].verdict != SM_TIC_GROUP_SHAPE &&
                   ti->groups[i].checksum == ti->groups[i].computed;
    CU_ASSERT_EQUAL(sums_ok, ok);
}

static unsigned check_file(const char *file)
{
    json_object *v = fixture_json("tic", file);
    static uint8_t tel[4096];
    size_t len = text_bytes(v, tel, sizeof tel);
    int64_t want_len;
    CU_ASSERT_TRUE(jint(v, "telegram_length_bytes", &want_len) && (size_t)want_len == len);
    json_object *exp, *in;
    json_object_object_get_ex(v, "expected", &exp);
    json_object_object_get_ex(v, "integrity", &in);
    int64_t etx = 0;
    jint(in, "etx", &etx);
    unsigned checked = 0;
    collector c;
    collector_init(&c);
    if (etx == 0) {
        /* the noisy capture has no ETX: the frame is reported cut short
         * by the end, nothing of it delivered; its groups, read on their
         * own, give exactly the ones whose checksum verifies */
        decode_bytes(&c, SM_LINK_TIC, NULL, 0, NULL, 0, true, tel, len, 0);
        CU_ASSERT_EQUAL_FATAL(c.n, 1);
        ASSERT_ERR(c.t[0].err, SM_ERR_INCOMPLETE);
        sm_reading rd[64];
        sm_reading_set rs = {rd, 64, 0, NULL, false};
        got_telegram *t = &c.t[0];
        sm_cur cur = sm_cur_make(tel + 1, len - 1);
        ASSERT_ERR(sm_tic_parse(&cur, false, &t->tic, &rs), SM_OK);
        t->n = 0;
        for (size_t i = 0; i < rs.n; i++)
            snprintf(t->readings[t->n++].label, 16, "%.*s", (int)rd[i].label_len,
                     (const char *)rd[i].label);
        CU_ASSERT_EQUAL(rs.n, json_object_array_length(exp));
        for (size_t i = 0; i < json_object_array_length(exp); i++, checked++)
            CU_ASSERT_PTR_NOT_NULL(by_label(t, jstr(json_object_array_get_idx(exp, i), "label")));
        check_rejected(t, v, lf_count(tel, len));
    } else {
        /* auto and forced; whole and byte by byte: the same frame */
        for (int mode = 0; mode < 3; mode++) {
            c.n = 0;
            decode_bytes(&c, mode == 1 ? SM_LINK_TIC : SM_LINK_AUTO, NULL, 0, NULL, 0, true, tel,
                         len, mode == 2 ? 1 : 0);
            CU_ASSERT_FATAL(c.n >= 1);
            ASSERT_ERR(c.t[0].err, SM_OK);
            CU_ASSERT_TRUE(c.t[0].is_tic);
        }
        got_telegram *t = &c.t[0];
        CU_ASSERT_EQUAL(t->tic.mode, strcmp(jstr(v, "mode"), "standard") == 0
                                         ? SM_TIC_STANDARD
                                         : SM_TIC_HISTORIQUE);
        size_t read = 0;
        for (size_t i = 0; i < json_object_array_length(exp); i++, checked++)
            read += check_expected(file, t, json_object_array_get_idx(exp, i));
        check_rejected(t, v, lf_count(tel, len));
        CU_ASSERT_EQUAL(t->n, read); /* nothing but what the file lists */
    }
    collector_free(&c);
    json_object_put(v);
    return checked;
}

static void test_real_frames(void)
{
    unsigned values;
    CU_ASSERT_EQUAL(fixture_each_json("tic", check_file, &values), 9);
    CU_ASSERT_EQUAL(values, 219); /* every entry of the nine files */
}

/* ---- frames built from the specification's rule -------------------------- */

typedef struct {
    const char *label, *horodate, *data;
} group_spec;

/* A standard single-phase frame (the shape of the TEMPO capture) */
static const group_spec standard_groups[] = {
    {"ADSC", NULL, "041876097652"},     {"VTIC", NULL, "02"},
    {"DATE", "E250614142510", ""},      {"NGTF", NULL, "     TEMPO      "},
    {"LTARF", NULL, "    HP  BLEU    "}, {"EAST", NULL, "012345678"},
    {"EASF01", NULL, "004000000"},      {"EASF02", NULL, "008345678"},
    {"IRMS1", NULL, "012"},             {"URMS1", NULL, "231"},
    {"PREF", NULL, "09"},               {"PCOUP", NULL, "09"},
    {"SINSTS", NULL, "02772"},          {"SMAXSN", "E250614071234", "05120"},
    {"CCASN", "E250614140000", "02650"}, {"UMOY1", "E250614142000", "232"},
    {"STGE", NULL, "013AC401"},         {"MSG1", NULL, "PAS DE          MESSAGE         "},
    {"NTARF", NULL, "02"},
};
#define N_STANDARD (sizeof standard_groups / sizeof standard_groups[0])

/* A historique HC frame (the wifinfo capture's groups, its PTEC with the
 * checksum that is a space) */
static const group_spec historique_groups[] = {
    {"ADCO", NULL, "021861348497"}, {"OPTARIF", NULL, "HC.."}, {"ISOUSC", NULL, "30"},
    {"HCHC", NULL, "052890470"},    {"HCHP", NULL, "049126843"}, {"PTEC", NULL, "HP.."},
    {"IINST", NULL, "008"},         {"IMAX", NULL, "042"},       {"PAPP", NULL, "01890"},
    {"HHPHC", NULL, "D"},           {"MOTDETAT", NULL, "000000"},
};
#define N_HISTORIQUE (sizeof historique_groups / sizeof historique_groups[0])

static size_t build(uint8_t *out, size_t cap, bool standard)
{
    uint8_t g[4096];
    size_t k = 0;
    const group_spec *s = standard ? standard_groups : historique_groups;
    size_t n = standard ? N_STANDARD : N_HISTORIQUE;
    for (size_t i = 0; i < n; i++)
        k += smb_tic_group(g + k, sizeof g - k, standard, s[i].label, s[i].horodate, s[i].data);
    return smb_tic_frame(out, cap, g, k);
}

static void check_standard(const got_telegram *t)
{
    ASSERT_ERR(t->err, SM_OK);
    CU_ASSERT_EQUAL_FATAL(t->n, N_STANDARD);
    CU_ASSERT_EQUAL(t->tic.mode, SM_TIC_STANDARD);
    CU_ASSERT_STRING_EQUAL(t->meter_id, "041876097652");
    const got_reading *east = by_label(t, "EAST");
    CU_ASSERT_STRING_EQUAL(east->obis, "1-0:1.8.0*255");
    CU_ASSERT_DOUBLE_EQUAL(east->r.value, 12345678, 0);
    CU_ASSERT_STRING_EQUAL(by_label(t, "DATE")->dt_local, "2025-06-14T14:25:10+02:00");
    CU_ASSERT_STRING_EQUAL(by_label(t, "SMAXSN")->capture, "2025-06-14T07:12:34+02:00");
    CU_ASSERT_DOUBLE_EQUAL(by_label(t, "PREF")->r.value, 9000, 0);
    CU_ASSERT_EQUAL(by_label(t, "SINSTS")->r.unit, SM_UNIT_VA);
    CU_ASSERT_EQUAL(by_label(t, "CCASN")->r.unit, SM_UNIT_W);
    CU_ASSERT_TRUE(t->tic.has_stge);
    CU_ASSERT_EQUAL(t->tic.stge, 0x013AC401u);
}

static void check_historique(const got_telegram *t)
{
    ASSERT_ERR(t->err, SM_OK);
    CU_ASSERT_EQUAL_FATAL(t->n, N_HISTORIQUE);
    CU_ASSERT_EQUAL(t->tic.mode, SM_TIC_HISTORIQUE);
    CU_ASSERT_STRING_EQUAL(by_label(t, "PTEC")->wire, "HP..");
    CU_ASSERT_STRING_EQUAL(by_label(t, "HCHP")->obis, "1-0:1.8.2*255");
    CU_ASSERT_DOUBLE_EQUAL(by_label(t, "HCHP")->r.value, 49126843, 0);
}

/* The builder is the specification's rule: the worked examples of
 * TIC-NOTES (HCHC ")" , PTEC a space, EAIT "+", SMAXIN "/", DATE "E",
 * DPM2 with a season SP "#") */
static void test_checksum_rule(void)
{
    static const struct {
        bool standard;
        const char *label, *horodate, *data;
        char ck;
    } ex[] = {{false, "HCHC", NULL, "052890470", ')'}, {false, "PTEC", NULL, "HP..", ' '},
              {true, "EAIT", NULL, "005147849", '+'},  {true, "SMAXIN", "H240107113536", "02090", '/'},
              {true, "DATE", "H240107175810", "", 'E'}, {true, "DPM2", " 240108060000", "00", '#'}};
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        uint8_t g[128];
        size_t n = smb_tic_group(g, sizeof g, ex[i].standard, ex[i].label, ex[i].horodate,
                                 ex[i].data);
        CU_ASSERT_FATAL(n > 3);
        CU_ASSERT_EQUAL(g[n - 2], (uint8_t)ex[i].ck);
        /* and the core's own sum over the same bytes */
        size_t summed = ex[i].standard ? n - 3 : n - 4;
        CU_ASSERT_EQUAL(sm_tic_checksum(g + 1, summed), (uint8_t)ex[i].ck);
    }
}

/* Every prefix is no good telegram (cut short at the end: reported once);
 * split anywhere the frame is the same; byte by byte too */
static void test_prefixes_and_splits(void)
{
    for (int standard = 0; standard < 2; standard++) {
        static uint8_t f[4096];
        size_t n = build(f, sizeof f, standard);
        unsigned wrong = 0;
        for (size_t k = 0; k < n; k += every_step()) {
            collector c;
            collector_init(&c);
            decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, f, k, 0);
            for (size_t i = 0; i < c.n; i++)
                wrong += c.t[i].err == SM_OK;
            collector_free(&c);
            sm_decoder *d = malloc(sizeof *d);
            collector_init(&c);
            sm_decoder_init(d, SM_LINK_AUTO, collector_cb, &c);
            sm_decoder_feed(d, f, k);
            sm_decoder_feed(d, f + k, n - k);
            sm_decoder_finish(d);
            wrong += c.n != 1;
            if (c.n == 1 && standard)
                check_standard(&c.t[0]);
            else if (c.n == 1)
                check_historique(&c.t[0]);
            free(d);
            collector_free(&c);
        }
        CU_ASSERT_EQUAL(wrong, 0);
        collector c;
        collector_init(&c);
        decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, f, n, 1);
        CU_ASSERT_EQUAL_FATAL(c.n, 1);
        standard ? check_standard(&c.t[0]) : check_historique(&c.t[0]);
        collector_free(&c);
    }
}

/* Noise between frames, a frame the meter interrupts (EOT), a frame cut by
 * the next STX, a half frame where the reader joins: every whole frame
 * read, each broken one named once */
static void test_noise_eot_cuts(void)
{
    static uint8_t f[4096], s[32768];
    size_t n = build(f, sizeof f, true), k = 0;
    memcpy(s + k, f + n / 2, n - n / 2), k += n - n / 2; /* joined mid-frame */
    memcpy(s + k, f, n), k += n;
    for (int i = 0; i < 50; i++)
        s[k++] = (uint8_t)("noise\r\n\t \x7f\x00"[i % 11]);
    size_t eot_at = k;
    memcpy(s + k, f, n / 3), k += n / 3;
    s[k++] = EOT;
    memcpy(s + k, f, n), k += n;
    size_t cut_at = k;
    memcpy(s + k, f, n / 2), k += n / 2; /* cut by the next STX */
    memcpy(s + k, f, n), k += n;
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, s, k, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 5);
    check_standard(&c.t[0]);
    ASSERT_ERR(c.t[1].err, SM_ERR_TIC_INTERRUPTED);
    CU_ASSERT_EQUAL(c.t[1].offset, eot_at);
    check_standard(&c.t[2]);
    ASSERT_ERR(c.t[3].err, SM_ERR_TIC_CUT);
    CU_ASSERT_EQUAL(c.t[3].offset, cut_at);
    check_standard(&c.t[4]);
    collector_free(&c);
}

/* The group in the frame whose label is `label`. */
static const sm_tic_group *group_of(const got_telegram *t, const uint8_t *frame,
                                    const char *label)
{
    for (size_t i = 0; i < t->tic.ngroups; i++) {
        const sm_tic_group *g = &t->tic.groups[i];
        if (g->len >= strlen(label) && memcmp(frame + 1 + g->off, label, strlen(label)) == 0)
            return g;
    }
    return NULL;
}

/* Damage the checksum does not see: bit 6 of a digit ("1" as "q"), two
 * spaces (0x40) before a label; and damage it does: a lost separator.  One
 * group fails, named by its reason, and every other one is read */
static void test_damage_one_group(void)
{
    static uint8_t f[4096];
    size_t n = build(f, sizeof f, true);
    static const struct {
        const char *find;   /* where: the first occurrence */
        size_t at;          /* the byte after it to change */
        uint8_t xor_with;   /* 0: replace by `with` */
        uint8_t with;
        const char *label;  /* the group that fails */
        sm_tic_verdict v;
    } cases[] = {
        {"EAST\t01", 6, 0x40, 0, "EAST", SM_TIC_GROUP_VALUE}, /* '1' -> 'q' */
        {"URMS1\t2", 7, 0x40, 0, "URMS1", SM_TIC_GROUP_VALUE}, /* '3' -> 's' */
        {"IRMS1", 5, 0, ' ', "IRMS1", SM_TIC_GROUP_SHAPE},    /* HT -> SP */
        {"STGE\t", 8, 0x40, 0, "STGE", SM_TIC_GROUP_VALUE},   /* 'A' -> 0x01 */
        {"NGTF\t", 5, 0x40, 0, "NGTF", SM_TIC_GROUP_VALUE},   /* ' ' -> '`' */
        {"NTARF", 0, 0x40, 0, "", SM_TIC_GROUP_LABEL},       /* 'N' -> 0x0E */
        {"SMAXSN\tE", 7, 0x40, 0, "SMAXSN", SM_TIC_GROUP_HORODATE}, /* 'E' -> 0x05 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static uint8_t g[4096];
        memcpy(g, f, n);
        uint8_t *at = memmem(g, n, cases[i].find, strlen(cases[i].find));
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        at += cases[i].at;
        *at = cases[i].xor_with ? (uint8_t)(*at ^ cases[i].xor_with) : cases[i].with;
        collector c;
        collector_init(&c);
        decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, g, n, 0);
        if (c.n != 1)
            fprintf(stderr, "case %zu: %zu telegrams, first %s\n", i, c.n, sm_errname(c.t[0].err));
        CU_ASSERT_EQUAL_FATAL(c.n, 1);
        got_telegram *t = &c.t[0];
        ASSERT_ERR(t->err, SM_OK);
        CU_ASSERT_EQUAL(t->n, N_STANDARD - 1);
        CU_ASSERT_EQUAL(t->tic.failed[cases[i].v], 1);
        CU_ASSERT_EQUAL(t->tic.ok, N_STANDARD - 1);
        if (cases[i].label[0]) {
            CU_ASSERT_PTR_NULL(by_label(t, cases[i].label));
            const sm_tic_group *gr = group_of(t, g, cases[i].label);
            CU_ASSERT_PTR_NOT_NULL_FATAL(gr);
            CU_ASSERT_EQUAL(gr->verdict, cases[i].v);
        }
        collector_free(&c);
    }
}

/* Every single flipped bit of the payload: no reading with a value other
 * than the frame's (a group fails, or the bit did not matter) */
static void test_flipped_bits(void)
{
    static uint8_t f[4096];
    for (int standard = 0; standard < 2; standard++) {
        size_t n = build(f, sizeof f, standard);
        unsigned wrong = 0, reads = 0;
        for (size_t bit = 8; bit < 8 * (n - 1); bit += every_step()) {
            f[bit / 8] ^= (uint8_t)(1u << bit % 8);
            collector c;
            collector_init(&c);
            decode_bytes(&c, SM_LINK_TIC, NULL, 0, NULL, 0, true, f, n, 0);
            for (size_t i = 0; i < c.n; i++)
                for (size_t r = 0; r < c.t[i].n; r++) {
                    const got_reading *g = &c.t[i].readings[r];
                    const group_spec *s = standard ? standard_groups : historique_groups;
                    size_t ns = standard ? N_STANDARD : N_HISTORIQUE;
                    bool same = false;
                    for (size_t k = 0; k < ns && !same; k++)
                        same = strcmp(s[k].label, g->label) == 0 &&
                               (strcmp(s[k].data, g->wire) == 0 ||
                                (s[k].horodate && strcmp(s[k].horodate, g->wire) == 0));
                    wrong += !same;
                    if (!same)
                        fprintf(stderr, "bit %zu: %s=%s\n", bit, g->label, g->wire);
                    reads++;
                }
            collector_free(&c);
            f[bit / 8] ^= (uint8_t)(1u << bit % 8);
        }
        CU_ASSERT_EQUAL(wrong, 0);
        CU_ASSERT(reads > 0);
    }
}

/* A 7E1 line read with eight data bits: bit 7 the parity, checked and
 * masked; a byte whose parity is wrong fails its group only */
static void test_parity(void)
{
    static uint8_t f[4096];
    size_t n = build(f, sizeof f, false);
    uint8_t *at = memmem(f, n, "HCHP", 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    smb_7e1(f, n);
    CU_ASSERT_EQUAL(f[0], 0x82);
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, f, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    check_historique(&c.t[0]);
    CU_ASSERT_TRUE(c.t[0].frame0.u.tic.parity);
    CU_ASSERT_EQUAL(c.t[0].frame0.u.tic.parity_errors, 0);
    c.n = 0;
    at[5] ^= 0x80; /* a digit's parity bit */
    decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, f, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_OK);
    CU_ASSERT_EQUAL(c.t[0].n, N_HISTORIQUE - 1);
    CU_ASSERT_EQUAL(c.t[0].tic.failed[SM_TIC_GROUP_PARITY], 1);
    CU_ASSERT_EQUAL(c.t[0].frame0.u.tic.parity_errors, 1);
    CU_ASSERT_PTR_NULL(by_label(&c.t[0], "HCHP"));
    collector_free(&c);
}

/* Whole frames only (the Framing's "tic" with TicGroups "whole"): a frame
 * with a failed group fails, naming where */
static void test_whole_frames(void)
{
    char *text = fixture_read("tic/neg-tic-hist-1p-hc-wifinfo-badck.json", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    json_object *v = json_tokener_parse(text);
    free(text);
    static uint8_t tel[4096];
    size_t len = text_bytes(v, tel, sizeof tel);
    json_object_put(v);
    sm_decoder *d = malloc(sizeof *d);
    collector c;
    collector_init(&c);
    sm_decoder_init(d, SM_LINK_AUTO, collector_cb, &c);
    sm_decoder_tic_whole(d, true);
    sm_decoder_feed(d, tel, len);
    sm_decoder_finish(d);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    ASSERT_ERR(c.t[0].err, SM_ERR_TIC_GROUP);
    CU_ASSERT_EQUAL(c.t[0].err_offset, 1); /* the ADCO group, after the LF */
    CU_ASSERT_EQUAL(c.t[0].n, 0);
    free(d);
    collector_free(&c);
}

/* Historique checksums by 02E's mode 2 (the SP before the checksum summed):
 * a frame whose every group uses it is read; in a frame whose groups verify
 * by the usual rule, a group by mode 2 is a bad checksum */
static void test_checksum_mode2(void)
{
    static uint8_t f[4096];
    size_t n = build(f, sizeof f, false);
    for (size_t i = 1, start = 1; i < n; i++) { /* every checksum by mode 2 */
        if (f[i] == '\n')
            start = i + 1;
        else if (f[i] == '\r')
            f[i - 1] = sm_tic_checksum(f + start, i - 1 - start);
    }
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, f, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    check_historique(&c.t[0]);
    CU_ASSERT_TRUE(c.t[0].tic.checksum_mode2);
    collector_free(&c);
    /* one group by the usual rule (ADCO's, the first): the rest fail */
    uint8_t *cr = memchr(f + 2, '\r', n - 2);
    cr[-1] = sm_tic_checksum(f + 2, (size_t)(cr - f) - 4);
    collector_init(&c);
    decode_bytes(&c, SM_LINK_TIC, NULL, 0, NULL, 0, true, f, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 1);
    CU_ASSERT_FALSE(c.t[0].tic.checksum_mode2);
    CU_ASSERT_EQUAL(c.t[0].n, 1);
    /* (the SP adds 0x20: no group verifies by both rules) */
    CU_ASSERT_EQUAL(c.t[0].tic.failed[SM_TIC_GROUP_CHECKSUM], N_HISTORIQUE - 1);
    collector_free(&c);
}

/* Horodates: the season letter, the clock degraded, no season, nonsense */
static void test_horodates(void)
{
    static const struct {
        const char *h;
        bool ok;
        const char *iso;
        bool doubtful;
    } hs[] = {{"E240614232000", true, "2024-06-14T23:20:00+02:00", false},
              {"H240107175810", true, "2024-01-07T17:58:10+01:00", false},
              {"h240107175810", true, "2024-01-07T17:58:10+01:00", true},
              {" 240108060000", true, "2024-01-08T06:00:00", false},
              {"E240230120000", false, NULL, false}, /* 30 February */
              {"X240107175810", false, NULL, false},
              {"E24010717581", false, NULL, false},
              {"E2401071758a0", false, NULL, false}};
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        sm_datetime dt;
        bool ok = sm_tic_horodate((const uint8_t *)hs[i].h, strlen(hs[i].h), &dt);
        CU_ASSERT_EQUAL(ok, hs[i].ok);
        if (!ok || !hs[i].ok)
            continue;
        char iso[64];
        sm_datetime_iso_local(&dt, iso, sizeof iso);
        CU_ASSERT_STRING_EQUAL(iso, hs[i].iso);
        CU_ASSERT_EQUAL((dt.status != 0xFF && (dt.status & SM_DT_STATUS_DOUBTFUL)) != 0,
                        hs[i].doubtful);
    }
}

/* Random 7-bit text with STX, ETX, LF, CR, HT and SP more often than by
 * chance (10 MB natively): no crash, and every reading is a group that
 * passes every check when checked again here */
static void test_random_text(void)
{
    size_t total = (size_t)10 << 20;
    total /= every_step() * every_step();
    static uint8_t chunk[65536];
    static const uint8_t often[] = {STX, ETX, '\n', '\r', '\t', ' ', EOT};
    uint64_t x = 88172645463325252ull;
    sm_decoder *d = malloc(sizeof *d);
    collector c;
    collector_init(&c);
    sm_decoder_init(d, SM_LINK_TIC, collector_cb, &c);
    unsigned bad = 0;
    for (size_t done = 0; done < total; done += sizeof chunk) {
        for (size_t i = 0; i < sizeof chunk; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            chunk[i] = (x & 0x700) == 0 ? often[(x >> 16) % sizeof often]
                                        : (uint8_t)(0x20 + (x >> 24) % 0x5F);
        }
        size_t k = total - done < sizeof chunk ? total - done : sizeof chunk;
        sm_decoder_feed(d, chunk, k);
        for (size_t i = 0; i < c.n; i++)
            for (size_t r = 0; r < c.t[i].n; r++)
                bad += !label_ok(c.t[i].readings[r].label);
        c.n = 0;
    }
    sm_decoder_finish(d);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(sm_stats(d).bytes_in, total);
    free(d);
    collector_free(&c);
}

/* STGE's fields as the specification and the captures' notes read them:
 * 013AC401 (the Tempo consumer) and 003A0301 (the producer) */
static void test_stge(void)
{
    static const struct {
        uint32_t stge;
        const char *field;
        const char *name; /* NULL: a number */
        unsigned shown;
    } want[] = {{0x013AC401, "dry-contact", "open", 0},    {0x013AC401, "cut-off", "closed", 0},
                {0x013AC401, "supplier-index", NULL, 2},   {0x013AC401, "distributor-index", NULL, 4},
                {0x013AC401, "tempo-today", "blue", 0},    {0x013AC401, "tempo-tomorrow", "none", 0},
                {0x013AC401, "producer", "no", 0},         {0x013AC401, "tic-standard", "yes", 0},
                {0x003A0301, "producer", "yes", 0},        {0x003A0301, "active-energy", "export", 0},
                {0x003A0301, "supplier-index", NULL, 1},   {0x0C000000, "tempo-tomorrow", "red", 0},
                {0x00000006, "cut-off", "open-load-shedding", 0},
                {0x00010000, "clock-degraded", "yes", 0}, {0x10000000, "mobile-peak-notice", "pm1", 0}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const sm_tic_stge_field *f = sm_tic_stge_field_named(want[i].field);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        unsigned v = sm_tic_stge_get(want[i].stge, f);
        const char *name = sm_tic_stge_value_name(f, v);
        if (want[i].name) {
            CU_ASSERT_PTR_NOT_NULL_FATAL(name);
            CU_ASSERT_STRING_EQUAL(name, want[i].name);
        } else {
            CU_ASSERT_PTR_NULL(name);
            CU_ASSERT_EQUAL(v + f->add, want[i].shown);
        }
    }
}

static const test_case cases[] = {
    {"STGE's fields", test_stge},
    {"every value of the real TIC frames", test_real_frames},
    {"the checksum rule's worked examples", test_checksum_rule},
    {"every prefix, every split", test_prefixes_and_splits},
    {"noise, EOT and cut frames between frames", test_noise_eot_cuts},
    {"damage the checksum does not see fails one group", test_damage_one_group},
    {"every flipped bit: no wrong value", test_flipped_bits},
    {"7E1 read as eight bits: parity checked and masked", test_parity},
    {"whole frames only", test_whole_frames},
    {"historique checksums by mode 2", test_checksum_mode2},
    {"horodates", test_horodates},
    {"random 7-bit text", test_random_text},
    {NULL, NULL}};
const test_suite suite_tic = {"TIC", cases};
