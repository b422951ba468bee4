/* sm_axdr.h - A-XDR decoding of DLMS "Data" (IEC 62056-6-2 Data CHOICE,
 * encoded per IEC 62056-5-3 A-XDR).
 *
 * Two levels, neither allocates:
 *  - sm_axdr_read(): the pull iterator.  Reads one element head from a
 *    cursor.  Scalars come back decoded, strings as slices of the input
 *    buffer, containers with their element count (the caller then reads that
 *    many elements).  Every length is checked against what remains first.
 *  - sm_axdr_tree(): reads exactly one element with everything nested in it
 *    into a caller-owned array of nodes in pre-order, each with its depth
 *    and subtree size.  Nesting depth (SM_AXDR_MAX_DEPTH) and node count
 *    (the caller's capacity) are bounded.
 * Slices point into the caller's buffer: they live as long as it does.
 * Thread-safe: no global state.
 */
#ifndef SM_AXDR_H
#define SM_AXDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_cursor.h"
#include "sm_error.h"
#include "sm_limits.h"
#include "sm_obis.h"

/* DLMS data type tags (IEC 62056-6-2, Data CHOICE). */
enum {
    SM_DT_NULL = 0,
    SM_DT_ARRAY = 1,
    SM_DT_STRUCTURE = 2,
    SM_DT_BOOLEAN = 3,
    SM_DT_BIT_STRING = 4,
    SM_DT_INT32 = 5,       /* double-long */
    SM_DT_UINT32 = 6,      /* double-long-unsigned */
    SM_DT_OCTET_STRING = 9,
    SM_DT_VISIBLE_STRING = 10,
    SM_DT_UTF8_STRING = 12,
    SM_DT_BCD = 13,
    SM_DT_INT8 = 15,       /* integer */
    SM_DT_INT16 = 16,      /* long */
    SM_DT_UINT8 = 17,      /* unsigned */
    SM_DT_UINT16 = 18,     /* long-unsigned */
    SM_DT_COMPACT_ARRAY = 19,
    SM_DT_INT64 = 20,      /* long64 */
    SM_DT_UINT64 = 21,     /* long64-unsigned */
    SM_DT_ENUM = 22,
    SM_DT_FLOAT32 = 23,
    SM_DT_FLOAT64 = 24,
    SM_DT_DATE_TIME = 25,
    SM_DT_DATE = 26,
    SM_DT_TIME = 27,
    SM_DT_DONT_CARE = 255,
    /* not a DLMS tag: an untagged cosem-attribute-descriptor {class-id,
     * logical name, attribute index} as the Czech pushes send it (bytes:
     * the 9 octets; v.u: the class-id; count: the attribute index) */
    SM_DT_DESCRIPTOR = 0xF0
};

typedef enum {
    SM_VK_NONE,    /* null-data, dont-care, containers */
    SM_VK_INT,     /* v.i */
    SM_VK_UINT,    /* v.u */
    SM_VK_FLOAT,   /* v.f */
    SM_VK_BYTES    /* bytes/len: strings, bit-string, date/time, a compact-array
                      (its type description and contents), a bcd octet with a
                      nibble above 9 */
} sm_value_kind;

typedef struct {
    uint8_t type;       /* SM_DT_* */
    uint8_t kind;       /* sm_value_kind */
    uint32_t offset;    /* offset of the type tag in the buffer */
    uint32_t count;     /* containers: elements; bit-string: bits */
    union {
        int64_t i;
        uint64_t u;
        double f;
    } v;
    const uint8_t *bytes;
    size_t len;
} sm_axdr_item;

typedef struct {
    sm_axdr_item item;
    uint16_t depth;     /* 0 for the root */
    uint32_t subtree;   /* nodes in this subtree including itself */
} sm_node;

/* Every reader below, on an error, leaves the cursor at the failure: the
 * caller's sm_cur_off() says where. */

/* Read one element head. */
sm_err sm_axdr_read(sm_cur *c, sm_axdr_item *it);

/* Skip exactly one element and everything nested in it. */
sm_err sm_axdr_skip(sm_cur *c);

/* Read exactly one element into nodes[0..*n). */
sm_err sm_axdr_tree(sm_cur *c, sm_node *nodes, size_t cap, size_t *n);
/* The same, with SM_AXDR_DESCRIPTORS: the first element of a structure of
 * two in an array may be an untagged attribute descriptor (SM_DT_DESCRIPTOR)
 * when it looks like one (0x00, a class-id, a plausible OBIS code). */
#define SM_AXDR_DESCRIPTORS 0x01
sm_err sm_axdr_tree_ex(sm_cur *c, sm_node *nodes, size_t cap, size_t *n, unsigned flags);
sm_err sm_axdr_skip_ex(sm_cur *c, unsigned flags);

/* The DLMS name of a type tag ("long-unsigned"), and the Gurux translator's
 * element name ("UInt16"); NULL for an unknown tag. */
const char *sm_axdr_type_name(uint8_t type);
const char *sm_axdr_gurux_name(uint8_t type);

/* True for the numeric types (integers, enum, floats, boolean, bcd). */
bool sm_axdr_is_numeric(uint8_t type);

/* The numeric value of a scalar item as a double (0 for non-numeric). */
double sm_axdr_as_double(const sm_axdr_item *it);

#endif
