/* sm_tic.c - the groups of a TIC frame into readings.  See sm_tic.h. */
#include "sm_tic.h"

#include <string.h>

#include "sm_axdr.h"

#define CR 0x0D
#define LF 0x0A
#define HT 0x09
#define SP 0x20
#define DEL 0x7F /* a byte whose parity bit was wrong (sm_tic_frame.c) */
#define HORODATE_LEN 13
#define TEXT_MAX 98 /* the longest data of the specification (PJOURF+1) */

const char *sm_tic_mode_name(sm_tic_mode m)
{
    return m == SM_TIC_HISTORIQUE ? "historique" : m == SM_TIC_STANDARD ? "standard" : "unknown";
}

const char *sm_tic_verdict_name(sm_tic_verdict v)
{
    static const char *const names[SM_TIC_VERDICTS] = {
        "ok", "shape", "parity", "checksum", "label", "value", "horodate", "mode", "full"};
    return (unsigned)v < SM_TIC_VERDICTS ? names[v] : "?";
}

uint8_t sm_tic_checksum(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return (uint8_t)((s & 0x3F) + 0x20);
}

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static bool is_upper(uint8_t c) { return c >= 'A' && c <= 'Z'; }

bool sm_tic_horodate(const uint8_t *p, size_t n, sm_datetime *dt)
{
    if (n != HORODATE_LEN)
        return false;
    uint8_t season = p[0];
    bool degraded = season == 'e' || season == 'h';
    if (degraded)
        season = (uint8_t)(season - 'a' + 'A');
    if (season != 'E' && season != 'H' && season != SP)
        return false;
    unsigned f[6];
    for (int k = 0; k < 6; k++) {
        if (!is_digit(p[1 + 2 * k]) || !is_digit(p[2 + 2 * k]))
            return false;
        f[k] = (unsigned)((p[1 + 2 * k] - '0') * 10 + (p[2 + 2 * k] - '0'));
    }
    /* the deviation: UTC = local + deviation (DLMS), so CET is -60 */
    int16_t dev = season == 'E' ? -120 : season == 'H' ? -60 : SM_DT_DEVIATION_UNSPECIFIED;
    uint16_t udev = (uint16_t)dev;
    uint8_t status = season == SP ? 0xFF : (uint8_t)(season == 'E' ? SM_DT_STATUS_DST : 0);
    if (degraded)
        status |= SM_DT_STATUS_DOUBTFUL;
    unsigned year = 2000 + f[0];
    uint8_t b[12] = {(uint8_t)(year >> 8), (uint8_t)year, (uint8_t)f[1], (uint8_t)f[2], 0xFF,
                     (uint8_t)f[3], (uint8_t)f[4], (uint8_t)f[5], 0,
                     (uint8_t)(udev >> 8), (uint8_t)udev, status};
    return sm_datetime_parse(b, dt) == SM_OK;
}

/* ---- one group ------------------------------------------------------------ */

/* Where the fields of the group g (its bytes from g->off, g->len long, up
 * to before its CR) are, by its separators: false when it has not the
 * shape of either mode. */
