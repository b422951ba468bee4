/* sm_tic_labels.c - the TIC labels as data: what each one's data is, its
 * unit (never sent: from the specifications Enedis-NOI-CPT_02E, historique,
 * and Enedis-NOI-CPT_54E, standard) and its reading's OBIS code where one
 * exists; and the fields of STGE.  See sm_tic.h. */
#include "sm_tic.h"

#include <string.h>

#define H SM_TIC_HIST
#define S SM_TIC_STD
#define NO_OBIS false, {0, 0, 0, 0, 0, 0}
#define OBIS(a, c, d, e) true, {a, 0, c, d, e, 255}

/* label, modes, form, width, horodate, OBIS, scaler, {unit, name, key}; in the
 * order of the frames (sm_tic_label_next tries the entry after the last first) */
#define NUM(l, m, w, hd, ob, sc, u, name, key) \
    {l, sizeof l - 1, m, SM_TIC_DIGITS, w, hd, true, ob, sc, {0, 0, 0, 0, u, name, key}}
#define TXT(l, m, form, w, hd, ob, name, key) \
    {l, sizeof l - 1, m, form, w, hd, false, ob, 0, {0, 0, 0, 0, 0, name, key}}

#define WH SM_UNIT_WH
#define VA SM_UNIT_VA

static const sm_tic_label table[] = {
    /* historique (Enedis-NOI-CPT_02E), in the order the meters send them */
    TXT("ADCO", H, SM_TIC_ID, 12, false, OBIS(0, 96, 1, 0), "Meter address (ADCO)", "adco"),
    TXT("OPTARIF", H, SM_TIC_TEXT, 4, false, NO_OBIS, "Tariff option", "optarif"),
    NUM("ISOUSC", H, 2, false, NO_OBIS, 0, SM_UNIT_A, "Subscribed current", "isousc"),
    NUM("BASE", H, 9, false, OBIS(1, 1, 8, 0), 0, WH, "Active energy import (BASE)", "base"),
    NUM("HCHC", H, 9, false, OBIS(1, 1, 8, 1), 0, WH, "Active energy import off-peak (HCHC)", "hchc"),
    NUM("HCHP", H, 9, false, OBIS(1, 1, 8, 2), 0, WH, "Active energy import peak (HCHP)", "hchp"),
    NUM("EJPHN", H, 9, false, OBIS(1, 1, 8, 1), 0, WH, "Active energy import EJP normal (EJPHN)", "ejphn"),
    NUM("EJPHPM", H, 9, false, OBIS(1, 1, 8, 2), 0, WH, "Active energy import EJP peak (EJPHPM)", "ejphpm"),
    NUM("BBRHCJB", H, 9, false, OBIS(1, 1, 8, 1), 0, WH, "Active energy import Tempo blue off-peak (BBRHCJB)", "bbrhcjb"),
    NUM("BBRHPJB", H, 9, false, OBIS(1, 1, 8, 2), 0, WH, "Active energy import Tempo blue peak (BBRHPJB)", "bbrhpjb"),
    NUM("BBRHCJW", H, 9, false, OBIS(1, 1, 8, 3), 0, WH, "Active energy import Tempo white off-peak (BBRHCJW)", "bbrhcjw"),
    NUM("BBRHPJW", H, 9, false, OBIS(1, 1, 8, 4), 0, WH, "Active energy import Tempo white peak (BBRHPJW)", "bbrhpjw"),
    NUM("BBRHCJR", H, 9, false, OBIS(1, 1, 8, 5), 0, WH, "Active energy import Tempo red off-peak (BBRHCJR)", "bbrhcjr"),
    NUM("BBRHPJR", H, 9, false, OBIS(1, 1, 8, 6), 0, WH, "Active energy import Tempo red peak (BBRHPJR)", "bbrhpjr"),
    NUM("PEJP", H, 2, false, NO_OBIS, 0, 6, "EJP peak notice (minutes)", "pejp"),
    TXT("PTEC", H, SM_TIC_TEXT, 4, false, NO_OBIS, "Current tariff period", "ptec"),
    TXT("DEMAIN", H, SM_TIC_TEXT, 4, false, NO_OBIS, "Tempo colour tomorrow", "demain"),
    NUM("IINST", H, 3, false, OBIS(1, 31, 7, 0), 0, SM_UNIT_A, "Current L1 (IINST)", "iinst"),
    NUM("IINST1", H, 3, false, OBIS(1, 31, 7, 0), 0, SM_UNIT_A, "Current L1 (IINST1)", "iinst1"),
    NUM("IINST2", H, 3, false, OBIS(1, 51, 7, 0), 0, SM_UNIT_A, "Current L2 (IINST2)", "iinst2"),
    NUM("IINST3", H, 3, false, OBIS(1, 71, 7, 0), 0, SM_UNIT_A, "Current L3 (IINST3)", "iinst3"),
    NUM("ADPS", H, 3, false, NO_OBIS, 0, SM_UNIT_A, "Overload: current above subscription", "adps"),
    NUM("ADIR1", H, 3, false, NO_OBIS, 0, SM_UNIT_A, "Overload L1: current above subscription", "adir1"),
    NUM("ADIR2", H, 3, false, NO_OBIS, 0, SM_UNIT_A, "Overload L2: current above subscription", "adir2"),
    NUM("ADIR3", H, 3, false, NO_OBIS, 0, SM_UNIT_A, "Overload L3: current above subscription", "adir3"),
    NUM("IMAX", H, 3, false, NO_OBIS, 0, SM_UNIT_A, "Maximum current", "imax"),
    NUM("IMAX1", H, 3, false, NO_OBIS, 0, SM_UNIT_A, "Maximum current L1", "imax1"),
    NUM("IMAX2", H, 3, false, NO_OBIS, 0, SM_UNIT_A, "Maximum current L2", "imax2"),
    NUM("IMAX3", H, 3, false, NO_OBIS, 0, SM_UNIT_A, "Maximum current L3", "imax3"),
    NUM("PMAX", H, 5, false, NO_OBIS, 0, SM_UNIT_W, "Maximum power (three-phase)", "pmax"),
    NUM("PAPP", H, 5, false, OBIS(1, 9, 7, 0), 0, VA, "Apparent power import (PAPP)", "papp"),
    TXT("HHPHC", H, SM_TIC_TEXT, 1, false, NO_OBIS, "Peak/off-peak schedule", "hhphc"),
    TXT("MOTDETAT", H, SM_TIC_TEXT, 6, false, NO_OBIS, "Meter status word", "motdetat"),
    TXT("PPOT", H, SM_TIC_HEX, 2, false, NO_OBIS, "Phases present (three-phase)", "ppot"),
    /* standard (Enedis-NOI-CPT_54E), in the order the meters send them */
    TXT("ADSC", S, SM_TIC_ID, 12, false, OBIS(0, 96, 1, 0), "Meter address (ADSC)", "adsc"),
    TXT("VTIC", S, SM_TIC_DIGITS, 2, false, NO_OBIS, "TIC version", "vtic"),
    {"DATE", 4, S, SM_TIC_EMPTY, 0, true, false, OBIS(0, 1, 0, 0), 0, {0, 0, 0, 0, 0, "Clock", "date"}},
    TXT("NGTF", S, SM_TIC_TEXT, 16, false, NO_OBIS, "Tariff name", "ngtf"),
    TXT("LTARF", S, SM_TIC_TEXT, 16, false, NO_OBIS, "Current tariff period", "ltarf"),
    NUM("EAST", S, 9, false, OBIS(1, 1, 8, 0), 0, WH, "Active energy import (EAST)", "east"),
    NUM("EASF01", S, 9, false, OBIS(1, 1, 8, 1), 0, WH, "Active energy import supplier index 1", "easf01"),
    NUM("EASF02", S, 9, false, OBIS(1, 1, 8, 2), 0, WH, "Active energy import supplier index 2", "easf02"),
    NUM("EASF03", S, 9, false, OBIS(1, 1, 8, 3), 0, WH, "Active energy import supplier index 3", "easf03"),
    NUM("EASF04", S, 9, false, OBIS(1, 1, 8, 4), 0, WH, "Active energy import supplier index 4", "easf04"),
    NUM("EASF05", S, 9, false, OBIS(1, 1, 8, 5), 0, WH, "Active energy import supplier index 5", "easf05"),
    NUM("EASF06", S, 9, false, OBIS(1, 1, 8, 6), 0, WH, "Active energy import supplier index 6", "easf06"),
    NUM("EASF07", S, 9, false, OBIS(1, 1, 8, 7), 0, WH, "Active energy import supplier index 7", "easf07"),
    NUM("EASF08", S, 9, false, OBIS(1, 1, 8, 8), 0, WH, "Active energy import supplier index 8", "easf08"),
    NUM("EASF09", S, 9, false, OBIS(1, 1, 8, 9), 0, WH, "Active energy import supplier index 9", "easf09"),
    NUM("EASF10", S, 9, false, OBIS(1, 1, 8, 10), 0, WH, "Active energy import supplier index 10", "easf10"),
    NUM("EASD01", S, 9, false, NO_OBIS, 0, WH, "Active energy import distributor index 1", "easd01"),
    NUM("EASD02", S, 9, false, NO_OBIS, 0, WH, "Active energy import distributor index 2", "easd02"),
    NUM("EASD03", S, 9, false, NO_OBIS, 0, WH, "Active energy import distributor index 3", "easd03"),
    NUM("EASD04", S, 9, false, NO_OBIS, 0, WH, "Active energy import distributor index 4", "easd04"),
    NUM("EAIT", S, 9, false, OBIS(1, 2, 8, 0), 0, WH, "Active energy export (EAIT)", "eait"),
    NUM("ERQ1", S, 9, false, OBIS(1, 5, 8, 0), 0, SM_UNIT_VARH, "Reactive energy QI (ERQ1)", "erq1"),
    NUM("ERQ2", S, 9, false, OBIS(1, 6, 8, 0), 0, SM_UNIT_VARH, "Reactive energy QII (ERQ2)", "erq2"),
    NUM("ERQ3", S, 9, false, OBIS(1, 7, 8, 0), 0, SM_UNIT_VARH, "Reactive energy QIII (ERQ3)", "erq3"),
    NUM("ERQ4", S, 9, false, OBIS(1, 8, 8, 0), 0, SM_UNIT_VARH, "Reactive energy QIV (ERQ4)", "erq4"),
    NUM("IRMS1", S, 3, false, OBIS(1, 31, 7, 0), 0, SM_UNIT_A, "Current L1 (IRMS1)", "irms1"),
    NUM("IRMS2", S, 3, false, OBIS(1, 51, 7, 0), 0, SM_UNIT_A, "Current L2 (IRMS2)", "irms2"),
    NUM("IRMS3", S, 3, false, OBIS(1, 71, 7, 0), 0, SM_UNIT_A, "Current L3 (IRMS3)", "irms3"),
    NUM("URMS1", S, 3, false, OBIS(1, 32, 7, 0), 0, SM_UNIT_V, "Voltage L1 (URMS1)", "urms1"),
    NUM("URMS2", S, 3, false, OBIS(1, 52, 7, 0), 0, SM_UNIT_V, "Voltage L2 (URMS2)", "urms2"),
    NUM("URMS3", S, 3, false, OBIS(1, 72, 7, 0), 0, SM_UNIT_V, "Voltage L3 (URMS3)", "urms3"),
    NUM("PREF", S, 2, false, NO_OBIS, 3, VA, "Reference apparent power", "pref"),
    NUM("PCOUP", S, 2, false, NO_OBIS, 3, VA, "Cut-off apparent power", "pcoup"),
    NUM("SINSTS", S, 5, false, OBIS(1, 9, 7, 0), 0, VA, "Apparent power import (SINSTS)", "sinsts"),
    NUM("SINSTS1", S, 5, false, OBIS(1, 29, 7, 0), 0, VA, "Apparent power import L1", "sinsts1"),
    NUM("SINSTS2", S, 5, false, OBIS(1, 49, 7, 0), 0, VA, "Apparent power import L2", "sinsts2"),
    NUM("SINSTS3", S, 5, false, OBIS(1, 69, 7, 0), 0, VA, "Apparent power import L3", "sinsts3"),
    NUM("SMAXSN", S, 5, true, NO_OBIS, 0, VA, "Peak apparent power import today", "smaxsn"),
    NUM("SMAXSN1", S, 5, true, NO_OBIS, 0, VA, "Peak apparent power import today L1", "smaxsn1"),
    NUM("SMAXSN2", S, 5, true, NO_OBIS, 0, VA, "Peak apparent power import today L2", "smaxsn2"),
    NUM("SMAXSN3", S, 5, true, NO_OBIS, 0, VA, "Peak apparent power import today L3", "smaxsn3"),
    NUM("SMAXSN-1", S, 5, true, NO_OBIS, 0, VA, "Peak apparent power import yesterday", "smaxsn_1"),
    NUM("SMAXSN1-1", S, 5, true, NO_OBIS, 0, VA, "Peak apparent power import yesterday L1", "smaxsn1_1"),
    NUM("SMAXSN2-1", S, 5, true, NO_OBIS, 0, VA, "Peak apparent power import yesterday L2", "smaxsn2_1"),
    NUM("SMAXSN3-1", S, 5, true, NO_OBIS, 0, VA, "Peak apparent power import yesterday L3", "smaxsn3_1"),
    NUM("SINSTI", S, 5, false, OBIS(1, 10, 7, 0), 0, VA, "Apparent power export (SINSTI)", "sinsti"),
    NUM("SMAXIN", S, 5, true, NO_OBIS, 0, VA, "Peak apparent power export today", "smaxin"),
    NUM("SMAXIN-1", S, 5, true, NO_OBIS, 0, VA, "Peak apparent power export yesterday", "smaxin_1"),
    NUM("CCASN", S, 5, true, OBIS(1, 1, 5, 0), 0, SM_UNIT_W, "Average active power import (load curve point)", "ccasn"),
    NUM("CCASN-1", S, 5, true, NO_OBIS, 0, SM_UNIT_W, "Average active power import, the point before", "ccasn_1"),
    NUM("CCAIN", S, 5, true, OBIS(1, 2, 5, 0), 0, SM_UNIT_W, "Average active power export (load curve point)", "ccain"),
    NUM("CCAIN-1", S, 5, true, NO_OBIS, 0, SM_UNIT_W, "Average active power export, the point before", "ccain_1"),
    NUM("UMOY1", S, 3, true, NO_OBIS, 0, SM_UNIT_V, "Average voltage L1 (10 min)", "umoy1"),
    NUM("UMOY2", S, 3, true, NO_OBIS, 0, SM_UNIT_V, "Average voltage L2 (10 min)", "umoy2"),
    NUM("UMOY3", S, 3, true, NO_OBIS, 0, SM_UNIT_V, "Average voltage L3 (10 min)", "umoy3"),
    TXT("STGE", S, SM_TIC_HEX, 8, false, NO_OBIS, "Status register (STGE)", "stge"),
    NUM("DPM1", S, 2, true, NO_OBIS, 0, 0, "Mobile peak 1 start", "dpm1"),
    NUM("FPM1", S, 2, true, NO_OBIS, 0, 0, "Mobile peak 1 end", "fpm1"),
    NUM("DPM2", S, 2, true, NO_OBIS, 0, 0, "Mobile peak 2 start", "dpm2"),
    NUM("FPM2", S, 2, true, NO_OBIS, 0, 0, "Mobile peak 2 end", "fpm2"),
    NUM("DPM3", S, 2, true, NO_OBIS, 0, 0, "Mobile peak 3 start", "dpm3"),
    NUM("FPM3", S, 2, true, NO_OBIS, 0, 0, "Mobile peak 3 end", "fpm3"),
    TXT("MSG1", S, SM_TIC_TEXT, 32, false, OBIS(0, 96, 13, 0), "Message 1 (MSG1)", "msg1"),
    TXT("MSG2", S, SM_TIC_TEXT, 16, false, OBIS(0, 96, 13, 1), "Message 2 (MSG2)", "msg2"),
    TXT("PRM", S, SM_TIC_ID, 14, false, NO_OBIS, "Delivery point (PRM)", "prm"),
    TXT("RELAIS", S, SM_TIC_DIGITS, 3, false, NO_OBIS, "Relays (bit n: relay n+1 closed)", "relais"),
    NUM("NTARF", S, 2, false, OBIS(0, 96, 14, 0), 0, 0, "Current tariff index (NTARF)", "ntarf"),
    NUM("NJOURF", S, 2, false, NO_OBIS, 0, 0, "Supplier calendar day today", "njourf"),
    NUM("NJOURF+1", S, 2, false, NO_OBIS, 0, 0, "Supplier calendar day tomorrow", "njourf_next"),
    TXT("PJOURF+1", S, SM_TIC_TEXT, 98, false, NO_OBIS, "Supplier day profile tomorrow", "pjourf_next"),
    TXT("PPOINTE", S, SM_TIC_TEXT, 98, false, NO_OBIS, "Next peak day profile", "ppointe"),
};
#define NTABLE (sizeof table / sizeof table[0])

