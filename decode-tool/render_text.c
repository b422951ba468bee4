/* render_text.c - the summary the usual meter scripts print:
 *   Telegram 1 (KFM 1020003774, frame counter 7014)
 *   Timestamp:          2023-08-21T23:23:00+02:00
 *   VoltageL1:          228.4 V
 *   ...
 * The familiar labels first, in the scripts' order, then every other
 * reading under its OBIS name (or code). */
#include "smd_format.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const struct {
    uint8_t a, c, d;   /* E = 0 */
    const char *label;
} labels[] = {
    {0, 96, 1, "MeterNumber"},    {1, 32, 7, "VoltageL1"},      {1, 52, 7, "VoltageL2"},
    {1, 72, 7, "VoltageL3"},      {1, 31, 7, "CurrentL1"},      {1, 51, 7, "CurrentL2"},
    {1, 71, 7, "CurrentL3"},      {1, 1, 7, "RealPowerIn"},     {1, 2, 7, "RealPowerOut"},
    {1, 1, 8, "RealEnergyIn"},    {1, 2, 8, "RealEnergyOut"},   {1, 3, 8, "ReactiveEnergyIn"},
    {1, 4, 8, "ReactiveEnergyOut"}, {1, 13, 7, "PowerFactor"},  {1, 14, 7, "Frequency"},
};
#define NLABELS (sizeof labels / sizeof labels[0])

static int label_of(const sm_reading *rd)
{
    if (rd->obis_source == SM_OBIS_NONE)
        return -1;
    for (size_t i = 0; i < NLABELS; i++)
        if (sm_obis_is(&rd->obis, labels[i].a, labels[i].c, labels[i].d, 0) &&
            (labels[i].a != 0 || rd->obis.b == 0)) /* not a sub-meter's number */
            return (int)i;
    return -1;
}

typedef struct {
    char value[SMD_VALUE_MAX]; /* a value's text */
} text_state;

static void line(smd_out *o, text_state *r, const char *label, const sm_reading *rd)
{
    char buf[300];
    bool q;
    int n = snprintf(buf, sizeof buf, "%-19s ", label);
    smd_out_mem(o, buf, (size_t)n);
    size_t v = smd_value_text(rd, r->value, sizeof r->value, &q);
    smd_out_mem(o, r->value, v);
    const char *u = smd_unit(rd);
    if (u[0] && rd->kind == SM_RK_NUMBER) {
        smd_out_ch(o, ' ');
        smd_out_str(o, u);
    }
    char when[64], utc[40];
    if (rd->kind == SM_RK_LIST)
        smd_out_str(o, rd->count == 1 ? " entry" : " entries");
    else if (rd->has_capture && rd->parent == SM_NO_NODE &&
             smd_dt_texts(&rd->capture, when, sizeof when, utc, sizeof utc)) {
        smd_out_str(o, " (captured ");
        smd_out_str(o, when);
        smd_out_ch(o, ')');
    }
    smd_out_ch(o, '\n');
}

/* A reading's label: its name, else its code, else its position. */
static void label_text(const sm_reading *rd, char *buf, size_t cap)
{
    char name[96];
    const char *nm = sm_reading_name(rd, name, sizeof name);
    if (nm)
        snprintf(buf, cap, "%s:", nm);
    else if (rd->obis_source != SM_OBIS_NONE) {
        int n = sm_obis_format(&rd->obis, buf, cap);
        snprintf(buf + n, cap - (size_t)n, ":");
    } else
        snprintf(buf, cap, "Value #%u:", rd->index);
}

/* A P1 profile's entries under it: "  2 2020-04-01T00:00:00+02:00  name: value" */
static void entries(smd_out *o, text_state *r, const sm_telegram *t, const sm_reading *list)
{
    char buf[300], lab[200], when[64], utc[40];
    for (size_t i = list->index + 1u; i < t->nreadings && t->readings[i].parent == list->index;
         i++) {
        const sm_reading *rd = &t->readings[i];
        if (!rd->has_capture || !smd_dt_texts(&rd->capture, when, sizeof when, utc, sizeof utc))
            when[0] = '\0';
        label_text(rd, lab, sizeof lab);
        snprintf(buf, sizeof buf, "  %u %s %s", rd->row + 1u, when, lab);
        line(o, r, buf, rd);
    }
}

