/* render_text.c - the summary the usual meter scripts print:
 *   Telegram 1 (KFM 1020003774, frame counter 7014)
 *   Timestamp:          2023-08-21T23:23:00+02:00
 *   VoltageL1:          228.4 V
 *   ...
 * The familiar labels first, in the scripts' order, then every other
 * reading under its OBIS name (or code). */
#include "smd_format.h"

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
        if (sm_obis_is(&rd->obis, labels[i].a, labels[i].c, labels[i].d, 0))
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
    smd_out_ch(o, '\n');
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
    }
    smd_out_str(o, buf);
    smd_out_ch(o, '\n');
    if (t->err) {
        char where[120];
        smd_error_where(t, where, sizeof where);
        snprintf(buf, sizeof buf, "Error:              %s: %s%s\n\n",
                 sm_layername(sm_errlayer(t->err)), sm_strerror(t->err), where);
        smd_out_str(o, buf);
        return;
    }
    if (smd_time(t, buf, sizeof buf, utc, sizeof utc)) {
        smd_out_str(o, "Timestamp:          ");
        smd_out_str(o, buf);
        smd_out_ch(o, '\n');
    }
    /* the familiar lines in their order */
    for (size_t l = 0; l < NLABELS; l++)
        for (size_t i = 0; i < t->nreadings; i++)
            if (label_of(&t->readings[i]) == (int)l) {
                snprintf(buf, sizeof buf, "%s:", labels[l].label);
                line(o, r, buf, &t->readings[i]);
                break;
            }
    /* everything else */
    for (size_t i = 0; i < t->nreadings; i++) {
        const sm_reading *rd = &t->readings[i];
        int l = label_of(rd);
        if (l >= 0) {
            /* printed above unless it is a second one with this label */
            size_t first = 0;
            while (label_of(&t->readings[first]) != l)
                first++;
            if (first == i)
                continue;
        }
        if (rd->kind == SM_RK_DATETIME && sm_obis_is(&rd->obis, SM_OBIS_ANY, 1, 0, SM_OBIS_ANY))
            continue; /* the timestamp */
        if (rd->info)
            snprintf(buf, sizeof buf, "%s:", rd->info->name);
        else if (rd->obis_source != SM_OBIS_NONE) {
            int n = sm_obis_format(&rd->obis, buf, sizeof buf);
            snprintf(buf + n, sizeof buf - (size_t)n, ":");
        } else
            snprintf(buf, sizeof buf, "Value #%u:", rd->index);
        line(o, r, buf, rd);
    }
    smd_out_ch(o, '\n');
}

const smd_format smd_format_text = {"text", sizeof(text_state), NULL, render, NULL};