static bool is(const sm_tic_label *t, const uint8_t *p, size_t n)
{
    return t->len == n && t->label[0] == p[0] && memcmp(t->label, p, n) == 0;
}

const sm_tic_label *sm_tic_label_next(const sm_tic_label *prev, const uint8_t *p, size_t n)
{
    /* meters send their labels in the table's order, leaving some out:
     * from the entry after the last one on, then from the start */
    size_t from = prev && prev >= table && prev < table + NTABLE ? (size_t)(prev - table) + 1 : 0;
    for (size_t i = from; i < NTABLE; i++)
        if (is(&table[i], p, n))
            return &table[i];
    for (size_t i = 0; i < from; i++)
        if (is(&table[i], p, n))
            return &table[i];
    return NULL;
}

/* ---- STGE (Enedis-NOI-CPT_54E, 6.2.3.14) -------------------------------- */

static const char *const open_closed[] = {"closed", "open"};
static const char *const cutoff[] = {"closed",        "open-overpower", "open-overvoltage",
                                      "open-load-shedding", "open-cpl",   "open-overheat-overcurrent",
                                      "open-overheat"};
static const char *const no_yes[] = {"no", "yes"};
static const char *const direction[] = {"import", "export"};
static const char *const euridis[] = {"off", "on-no-security", "", "on-security"};
static const char *const cpl[] = {"new-unlock", "new-lock", "registered"};
static const char *const colour[] = {"none", "blue", "white", "red"};
static const char *const peak_notice[] = {"none", "pm1", "pm2", "pm3"};
#define V(a) a, sizeof a / sizeof a[0], 0

