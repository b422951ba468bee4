/* tests/unit/test_quirk.c - meter quirks (sm_quirk.c, sm_quirk_parse.c):
 * their block in a layout file and its errors, which meter has which, what
 * they change, and the sign check against the energy registers.  The real
 * frames the built-in quirks were written for are checked with their
 * values in test_sml.c (fixtures/sml/, "quirk"). */
#include <stdlib.h>
#include <string.h>

#include "sm_quirk.h"
#include "test_util.h"

static sm_err parse_user(sm_layout_set *s, const char *text, sm_layout_error *err)
{
    sm_layout_set_init(s);
    memset(err, 0, sizeof *err);
    return sm_layout_set_parse_user(s, text, strlen(text), "mine.layout", err);
}

#define GOOD                                                                                   \
    "quirk my-dzg\n"                                                                           \
    "description my DZG's power\n"                                                             \
    "source my own captures\n"                                                                 \
    "maker DZG EMH\n"                                                                          \
    "meter-number from 1DZG0010000000\n"                                                       \
    "meter-number below 1DZG0020000000\n"                                                      \
    "firmware \"1.1\"\n"                                                                       \
    "unsigned 1-0:16.7.0 1-0:36.7.0 width 2\n"                                                 \
    "direction 1-0:1.8.0 11 1-0:15.7.0 as 1-0:16.7.0\n"

static void test_parse(void)
{
    static sm_layout_set s;
    sm_layout_error err;
    ASSERT_ERR(parse_user(&s, GOOD, &err), SM_OK);
    CU_ASSERT_EQUAL_FATAL(s.nquirks, 1);
    const sm_quirk *q = &s.quirks[0];
    CU_ASSERT_STRING_EQUAL(q->name, "my-dzg");
    CU_ASSERT_EQUAL(q->nmakers, 2);
    CU_ASSERT_EQUAL(memcmp(q->makers[1], "EMH", 3), 0);
    CU_ASSERT_STRING_EQUAL(q->number_from, "1DZG0010000000");
    CU_ASSERT_STRING_EQUAL(q->number_below, "1DZG0020000000");
    CU_ASSERT_STRING_EQUAL(q->firmware, "1.1");
    CU_ASSERT_EQUAL_FATAL(q->nactions, 3);
    CU_ASSERT_EQUAL(q->actions[1].kind, SM_QA_UNSIGNED);
    CU_ASSERT_EQUAL(q->actions[1].code.c, 36);
    CU_ASSERT_EQUAL(q->actions[1].width, 2);
    CU_ASSERT_EQUAL(q->actions[2].kind, SM_QA_DIRECTION);
    CU_ASSERT_EQUAL(q->actions[2].bit, 11);
    CU_ASSERT_EQUAL(q->actions[2].code.c, 15);
    CU_ASSERT_EQUAL(q->actions[2].as.c, 16);
    CU_ASSERT_EQUAL(q->actions[2].status.c, 1);
    CU_ASSERT_EQUAL(sm_layout_set_quirk(&s, "my-dzg", 6), q);
    CU_ASSERT_EQUAL(q->line, 1);
    /* a layout after a quirk, a quirk after a layout */
    ASSERT_ERR(parse_user(&s, GOOD "layout my-list\ndescription d\nsource s\nform keyed\n"
                                   "match 0 \"x\"\nquirk two\ndescription d\nsource s\n"
                                   "maker HLY\nunsigned 1-0:16.7.0\n", &err),
               SM_OK);
    CU_ASSERT_EQUAL(s.nquirks, 2);
    CU_ASSERT_EQUAL(s.n, 1);
}

static void expect_error(const char *text, unsigned line, const char *says)
{
    static sm_layout_set s;
    sm_layout_error err;
    ASSERT_ERR(parse_user(&s, text, &err), SM_ERR_LAYOUT_FILE);
    CU_ASSERT_EQUAL(err.line, line);
    if (!strstr(err.message, says))
        fprintf(stderr, "\n    line %u: %s (want \"%s\")\n", err.line, err.message, says);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, says));
    CU_ASSERT_EQUAL(s.nquirks, 0); /* all or nothing */
    CU_ASSERT_EQUAL(s.ntext, 0);
}

