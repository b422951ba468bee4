/* sim_tic.c - the simulated meter as a TIC meter (France: Linky and the
 * older electronic meters), in one of four shapes (meter_sim.h, tic_make),
 * each frame built group by group with smb_tic_group.  The events each
 * shape shows, at fixed pushes (0 the first), are what the end-to-end test
 * expects notified once each. */
#include "meter_sim.h"

#include <stdio.h>
#include <string.h>

#include "sm_build.h"
#include "sm_datetime.h"

typedef struct {
    uint8_t b[2048];
    size_t n;
    bool standard;
} tic_buf;

static void group(tic_buf *w, const char *label, const char *horodate, const char *data)
{
    w->n += smb_tic_group(w->b + w->n, w->n < sizeof w->b ? sizeof w->b - w->n : 0, w->standard,
                          label, w->standard ? horodate : NULL, data);
}

/* a number of `width` digits */
static void groupf(tic_buf *w, const char *label, int width, unsigned long v)
{
    char data[32];
    snprintf(data, sizeof data, "%0*lu", width, v);
    group(w, label, NULL, data);
}

/* The horodate of utc: SAAMMJJhhmmss, E summer, H winter (lower case when
 * the clock is degraded) */
static void horodate(int64_t utc, bool degraded, char out[32])
{
    int f[6];
    char season = sim_cet_local(utc, f) == 120 ? 'E' : 'H';
    if (degraded)
        season = (char)(season - 'A' + 'a');
    snprintf(out, 32, "%c%02d%02d%02d%02d%02d%02d", season, f[0] % 100, f[1], f[2], f[3], f[4],
             f[5]);
}

/* the values as the frames carry them: V, A, VA, Wh */
static unsigned volts(const meter_sim *m, int i) { return m->voltage[i] / 10u; }
static unsigned amps(const meter_sim *m, int i) { return m->current[i] / 100u; }

/* The fixed pushes of the events (m->pushes of the frame) */
#define TEMPO_RED_FROM 3    /* tomorrow announced red (HIST: DEMAIN, STD: STGE) */
#define OVERLOAD_AT 3       /* HIST3: ADIR1 in frames 3 and 4, then over */
#define OVERLOAD_UNTIL 5
#define MESSAGE_FROM 4      /* STD: MSG1 */
#define PEAK_FROM 5         /* STD: mobile peak 1 announced */
#define DEGRADED_AT 2       /* STD3: the clock degraded in frames 2 and 3, then set */
#define DEGRADED_UNTIL 4
#define TEMPO_BLUE_HC 12133887u /* the registers that do not move */

static void historique(const meter_sim *m, tic_buf *w)
{
    bool three = m->tic_make == SIM_TIC_HIST3;
    group(w, "ADCO", NULL, three ? "031976306475" : "020828337598");
    group(w, "OPTARIF", NULL, three ? "BASE" : "BBR(");
    group(w, "ISOUSC", NULL, three ? "30" : "45");
    if (three) {
        groupf(w, "BASE", 9, m->energy_in);
    } else {
        groupf(w, "BBRHCJB", 9, TEMPO_BLUE_HC);
        groupf(w, "BBRHPJB", 9, m->energy_in);
        for (int i = 0; i < 4; i++)
            group(w, (const char *[]){"BBRHCJW", "BBRHPJW", "BBRHCJR", "BBRHPJR"}[i], NULL,
                  "000000000");
    }
    group(w, "PTEC", NULL, three ? "TH.." : "HPJB");
    if (!three)
        group(w, "DEMAIN", NULL, m->pushes >= TEMPO_RED_FROM ? "ROUG" : "----");
    if (three) {
        for (int i = 0; i < 3; i++)
            groupf(w, (const char *[]){"IINST1", "IINST2", "IINST3"}[i], 3, amps(m, i));
        if (m->pushes >= OVERLOAD_AT && m->pushes < OVERLOAD_UNTIL)
            groupf(w, "ADIR1", 3, amps(m, 0));
        for (int i = 0; i < 3; i++)
            group(w, (const char *[]){"IMAX1", "IMAX2", "IMAX3"}[i], NULL, "060");
        group(w, "PMAX", NULL, "06082");
    } else {
        groupf(w, "IINST", 3, amps(m, 0));
        group(w, "IMAX", NULL, "090");
    }
    groupf(w, "PAPP", 5, m->power_in);
    group(w, "HHPHC", NULL, three ? "A" : "Y");
    group(w, "MOTDETAT", NULL, "000000");
    if (three)
        group(w, "PPOT", NULL, "00");
}

/* STGE: contact closed, supplier index n (bits 10-13: n - 1), standard TIC,
 * Euridis on with security, CPL new/lock; today blue; the events' bits */
static uint32_t stge(const meter_sim *m, bool producer, bool degraded)
{
    uint32_t s = 0x003A0000u | (1u << 10); /* index 2 */
    if (producer)
        s = (s & ~(0xFu << 10)) | 1u << 8 | (m->power_out > m->power_in ? 1u << 9 : 0);
    if (!producer)
        s |= 1u << 24; /* today blue */
    if (!producer && m->pushes >= TEMPO_RED_FROM)
        s |= 3u << 26; /* tomorrow red */
    if (!producer && m->pushes >= PEAK_FROM)
        s |= 1u << 28; /* mobile peak 1 announced */
    if (degraded)
        s |= 1u << 16;
    return s;
}

