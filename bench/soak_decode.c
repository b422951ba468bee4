/* soak_decode - the decode core's soak (`make soak-decode`; too long for
 * CI): COUNT telegrams of the simulated meter (sim/meter_sim.h) in one
 * framing, PCT percent of them damaged as `smsim --corrupt` damages them (a
 * bit flipped, cut short, garbage inside, the first frame twice, the whole
 * telegram twice), fed to one decoder in pseudo-random pieces of 1 to 4096
 * bytes.  Checked against what was sent:
 *  - every intact telegram is decoded exactly once, with its values;
 *  - no value is wrong: every telegram decoded has the meter time of one
 *    that was sent, and that one's energy register and voltage;
 *  - every damaged telegram is decoded (with its values) or reported as a
 *    failed telegram whose first byte lies within its bytes: none is only
 *    counted as skipped bytes (except one cut to fewer bytes than tell a
 *    telegram from noise, SHORTEST: a frame's header, a wrapper's header
 *    and its APDU's tag; counted apart).
 * Prints the counts and the rate; exit 1 when a check fails.
 *
 *   soak_decode FRAMING LINK [COUNT [PCT [SEED]]]
 *
 * FRAMING: mbus, hdlc, raw, wrapper, p1, or mix (M-Bus, HDLC and P1 in
 * turn, a thousand telegrams each); LINK: auto, or the framing's own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meter_sim.h"
#include "sm_decoder.h"

#define START 1692652980 /* the simulator's default start */
#define PERIOD 5
#define SHORTEST 9 /* bytes: an HDLC header with its HCS; a wrapper's and a tag */

typedef struct {
    uint64_t start, end;  /* its bytes in the stream */
    uint32_t energy;      /* 1-0:1.8.0, Wh */
    uint16_t voltage;     /* 1-0:32.7.0, 0.1 V */
    uint8_t kind;         /* 0 intact, else the damage (sim_damage_name) */
    uint8_t decoded;      /* times decoded with the right values */
    bool reported;        /* a failed telegram began within its bytes */
} sent;

typedef struct {
    sent *s;
    size_t n;             /* sent so far */
    uint64_t wrong, unknown_time;
} soak;

static const sm_reading *find(const sm_telegram *t, unsigned a, unsigned c, unsigned d,
                              unsigned e)
{
    for (size_t i = 0; i < t->nreadings; i++)
        if (sm_obis_is(&t->readings[i].obis, a, c, d, e))
            return &t->readings[i];
    return NULL;
}

