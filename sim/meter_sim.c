/* meter_sim.c - see meter_sim.h. */
#include "meter_sim.h"

#include <stdio.h>
#include <string.h>

#include "sm_build.h"
#include "sm_datetime.h"
#include "sm_hex.h"

static uint64_t next(meter_sim *m)
{
    /* xorshift64* */
    m->rng ^= m->rng >> 12;
    m->rng ^= m->rng << 25;
    m->rng ^= m->rng >> 27;
    return m->rng * 2685821657736338717ULL;
}

/* uniform in [lo, hi] */
static uint32_t range(meter_sim *m, uint32_t lo, uint32_t hi)
{
    return lo + (uint32_t)(next(m) % (uint64_t)(hi - lo + 1));
}

/* the calendar arithmetic is the core's (sm_datetime.h, unit-tested there) */
static void civil_from_days(int64_t days, int *y, unsigned *mo, unsigned *d)
{
    int64_t yy;
    sm_civil_from_days(days, &yy, mo, d);
    *y = (int)yy;
}

/* 01:00 UTC on the last Sunday of a month */
static int64_t last_sunday_0100(int y, unsigned mo)
{
    int64_t d = sm_days_from_civil(y, mo, 31);
    int64_t dow = (d + 4) % 7; /* 1970-01-01 was a Thursday; 0 = Sunday */
    if (dow < 0)
        dow += 7;
    return (d - dow) * 86400 + 3600;
}

int sim_cet_offset(int64_t utc)
{
    int y;
    unsigned mo, d;
    civil_from_days(utc >= 0 ? utc / 86400 : (utc - 86399) / 86400, &y, &mo, &d);
    bool summer = utc >= last_sunday_0100(y, 3) && utc < last_sunday_0100(y, 10);
    return summer ? 120 : 60;
}

static size_t put_datetime(uint8_t *p, int64_t utc)
{
    int off = sim_cet_offset(utc);
    int64_t local = utc + off * 60;
    int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    int64_t sod = local - days * 86400;
    int y;
    unsigned mo, d;
    civil_from_days(days, &y, &mo, &d);
    int64_t dow = (days + 3) % 7; /* Monday = 0 */
    if (dow < 0)
        dow += 7;
    int16_t dev = (int16_t)-off;
    p[0] = (uint8_t)(y >> 8);
    p[1] = (uint8_t)y;
    p[2] = (uint8_t)mo;
    p[3] = (uint8_t)d;
    p[4] = (uint8_t)(dow + 1);
    p[5] = (uint8_t)(sod / 3600);
    p[6] = (uint8_t)(sod / 60 % 60);
    p[7] = (uint8_t)(sod % 60);
    p[8] = 0x00;
    p[9] = (uint8_t)((uint16_t)dev >> 8);
    p[10] = (uint8_t)dev;
    p[11] = off == 120 ? 0x80 : 0x00;
    return 12;
}

void sim_init(meter_sim *m, uint64_t seed, int64_t utc_start, unsigned period)
{
    memset(m, 0, sizeof *m);
    static const uint8_t title[8] = {0x4B, 0x46, 0x4D, 0x10, 0x20, 0x00, 0x37, 0x74};
    memcpy(m->title, title, 8);
    for (int i = 0; i < 16; i++) {
        m->ek[i] = (uint8_t)i;
        m->ak[i] = (uint8_t)(0xD0 + i);
    }
    m->fc = 0x1B66;
    m->invoke_id = 0x1C4E;
    m->utc = utc_start;
    m->period = period ? period : 5;
    m->sc = 0x21;
    m->framing = SIM_MBUS;
    m->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    m->seed0 = m->rng;
    m->energy_in = 77141;
    m->energy_out = 868035;
    m->energy_out0 = m->energy_out;
    m->energy_in0 = m->energy_in;
    m->reactive_in = 13;
    m->reactive_out = 556926;
    m->gas_every = 5;
    sim_step(m);
    /* the gas meter captured at the first push's time, then every
     * gas_every pushes */
    m->pushes = 0;
    m->gas_l = 981443;
    m->gas_utc = utc_start;
    m->failure_end = utc_start - 86400;
    m->fc = 0x1B66;
    m->invoke_id = 0x1C4E;
    m->utc = utc_start;
}

