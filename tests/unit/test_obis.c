/* tests/unit/test_obis.c - the OBIS and unit tables. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sm_obis.h"
#include "test_util.h"

static void test_obis(void)
{
    sm_obis o;
    char s[32];
    CU_ASSERT_TRUE(sm_obis_parse("1-0:32.7.0*255", &o));
    sm_obis_format(&o, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "1-0:32.7.0*255");
    CU_ASSERT_TRUE(sm_obis_parse("1.0.32.7.0.255", &o));
    sm_obis_format_dotted(&o, s, sizeof s);
    CU_ASSERT_STRING_EQUAL(s, "1.0.32.7.0.255");
    CU_ASSERT_TRUE(sm_obis_parse("1-1:1.8.0", &o));
    CU_ASSERT(o.b == 1 && o.f == 255);
    CU_ASSERT_TRUE(sm_obis_parse("31.7.0", &o));
    CU_ASSERT(o.a == 1 && o.c == 31);
    CU_ASSERT_FALSE(sm_obis_parse("1-0:32.7", &o));
    CU_ASSERT_FALSE(sm_obis_parse("1-0:32.7.0*256", &o));
    CU_ASSERT_FALSE(sm_obis_parse("abc", &o));
    CU_ASSERT_FALSE(sm_obis_parse("1-0:32.7.0*255x", &o));
    /* lookups ignore B and F */
    sm_obis_parse("1-1:72.7.0*255", &o);
    const sm_obis_info *info = sm_obis_lookup(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(info);
    CU_ASSERT_STRING_EQUAL(info->name, "Voltage L3");
    const char *keys[] = {"clock", "meter_serial", "power_import", "energy_export",
                          "reactive_energy_q4", "current_n", "voltage_l1", "frequency",
                          "list_version", "meter_id", "dsmr_version", "power_factor_l3"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const sm_obis_info *k = sm_obis_by_key(keys[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(k);
        sm_obis q = {k->a, 0, k->c, k->d, k->e, 255};
        CU_ASSERT_PTR_EQUAL(sm_obis_lookup(&q), k);
    }
    uint8_t not_obis[6] = {'1', 'K', 'F', 'M', '0', '2'};
    CU_ASSERT_FALSE(sm_obis_plausible(not_obis));
    CU_ASSERT_STRING_EQUAL(sm_unit_symbol(35), "V");
    CU_ASSERT_STRING_EQUAL(sm_unit_symbol(30), "Wh");
    CU_ASSERT_STRING_EQUAL(sm_unit_symbol(32), "varh");
    CU_ASSERT_STRING_EQUAL(sm_unit_symbol(255), "");
    CU_ASSERT_PTR_NULL(sm_unit_symbol(200));
    CU_ASSERT_EQUAL(sm_unit_from_symbol("Wh", 2), 30);
    CU_ASSERT_EQUAL(sm_unit_from_symbol("m3", 2), 13);
    CU_ASSERT_EQUAL(sm_unit_from_symbol("xyz", 3), 0);
}

/* The renderers write table names, keys and unit symbols into JSON, CSV and
 * XML attributes without escaping them: they must need none. */
static void test_table_text_needs_no_escape(void)
{
    size_t n;
    const sm_obis_info *t = sm_obis_table(&n);
    CU_ASSERT(n > 30);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_PTR_NULL(strpbrk(t[i].name, "\"\\<>&,\n\r\t"));
        CU_ASSERT_PTR_NULL(strpbrk(t[i].key, "\"\\<>&, \n\r\t"));
        if (i > 0) { /* sorted, for the lookup's index */
            uint32_t a = (uint32_t)t[i - 1].a << 24 | (uint32_t)t[i - 1].c << 16 |
                         (uint32_t)t[i - 1].d << 8 | t[i - 1].e;
            uint32_t b = (uint32_t)t[i].a << 24 | (uint32_t)t[i].c << 16 |
                         (uint32_t)t[i].d << 8 | t[i].e;
            CU_ASSERT(a < b);
        }
    }
    /* the indexed lookup agrees with a plain search of the table for every
     * A (0-3), every C and every (D, E) the table has */
    for (unsigned a = 0; a < 4; a++)
        for (unsigned c = 0; c < 256; c++)
            for (size_t j = 0; j < n; j++) {
                sm_obis q = {(uint8_t)a, 7, (uint8_t)c, t[j].d, t[j].e, 255};
                const sm_obis_info *want = NULL;
                for (size_t i = 0; i < n && !want; i++)
                    if (t[i].a == a && t[i].c == c && t[i].d == t[j].d && t[i].e == t[j].e)
                        want = &t[i];
                if (sm_obis_lookup(&q) != want)
                    CU_FAIL("sm_obis_lookup disagrees with the table");
            }
    for (unsigned u = 0; u < 256; u++) {
        const char *sym = sm_unit_symbol((uint8_t)u);
        if (sym)
            CU_ASSERT_PTR_NULL(strpbrk(sym, "\"\\<>&,\n\r\t"));
    }
}

static const test_case cases[] = {
    {"obis and unit tables", test_obis},
    {"table text needs no escaping", test_table_text_needs_no_escape},
    {NULL, NULL}};
const test_suite suite_obis = {"OBIS", cases};
