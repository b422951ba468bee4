/* smd_hexin.h - streaming reader for hex captures.  Accepts what people
 * paste: upper or lower case, bytes separated or not by spaces, tabs, line
 * breaks, ':', ',', '-' or '.', "0x" prefixes, several telegrams per line
 * or one telegram over several lines, and '#' comments to the end of a
 * line.  A token (a run of hex digits) must have an even number of digits.
 * A line that ends inside a byte continues on the next line (captures
 * wrapped at a fixed width split bytes); other separators end a token.
 * A token of odd length is reported with the line and column where it
 * starts (its last digit is dropped); a character that is not hex is
 * reported with its position and the rest of that line is skipped.  Constant
 * memory: bytes are handed out as they are found, at the latest when
 * smd_hexin_feed returns. */
#ifndef SMD_HEXIN_H
#define SMD_HEXIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { SMD_HEX_OK = 0, SMD_HEX_BAD_CHAR, SMD_HEX_ODD } smd_hex_err;

/* bytes: decoded data; error: one syntax error (line/col 1-based, ch the
 * offending byte for SMD_HEX_BAD_CHAR). */
typedef void (*smd_hex_bytes_cb)(void *ctx, const uint8_t *p, size_t n);
typedef void (*smd_hex_error_cb)(void *ctx, smd_hex_err e, uint64_t line, uint64_t col, uint8_t ch);

typedef struct {
    smd_hex_bytes_cb bytes;
    smd_hex_error_cb error;
    void *ctx;
    uint64_t line, col;
    uint64_t tok_line, tok_col;  /* where the current token started */
    int half;                    /* pending high nibble, -1 none */
    unsigned tok_digits;         /* digits in the current token */
    bool zero_pending;           /* token began with '0': maybe "0x" */
    bool skip_line;              /* after a comment or an error */
    bool carried;                /* this line continues a byte of the previous one */
    uint64_t errors;
    uint64_t bytes_out;
    uint8_t out[4096];
    size_t nout;
} smd_hexin;

void smd_hexin_init(smd_hexin *h, smd_hex_bytes_cb bytes, smd_hex_error_cb error, void *ctx);
void smd_hexin_feed(smd_hexin *h, const char *p, size_t n);
void smd_hexin_finish(smd_hexin *h);

#endif