/* What a P1 telegram's lines could not give: "Note: line 7 (offset 210): ..." */
static void notes(smd_out *o, const sm_p1_info *p)
{
    char buf[300];
    for (unsigned i = 0; i < p->nnotes && i < SM_P1_MAX_NOTES; i++) {
        snprintf(buf, sizeof buf, "Note:               line %u (offset %u): %s\n",
                 p->notes[i].line, (unsigned)p->notes[i].offset,
                 sm_p1_note_text((sm_p1_note_kind)p->notes[i].kind));
        smd_out_str(o, buf);
    }
    if (p->nnotes > SM_P1_MAX_NOTES) {
        snprintf(buf, sizeof buf, "Note:               %u more\n",
                 (unsigned)(p->nnotes - SM_P1_MAX_NOTES));
        smd_out_str(o, buf);
    }
}

static void render(smd_ctx *cx, void *state, const sm_telegram *t)
{
    text_state *r = state;
    smd_out *o = cx->out;
    char buf[300], utc[40], m[4];
    size_t k = (size_t)snprintf(buf, sizeof buf, "Telegram %llu",
                                (unsigned long long)smd_telegram_no(t));
    if (t->ciphered) {
        smd_title_manufacturer(t->sec.system_title, m);
        k += (size_t)snprintf(buf + k, sizeof buf - k, " (%s%s", m, m[0] ? " " : "");
        for (int i = m[0] ? 3 : 0; i < 8; i++)
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%02X", t->sec.system_title[i]);
        snprintf(buf + k, sizeof buf - k, ", frame counter %lu)", (unsigned long)t->sec.fc);
    } else if (t->is_p1 && !t->err) {
        snprintf(buf + k, sizeof buf - k, " (P1 %.*s)", (int)t->p1.ident_len,
                 (const char *)t->p1.ident);
    }
    smd_out_str(o, buf);
    smd_out_ch(o, '\n');
    if (t->err) {
        char where[120];
        smd_error_where(t, where, sizeof where);
        snprintf(buf, sizeof buf, "Error:              %s: %s%s\n%s%s%s\n",
                 sm_layername(sm_errlayer(t->err)), sm_strerror(t->err), where,
                 t->key_diag ? "Keys:               " : "",
                 t->key_diag ? sm_key_diag_text(t->key_diag) : "", t->key_diag ? "\n" : "");
        smd_out_str(o, buf);
        return;
    }
    if (smd_time(t, buf, sizeof buf, utc, sizeof utc)) {
        smd_out_str(o, "Timestamp:          ");
        smd_out_str(o, buf);
        smd_out_ch(o, '\n');
    }
    /* the familiar lines in their order: the first top-level reading of
     * each label (each reading's label looked up once) */
    size_t first[NLABELS];
    for (size_t l = 0; l < NLABELS; l++)
        first[l] = SIZE_MAX;
    for (size_t i = 0; i < t->nreadings; i++) {
        int l = label_of(&t->readings[i]);
        if (l >= 0 && t->readings[i].parent == SM_NO_NODE && first[l] == SIZE_MAX)
            first[l] = i;
    }
    for (size_t l = 0; l < NLABELS; l++)
        if (first[l] != SIZE_MAX) {
            snprintf(buf, sizeof buf, "%s:", labels[l].label);
            line(o, r, buf, &t->readings[first[l]]);
        }
    /* everything else */
    for (size_t i = 0; i < t->nreadings; i++) {
        const sm_reading *rd = &t->readings[i];
        if (rd->parent != SM_NO_NODE)
            continue; /* under its profile */
        int l = label_of(rd);
        if (l >= 0 && first[l] == i)
            continue; /* printed above (a second one with this label is not) */
        if (rd->kind == SM_RK_DATETIME && sm_obis_is(&rd->obis, SM_OBIS_ANY, 1, 0, SM_OBIS_ANY))
            continue; /* the timestamp */
        label_text(rd, buf, sizeof buf);
        line(o, r, buf, rd);
        if (rd->kind == SM_RK_LIST)
            entries(o, r, t, rd);
    }
    if (t->is_p1)
        notes(o, &t->p1);
    smd_out_ch(o, '\n');
}

const smd_format smd_format_text = {"text", sizeof(text_state), NULL, render, NULL};