static void test_parse_errors(void)
{
    const char *head = "quirk q\ndescription d\nsource s\n";
    char buf[512];
    expect_error("quirk q\ndescription d\nsource s\nunsigned 1-0:16.7.0\n", 1, "give its maker");
    expect_error("quirk q\ndescription d\nsource s\nmaker DZG\n", 1, "give what it changes");
    expect_error("quirk q\nmaker DZG\nunsigned 1-0:16.7.0\n", 1, "description and its source");
    snprintf(buf, sizeof buf, "%smaker dzg\n", head);
    expect_error(buf, 4, "no FLAG code");
    snprintf(buf, sizeof buf, "%smaker DZG\nmeter-number below 1DZG00600\n", head);
    expect_error(buf, 5, "printed meter number");
    snprintf(buf, sizeof buf, "%smaker DZG\nmeter-number from 1DZG0060000000\n"
                              "meter-number below 1DZG0050000000\nunsigned 1-0:16.7.0\n", head);
    expect_error(buf, 1, "is not below");
    snprintf(buf, sizeof buf, "%smaker DZG\nunsigned 1-0:16.7.0 width 9\n", head);
    expect_error(buf, 5, "width");
    snprintf(buf, sizeof buf, "%smaker DZG\nunsigned 16.7\n", head);
    expect_error(buf, 5, "no OBIS code");
    snprintf(buf, sizeof buf, "%smaker DZG\ndirection 1-0:1.8.0 64 1-0:16.7.0\n", head);
    expect_error(buf, 5, "its bit (0 to 63)");
    snprintf(buf, sizeof buf, "%smaker DZG\ndirection 1-0:1.8.0 5 1-0:15.7.0 to 1-0:16.7.0\n",
             head);
    expect_error(buf, 5, "optionally its signed code");
    snprintf(buf, sizeof buf, "%smaker DZG\nfirmware 1.1\n", head);
    expect_error(buf, 5, "in quotes");
    snprintf(buf, sizeof buf, "%smaker DZG\ncount 3\n", head);
    expect_error(buf, 5, "unknown keyword \"count\" in a quirk");
    snprintf(buf, sizeof buf, "%smaker DZG\nunsigned 1-0:16.7.0\n%smaker EMH\nunsigned 1-0:16.7.0\n",
             head, head);
    expect_error(buf, 6, "defined twice (first at mine.layout:1)");
    /* a built-in quirk's name is not the user's to take */
    expect_error("quirk dzg-dvs74-unsigned-power\n", 1, "a built-in quirk has this name");
    expect_error("maker DZG\n", 1, "before the first");
    expect_error("quirk Q!\n", 1, "give its name");
}

/* Readings as a decoder gives them: code, signedness, width, raw value */
static sm_reading number(unsigned c, unsigned d, bool is_signed, uint8_t width, int64_t raw,
                         int scaler)
{
    sm_reading r;
    memset(&r, 0, sizeof r);
    r.obis = (sm_obis){1, 0, (uint8_t)c, (uint8_t)d, 0, 255};
    r.obis_source = SM_OBIS_WIRE;
    r.kind = SM_RK_NUMBER;
    r.is_signed = is_signed;
    r.width = width;
    r.raw_i = raw;
    r.raw_u = (uint64_t)raw;
    r.scaler = (int8_t)scaler;
    double v = is_signed ? (double)raw : (double)(uint64_t)raw;
    for (int i = 0; i < scaler; i++)
        v *= 10;
    for (int i = 0; i > scaler; i--)
        v /= 10;
    r.value = v;
    return r;
}

static sm_reading maker(const char *flag)
{
    sm_reading r;
    memset(&r, 0, sizeof r);
    r.obis = (sm_obis){1, 0, 96, 50, 1, 1};
    r.obis_source = SM_OBIS_WIRE;
    r.kind = SM_RK_STRING;
    r.bytes = (const uint8_t *)flag;
    r.len = 3;
    return r;
}

