/* sm_axdr.c - A-XDR Data decoder (IEC 62056-6-2 / 62056-5-3). */
#include "sm_axdr.h"

#include <string.h>

/* read_item is inlined into the loops that read every element of every
 * telegram (GCC and clang do not always do it on their own) */
#if defined(__GNUC__)
#define SM_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define SM_ALWAYS_INLINE inline
#endif

struct type_info {
    const char *dlms;
    const char *gurux;
};

static const struct type_info *type_info(uint8_t t)
{
    static const struct type_info tab[] = {
        [SM_DT_NULL] = {"null-data", "None"},
        [SM_DT_ARRAY] = {"array", "Array"},
        [SM_DT_STRUCTURE] = {"structure", "Structure"},
        [SM_DT_BOOLEAN] = {"boolean", "Boolean"},
        [SM_DT_BIT_STRING] = {"bit-string", "BitString"},
        [SM_DT_INT32] = {"double-long", "Int32"},
        [SM_DT_UINT32] = {"double-long-unsigned", "UInt32"},
        [SM_DT_OCTET_STRING] = {"octet-string", "OctetString"},
        [SM_DT_VISIBLE_STRING] = {"visible-string", "String"},
        [SM_DT_UTF8_STRING] = {"utf8-string", "StringUTF8"},
        [SM_DT_BCD] = {"bcd", "Bcd"},
        [SM_DT_INT8] = {"integer", "Int8"},
        [SM_DT_INT16] = {"long", "Int16"},
        [SM_DT_UINT8] = {"unsigned", "UInt8"},
        [SM_DT_UINT16] = {"long-unsigned", "UInt16"},
        [SM_DT_COMPACT_ARRAY] = {"compact-array", "CompactArray"},
        [SM_DT_INT64] = {"long64", "Int64"},
        [SM_DT_UINT64] = {"long64-unsigned", "UInt64"},
        [SM_DT_ENUM] = {"enum", "Enum"},
        [SM_DT_FLOAT32] = {"float32", "Float32"},
        [SM_DT_FLOAT64] = {"float64", "Float64"},
        [SM_DT_DATE_TIME] = {"date-time", "DateTime"},
        [SM_DT_DATE] = {"date", "Date"},
        [SM_DT_TIME] = {"time", "Time"},
    };
    static const struct type_info dont_care = {"dont-care", "DontCare"};
    static const struct type_info descriptor = {"attribute-descriptor", "AttributeDescriptor"};
    if (t == SM_DT_DONT_CARE)
        return &dont_care;
    if (t == SM_DT_DESCRIPTOR)
        return &descriptor;
    if (t < sizeof tab / sizeof tab[0] && tab[t].dlms)
        return &tab[t];
    return NULL;
}

const char *sm_axdr_type_name(uint8_t type)
{
    const struct type_info *ti = type_info(type);
    return ti ? ti->dlms : NULL;
}

const char *sm_axdr_gurux_name(uint8_t type)
{
    const struct type_info *ti = type_info(type);
    return ti ? ti->gurux : NULL;
}

bool sm_axdr_is_numeric(uint8_t t)
{
    switch (t) {
    case SM_DT_BOOLEAN: case SM_DT_INT32: case SM_DT_UINT32: case SM_DT_BCD:
    case SM_DT_INT8: case SM_DT_INT16: case SM_DT_UINT8: case SM_DT_UINT16:
    case SM_DT_INT64: case SM_DT_UINT64: case SM_DT_ENUM: case SM_DT_FLOAT32:
    case SM_DT_FLOAT64:
        return true;
    default:
        return false;
    }
}

double sm_axdr_as_double(const sm_axdr_item *it)
{
    switch (it->kind) {
    case SM_VK_INT: return (double)it->v.i;
    case SM_VK_UINT: return (double)it->v.u;
    case SM_VK_FLOAT: return it->v.f;
    default: return 0.0;
    }
}

/* The failure is at `at`: the cursor is left there (the caller's offset of it). */
static sm_err failed_at(sm_cur *c, const uint8_t *at, sm_err e)
{
    c->p = at;
    return e;
}

/* An A-XDR length that must fit in what is left of the input. */
static inline sm_err checked_len(sm_cur *c, size_t *n)
{
    return sm_cur_axdr_len(c, n);
}

/* An element or bit count: each element takes at least one byte, so a count
 * beyond what remains cannot be right (and bounds the loops that read the
 * elements). */
