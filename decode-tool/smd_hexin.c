/* smd_hexin.c - see smd_hexin.h. */
#include "smd_hexin.h"

#include <string.h>

#include "sm_hex.h"

/* 0..15 for hex digits, 16 for separators, 17 for '#', 18 for line breaks,
 * 19 for anything else */
enum { SEP = 16, HASH = 17, NL = 18, BAD = 19 };
static uint8_t class_of[256];
static bool classes_ready;

static void init_classes(void)
{
    for (int c = 0; c < 256; c++) {
        uint8_t k = BAD;
        if (sm_hex_digit(c) >= 0)
            k = (uint8_t)sm_hex_digit(c);
        else if (c == ' ' || c == '\t' || c == '\r' || c == ':' || c == ',' || c == '-' ||
                 c == '.' || c == '\f' || c == '\v')
            k = SEP;
        else if (c == '#')
            k = HASH;
        else if (c == '\n')
            k = NL;
        class_of[c] = k;
    }
    classes_ready = true;
}

void smd_hexin_init(smd_hexin *h, smd_hex_bytes_cb bytes, smd_hex_error_cb error, void *ctx)
{
    if (!classes_ready)
        init_classes();
    memset(h, 0, sizeof *h);
    h->bytes = bytes;
    h->error = error;
    h->ctx = ctx;
    h->line = 1;
    h->col = 0;
    h->half = -1;
}

static void flush(smd_hexin *h)
{
    if (h->nout) {
        h->bytes(h->ctx, h->out, h->nout);
        h->bytes_out += h->nout;
        h->nout = 0;
    }
}

static void error(smd_hexin *h, smd_hex_err e, uint64_t line, uint64_t col, uint8_t ch)
{
    h->errors++;
    flush(h);
    h->error(h->ctx, e, line, col, ch);
}

static void digit(smd_hexin *h, unsigned v)
{
    if (h->half < 0) {
        h->half = (int)v;
        return;
    }
    h->out[h->nout++] = (uint8_t)(h->half << 4 | v);
    h->half = -1;
    if (h->nout == sizeof h->out)
        flush(h);
}

/* the end of a token: its digit count must be even */
static void end_token(smd_hexin *h)
{
    if (h->zero_pending) { /* a lone "0" */
        h->zero_pending = false;
        digit(h, 0);
    }
    if (h->half >= 0) {
        h->half = -1;
        error(h, SMD_HEX_ODD, h->tok_line, h->tok_col, 0);
    }
    h->tok_digits = 0;
}

void smd_hexin_feed(smd_hexin *h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = (uint8_t)p[i];
        uint8_t k = class_of[ch];
        h->col++;
        if (k == NL) {
            /* Captures wrapped at a fixed width split a byte over two lines:
             * a line that ends inside a byte carries its digit over.  A line
             * that was carried into and again ends inside a byte was not
             * wrapped but damaged: reported, and the next line starts clean,
             * so one bad line does not shift the rest of the file. */
            if (!h->skip_line) {
                if (h->half >= 0 && !h->carried) {
                    h->carried = true;
                } else {
                    end_token(h);
                    h->carried = false;
                }
            }
            h->skip_line = false;
            h->line++;
            h->col = 0;
            continue;
        }
        if (h->skip_line)
            continue;
        if (k < 16) {
            if (h->tok_digits == 0) {
                h->tok_line = h->line;
                h->tok_col = h->col;
                if (k == 0) {          /* maybe a "0x" prefix */
                    h->zero_pending = true;
                    h->tok_digits = 1;
                    continue;
                }
            } else if (h->zero_pending) {
                h->zero_pending = false;
                digit(h, 0);
            }
            h->tok_digits++;
            digit(h, k);
            continue;
        }
        if ((ch == 'x' || ch == 'X') && h->zero_pending && h->tok_digits == 1) {
            h->zero_pending = false; /* "0x": the token starts after it */
            h->tok_digits = 0;
            continue;
        }
        if (k == SEP) {
            end_token(h);
            h->carried = false;
            continue;
        }
        if (k == HASH) {
            end_token(h);
            h->skip_line = true;
            continue;
        }
        /* not hex: report, drop the pending nibble, skip the line */
        h->zero_pending = false;
        h->half = -1;
        h->tok_digits = 0;
        error(h, SMD_HEX_BAD_CHAR, h->line, h->col, ch);
        h->skip_line = true;
    }
    flush(h); /* what this piece held goes on now: input may pause here */
}

void smd_hexin_finish(smd_hexin *h)
{
    if (!h->skip_line)
        end_token(h);
    h->skip_line = false;
    flush(h);
}