static bool split(const uint8_t *p, sm_tic_group *g)
{
    const uint8_t *q = p + g->off;
    size_t n = g->len;
    if (n < 4) /* the shortest: "X Y c" less one, "X\tY\tc" */
        return false;
    g->checksum = q[n - 1];
    const uint8_t *ht = memchr(q, HT, n);
    if (ht) {
        /* standard: label HT [horodate HT] data HT checksum */
        g->mode = SM_TIC_STANDARD;
        if (q[n - 2] != HT)
            return false;
        size_t end = n - 2, first = (size_t)(ht - q); /* end: the HT before the checksum */
        if (first >= end)
            return false; /* a label and a checksum only */
        const uint8_t *ht2 = memchr(q + first + 1, HT, end - first - 1);
        size_t second = ht2 ? (size_t)(ht2 - q) : end;
        if (second < end && memchr(q + second + 1, HT, end - second - 1))
            return false; /* a fourth field */
        g->label_len = (uint8_t)(first < 255 ? first : 255);
        if (second < end) {
            g->horodate_off = (uint16_t)(g->off + first + 1);
            g->horodate_len = (uint8_t)(second - first - 1);
            g->data_off = (uint16_t)(g->off + second + 1);
            g->data_len = (uint16_t)(end - second - 1);
        } else {
            g->data_off = (uint16_t)(g->off + first + 1);
            g->data_len = (uint16_t)(end - first - 1);
        }
        g->computed = sm_tic_checksum(q, n - 1);
        return first > 0 && first < 255 && (second == end || g->horodate_len > 0);
    }
    /* historique: label SP data SP checksum (the checksum may be a space) */
    g->mode = SM_TIC_HISTORIQUE;
    if (q[n - 2] != SP)
        return false;
    const uint8_t *sp = memchr(q, SP, n - 2);
    if (!sp || sp == q)
        return false;
    size_t first = (size_t)(sp - q);
    g->label_len = (uint8_t)(first < 255 ? first : 255);
    g->data_off = (uint16_t)(g->off + first + 1);
    g->data_len = (uint16_t)(n - 2 - first - 1);
    g->computed = sm_tic_checksum(q, n - 2);
    return first < 255 && g->data_len > 0;
}

/* [A-Z0-9+-], no longer than the specification's longest (SMAXSN1-1): a
 * longer one is two fields whose HT was damaged into a letter */
#define LABEL_MAX 9
static bool label_chars(const uint8_t *p, size_t n)
{
    if (n > LABEL_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_upper(p[i]) && !is_digit(p[i]) && p[i] != '+' && p[i] != '-')
            return false;
    return n > 0;
}

/* The data's characters and width, as its label's form wants them. */
static bool data_fits(const sm_tic_label *def, const uint8_t *p, size_t n)
{
    sm_tic_form form = def ? (sm_tic_form)def->form : SM_TIC_TEXT;
    size_t width = def ? def->width : 0;
    if (form == SM_TIC_EMPTY)
        return n == 0;
    if (width ? n != width : (n == 0 || n > TEXT_MAX))
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        bool ok = form == SM_TIC_DIGITS ? is_digit(c)
                  : form == SM_TIC_ID   ? is_digit(c) || is_upper(c)
                  : form == SM_TIC_HEX  ? is_digit(c) || (c >= 'A' && c <= 'F')
                                        : c >= SP && c <= 0x5F;
        if (!ok)
            return false;
    }
    return true;
}

/* The verdict on a group whose fields were found, in the frame of mode
 * `mode`; *dt its horodate. */
static sm_tic_verdict judge(const uint8_t *p, sm_tic_group *g, sm_tic_mode mode,
                            const sm_tic_label *prev, sm_datetime *dt)
{
    const uint8_t *q = p + g->off;
    if (memchr(q, DEL, g->len))
        return SM_TIC_GROUP_PARITY;
    if (g->checksum != g->computed)
        return SM_TIC_GROUP_CHECKSUM;
    if (!label_chars(q, g->label_len))
        return SM_TIC_GROUP_LABEL;
    if (g->mode != mode)
        return SM_TIC_GROUP_MODE;
    g->def = sm_tic_label_next(prev, q, g->label_len);
    const sm_tic_label *def = g->def;
    unsigned bit = mode == SM_TIC_HISTORIQUE ? SM_TIC_HIST : SM_TIC_STD;
    if (def && !(def->modes & bit))
        return SM_TIC_GROUP_MODE;
    bool want_horodate = def ? def->horodate : g->horodate_len > 0;
    if (want_horodate != (g->horodate_len > 0) ||
        (g->horodate_len && !sm_tic_horodate(p + g->horodate_off, g->horodate_len, dt)))
        return SM_TIC_GROUP_HORODATE;
    if (!data_fits(def, p + g->data_off, g->data_len))
        return SM_TIC_GROUP_VALUE;
    return SM_TIC_GROUP_OK;
}