static inline sm_err checked_count(sm_cur *c, size_t *n, size_t per_byte)
{
    const uint8_t *at = c->p;
    sm_err e = sm_cur_axdr_count(c, n);
    if (e)
        return e;
    if (*n / per_byte + (*n % per_byte != 0) > sm_cur_left(c))
        return failed_at(c, at, SM_ERR_AXDR_LENGTH);
    return SM_OK;
}

/* TypeDescription of a compact-array (IEC 62056-6-2 4.1.6.1):
 *   null-data [0] | array [1] {number-of-elements Unsigned16, type-description}
 *   | structure [2] SEQUENCE OF type-description | any simple type tag. */
static sm_err skip_type_description(sm_cur *c, unsigned depth)
{
    if (depth >= SM_AXDR_MAX_DEPTH)
        return SM_ERR_AXDR_DEPTH;
    const uint8_t *at = c->p;
    uint8_t t;
    if (sm_cur_u8(c, &t))
        return SM_ERR_TRUNCATED;
    if (t == SM_DT_ARRAY) {
        uint64_t n;
        if (sm_cur_be(c, 2, &n))
            return SM_ERR_TRUNCATED;
        return skip_type_description(c, depth + 1);
    }
    if (t == SM_DT_STRUCTURE) {
        size_t n;
        sm_err e = checked_count(c, &n, 1);
        if (e)
            return e;
        for (size_t i = 0; i < n; i++)
            if ((e = skip_type_description(c, depth + 1)))
                return e;
        return SM_OK;
    }
    const struct type_info *ti = type_info(t);
    if (!ti || t == SM_DT_COMPACT_ARRAY)
        return failed_at(c, at, SM_ERR_AXDR_TYPE);
    return SM_OK;
}

/* big-endian numbers of the sizes A-XDR has (compilers make one load of
 * each, and a byte swap) */