static const sm_tic_stge_field stge[] = {
    {"dry-contact", 0, 1, V(open_closed)},
    {"cut-off", 1, 3, V(cutoff)},
    {"cover", 4, 1, V(open_closed)},
    {"over-voltage", 6, 1, V(no_yes)},
    {"over-power", 7, 1, V(no_yes)},
    {"producer", 8, 1, V(no_yes)},
    {"active-energy", 9, 1, V(direction)},
    {"supplier-index", 10, 4, NULL, 0, 1}, /* the index in use, sent less 1 */
    {"distributor-index", 14, 2, NULL, 0, 1},
    {"clock-degraded", 16, 1, V(no_yes)},
    {"tic-standard", 17, 1, V(no_yes)},
    {"euridis", 19, 2, V(euridis)},
    {"cpl-state", 21, 2, V(cpl)},
    {"cpl-sync", 23, 1, V(no_yes)},
    {"tempo-today", 24, 2, V(colour)},
    {"tempo-tomorrow", 26, 2, V(colour)},
    {"mobile-peak-notice", 28, 2, V(peak_notice)},
    {"mobile-peak", 30, 2, V(peak_notice)},
};

const sm_tic_stge_field *sm_tic_stge_fields(size_t *n)
{
    *n = sizeof stge / sizeof stge[0];
    return stge;
}

const char *sm_tic_stge_value_name(const sm_tic_stge_field *f, unsigned v)
{
    return f->values && v < f->nvalues && f->values[v][0] ? f->values[v] : NULL;
}

const sm_tic_stge_field *sm_tic_stge_field_named(const char *name)
{
    for (size_t i = 0; i < sizeof stge / sizeof stge[0]; i++)
        if (strcmp(stge[i].name, name) == 0)
            return &stge[i];
    return NULL;
}
