/* sm_error.h - the one error enum of the decode core.
 *
 * Contract: every core function that can fail returns an sm_err.  SM_OK is 0;
 * every other value names what failed.  Codes come in blocks of 100 per
 * layer, so sm_errlayer() can tell which layer a failure belongs to.
 * sm_strerror() returns a lower-case message ("m-bus checksum mismatch"),
 * sm_errname() a stable identifier for tests and JSON ("mbus_checksum").
 * Both return static strings and are thread-safe.
 */
#ifndef SM_ERROR_H
#define SM_ERROR_H

#include <stddef.h>

#define SM_ERRORS(X)                                                                   \
    X(SM_OK, 0, "ok", "ok")                                                            \
    /* generic */                                                                      \
    X(SM_ERR_TRUNCATED, 100, "truncated", "input ends inside an element")              \
    X(SM_ERR_OVERSIZE, 101, "oversize", "telegram exceeds the buffer limit")           \
    X(SM_ERR_ARG, 102, "bad_argument", "invalid argument")                             \
    X(SM_ERR_INCOMPLETE, 103, "incomplete", "input ends inside a frame")               \
    X(SM_ERR_IO, 104, "io", "file could not be read (errno says why)")                \
    X(SM_ERR_LAYOUT_FILE, 105, "layout_file", "layout file is not valid")             \
    /* link layer */                                                                   \
    X(SM_ERR_MBUS_CHECKSUM, 200, "mbus_checksum", "m-bus checksum mismatch")           \
    X(SM_ERR_MBUS_STOP, 201, "mbus_stop", "m-bus stop byte missing")                   \
    X(SM_ERR_MBUS_CI, 202, "mbus_ci", "m-bus ci field is not a dlms segment")          \
    X(SM_ERR_MBUS_SEQUENCE, 203, "mbus_sequence", "m-bus segment missing or out of order") \
    X(SM_ERR_MBUS_LENGTH, 204, "mbus_length", "m-bus length fields disagree")          \
    X(SM_ERR_HDLC_FCS, 210, "hdlc_fcs", "hdlc fcs mismatch")                           \
    X(SM_ERR_HDLC_FLAG, 211, "hdlc_flag", "hdlc closing flag missing")                 \
    X(SM_ERR_HDLC_SEGMENT, 212, "hdlc_segment", "hdlc segment missing")                \
    X(SM_ERR_HDLC_HCS, 213, "hdlc_hcs", "hdlc header check (hcs) mismatch")            \
    X(SM_ERR_WRAPPER, 220, "wrapper", "malformed dlms wrapper header")                 \
    X(SM_ERR_P1_CRC, 230, "p1_crc", "p1 crc mismatch")                                 \
    X(SM_ERR_P1_CHAR, 231, "p1_character", "character not allowed in a p1 telegram")   \
    X(SM_ERR_P1_PARITY, 232, "p1_parity", "p1 character with a wrong parity bit")      \
    X(SM_ERR_P1_CUT, 233, "p1_cut", "p1 telegram cut short by the next one")           \
    X(SM_ERR_P1_NO_CRC, 234, "p1_no_crc", "p1 telegram without the crc this meter sends") \
    X(SM_ERR_P1_BCC, 235, "p1_bcc", "p1 data block's bcc mismatch")                   \
    X(SM_ERR_P1_HEADER, 236, "p1_header", "p1 telegram without a readable identification line") \
    X(SM_ERR_SML_CRC, 250, "sml_crc", "sml transport crc mismatch (neither x.25 nor kermit)") \
    X(SM_ERR_SML_DESYNC, 251, "sml_desync", "sml end escape out of 4-byte alignment: a byte lost or added") \
    X(SM_ERR_SML_PADDING, 252, "sml_padding", "sml padding count or padding bytes wrong") \
    X(SM_ERR_SML_CUT, 253, "sml_cut", "sml frame cut short by the next start escape") \
    X(SM_ERR_SML_ESCAPE, 254, "sml_escape", "unknown sml escape sequence")            \
    X(SM_ERR_TIC_INTERRUPTED, 260, "tic_interrupted", "tic frame interrupted by the meter (EOT)") \
    X(SM_ERR_TIC_CUT, 261, "tic_cut", "tic frame cut short by the next STX") \
    X(SM_ERR_UNREADABLE, 240, "unreadable", "no frame could be read from these bytes (a damaged telegram, or noise)") \
    /* security layer */                                                               \
    X(SM_ERR_SEC_HEADER, 300, "security_header", "malformed security header")          \
    X(SM_ERR_SEC_UNSUPPORTED, 301, "security_unsupported", "unsupported security control") \
    X(SM_ERR_NO_KEY, 302, "no_key", "encrypted telegram but no key given")             \
    X(SM_ERR_KEY_LENGTH, 303, "key_length", "key length does not fit the security suite") \
    X(SM_ERR_NO_AUTH_KEY, 304, "no_auth_key", "authenticated telegram but no authentication key given") \
    X(SM_ERR_TAG_MISMATCH, 305, "tag_mismatch", "authentication tag mismatch")         \
    X(SM_ERR_WRONG_KEY, 306, "wrong_key", "decrypted payload is not valid: likely wrong key") \
    /* apdu layer */                                                                   \
    X(SM_ERR_APDU_UNSUPPORTED, 400, "apdu_unsupported", "unsupported apdu")            \
    X(SM_ERR_GBT_SEQUENCE, 401, "gbt_sequence", "general-block-transfer block missing or out of order") \
    X(SM_ERR_APDU_TRAILING, 402, "apdu_trailing", "bytes after the end of the apdu")   \
    X(SM_ERR_APDU_CUT, 403, "apdu_cut", "apdu cut short: the next telegram begins inside it") \
    /* a-xdr */                                                                        \
    X(SM_ERR_AXDR_TYPE, 500, "axdr_type", "unknown a-xdr data type")                   \
    X(SM_ERR_AXDR_LENGTH, 501, "axdr_length", "a-xdr length beyond the input")         \
    X(SM_ERR_AXDR_DEPTH, 502, "axdr_depth", "a-xdr nesting too deep")                  \
    X(SM_ERR_AXDR_COUNT, 503, "axdr_count", "too many a-xdr elements")                 \
    X(SM_ERR_AXDR_LENFORM, 504, "axdr_length_form", "malformed a-xdr length field")     \
    /* readings */                                                                     \
    X(SM_ERR_LAYOUT, 600, "layout_unsupported", "unsupported payload layout")          \
    X(SM_ERR_TOO_MANY_READINGS, 601, "too_many_readings", "too many readings in one telegram") \
    X(SM_ERR_DATETIME, 602, "datetime", "invalid date-time")                           \
    /* p1 text */                                                                      \
    X(SM_ERR_P1_FORMAT, 700, "p1_format", "malformed p1 telegram")                     \
    X(SM_ERR_P1_TEXT_CRC, 701, "p1_text_crc", "p1 crc mismatch inside the ciphering") \
    /* sml messages */                                                                \
    X(SM_ERR_SML_FORMAT, 800, "sml_format", "malformed sml message")                   \
    X(SM_ERR_SML_MSG_CRC, 801, "sml_message_crc", "sml message crc mismatch") \
    X(SM_ERR_TIC_NO_GROUP, 900, "tic_no_group", "tic frame without a group that could be read") \
    X(SM_ERR_TIC_GROUP, 901, "tic_group", "tic group failed (whole frames only)")

typedef enum {
#define SM_X_ENUM(sym, code, name, msg) sym = code,
    SM_ERRORS(SM_X_ENUM)
#undef SM_X_ENUM
} sm_err;

typedef enum {
    SM_LAYER_NONE = 0,
    SM_LAYER_INPUT,
    SM_LAYER_LINK,
    SM_LAYER_SECURITY,
    SM_LAYER_APDU,
    SM_LAYER_AXDR,
    SM_LAYER_READINGS,
    SM_LAYER_P1,
    SM_LAYER_SML,
    SM_LAYER_TIC
} sm_layer;

const char *sm_strerror(sm_err err);
const char *sm_errname(sm_err err);
sm_layer sm_errlayer(sm_err err);
const char *sm_layername(sm_layer layer);

/* The words names[0..n), then extra (NULL: none), as "a, b or c", for a
 * message that lists the choices of an option; snprintf's return and
 * truncation. */
size_t sm_choices_text(const char *const *names, size_t n, const char *extra, char *buf,
                       size_t cap);

#endif