/* the push whose telegram first shows the new power failure */
#define SIM_FAILURE_PUSH 4

static void step_noise(meter_sim *m);

void sim_step(meter_sim *m)
{
    m->fc++;
    m->invoke_id++;
    m->utc += m->period;
    if (m->profile != SIM_PROFILE_NOISE)
        sim_profile_step(m);
    else
        step_noise(m);
    /* the gas meter: a new capture every gas_every pushes, at that push's time */
    if (++m->pushes == SIM_FAILURE_PUSH)
        m->failure2_end = m->utc - 1;
    if (m->pushes % (m->gas_every ? m->gas_every : 1) == 0) {
        if (m->profile != SIM_PROFILE_NOISE) {
            m->gas_l += m->gas_ml / 1000;
            m->gas_ml %= 1000;
        } else {
            m->gas_l += range(m, 0, 40);
        }
        m->gas_utc = m->utc;
    }
}

void sim_set_profile(meter_sim *m, sim_profile p)
{
    m->profile = p;
    m->prof_cloud = 1;
    if (p != SIM_PROFILE_NOISE)
        sim_profile_step(m); /* this push's values, at its time */
}

static void step_noise(meter_sim *m)
{
    for (int i = 0; i < 3; i++) {
        m->voltage[i] = (uint16_t)range(m, 2250, 2450);
        m->current[i] = (uint16_t)range(m, 10, 3200);
    }
    m->power_in = range(m, 0, 9000);
    m->power_out = range(m, 0, 9000);
    /* registers advance by what the power delivered over the period, at
     * least 0 and at most a few Wh */
    m->energy_in += m->power_in * m->period / 3600;
    m->energy_out += m->power_out * m->period / 3600;
    m->reactive_in += range(m, 0, 2);
    m->reactive_out += range(m, 0, 3);
}

static size_t entry_u(uint8_t *p, const uint8_t obis[6], uint8_t type, uint32_t v, int8_t scaler,
                      uint8_t unit)
{
    size_t k = 0;
    p[k++] = 0x02;
    p[k++] = 0x03;
    p[k++] = 0x09;
    p[k++] = 0x06;
    memcpy(p + k, obis, 6);
    k += 6;
    p[k++] = type;
    if (type == 0x12) {
        p[k++] = (uint8_t)(v >> 8);
        p[k++] = (uint8_t)v;
    } else {
        p[k++] = (uint8_t)(v >> 24);
        p[k++] = (uint8_t)(v >> 16);
        p[k++] = (uint8_t)(v >> 8);
        p[k++] = (uint8_t)v;
    }
    p[k++] = 0x02;
    p[k++] = 0x02;
    p[k++] = 0x0F;
    p[k++] = (uint8_t)scaler;
    p[k++] = 0x16;
    p[k++] = unit;
    return k;
}