static void test_find_and_apply(void)
{
    /* DZG below 1DZG0060000000: the unsigned power; from it on: direction */
    sm_reading r[4] = {maker("DZG"), number(1, 8, false, 4, 132329, -1),
                       number(16, 7, true, 2, -29912, -2), number(36, 7, true, 4, -29912, -2)};
    sm_quirk_meter old = {"1DZG0042082910"}, fixed = {"1DZG0060694611"};
    const sm_quirk *q = sm_quirk_find(NULL, &old, r, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_STRING_EQUAL(q->name, "dzg-dvs74-unsigned-power");
    CU_ASSERT_EQUAL(sm_quirk_apply(q, r, 4), 1); /* 36.7.0 is 4 bytes: not its width */
    CU_ASSERT_FALSE(r[2].is_signed);
    CU_ASSERT_EQUAL(r[2].raw_u, 35624);
    CU_ASSERT_DOUBLE_EQUAL(r[2].value, 356.24, 1e-9);
    CU_ASSERT_TRUE(r[2].amended);
    CU_ASSERT_EQUAL(r[3].raw_i, -29912);
    CU_ASSERT_FALSE(r[3].amended);
    q = sm_quirk_find(NULL, &fixed, r, 4);
    CU_ASSERT_STRING_EQUAL(q->name, "dzg-holley-efr-direction-bit11");
    /* no meter number: the maker from the manufacturer reading, and a
     * quirk with a range of numbers cannot match */
    CU_ASSERT_STRING_EQUAL(sm_quirk_find(NULL, NULL, r, 4)->name,
                           "dzg-holley-efr-direction-bit11");
    sm_reading none[1] = {maker("ABC")};
    CU_ASSERT_PTR_NULL(sm_quirk_find(NULL, NULL, none, 1));
    CU_ASSERT_PTR_NULL(sm_quirk_find(NULL, NULL, r + 1, 3));
    /* the user's quirks come first; a named one whatever the meter */
    static sm_layout_set s;
    sm_layout_error err;
    ASSERT_ERR(parse_user(&s, "quirk mine\ndescription d\nsource s\nmaker DZG\n"
                              "unsigned 1-0:36.7.0\n", &err),
               SM_OK);
    CU_ASSERT_STRING_EQUAL(sm_quirk_find(&s, &old, r, 4)->name, "mine");
    CU_ASSERT_EQUAL(sm_quirk_apply(sm_quirk_named(&s, "mine"), r, 4), 1);
    CU_ASSERT_EQUAL(r[3].raw_u, 4294937384u); /* 0xFFFF8B28 as the unsigned it says */
    CU_ASSERT_PTR_NOT_NULL(sm_quirk_named(&s, "emh-iskra-direction-bit5"));
    /* the names an error lists: the user's first, then the built-in ones */
    char names[160];
    sm_quirk_names(&s, "'", names, sizeof names);
    CU_ASSERT_STRING_EQUAL(names, ", 'mine', 'dzg-dvs74-unsigned-power', "
                                  "'emh-iskra-direction-bit5', 'dzg-holley-efr-direction-bit11'");
    sm_quirk_names(NULL, "", names, 12);
    CU_ASSERT_STRING_EQUAL(names, ", dzg-dvs74");
    CU_ASSERT_PTR_NULL(sm_quirk_named(&s, "nothing"));
}

static void test_direction(void)
{
    const sm_quirk *q = sm_quirk_named(NULL, "emh-iskra-direction-bit5");
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    /* the absolute power, export flagged: 16.7.0 negative */
    sm_reading r[3] = {number(1, 8, false, 4, 1000, -1), number(15, 7, true, 4, 1266, -1)};
    r[0].has_status = true;
    r[0].status = 0x1B0;
    CU_ASSERT_EQUAL(sm_quirk_apply(q, r, 2), 1);
    CU_ASSERT_EQUAL(r[1].obis.c, 16);
    CU_ASSERT_EQUAL(r[1].raw_i, -1266);
    CU_ASSERT_DOUBLE_EQUAL(r[1].value, -126.6, 1e-9);
    /* import: 16.7.0 positive, still recoded */
    sm_reading s[2] = {number(1, 8, false, 4, 1000, -1), number(15, 7, false, 2, 500, 0)};
    s[0].has_status = true;
    s[0].status = 0x182;
    CU_ASSERT_EQUAL(sm_quirk_apply(q, s, 2), 1);
    CU_ASSERT_EQUAL(s[1].obis.c, 16);
    CU_ASSERT_DOUBLE_EQUAL(s[1].value, 500, 1e-9);
    /* an unsigned 16.7.0 with the bit: negative; a signed one: as sent */
    sm_reading u[3] = {number(1, 8, false, 4, 1000, -1), number(16, 7, false, 2, 300, 0),
                       number(15, 7, false, 2, 300, 0)};
    u[0].has_status = true;
    u[0].status = 0x20;
    CU_ASSERT_EQUAL(sm_quirk_apply(q, u, 3), 1); /* 15.7.0 kept: the meter sends 16.7.0 */
    CU_ASSERT_EQUAL(u[1].raw_i, -300);
    CU_ASSERT_EQUAL(u[2].obis.c, 15);
    CU_ASSERT_FALSE(u[2].amended);
    sm_reading v[2] = {number(1, 8, false, 4, 1000, -1), number(16, 7, true, 4, 300, 0)};
    v[0].has_status = true;
    v[0].status = 0x20;
    CU_ASSERT_EQUAL(sm_quirk_apply(q, v, 2), 0);
    CU_ASSERT_EQUAL(v[1].raw_i, 300);
    /* no status word: nothing tells */
    sm_reading w[2] = {number(1, 8, false, 4, 1000, -1), number(16, 7, false, 4, 300, 0)};
    CU_ASSERT_EQUAL(sm_quirk_apply(q, w, 2), 0);
}

/* the sign check: registers and power of one telegram */
static sm_sign_verdict feed(sm_sign_check *c, int64_t imp, int64_t exp, int64_t power)
{
    sm_reading r[3] = {number(1, 8, false, 4, imp, -1), number(2, 8, false, 4, exp, -1),
                       number(16, 7, true, 2, power, -2)};
    return sm_sign_check_feed(c, r, 3);
}

static void test_sign_check(void)
{
    sm_sign_check c;
    memset(&c, 0, sizeof c);
    CU_ASSERT_EQUAL(feed(&c, 100, 200, 5000), SM_SIGN_UNKNOWN); /* the first */
    CU_ASSERT_EQUAL(feed(&c, 101, 200, 5000), SM_SIGN_AGREES);  /* import moved, +50 W */
    CU_ASSERT_EQUAL(feed(&c, 101, 200, 5000), SM_SIGN_UNKNOWN); /* nothing moved */
    CU_ASSERT_EQUAL(feed(&c, 101, 201, -4684), SM_SIGN_AGREES); /* export, -46.84 W */
    /* DZG DVBS12.2H under the DVS74 rule: export moves, the power says +608.52 W */
    for (unsigned i = 1; i <= SM_SIGN_CHECK_RUN; i++) {
        CU_ASSERT_EQUAL(feed(&c, 101, 201 + i, 60852), SM_SIGN_DISAGREES);
        CU_ASSERT_EQUAL(c.run, i);
    }
    CU_ASSERT_DOUBLE_EQUAL(c.power, 608.52, 1e-9);
    CU_ASSERT_EQUAL(feed(&c, 102, 204, 100), SM_SIGN_AGREES);
    CU_ASSERT_EQUAL(c.run, 0);
    CU_ASSERT_EQUAL(feed(&c, 103, 205, 100), SM_SIGN_UNKNOWN); /* both moved */
    CU_ASSERT_EQUAL(feed(&c, 102, 205, 100), SM_SIGN_UNKNOWN); /* a register went back */
    CU_ASSERT_EQUAL(feed(&c, 103, 205, 0), SM_SIGN_UNKNOWN);   /* no power */
    sm_reading r[1] = {number(16, 7, true, 2, 100, 0)};
    CU_ASSERT_EQUAL(sm_sign_check_feed(&c, r, 1), SM_SIGN_UNKNOWN); /* no registers */
    CU_ASSERT_FALSE(c.have);
}

/* The real DZG capture whose power is negative: the export register moves */
static void test_sign_check_real(void)
{
    size_t len;
    char *hex = fixture_read("sml/sml-dzg-dvs7420-neg-libsml-testing.hex", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hex);
    static uint8_t buf[4096];
    size_t n = hex_decode(hex, buf, sizeof buf);
    free(hex);
    collector c;
    collector_init(&c);
    decode_bytes(&c, SM_LINK_AUTO, NULL, 0, NULL, 0, true, buf, n, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 3);
    sm_sign_check check;
    memset(&check, 0, sizeof check);
    sm_sign_verdict want[3] = {SM_SIGN_UNKNOWN, SM_SIGN_AGREES, SM_SIGN_UNKNOWN};
    for (size_t i = 0; i < 3; i++) {
        ASSERT_ERR(c.t[i].err, SM_OK);
        CU_ASSERT_STRING_EQUAL(c.t[i].quirk, "dzg-holley-efr-direction-bit11");
        sm_reading r[MAX_R];
        for (size_t k = 0; k < c.t[i].n; k++)
            r[k] = c.t[i].readings[k].r;
        CU_ASSERT_EQUAL(sm_sign_check_feed(&check, r, c.t[i].n), want[i]);
    }
    collector_free(&c);
}

static const test_case quirk_cases[] = {
    {"a quirk block read from a layout file", test_parse},
    {"a quirk block's errors name the line and what", test_parse_errors},
    {"which meter has which quirk, and the unsigned power", test_find_and_apply},
    {"the direction from a status bit", test_direction},
    {"the sign check against the energy registers", test_sign_check},
    {"the sign check on a real DZG capture", test_sign_check_real},
    {NULL, NULL}};
const test_suite suite_quirk = {"meter quirks", quirk_cases};
