/* sm_sml.h - the SML messages of a frame (SML 1.04) into readings.
 *
 * A frame's payload (sm_sml_frame.c found it) is a sequence of messages:
 *   76  a list of six: transactionId, groupNo, abortOnError,
 *       messageBody (a list of two: the tag, the body), crc16, 00
 * with the bodies OpenResponse (0x0101), GetListResponse (0x0701: the
 * readings, its valList) and CloseResponse (0x0201); other bodies are read
 * over.  Every element begins with a type-length field: bit 7 another TL
 * byte follows (each adds four bits of length), bits 6-4 the type (000
 * octet string, 100 boolean, 101 integer, 110 unsigned, 111 list), bits 3-0
 * the length, which counts the TL bytes for everything but lists (a list's
 * is its element count); 01 is an optional field left out, 00 a message's
 * end.  Integers are 1 to 8 bytes, signed ones sign-extended from the
 * length they come in.  Each message's CRC covers it from its 76 to its
 * crc16 field: the frame's kind (X.25 or KERMIT), the value sent as an
 * unsigned number (X.25 with its bytes swapped).
 *
 * A valList entry (a list of seven: objName, status, valTime, unit, scaler,
 * value, valueSignature) is one reading: its OBIS code, its value (an
 * integer as an exact number with the scaler and DLMS unit, a boolean, an
 * octet string), its status word, and its valTime where that is a clock
 * (a timestamp or a local timestamp: the capture time), not a secIndex,
 * which is a counter.  The server id (1-0:0.0.9, 1-0:96.1.0) in the binary
 * form of DIN 43863-5 (0A 01 'D' 'Z' 'G' ...) is given as the printed meter
 * number ("1DZG0012345678").  Readings point into the payload and scratch.
 * Pure functions over the caller's buffers; thread-safe. */
#ifndef SM_SML_H
#define SM_SML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_cursor.h"
#include "sm_error.h"
#include "sm_readings.h"

/* SML types (the TL field's bits 6-4) */
enum {
    SM_SML_OCTETS = 0,
    SM_SML_BOOL = 4,
    SM_SML_INT = 5,
    SM_SML_UINT = 6,
    SM_SML_LIST = 7,
    SM_SML_END = 8 /* 00: the end of a message (no type of the TL field) */
};

/* Message body tags */
#define SM_SML_OPEN_RESPONSE 0x0101
#define SM_SML_CLOSE_RESPONSE 0x0201
#define SM_SML_GET_LIST_RESPONSE 0x0701

/* One element's type-length field. */
typedef struct {
    uint8_t type;  /* SM_SML_* */
    uint8_t tl;    /* bytes of the TL field */
    size_t len;    /* data bytes; a list's element count */
} sm_sml_tl;

/* The TL field at the cursor; SM_ERR_SML_FORMAT (the cursor at it) when it
 * is none, or its data goes beyond the cursor's end. */
sm_err sm_sml_read_tl(sm_cur *c, sm_sml_tl *t);
/* An element and everything in it. */
sm_err sm_sml_skip(sm_cur *c);

#define SM_SML_MAX_MESSAGES 16

typedef struct {
    unsigned messages;
    uint16_t tags[SM_SML_MAX_MESSAGES]; /* the bodies' tags, in order */
    bool kermit;              /* the messages' CRCs are CRC-16/KERMIT */
    bool crc_checked;         /* they were checked (not when the frame's was ignored) */
    bool has_list;            /* a GetListResponse was read */
    const uint8_t *server_id; /* its serverId, as sent */
    size_t server_id_len;
    char meter_number[24];    /* the server id printed (DIN 43863-5), "" when it is not one */
    bool has_sec_index;       /* actSensorTime as a secIndex (a counter, no clock) */
    uint32_t sec_index;
    bool reduced;             /* the reduced data set: energy registers, no power (most
                                 meters until the PIN is entered and the extended output
                                 switched on); SM_SML_REDUCED_HINT says what to do */
} sm_sml_info;

#define SM_SML_REDUCED_HINT                                                              \
    "the meter sends its reduced data set (energy only, no power): enter the PIN with a " \
    "torch at the optical port and switch the extended output on (INF on; the grid "      \
    "operator gives the PIN)"

/* The readings of the messages at the cursor (to its end).  kermit: the
 * frame's CRC kind, which its messages have; check_crc false when the
 * frame's own was ignored (sm_deframer_ignore_checksums).  scratch holds
 * the printed server ids (32 bytes are always enough).  SM_OK, or what
 * fails the telegram with the cursor at the failure: SM_ERR_SML_FORMAT,
 * SM_ERR_SML_MSG_CRC, SM_ERR_TOO_MANY_READINGS. */
sm_err sm_sml_parse(sm_cur *c, bool kermit, bool check_crc, sm_sml_info *info,
                    sm_reading_set *out, uint8_t *scratch, size_t scratch_cap);

/* The DLMS type of an SML integer of len bytes (3 and 5 to 7 bytes: the
 * next wider one), for the renderers' type names. */
uint8_t sm_sml_int_type(bool is_signed, size_t len);

/* The printed meter number of a DIN 43863-5 server id (10 bytes: a
 * version byte, the medium, three letters, the fabrication block and a
 * four-byte number): "1EBZ0100597780"; false when the bytes are not one. */
bool sm_sml_meter_number(const uint8_t *id, size_t len, char out[24]);

#endif