/* The reading of a good group. */
static void reading(const uint8_t *p, const sm_tic_group *g, const sm_datetime *dt,
                    sm_reading *r, uint16_t index)
{
    const sm_tic_label *def = g->def;
    memset(r, 0, sizeof *r);
    r->index = index;
    r->node = r->obis_node = r->parent = SM_NO_NODE;
    r->label = p + g->off;
    r->label_len = g->label_len;
    r->text = p + g->data_off;
    r->text_len = g->data_len;
    r->bytes = r->text;
    r->len = r->text_len;
    r->kind = SM_RK_STRING;
    r->type = SM_DT_VISIBLE_STRING;
    if (!def)
        return;
    r->info = &def->info;
    if (def->has_obis) {
        r->obis = def->obis;
        r->obis_source = SM_OBIS_LABEL;
    }
    if (def->form == SM_TIC_EMPTY) { /* DATE: its horodate is its value */
        r->kind = SM_RK_DATETIME;
        r->type = SM_DT_OCTET_STRING;
        r->dt = *dt;
        r->bytes = r->text = p + g->horodate_off;
        r->len = r->text_len = g->horodate_len;
        return;
    }
    if (g->horodate_len) {
        r->has_capture = true;
        r->capture = *dt;
    }
    if (!def->number)
        return;
    uint64_t v = 0;
    for (size_t i = 0; i < g->data_len; i++)
        v = v * 10 + (uint64_t)(p[g->data_off + i] - '0');
    r->kind = SM_RK_NUMBER;
    r->type = SM_DT_UINT32;
    r->raw_u = v;
    r->scaler = def->scaler;
    r->scaler_source = SM_SCALER_IMPLIED;
    r->unit = def->info.unit;
    double f = (double)v;
    for (int k = 0; k < def->scaler; k++)
        f *= 10;
    r->value = f;
    r->width = (uint8_t)g->data_len;
}

/* ---- the frame ------------------------------------------------------------ */

/* The next group from *pos: its bytes (from after an LF to before its CR);
 * false when no LF is left.  *cr: it ended in a CR (else at the next LF or
 * the end: its CR was lost). */
static bool next_group(const uint8_t *p, size_t n, size_t *pos, size_t *from, size_t *to,
                       bool *cr)
{
    const uint8_t *lf = *pos < n ? memchr(p + *pos, LF, n - *pos) : NULL;
    if (!lf)
        return false;
    size_t a = (size_t)(lf - p) + 1;
    const uint8_t *next = a < n ? memchr(p + a, LF, n - a) : NULL;
    size_t b = next ? (size_t)(next - p) : n;
    const uint8_t *c = b > a ? memchr(p + a, CR, b - a) : NULL;
    *cr = c != NULL;
    *from = a;
    *to = c ? (size_t)(c - p) : b;
    *pos = b;
    return true;
}

/* The frame's mode: that of its first group whose checksum verifies. */
/* A historique group's checksum by 02E's "mode 2": the SP before the
 * checksum summed too. */
static uint8_t sum_mode2(const uint8_t *p, const sm_tic_group *g)
{
    return sm_tic_checksum(p + g->off, (size_t)g->len - 1);
}

/* The frame's mode: that of its first group whose checksum verifies; and
 * for historique the checksum rule: mode 2 when no group verifies by the
 * usual rule and at least two do by mode 2 (a meter uses one rule: taking
 * either for each group would double the chance that a damaged one
 * passes). */
static sm_tic_mode frame_mode(const uint8_t *p, size_t n, bool *mode2)
{
    size_t pos = 0, a, b;
    bool cr;
    unsigned ok1 = 0, ok2 = 0;
    sm_tic_mode mode = SM_TIC_UNKNOWN, mode_by2 = SM_TIC_UNKNOWN;
    while (next_group(p, n, &pos, &a, &b, &cr) && ok1 == 0) {
        sm_tic_group g = {.off = (uint16_t)a, .len = (uint16_t)(b - a)};
        if (!cr || !split(p, &g))
            continue;
        if (g.checksum == g.computed) {
            ok1++;
            mode = (sm_tic_mode)g.mode;
        } else if (g.mode == SM_TIC_HISTORIQUE && g.checksum == sum_mode2(p, &g)) {
            ok2++;
            mode_by2 = SM_TIC_HISTORIQUE;
        }
    }
    *mode2 = ok1 == 0 && ok2 >= 2;
    return *mode2 ? mode_by2 : mode;
}