/* the sent telegram whose bytes hold stream offset off, or n */
static size_t sent_at(const soak *k, uint64_t off)
{
    size_t lo = 0, hi = k->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (k->s[mid].end <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < k->n && k->s[lo].start <= off ? lo : k->n;
}

static void on_telegram(void *ctx, const sm_telegram *t)
{
    soak *k = ctx;
    if (t->err) {
        size_t i = t->link ? sent_at(k, t->link->offset) : k->n;
        if (i < k->n)
            k->s[i].reported = true;
        return;
    }
    const sm_reading *clock = find(t, 0, 1, 0, 0), *en = find(t, 1, 1, 8, 0),
                     *u = find(t, 1, 32, 7, 0);
    int64_t utc;
    if (!clock || clock->kind != SM_RK_DATETIME ||
        sm_datetime_to_unix(&clock->dt, -60, &utc) != SM_OK || utc < START ||
        (utc - START) % PERIOD != 0 || (uint64_t)(utc - START) / PERIOD >= k->n) {
        if (k->unknown_time++ < 5)
            fprintf(stderr, "   at a time never sent: a telegram at stream offset %llu (%s, "
                    "%zu readings, %s)\n",
                    (unsigned long long)(t->link ? t->link->offset : 0),
                    clock ? "its clock" : "no clock", t->nreadings,
                    t->layout ? t->layout : "-");
        return;
    }
    sent *s = &k->s[(utc - START) / PERIOD];
    if (!en || !u || en->value != s->energy || u->value * 10 + 0.5 < s->voltage ||
        u->value * 10 - 0.5 > s->voltage) {
        k->wrong++;
        return;
    }
    s->decoded++;
}

static int framing_of(const char *name)
{
    static const char *const names[] = {"mbus", "hdlc", "raw", "p1", "wrapper"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(name, names[i]))
            return i;
    return strcmp(name, "mix") ? -1 : 99;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* COUNT telegrams of the meter, PCT percent damaged, into the decoder in
 * pieces of 1 to 4096 bytes, as a line delivers them; returns the bytes. */
static uint64_t feed_all(soak *k, sm_decoder *d, meter_sim *m, int framing, size_t count,
                         double pct, uint64_t seed, uint64_t kinds[])
{
    static const sim_framing mix[] = {SIM_MBUS, SIM_HDLC, SIM_P1};
    static uint8_t buf[2048], damaged[2 * 2048 + 64], pending[1 << 16];
    size_t have = 0;
    uint64_t rng = seed * 0xD1B54A32D192ED03ull | 1, chunks = seed * 0x9E3779B97F4A7C15ull | 1;
    uint64_t bytes = 0, turn = 0;
    for (size_t i = 0; i < count; i++) {
        if (framing == 99)
            m->framing = mix[(i / 1000) % 3];
        size_t n = sim_telegram(m, buf, sizeof buf);
        sent *s = &k->s[i];
        s->energy = m->energy_in;
        s->voltage = m->voltage[0];
        const uint8_t *out = buf;
        if (n > 1 && (double)(sim_xorshift(&rng) % 1000000) < pct * 10000) {
            s->kind = (uint8_t)(1 + turn++ % SIM_DAMAGE_KINDS);
            n = sim_damage(s->kind, &rng, buf, n, damaged);
            out = damaged;
        }
        kinds[s->kind]++;
        s->start = bytes;
        s->end = bytes += n;
        k->n = i + 1;
        sim_step(m);
        memcpy(pending + have, out, n);
        have += n;
        while (have > 4096 || (i + 1 == count && have)) {
            size_t piece = 1 + (size_t)(sim_xorshift(&chunks) % 4096);
            piece = piece < have ? piece : have;
            sm_decoder_feed(d, pending, piece);
            memmove(pending, pending + piece, have - piece);
            have -= piece;
        }
    }
    sm_decoder_finish(d);
    return bytes;
}

/* The checks against what was sent, printed; true when they hold. */
static bool report(const soak *k, const char *framing, const char *link, uint8_t sc,
                   uint64_t bytes, const uint64_t kinds[], double secs, uint64_t skipped)
{
    uint64_t lost = 0, twice = 0, decoded = 0, reported = 0, only_skipped = 0, many = 0,
             stub = 0;
    for (size_t i = 0; i < k->n; i++) {
        const sent *s = &k->s[i];
        bool may_twice = s->kind == 4 || s->kind == 5; /* sent twice */
        if (s->kind == 0) {
            if (s->decoded == 0 && lost++ < 5)
                fprintf(stderr, "   lost: telegram %zu, bytes %llu-%llu, after %s\n", i,
                        (unsigned long long)s->start, (unsigned long long)s->end,
                        i ? sim_damage_name(k->s[i - 1].kind) : "-");
            twice += s->decoded > 1;
        } else if (s->decoded > (may_twice ? 2 : 1)) {
            many++;
        } else if (s->decoded) {
            decoded++;
        } else if (s->reported) {
            reported++;
        } else if (s->end - s->start <= SHORTEST) {
            stub++;
        } else if (only_skipped++ < 5) {
            fprintf(stderr, "   only skipped: telegram %zu (%s), bytes %llu-%llu\n", i,
                    sim_damage_name(s->kind), (unsigned long long)s->start,
                    (unsigned long long)s->end);
        }
    }
    fflush(stderr);
    printf("soak-decode %s over %s (security 0x%02X): %zu telegrams (%.1f MB), %llu damaged (",
           framing, link, sc, k->n, bytes / 1e6, (unsigned long long)(k->n - kinds[0]));
    for (int j = 1; j <= SIM_DAMAGE_KINDS; j++)
        printf("%s%s %llu", j > 1 ? ", " : "", sim_damage_name(j),
               (unsigned long long)kinds[j]);
    printf(")\n   intact: %llu lost, %llu decoded twice; %llu wrong values, %llu at a time "
           "never sent\n   damaged: %llu decoded with their values, %llu reported as failed "
           "telegrams, %llu only skipped, %llu decoded too often; %llu cut to %d bytes or "
           "fewer\n   %llu bytes skipped in all; %.1f s, %.0f telegrams/s\n",
           (unsigned long long)lost, (unsigned long long)twice, (unsigned long long)k->wrong,
           (unsigned long long)k->unknown_time, (unsigned long long)decoded,
           (unsigned long long)reported, (unsigned long long)only_skipped,
           (unsigned long long)many, (unsigned long long)stub, SHORTEST,
           (unsigned long long)skipped, secs, k->n / (secs > 0 ? secs : 1));
    return !lost && !twice && !k->wrong && !k->unknown_time && !only_skipped && !many;
}

int main(int argc, char **argv)
{
    if (argc < 3 || framing_of(argv[1]) < 0 || sm_link_parse(argv[2]) < 0) {
        fprintf(stderr, "usage: soak_decode mbus|hdlc|raw|wrapper|p1|mix auto|LINK "
                        "[COUNT [PCT [SEED]]]\n");
        return 2;
    }
    int framing = framing_of(argv[1]);
    size_t count = argc > 3 ? strtoull(argv[3], NULL, 10) : 1000000;
    double pct = argc > 4 ? strtod(argv[4], NULL) : 1;
    uint64_t seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 1;
    soak k = {calloc(count ? count : 1, sizeof(sent)), 0, 0, 0};
    sm_decoder *d = malloc(sizeof *d);
    if (!k.s || !d)
        return 2;
    sm_decoder_init(d, (sm_link)sm_link_parse(argv[2]), on_telegram, &k);
    meter_sim m;
    sim_init(&m, seed, START, PERIOD);
    m.framing = framing == 99 ? SIM_MBUS : (sim_framing)framing;
    /* a bare APDU or a wrapper has no checksum: without a tag (0x21) a
     * flipped bit of the ciphertext is a wrong value nothing can see
     * (SOAK_SC=0x21 shows it); meters on such lines authenticate */
    bool unchecked = framing == SIM_RAW || framing == SIM_WRAPPER;
    const char *sc = getenv("SOAK_SC");
    m.sc = sc ? (uint8_t)strtoul(sc, NULL, 0) : unchecked ? 0x30 : 0x21;
    sm_decoder_set_keys(d, m.ek, 16, m.sc & 0x10 ? m.ak : NULL, m.sc & 0x10 ? 16 : 0, true);
    uint64_t kinds[SIM_DAMAGE_KINDS + 1] = {0};
    double t0 = now();
    uint64_t bytes = feed_all(&k, d, &m, framing, count, pct, seed, kinds);
    double secs = now() - t0;
    sm_decoder_stats st;
    sm_decoder_get_stats(d, &st);
    bool ok = report(&k, argv[1], argv[2], m.sc, bytes, kinds, secs, st.bytes_discarded);
    sm_decoder_wipe(d);
    free(d);
    free(k.s);
    return ok ? 0 : 1;
}
