/* sm_apdu.h - the xDLMS APDUs a push carries (IEC 62056-5-3):
 *   data-notification [15], general-glo-ciphering [219],
 *   general-ded-ciphering [220], general-block-transfer [224].
 *
 * sm_apdu_extent() tells how long the APDU at the start of a buffer is
 * (used to delimit bare APDUs in a stream).
 * General-block-transfer reassembly keeps its state in a caller-owned
 * sm_gbt.  No allocation, no global state.
 */
#ifndef SM_APDU_H
#define SM_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_axdr.h"
#include "sm_datetime.h"
#include "sm_error.h"
#include "sm_limits.h"

enum {
    SM_APDU_DATA_NOTIFICATION = 0x0F,
    SM_APDU_GLO_CIPHERING = 0xDB,
    SM_APDU_DED_CIPHERING = 0xDC,
    SM_APDU_GBT = 0xE0
};

bool sm_apdu_known_tag(uint8_t tag);

/* The parsers below read from a cursor at the APDU's first byte (and its
 * base the APDU's first byte too: offsets they record are from there).  On
 * SM_OK the cursor is after what they read; on an error it is left at the
 * failure, so the caller's sm_cur_off() says where. */

/* Read over the push APDU at the cursor: SM_OK, the cursor after it.
 * SM_ERR_APDU_UNSUPPORTED: no push APDU's tag there; SM_ERR_TRUNCATED or
 * SM_ERR_AXDR_LENGTH: the APDU goes on beyond the cursor's end (in a
 * stream: more bytes are needed); any other error: malformed there. */
sm_err sm_apdu_extent(sm_cur *c);

/* Data-Notification ::= SEQUENCE {
 *   long-invoke-id-and-priority  Unsigned32,
 *   date-time                    OCTET STRING (length 0: absent),
 *   notification-body            Data } */
typedef struct {
    uint32_t invoke_id;
    const uint8_t *datetime_raw;  /* NULL when absent */
    size_t datetime_len;
    bool has_datetime;            /* a valid 12-octet date-time */
    bool datetime_tagged;         /* sent as Data (09 0C ...), not as a bare string */
    sm_datetime datetime;
    size_t body_offset;           /* offset of the body within the APDU */
    size_t body_len;
} sm_notification;

/* Parses the header only: invoke-id, date-time, where the body starts
 * (body_len stays 0). */
sm_err sm_notification_header(sm_cur *c, sm_notification *n);

/* Parses the header, reads the body into nodes[0..*nnodes) (sm_axdr_tree,
 * at most cap nodes) and checks that it is exactly one Data element that
 * ends where the APDU ends; sets body_len. */
sm_err sm_notification_parse(sm_cur *c, sm_notification *n, sm_node *nodes, size_t cap,
                             size_t *nnodes);

/* General-Block-Transfer ::= SEQUENCE { block-control Unsigned8 (bit 7 last
 * block, bit 6 streaming, bits 0-5 window), block-number Unsigned16,
 * block-number-ack Unsigned16, block-data OCTET STRING } */
typedef struct {
    bool last;
    bool streaming;
    uint8_t window;
    uint16_t number;
    uint16_t ack;
    const uint8_t *data;
    size_t len;
} sm_gbt_block;

sm_err sm_gbt_parse(sm_cur *c, sm_gbt_block *b);

typedef struct {
    uint8_t buf[SM_APDU_MAX];
    size_t len;
    uint16_t next;        /* expected block number; 0: idle */
    bool resync;          /* after a loss: drop blocks until block 1 */
} sm_gbt;

void sm_gbt_reset(sm_gbt *g, bool resync);

/* Add a block.  Returns SM_OK and sets *complete when the last block
 * arrived (the APDU is then g->buf[0..g->len)); SM_ERR_GBT_SEQUENCE when a
 * block is missing or numbered 0 (state reset), SM_ERR_OVERSIZE when the data exceed
 * SM_APDU_MAX.  *dropped is set when the block was silently dropped while
 * resynchronising. */
sm_err sm_gbt_add(sm_gbt *g, const sm_gbt_block *b, bool *complete, bool *dropped);

#endif