size_t sim_plaintext(const meter_sim *m, uint8_t *out, size_t cap)
{
    if (cap < 512)
        return 0;
    static const char number[] = "1KFM0200014196", device[] = "KFM1200200014196";
    size_t k = 0;
    out[k++] = 0x0F;
    out[k++] = (uint8_t)(m->invoke_id >> 24);
    out[k++] = (uint8_t)(m->invoke_id >> 16);
    out[k++] = (uint8_t)(m->invoke_id >> 8);
    out[k++] = (uint8_t)m->invoke_id;
    out[k++] = 0x0C;
    k += put_datetime(out + k, m->utc);
    out[k++] = 0x02;
    out[k++] = 0x10;
    static const uint8_t clock[6] = {0, 0, 1, 0, 0, 0xFF};
    out[k++] = 0x09;
    out[k++] = 0x06;
    memcpy(out + k, clock, 6);
    k += 6;
    out[k++] = 0x09;
    out[k++] = 0x0C;
    k += put_datetime(out + k, m->utc);
    static const uint8_t o_num[6] = {0, 0, 96, 1, 0, 0xFF}, o_dev[6] = {0, 0, 42, 0, 0, 0xFF};
    const struct {
        const uint8_t *obis;
        const char *s;
    } strs[2] = {{o_num, number}, {o_dev, device}};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(strs[i].s);
        out[k++] = 0x02;
        out[k++] = 0x02;
        out[k++] = 0x09;
        out[k++] = 0x06;
        memcpy(out + k, strs[i].obis, 6);
        k += 6;
        out[k++] = 0x09;
        out[k++] = (uint8_t)n;
        memcpy(out + k, strs[i].s, n);
        k += n;
    }
    static const uint8_t vc[3] = {32, 52, 72}, ic[3] = {31, 51, 71};
    for (int i = 0; i < 3; i++)
        k += entry_u(out + k, (const uint8_t[6]){1, 0, vc[i], 7, 0, 0xFF}, 0x12, m->voltage[i],
                     -1, 35);
    for (int i = 0; i < 3; i++)
        k += entry_u(out + k, (const uint8_t[6]){1, 0, ic[i], 7, 0, 0xFF}, 0x12, m->current[i],
                     -2, 33);
    k += entry_u(out + k, (const uint8_t[6]){1, 0, 1, 7, 0, 0xFF}, 0x06, m->power_in, 0, 27);
    k += entry_u(out + k, (const uint8_t[6]){1, 0, 2, 7, 0, 0xFF}, 0x06, m->power_out, 0, 27);
    k += entry_u(out + k, (const uint8_t[6]){1, 0, 1, 8, 0, 0xFF}, 0x06, m->energy_in, 0, 30);
    k += entry_u(out + k, (const uint8_t[6]){1, 0, 2, 8, 0, 0xFF}, 0x06, m->energy_out, 0, 30);
    k += entry_u(out + k, (const uint8_t[6]){1, 0, 3, 8, 0, 0xFF}, 0x06, m->reactive_in, 0, 32);
    k += entry_u(out + k, (const uint8_t[6]){1, 0, 4, 8, 0, 0xFF}, 0x06, m->reactive_out, 0, 32);
    return k;
}

int sim_cet_local(int64_t utc, int f[6])
{
    int off = sim_cet_offset(utc);
    int64_t local = utc + off * 60;
    int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    int64_t sod = local - days * 86400;
    unsigned mo, d;
    civil_from_days(days, &f[0], &mo, &d);
    f[1] = (int)mo;
    f[2] = (int)d;
    f[3] = (int)(sod / 3600);
    f[4] = (int)(sod / 60 % 60);
    f[5] = (int)(sod % 60);
    return off;
}

/* YYMMDDhhmmssX, X = S in summer time and W in winter time */
static int p1_time(char *out, size_t cap, int64_t utc)
{
    int f[6];
    int off = sim_cet_local(utc, f);
    return snprintf(out, cap, "%02d%02d%02d%02d%02d%02d%c", f[0] % 100, f[1], f[2], f[3], f[4],
                    f[5], off == 120 ? 'S' : 'W');
}

static void hex_text(char *out, const char *s)
{
    size_t n = strlen(s);
    sm_hex_encode((const uint8_t *)s, n, out);
    out[2 * n] = '\0';
}

/* The P1 telegram of the current state: DSMR 5's lines (about 1 KB), with
 * the totals Nordic meters send for the registers. */