/* A group's outcome into the frame's record (STGE's value kept). */
static void book(const uint8_t *p, sm_tic_info *info, const sm_tic_group *g, sm_tic_verdict v)
{
    if (v == SM_TIC_GROUP_OK) {
        info->ok++;
        if (!g->def)
            info->unknown++;
        if (g->def && g->def->form == SM_TIC_ID && g->def->has_obis)
            info->id_group = (int16_t)info->ngroups;
        if (g->def && strcmp(g->def->label, "RELAIS") == 0) {
            unsigned bits = 0;
            for (size_t i = 0; i < g->data_len; i++)
                bits = bits * 10 + (unsigned)(p[g->data_off + i] - '0');
            info->has_relais = bits <= 255;
            info->relais = (uint8_t)bits;
        }
        if (g->def && strcmp(g->def->label, "STGE") == 0) {
            info->has_stge = true;
            info->stge = 0;
            for (size_t i = 0; i < g->data_len; i++) {
                uint8_t ch = p[g->data_off + i];
                info->stge = info->stge << 4 | (uint32_t)(is_digit(ch) ? ch - '0' : ch - 'A' + 10);
            }
        }
    } else {
        info->failed[v]++;
    }
    if (info->ngroups < SM_TIC_MAX_GROUPS)
        info->groups[info->ngroups] = *g;
    if (info->ngroups < UINT16_MAX)
        info->ngroups = (uint16_t)(info->ngroups + 1);
}

sm_err sm_tic_parse(sm_cur *c, bool whole, sm_tic_info *info, sm_reading_set *out)
{
    const uint8_t *p = c->p;
    size_t n = sm_cur_left(c);
    memset(info, 0, sizeof *info);
    info->id_group = -1;
    if (n > UINT16_MAX)
        return SM_ERR_OVERSIZE;
    bool mode2;
    info->mode = (uint8_t)frame_mode(p, n, &mode2);
    info->checksum_mode2 = mode2;
    size_t pos = 0, a, b, first_bad = n;
    bool cr;
    const sm_tic_label *prev = NULL;
    while (next_group(p, n, &pos, &a, &b, &cr)) {
        sm_tic_group g = {.off = (uint16_t)a, .len = (uint16_t)(b - a), .reading = -1};
        sm_datetime dt;
        sm_tic_verdict v = SM_TIC_GROUP_SHAPE;
        if (cr && split(p, &g)) {
            if (mode2 && g.mode == SM_TIC_HISTORIQUE)
                g.computed = sum_mode2(p, &g);
            v = judge(p, &g, (sm_tic_mode)info->mode, prev, &dt);
        }
        if (g.def)
            prev = g.def;
        if (v == SM_TIC_GROUP_OK && out->n >= out->cap)
            v = SM_TIC_GROUP_FULL;
        if (v == SM_TIC_GROUP_OK && !whole) {
            g.reading = (int16_t)out->n;
            reading(p, &g, &dt, &out->readings[out->n], (uint16_t)out->n);
            out->n++;
        }
        g.verdict = (uint8_t)v;
        book(p, info, &g, v);
        if (v != SM_TIC_GROUP_OK && first_bad == n)
            first_bad = a;
    }
    if (whole && first_bad < n) {
        c->p = p + first_bad;
        for (size_t i = 0; i < info->ngroups && i < SM_TIC_MAX_GROUPS; i++)
            info->groups[i].reading = -1;
        return SM_ERR_TIC_GROUP;
    }
    if (whole) { /* every group good: now the readings */
        for (size_t i = 0; i < info->ngroups && i < SM_TIC_MAX_GROUPS; i++) {
            sm_tic_group *g = &info->groups[i];
            sm_datetime dt;
            if (out->n >= out->cap)
                break;
            judge(p, g, (sm_tic_mode)info->mode, g->def, &dt);
            g->reading = (int16_t)out->n;
            reading(p, g, &dt, &out->readings[out->n], (uint16_t)out->n);
            out->n++;
        }
    }
    if (!info->ok) {
        c->p = p + (first_bad < n ? first_bad : 0);
        return SM_ERR_TIC_NO_GROUP;
    }
    c->p = p + n;
    return SM_OK;
}
