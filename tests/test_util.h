/* test_util.h - helpers shared by the CUnit suites: fixture files, hex,
 * a collector that copies what the decoder reports, and builders that
 * encrypt and frame telegrams with nettle so every variant can be made. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_build.h"
#include "sm_decoder.h"

#define MAX_TELEGRAMS 128
#define MAX_R 96

/* A deep copy of one reading, so it outlives the callback. */
typedef struct {
    sm_reading r;
    char obis[32];
    char text[128];        /* string value (printable) or hex */
    char dt_local[40];     /* ISO local time for date-times */
    char wire[128];        /* P1: the value as sent */
    char capture[40];      /* its own time (ISO local), "" when none */
    char label[16];        /* TIC: the group's label, "" none */
} got_reading;

typedef struct {
    sm_err err;
    sm_where where;
    uint64_t err_offset;
    unsigned err_frame;
    uint64_t index;
    bool ciphered, authenticated;
    sm_key_diag key_diag;
    sm_sec_header sec;     /* payload/tag pointers are not valid afterwards */
    uint8_t apdu[SM_APDU_MAX];
    size_t apdu_len;
    bool has_dt;
    sm_datetime dt;
    uint32_t invoke_id;
    char layout[48];
    bool implied_disagree;
    size_t n;
    got_reading readings[MAX_R];
    unsigned frames;
    uint64_t offset;       /* stream offset of the telegram's first byte */
    unsigned gbt_blocks;
    sm_link link;
    bool is_p1;
    sm_p1_info p1;         /* ident pointer not valid afterwards: p1_ident */
    char p1_ident[SM_P1_IDENT_MAX + 1];
    char meter_id[64];     /* the meter number reading's text, "" when none */
    bool is_sml;
    sm_sml_info sml;       /* server_id pointer not valid afterwards */
    sm_frame frame0;       /* the first frame's record */
    bool is_tic;
    sm_tic_info tic;
    char quirk[64];        /* the meter quirk applied, "" none */
    unsigned quirk_changed;
} got_telegram;

typedef struct {
    size_t n;
    got_telegram *t;       /* MAX_TELEGRAMS entries, heap */
} collector;

void collector_init(collector *c);
void collector_free(collector *c);
void collector_cb(void *ctx, const sm_telegram *t);

/* Decode bytes fed in one piece (chunk 0), or in chunks of `chunk` bytes. */
void decode_bytes(collector *c, sm_link link, const uint8_t *ek, size_t ek_len,
                  const uint8_t *ak, size_t ak_len, bool verify, const uint8_t *buf, size_t len,
                  size_t chunk);

/* The same without keys, with the decoder's other options. */
typedef struct {
    bool ignore_checksums;
    sm_quirk_mode quirks;
    const sm_quirk *quirk;  /* SM_QUIRKS_NAMED */
} decode_opts;
void decode_bytes_opts(collector *c, sm_link link, const decode_opts *o, const uint8_t *buf,
                       size_t len, size_t chunk);

/* Hex: whitespace tolerated.  Returns the length or (size_t)-1. */
size_t hex_decode(const char *hex, uint8_t *out, size_t cap);
void hex_encode(const uint8_t *p, size_t n, char *out, size_t cap);
/* Read a whole file under FIXTURES_DIR; NUL-terminated, heap. */
char *fixture_read(const char *rel, size_t *len);
/* Each JSON file of fixtures/DIR, by its file name, through check; the files
 * seen, and in *sum what check returned in all. */
unsigned fixture_each_json(const char *dir, unsigned (*check)(const char *file), unsigned *sum);
/* Line k (0-based) of a fixture file into out; false at EOF. */
bool fixture_line(const char *rel, unsigned k, char *out, size_t cap);

/* The step of a loop over every position (every cut, split, prefix, flipped
 * bit): 1, or 7 under valgrind (SM_VALGRIND set), where each position costs
 * a hundred times more.  Memcheck looks for memory errors, which a prime
 * step still reaches at every residue; the properties are checked at every
 * position by the native and the sanitizer runs. */
size_t every_step(void);

/* The reading with this OBIS ("1-0:32.7.0*255"), or NULL. */
const got_reading *find_obis(const got_telegram *t, const char *obis);

/* Builders: sim/sm_build.h (encryption with nettle, M-Bus and HDLC framing). */
#define build_glo smb_glo
#define build_mbus smb_mbus
#define build_hdlc_frame smb_hdlc_frame

extern const uint8_t TEST_EK[16];
extern const uint8_t TEST_AK[16];

/* A stream of telegrams in one link layer with random garbage between
 * them, and APDUs that fail at each layer: a frame with a bad checksum
 * (M-Bus, HDLC), a tag that does not verify (security), a block out of
 * order (general-block-transfer), an unknown A-XDR type, more readings
 * than a telegram may have.  Each event the decoder must report, in
 * order: err (SM_OK for a good telegram, whose frame counter is fc) and
 * the stream offset of the telegram's first byte.  Decode with TEST_EK and
 * TEST_AK, tags verified. */
typedef enum { MIX_MBUS, MIX_HDLC, MIX_WRAPPER, MIX_RAW } mix_framing;
typedef struct {
    sm_err err;
    uint64_t offset;
    uint32_t fc;
} mix_event;
size_t mixed_stream(mix_framing f, unsigned items, unsigned seed, uint8_t *out, size_t cap,
                    mix_event *ev, size_t *nev);

/* A decoder's statistics, by value (for assertions). */
static inline sm_decoder_stats sm_stats(const sm_decoder *d)
{
    sm_decoder_stats s;
    sm_decoder_get_stats(d, &s);
    return s;
}

/* CUnit helpers */
#define ASSERT_ERR(got, want)                                                           \
    do {                                                                                \
        sm_err g_ = (got), w_ = (want);                                                 \
        if (g_ != w_)                                                                   \
            fprintf(stderr, "\n    %s:%d: got %s, want %s\n", __FILE__, __LINE__,       \
                    sm_errname(g_), sm_errname(w_));                                    \
        CU_ASSERT_EQUAL(g_, w_);                                                        \
    } while (0)

/* A suite: its name and its cases, the last {NULL, NULL}.  Each test file
 * defines its suite as suite_<name>; each test program lists the suites it
 * runs in test_suites (NULL-terminated), and test_main.c registers them. */
typedef struct {
    const char *name;
    void (*run)(void);
} test_case;
typedef struct {
    const char *name;
    const test_case *cases;
} test_suite;
extern const test_suite *const test_suites[];

#endif