static size_t p1_telegram(const meter_sim *m, char *out, size_t cap)
{
    char body[2048], now[40], gas_at[40], id[64], gas_id[64];
    p1_time(now, sizeof now, m->utc);
    p1_time(gas_at, sizeof gas_at, m->gas_utc);
    hex_text(id, "1KFM0200014196");
    hex_text(gas_id, "G0001234567890");
    /* the two tariffs' registers: half of each total in tariff 1 */
    unsigned t1_in = m->energy_in / 2, t2_in = m->energy_in - t1_in;
    unsigned t1_out = m->energy_out / 2, t2_out = m->energy_out - t1_out;
    int k = snprintf(body, sizeof body,
                     "/SIM5\\2SMSIM-P1\r\n\r\n1-3:0.2.8(50)\r\n0-0:1.0.0(%s)\r\n"
                     "0-0:96.1.1(%s)\r\n"
                     "1-0:1.8.0(%06u.%03u*kWh)\r\n1-0:2.8.0(%06u.%03u*kWh)\r\n"
                     "1-0:3.8.0(%06u.%03u*kvarh)\r\n1-0:4.8.0(%06u.%03u*kvarh)\r\n"
                     "1-0:1.8.1(%06u.%03u*kWh)\r\n1-0:1.8.2(%06u.%03u*kWh)\r\n"
                     "1-0:2.8.1(%06u.%03u*kWh)\r\n1-0:2.8.2(%06u.%03u*kWh)\r\n"
                     "0-0:96.14.0(0001)\r\n"
                     "1-0:1.7.0(%02u.%03u*kW)\r\n1-0:2.7.0(%02u.%03u*kW)\r\n",
                     now, id, m->energy_in / 1000, m->energy_in % 1000, m->energy_out / 1000,
                     m->energy_out % 1000, m->reactive_in / 1000, m->reactive_in % 1000,
                     m->reactive_out / 1000, m->reactive_out % 1000, t1_in / 1000, t1_in % 1000,
                     t2_in / 1000, t2_in % 1000, t1_out / 1000, t1_out % 1000, t2_out / 1000,
                     t2_out % 1000, m->power_in / 1000,
                     m->power_in % 1000, m->power_out / 1000, m->power_out % 1000);
    /* what a Dutch DSMR 5 meter adds: failure counts and log, sags and
     * swells, the text message, the power per phase (a third each) */
    char when[40], when2[40] = "";
    p1_time(when, sizeof when, m->failure_end);
    if (m->failure2_end)
        p1_time(when2, sizeof when2, m->failure2_end);
    k += snprintf(body + k, sizeof body - (size_t)k,
                  "0-0:96.7.21(00004)\r\n0-0:96.7.9(%05d)\r\n"
                  "1-0:99.97.0(%d)(0-0:96.7.19)(%s)(0000000240*s)%s%s%s\r\n"
                  "1-0:32.32.0(00002)\r\n1-0:52.32.0(00001)\r\n1-0:72.32.0(00000)\r\n"
                  "1-0:32.36.0(00000)\r\n1-0:52.36.0(00000)\r\n1-0:72.36.0(00000)\r\n"
                  "0-0:96.13.0()\r\n",
                  m->failure2_end ? 3 : 2, m->failure2_end ? 2 : 1, when,
                  m->failure2_end ? "(" : "", when2, m->failure2_end ? ")(0000000180*s)" : "");
    static const unsigned pc[3] = {21, 41, 61};
    for (int i = 0; i < 3; i++)
        k += snprintf(body + k, sizeof body - (size_t)k,
                      "1-0:%u.7.0(%02u.%03u*kW)\r\n1-0:%u.7.0(%02u.%03u*kW)\r\n", pc[i],
                      m->power_in / 3 / 1000, m->power_in / 3 % 1000, pc[i] + 1,
                      m->power_out / 3 / 1000, m->power_out / 3 % 1000);
    static const unsigned vc[3] = {32, 52, 72}, ic[3] = {31, 51, 71};
    for (int i = 0; i < 3; i++)
        k += snprintf(body + k, sizeof body - (size_t)k, "1-0:%u.7.0(%03u.%u*V)\r\n", vc[i],
                      m->voltage[i] / 10u, m->voltage[i] % 10u);
    for (int i = 0; i < 3; i++)
        k += snprintf(body + k, sizeof body - (size_t)k, "1-0:%u.7.0(%03u.%02u*A)\r\n", ic[i],
                      m->current[i] / 100u, m->current[i] % 100u);
    snprintf(body + k, sizeof body - (size_t)k,
             "0-1:24.1.0(003)\r\n0-1:96.1.0(%s)\r\n0-1:24.2.1(%s)(%05u.%03u*m3)\r\n", gas_id,
             gas_at, m->gas_l / 1000, m->gas_l % 1000);
    return smb_p1(out, cap, body, (smb_p1_crc)m->p1_crc);
}

/* ---- SML ------------------------------------------------------------------ */

/* The export register as the shape sends it: a DZG consumer's stands still
 * at its first value (the meter exports nothing: its power is import). */
static uint32_t sml_export_wh(const meter_sim *m)
{
    return m->sml_make == SIM_SML_DZG ? m->energy_out0 : m->energy_out;
}

/* ... and a producer's import register (the DVBS shape) */
static uint32_t sml_import_wh(const meter_sim *m)
{
    return m->sml_make == SIM_SML_DZG_NEW ? m->energy_in0 : m->energy_in;
}

typedef struct {
    uint8_t b[1024];
    size_t n;
} sml_buf;