static void standard(const meter_sim *m, tic_buf *w)
{
    bool three = m->tic_make == SIM_TIC_STD3;
    bool degraded = three && m->pushes >= DEGRADED_AT && m->pushes < DEGRADED_UNTIL;
    char hd[32], st[16];
    horodate(m->utc, degraded, hd);
    group(w, "ADSC", NULL, three ? "123456789012" : "041876097652");
    group(w, "VTIC", NULL, "02");
    group(w, "DATE", hd, "");
    group(w, "NGTF", NULL, three ? "   PRODUCTEUR   " : "     TEMPO      ");
    group(w, "LTARF", NULL, three ? " INDEX NON CONSO" : "    HP  BLEU    ");
    /* Tempo: EAST the sum of the blue off-peak register (still) and the
     * blue peak one (moving) */
    groupf(w, "EAST", 9, three ? m->energy_in : m->energy_in + TEMPO_BLUE_HC);
    groupf(w, "EASF01", 9, three ? m->energy_in : TEMPO_BLUE_HC);
    groupf(w, "EASF02", 9, three ? 0 : m->energy_in);
    if (three) {
        groupf(w, "EAIT", 9, m->energy_out);
        groupf(w, "ERQ1", 9, m->reactive_in);
        groupf(w, "ERQ4", 9, m->reactive_out);
    }
    for (int i = 0; i < (three ? 3 : 1); i++)
        groupf(w, (const char *[]){"IRMS1", "IRMS2", "IRMS3"}[i], 3, amps(m, i));
    for (int i = 0; i < (three ? 3 : 1); i++)
        groupf(w, (const char *[]){"URMS1", "URMS2", "URMS3"}[i], 3, volts(m, i));
    group(w, "PREF", NULL, three ? "18" : "09");
    group(w, "PCOUP", NULL, three ? "18" : "09");
    groupf(w, "SINSTS", 5, m->power_in);
    if (three)
        for (int i = 0; i < 3; i++)
            groupf(w, (const char *[]){"SINSTS1", "SINSTS2", "SINSTS3"}[i], 5,
                   m->power_in / 3 + (i == 0 ? m->power_in % 3 : 0));
    if (three)
        groupf(w, "SINSTI", 5, m->power_out);
    snprintf(st, sizeof st, "%08X", (unsigned)stge(m, three, degraded));
    group(w, "STGE", NULL, st);
    if (!three && m->pushes >= PEAK_FROM) { /* the peak: tomorrow 06:00 to 10:00, no season */
        char d[32], f[32];
        horodate(m->utc + 86400, false, d);
        memcpy(d + 7, "060000", 6);
        d[0] = ' ';
        memcpy(f, d, sizeof d);
        memcpy(f + 7, "100000", 6);
        group(w, "DPM1", d, "00");
        group(w, "FPM1", f, "00");
    }
    group(w, "MSG1", NULL, !three && m->pushes >= MESSAGE_FROM
                               ? "DELESTAGE PREVU DEMAIN 18H      "
                               : "PAS DE          MESSAGE         ");
    group(w, "PRM", NULL, three ? "12345678901234" : "09312300926695");
    group(w, "RELAIS", NULL, "000");
    group(w, "NTARF", NULL, three ? "01" : "02");
}

size_t sim_tic_telegram(const meter_sim *m, uint8_t *out, size_t cap)
{
    static tic_buf w; /* not reentrant: the simulator is one thread */
    w.n = 0;
    w.standard = m->tic_make == SIM_TIC_STD || m->tic_make == SIM_TIC_STD3;
    if (w.standard)
        standard(m, &w);
    else
        historique(m, &w);
    if (w.n > sizeof w.b)
        return 0;
    return smb_tic_frame(out, cap, w.b, w.n);
}

size_t sim_tic_expect_json(const meter_sim *m, char *out, size_t cap)
{
    bool std = m->tic_make == SIM_TIC_STD || m->tic_make == SIM_TIC_STD3;
    bool three = m->tic_make == SIM_TIC_HIST3 || m->tic_make == SIM_TIC_STD3;
    char ph[256] = "", more[160] = "";
    int k = 0;
    for (int i = 0; i < (three ? 3 : 1); i++)
        k += snprintf(ph + k, sizeof ph - (size_t)k, ",\"current_l%d\":%u", i + 1, amps(m, i));
    for (int i = 0; std && i < (three ? 3 : 1); i++)
        k += snprintf(ph + k, sizeof ph - (size_t)k, ",\"voltage_l%d\":%u", i + 1, volts(m, i));
    if (m->tic_make == SIM_TIC_HIST)
        snprintf(more, sizeof more, ",\"energy_import_t1\":%u,\"energy_import_t2\":%lu",
                 TEMPO_BLUE_HC, (unsigned long)m->energy_in);
    else if (m->tic_make == SIM_TIC_STD)
        snprintf(more, sizeof more, ",\"energy_import\":%lu,\"energy_import_t2\":%lu",
                 (unsigned long)(m->energy_in + TEMPO_BLUE_HC), (unsigned long)m->energy_in);
    else if (m->tic_make == SIM_TIC_STD3)
        snprintf(more, sizeof more,
                 ",\"energy_import\":%lu,\"energy_export\":%lu,\"apparent_power_export\":%lu",
                 (unsigned long)m->energy_in, (unsigned long)m->energy_out,
                 (unsigned long)m->power_out);
    else
        snprintf(more, sizeof more, ",\"energy_import\":%lu", (unsigned long)m->energy_in);
    int n = snprintf(out, cap, "{\"frame\":%u,\"unix\":%lld,\"apparent_power_import\":%lu%s%s}",
                     m->pushes, (long long)m->utc, (unsigned long)m->power_in, more, ph);
    return n < 0 ? 0 : (size_t)n;
}