static inline uint64_t load_be(const uint8_t *p, unsigned n)
{
    switch (n) {
    case 1: return p[0];
    case 2: return (uint64_t)p[0] << 8 | p[1];
    case 4: return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
    default:
        return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
               (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
               (uint64_t)p[6] << 8 | p[7];
    }
}

/* A fixed-size number of n bytes: checked, taken, converted. */
static inline sm_err scalar(sm_cur *c, sm_axdr_item *it, unsigned n)
{
    if (sm_cur_left(c) < n)
        return SM_ERR_TRUNCATED;
    uint64_t raw = load_be(c->p, n);
    it->bytes = c->p;
    it->len = n;
    c->p += n;
    switch (it->type) {
    case SM_DT_INT8: it->kind = SM_VK_INT; it->v.i = (int8_t)raw; break;
    case SM_DT_INT16: it->kind = SM_VK_INT; it->v.i = (int16_t)raw; break;
    case SM_DT_INT32: it->kind = SM_VK_INT; it->v.i = (int32_t)raw; break;
    case SM_DT_INT64: it->kind = SM_VK_INT; it->v.i = (int64_t)raw; break;
    case SM_DT_FLOAT32: {
        uint32_t u32 = (uint32_t)raw;
        float f;
        memcpy(&f, &u32, sizeof f);
        it->kind = SM_VK_FLOAT;
        it->v.f = f;
        break;
    }
    case SM_DT_FLOAT64: {
        double d;
        memcpy(&d, &raw, sizeof d);
        it->kind = SM_VK_FLOAT;
        it->v.f = d;
        break;
    }
    case SM_DT_BCD:
        /* one byte, two BCD digits; with a nibble above 9 it is no number:
         * the byte is kept as it came (bytes/len) */
        if ((raw >> 4) > 9 || (raw & 0xF) > 9) {
            it->kind = SM_VK_BYTES;
            break;
        }
        it->kind = SM_VK_UINT;
        it->v.u = (raw >> 4) * 10 + (raw & 0xF);
        break;
    default: /* boolean, unsigned types, enum */
        it->kind = SM_VK_UINT;
        it->v.u = raw;
        break;
    }
    return SM_OK;
}

/* A length-prefixed string: the length checked against the input. */
static inline sm_err string(sm_cur *c, sm_axdr_item *it)
{
    size_t n;
    sm_err e = checked_len(c, &n);
    if (e)
        return e;
    it->kind = SM_VK_BYTES;
    it->len = n;
    it->bytes = c->p;
    c->p += n;
    return SM_OK;
}

/* sm_axdr_read, inlined into the loops of sm_axdr_skip and sm_axdr_tree
 * (they read every element of every telegram) */
static SM_ALWAYS_INLINE sm_err read_item(sm_cur *c, sm_axdr_item *it)
{
    /* every field set here or below (cheaper than clearing the item) */
    it->kind = SM_VK_NONE;
    it->count = 0;
    it->v.u = 0;
    it->bytes = NULL;
    it->len = 0;
    it->offset = (uint32_t)sm_cur_off(c);
    uint8_t t;
    if (sm_cur_u8(c, &t))
        return SM_ERR_TRUNCATED;
    it->type = t;
    sm_err e;
    size_t n;
    switch (t) {
    /* the usual ones first: structures, OBIS codes, numbers */
    case SM_DT_ARRAY:
    case SM_DT_STRUCTURE:
        if ((e = checked_count(c, &n, 1)))
            return e;
        it->count = (uint32_t)n;
        return SM_OK;
    case SM_DT_OCTET_STRING:
    case SM_DT_VISIBLE_STRING:
    case SM_DT_UTF8_STRING:
        return string(c, it);
    case SM_DT_BOOLEAN:
    case SM_DT_BCD:
    case SM_DT_INT8:
    case SM_DT_UINT8:
    case SM_DT_ENUM:
        return scalar(c, it, 1);
    case SM_DT_INT16:
    case SM_DT_UINT16:
        return scalar(c, it, 2);
    case SM_DT_INT32:
    case SM_DT_UINT32:
    case SM_DT_FLOAT32:
        return scalar(c, it, 4);
    case SM_DT_INT64:
    case SM_DT_UINT64:
    case SM_DT_FLOAT64:
        return scalar(c, it, 8);
    case SM_DT_NULL:
    case SM_DT_DONT_CARE:
        return SM_OK;
    case SM_DT_DATE_TIME:
    case SM_DT_DATE:
    case SM_DT_TIME: {
        unsigned fixed = t == SM_DT_DATE_TIME ? 12 : t == SM_DT_DATE ? 5 : 4;
        if (sm_cur_left(c) < fixed)
            return SM_ERR_TRUNCATED;
        it->kind = SM_VK_BYTES;
        it->len = fixed;
        it->bytes = c->p;
        c->p += fixed;
        return SM_OK;
    }
    case SM_DT_BIT_STRING: {
        if ((e = checked_count(c, &n, 8)))
            return e;
        size_t nbytes = n / 8 + (n % 8 != 0);
        it->kind = SM_VK_BYTES;
        it->count = (uint32_t)n;
        it->len = nbytes;
        sm_cur_take(c, nbytes, &it->bytes);
        return SM_OK;
    }
    case SM_DT_COMPACT_ARRAY: {
        /* kept as its bytes: the type description and the contents */
        const uint8_t *desc = c->p;
        if ((e = skip_type_description(c, 0)) || (e = string(c, it)))
            return e;
        it->bytes = desc;
        it->len = (size_t)(c->p - desc);
        return SM_OK;
    }
    default:
        return failed_at(c, c->base + it->offset, SM_ERR_AXDR_TYPE);
    }
}

sm_err sm_axdr_read(sm_cur *c, sm_axdr_item *it)
{
    return read_item(c, it);
}

sm_err sm_axdr_skip(sm_cur *c)
{
    return sm_axdr_skip_ex(c, 0);
}

/* The untagged cosem-attribute-descriptor of the Czech pushes: class-id
 * (2 octets), logical name (6), attribute index (1), where a tagged element
 * would begin with 0x00 (null-data).  Only as the first element (first:
 * the structure's remaining count says so) of a structure of two inside an
 * array, the only place the form puts it. */
/* An untagged attribute descriptor here?  1 yes, 0 no, -1 the bytes end
 * before that can be told (a stream cut there: more are coming; the answer
 * must not depend on where the bytes were split). */
static int descriptor_here(const sm_cur *c, bool first, uint8_t st_type, uint32_t st_count,
                           uint8_t outer_type)
{
    if (!first || st_type != SM_DT_STRUCTURE || st_count != 2 || outer_type != SM_DT_ARRAY)
        return 0;
    size_t left = sm_cur_left(c);
    if ((left >= 1 && c->p[0] != 0x00) || (left >= 2 && c->p[1] == 0x00))
        return 0; /* class-ids are 00 xx, xx not 0 */
    if (left <= 9)
        return -1;
    return sm_obis_plausible(c->p + 2);
}


static void read_descriptor(sm_cur *c, sm_axdr_item *it)
{
    memset(it, 0, sizeof *it);
    it->offset = (uint32_t)sm_cur_off(c);
    it->type = SM_DT_DESCRIPTOR;
    it->kind = SM_VK_BYTES;
    it->bytes = c->p;
    it->len = 9;
    it->v.u = (uint64_t)c->p[0] << 8 | c->p[1];
    it->count = c->p[8];
    c->p += 9;
}

sm_err sm_axdr_skip_ex(sm_cur *c, unsigned flags)
{
    /* iterative: remaining[] holds the elements still to read per level,
     * type[] and count[] the container of each level */
    uint32_t remaining[SM_AXDR_MAX_DEPTH + 1], count[SM_AXDR_MAX_DEPTH + 1];
    uint8_t type[SM_AXDR_MAX_DEPTH + 1];
    unsigned depth = 0;
    remaining[0] = 1;
    type[0] = SM_DT_NULL;
    count[0] = 1;
    for (;;) {
        while (depth > 0 && remaining[depth] == 0)
            depth--;
        if (remaining[depth] == 0)
            return SM_OK;
        remaining[depth]--;
        sm_axdr_item it;
        int dh = (flags & SM_AXDR_DESCRIPTORS) && depth >= 2
                     ? descriptor_here(c, remaining[depth] == 1, type[depth], count[depth],
                                       type[depth - 1])
                     : 0;
        if (dh < 0)
            return SM_ERR_TRUNCATED; /* the bytes end inside what is being read */
        if (dh) {
            read_descriptor(c, &it);
            continue;
        }
        sm_err e = read_item(c, &it);
        if (e)
            return e;
        if ((it.type == SM_DT_ARRAY || it.type == SM_DT_STRUCTURE) && it.count > 0) {
            if (depth + 1 > SM_AXDR_MAX_DEPTH)
                return failed_at(c, c->base + it.offset, SM_ERR_AXDR_DEPTH);
            depth++;
            remaining[depth] = count[depth] = it.count;
            type[depth] = it.type;
        }
        if (depth == 0 && remaining[0] == 0)
            return SM_OK;
    }
}

sm_err sm_axdr_tree(sm_cur *c, sm_node *nodes, size_t cap, size_t *n)
{
    return sm_axdr_tree_ex(c, nodes, cap, n, 0);
}

sm_err sm_axdr_tree_ex(sm_cur *c, sm_node *nodes, size_t cap, size_t *n,
                       unsigned flags)
{
    uint32_t remaining[SM_AXDR_MAX_DEPTH + 1];
    size_t parent[SM_AXDR_MAX_DEPTH + 1];
    unsigned depth = 0;
    size_t count = 0;
    remaining[0] = 1;
    parent[0] = (size_t)-1;
    *n = 0;
    for (;;) {
        /* close finished containers: their subtree ends here */
        while (depth > 0 && remaining[depth] == 0) {
            size_t p = parent[depth];
            nodes[p].subtree = (uint32_t)(count - p);
            depth--;
        }
        if (remaining[depth] == 0)
            break;
        remaining[depth]--;
        if (count >= cap)
            return SM_ERR_AXDR_COUNT;
        sm_node *node = &nodes[count];
        int dh = (flags & SM_AXDR_DESCRIPTORS) && depth >= 2
                     ? descriptor_here(c, remaining[depth] == 1, nodes[parent[depth]].item.type,
                                       nodes[parent[depth]].item.count,
                                       nodes[parent[depth - 1]].item.type)
                     : 0;
        if (dh < 0)
            return SM_ERR_TRUNCATED; /* the bytes end inside what is being read */
        if (dh) {
            read_descriptor(c, &node->item);
        } else {
            sm_err e = read_item(c, &node->item);
            if (e)
                return e;
        }
        node->depth = (uint16_t)depth;
        node->subtree = 1;
        count++;
        if ((node->item.type == SM_DT_ARRAY || node->item.type == SM_DT_STRUCTURE) &&
            node->item.count > 0) {
            if (depth + 1 > SM_AXDR_MAX_DEPTH)
                return failed_at(c, c->base + node->item.offset, SM_ERR_AXDR_DEPTH);
            depth++;
            remaining[depth] = node->item.count;
            parent[depth] = count - 1;
        }
        if (depth == 0 && remaining[0] == 0)
            break;
    }
    *n = count;
    return SM_OK;
}