static void sml_put(sml_buf *w, const void *p, size_t n)
{
    if (w->n + n <= sizeof w->b)
        memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void sml_tl(sml_buf *w, unsigned type, size_t len)
{
    w->n += smb_sml_tl(w->b + w->n, w->n < sizeof w->b ? sizeof w->b - w->n : 0, type, len);
}

static void sml_num(sml_buf *w, unsigned type, uint64_t v, size_t bytes)
{
    w->n += smb_sml_number(w->b + w->n, w->n < sizeof w->b ? sizeof w->b - w->n : 0, type, v,
                           bytes);
}

/* a valList entry: objName C.D.E (A 1, B 0, F 255), status or none, unit,
 * scaler, a number of `bytes` bytes (type 5 integer, 6 unsigned) */
static void sml_entry(sml_buf *w, uint8_t c, uint8_t d, uint8_t e, uint32_t status, uint8_t unit,
                      int8_t scaler, unsigned type, uint64_t v, size_t bytes)
{
    const uint8_t name[6] = {1, 0, c, d, e, 255};
    sml_tl(w, 7, 7);
    sml_tl(w, 0, 6);
    sml_put(w, name, 6);
    if (status)
        sml_num(w, 6, status, 3);
    else
        sml_put(w, "\x01", 1);
    sml_put(w, "\x01", 1); /* valTime */
    sml_num(w, 6, unit, 1);
    sml_num(w, 5, (uint64_t)(int64_t)scaler, 1);
    sml_num(w, type, v, bytes);
    sml_put(w, "\x01", 1); /* valueSignature */
}

/* What each make's shape sends, from the meter's state: the one place both
 * the telegram and the expect line (sim_expect_json) take it from. */
typedef struct {
    uint8_t server[10];       /* DIN 43863-5 server id */
    uint32_t status;          /* 1.8.0's and 2.8.0's status word */
    int64_t power;            /* EMH: the absolute power 15.7.0 (W); else 16.7.0 */
    int8_t power_scaler;
    bool phases;              /* voltages and currents */
} sml_shape;

static sml_shape sml_shape_of(const meter_sim *m)
{
    sml_shape v = {.phases = true};
    bool exporting = m->power_out > m->power_in;
    int64_t net = (int64_t)m->power_in - (int64_t)m->power_out;
    switch (m->sml_make) {
    case SIM_SML_DZG: /* a consumer's DVS74 before firmware 1.2: import only, the
                         power always in the range the bug shows, 0.01 W */
        memcpy(v.server, "\x0A\x01" "DZG" "\x00\x02\x82\x22\x5E", 10);
        v.status = 0x1C0104;
        v.power = 32768 + (int64_t)(m->power_in * 100u % 32768u);
        v.power_scaler = -2;
        v.phases = false;
        break;
    case SIM_SML_DZG_NEW: /* a DVBS12.2H at a producer: its meter number below the
                             DVS74's fixed ones, yet real negatives (-327.67 to
                             -0.01 W, the range the DVS74 quirk reads as its bug);
                             export only */
        memcpy(v.server, "\x0A\x01" "DZG" "\x00\x02\x65\xBA\x71", 10);
        v.status = 0x1C0904;
        v.power = -(1 + (int64_t)(m->power_out * 100u % 32767u));
        v.power_scaler = -2;
        v.phases = false;
        break;
    case SIM_SML_HOLLEY: /* export flagged in bit 11, signed power */
        memcpy(v.server, "\x0A\x01" "HLY" "\x02\x00\x05\xDC\x4B", 10);
        v.status = exporting ? 0x1C0904 : 0x1C0104;
        v.power = net;
        break;
    default: /* EMH: the absolute power, export flagged in bit 5 (0x20) */
        memcpy(v.server, "\x09\x01" "EMH" "\x00\x00\xAB\xD6\x2A", 10);
        v.status = exporting ? 0x1A2 : 0x182;
        v.power = net < 0 ? -net : net;
        break;
    }
    return v;
}

/* The maker: 129-129:199.130.3 (EMH) or 1-0:96.50.1*1 (DZG, Holley) */
static void sml_maker(const meter_sim *m, sml_buf *w)
{
    static const uint8_t emh[6] = {129, 129, 199, 130, 3, 255}, other[6] = {1, 0, 96, 50, 1, 1};
    sml_tl(w, 7, 7);
    sml_tl(w, 0, 6);
    sml_put(w, m->sml_make == SIM_SML_EMH ? emh : other, 6);
    sml_put(w, "\x01\x01\x01\x01", 4);
    sml_tl(w, 0, 3);
    sml_put(w, m->sml_make == SIM_SML_HOLLEY ? "HLY" : m->sml_make == SIM_SML_EMH ? "EMH" : "DZG", 3);
    sml_put(w, "\x01", 1);
}

/* an energy register: Holley sends its valTime as a bare secIndex (65 ...),
 * without the list of 2 around it */
static void sml_energy(const meter_sim *m, sml_buf *w, uint8_t c, uint32_t status, uint64_t wh10)
{
    const uint8_t name[6] = {1, 0, c, 8, 0, 255};
    if (m->sml_make != SIM_SML_HOLLEY) {
        sml_entry(w, c, 8, 0, status, 30, -1, m->sml_make == SIM_SML_EMH ? 5 : 6, wh10,
                  m->sml_make == SIM_SML_EMH ? 5 : 4);
        return;
    }
    sml_tl(w, 7, 7);
    sml_tl(w, 0, 6);
    sml_put(w, name, 6);
    sml_num(w, 6, status, 3);
    sml_num(w, 6, m->fc, 4); /* the bare valTime */
    sml_num(w, 6, 30, 1);
    sml_num(w, 5, (uint64_t)(int64_t)-1, 1);
    sml_num(w, 6, wh10, 4);
    sml_put(w, "\x01", 1);
}

static void sml_list(const meter_sim *m, sml_buf *w)
{
    sml_shape v = sml_shape_of(m);
    sml_tl(w, 7, 7);
    sml_put(w, "\x01", 1); /* clientId */
    sml_tl(w, 0, 10);
    sml_put(w, v.server, 10);
    sml_put(w, "\x01", 1); /* listName */
    sml_tl(w, 7, 2);        /* actSensorTime: the secIndex, a counter */
    sml_num(w, 6, 1, 1);
    sml_num(w, 6, m->fc, 4);
    sml_tl(w, 7, v.phases ? 10 : 4); /* the maker, two energies, power[, 3 voltages, 3 currents] */
    sml_maker(m, w);
    sml_energy(m, w, 1, v.status, (uint64_t)sml_import_wh(m) * 10);
    sml_energy(m, w, 2, v.status, (uint64_t)sml_export_wh(m) * 10);
    if (m->sml_make == SIM_SML_DZG || m->sml_make == SIM_SML_DZG_NEW) /* Integer16 (53): the
                                         DVS74 fills it unsigned (its bug), the DVBS signed */
        sml_entry(w, 16, 7, 0, 0, 27, v.power_scaler, 5, (uint64_t)v.power, 2);
    else
        sml_entry(w, m->sml_make == SIM_SML_EMH ? 15 : 16, 7, 0, 0, 27, 0, 5,
                  (uint64_t)v.power, 4);
    for (uint8_t i = 0; v.phases && i < 3; i++)
        sml_entry(w, (uint8_t)(32 + 20 * i), 7, 0, 0, 35, -1, 6, m->voltage[i], 2);
    for (uint8_t i = 0; v.phases && i < 3; i++)
        sml_entry(w, (uint8_t)(31 + 20 * i), 7, 0, 0, 33, -2, 6, m->current[i], 2);
    sml_put(w, "\x01\x01", 2); /* listSignature, actGatewayTime */
}

static size_t sml_telegram(const meter_sim *m, uint8_t *out, size_t cap)
{
    sml_shape v = sml_shape_of(m);
    bool kermit = m->sml_make == SIM_SML_HOLLEY; /* Holley's RS485 meters */
    sml_buf open = {.n = 0}, list = {.n = 0};
    sml_tl(&open, 7, 6);
    sml_put(&open, "\x01\x01", 2); /* codepage, clientId */
    sml_tl(&open, 0, 4);
    sml_put(&open, (uint8_t[4]){(uint8_t)(m->fc >> 24), (uint8_t)(m->fc >> 16),
                                (uint8_t)(m->fc >> 8), (uint8_t)m->fc},
            4);
    sml_tl(&open, 0, 10);
    sml_put(&open, v.server, 10);
    sml_put(&open, "\x01\x01", 2); /* refTime, smlVersion */
    sml_list(m, &list);
    if (open.n > sizeof open.b || list.n > sizeof list.b)
        return 0;
    uint8_t msgs[1400];
    uint32_t tx = m->fc * 3;
    size_t k = smb_sml_message(msgs, sizeof msgs, tx, 0x0101, open.b, open.n, kermit);
    k += smb_sml_message(msgs + k, sizeof msgs - k, tx + 1, 0x0701, list.b, list.n, kermit);
    k += smb_sml_message(msgs + k, sizeof msgs - k, tx + 2, 0x0201, (const uint8_t *)"\x71\x01", 2,
                         kermit);
    return smb_sml_frame(out, cap, msgs, k, kermit);
}

size_t sim_telegram(const meter_sim *m, uint8_t *out, size_t cap)
{
    if (m->framing == SIM_P1)
        return p1_telegram(m, (char *)out, cap);
    if (m->framing == SIM_SML)
        return sml_telegram(m, out, cap);
    if (m->framing == SIM_TIC)
        return sim_tic_telegram(m, out, cap);
    uint8_t plain[512], apdu[600];
    size_t pn = sim_plaintext(m, plain, sizeof plain);
    size_t an = smb_glo(apdu, sizeof apdu, m->sc, m->title, m->fc, m->ek, 16,
                        (m->sc & 0x10) ? m->ak : NULL, (m->sc & 0x10) ? 16 : 0, plain, pn);
    if (!pn || !an)
        return 0;
    switch (m->framing) {
    case SIM_MBUS:
        return smb_mbus(out, cap, apdu, an, 245);
    case SIM_HDLC: {
        static const uint8_t dst[1] = {0x41}, src[2] = {0x08, 0x83};
        return smb_hdlc_frame(out, cap, apdu, an, true, false, dst, 1, src, 2);
    }
    case SIM_RAW:
        if (an > cap)
            return 0;
        memcpy(out, apdu, an);
        return an;
    case SIM_WRAPPER: /* version 1, ports 1 and 16, the length */
        if (an + 8 > cap)
            return 0;
        memcpy(out, (const uint8_t[6]){0x00, 0x01, 0x00, 0x01, 0x00, 0x10}, 6);
        out[6] = (uint8_t)(an >> 8);
        out[7] = (uint8_t)an;
        memcpy(out + 8, apdu, an);
        return an + 8;
    case SIM_P1:
    case SIM_SML:
    case SIM_TIC:
        break;
    }
    return 0;
}

uint64_t sim_xorshift(uint64_t *s)
{
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return *s;
}

const char *sim_damage_name(int kind)
{
    static const char *const names[] = {"ok", "bitflip", "truncate", "garbage", "dupframe",
                                        "repeat"};
    return kind >= 0 && kind <= SIM_DAMAGE_KINDS ? names[kind] : "?";
}

size_t sim_damage(int kind, uint64_t *rng, const uint8_t *buf, size_t n, uint8_t *out)
{
    size_t at = 1 + (size_t)(sim_xorshift(rng) % (n - 1)), k;
    switch (kind) {
    case 1:
        memcpy(out, buf, n);
        out[sim_xorshift(rng) % n] ^= (uint8_t)(1u << (sim_xorshift(rng) % 8));
        return n;
    case 2:
        memcpy(out, buf, at);
        return at;
    case 3:
        k = 1 + (size_t)(sim_xorshift(rng) % 32);
        memcpy(out, buf, at);
        for (size_t j = 0; j < k; j++)
            out[at + j] = (uint8_t)(sim_xorshift(rng) >> 24);
        memcpy(out + at + k, buf + at, n - at);
        return n + k;
    case 4: /* an M-Bus telegram's first frame; the whole one else */
        k = (buf[0] == 0x68 && (size_t)buf[1] + 6 < n) ? (size_t)buf[1] + 6 : n;
        memcpy(out, buf, k);
        memcpy(out + k, buf, n);
        return n + k;
    default:
        memcpy(out, buf, n);
        memcpy(out + n, buf, n);
        return 2 * n;
    }
}

static int decimal(char *out, size_t cap, uint32_t raw, int scaler)
{
    if (scaler == -1)
        return snprintf(out, cap, "%u.%u", raw / 10, raw % 10);
    if (scaler == -2)
        return snprintf(out, cap, "%u.%02u", raw / 100, raw % 100);
    return snprintf(out, cap, "%u", raw);
}

/* SML: what the shape sends, no clock (the reader stamps the host's time) */
static size_t sml_expect_json(const meter_sim *m, const char *time, char *out, size_t cap)
{
    sml_shape v = sml_shape_of(m);
    int64_t power = m->sml_make == SIM_SML_EMH && m->power_out > m->power_in ? -v.power : v.power;
    char p[32] = "-", ph[200] = "";
    decimal(p + (power < 0), sizeof p - 1, (uint32_t)(power < 0 ? -power : power), v.power_scaler);
    if (v.phases) {
        char a[6][16];
        for (int i = 0; i < 3; i++) {
            decimal(a[i], sizeof a[i], m->voltage[i], -1);
            decimal(a[3 + i], sizeof a[3 + i], m->current[i], -2);
        }
        snprintf(ph, sizeof ph,
                 ",\"voltage_l1\":%s,\"voltage_l2\":%s,\"voltage_l3\":%s,\"current_l1\":%s,"
                 "\"current_l2\":%s,\"current_l3\":%s", a[0], a[1], a[2], a[3], a[4], a[5]);
    }
    int n = snprintf(out, cap,
                     "{\"frame_counter\":%lu,\"time\":\"%s\",\"unix\":%lld,\"power_net\":%s,"
                     "\"energy_import\":%lu,\"energy_export\":%lu%s}",
                     (unsigned long)m->fc, time, (long long)m->utc, p,
                     (unsigned long)sml_import_wh(m), (unsigned long)sml_export_wh(m), ph);
    return n < 0 ? 0 : (size_t)n;
}

size_t sim_expect_json(const meter_sim *m, char *out, size_t cap)
{
    if (m->framing == SIM_TIC)
        return sim_tic_expect_json(m, out, cap);
    int off = sim_cet_offset(m->utc);
    int64_t local = m->utc + off * 60;
    int64_t days = local / 86400, sod = local % 86400;
    int y;
    unsigned mo, d;
    civil_from_days(days, &y, &mo, &d);
    char t[40], u[40];
    snprintf(t, sizeof t, "%04d-%02u-%02uT%02d:%02d:%02d+%02d:00", y, mo, d, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60), off / 60);
    int64_t udays = m->utc / 86400, usod = m->utc % 86400;
    civil_from_days(udays, &y, &mo, &d);
    snprintf(u, sizeof u, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, mo, d, (int)(usod / 3600),
             (int)(usod / 60 % 60), (int)(usod % 60));
    if (m->framing == SIM_SML)
        return sml_expect_json(m, t, out, cap);
    char v[3][16], c[3][16], gas[64] = "";
    if (m->framing == SIM_P1)
        snprintf(gas, sizeof gas, ",\"gas_m3\":%u.%03u,\"gas_unix\":%lld", m->gas_l / 1000,
                 m->gas_l % 1000, (long long)m->gas_utc);
    for (int i = 0; i < 3; i++) {
        decimal(v[i], sizeof v[i], m->voltage[i], -1);
        decimal(c[i], sizeof c[i], m->current[i], -2);
    }
    int n = snprintf(out, cap,
                     "{\"frame_counter\":%lu,\"time\":\"%s\",\"time_utc\":\"%s\",\"unix\":%lld,"
                     "\"voltage_l1\":%s,\"voltage_l2\":%s,\"voltage_l3\":%s,"
                     "\"current_l1\":%s,\"current_l2\":%s,\"current_l3\":%s,"
                     "\"power_import\":%lu,\"power_export\":%lu,"
                     "\"energy_import\":%lu,\"energy_export\":%lu,"
                     "\"reactive_energy_import\":%lu,\"reactive_energy_export\":%lu%s}",
                     (unsigned long)m->fc, t, u, (long long)m->utc, v[0], v[1], v[2], c[0], c[1],
                     c[2], (unsigned long)m->power_in, (unsigned long)m->power_out,
                     (unsigned long)m->energy_in, (unsigned long)m->energy_out,
                     (unsigned long)m->reactive_in, (unsigned long)m->reactive_out, gas);
    return n < 0 ? 0 : (size_t)n;
}
