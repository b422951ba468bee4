/* sm_gen.c - random data-notifications with known values.  See sm_gen.h. */
#include "sm_gen.h"

#include <string.h>

#include "sm_datetime.h"

uint64_t smg_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

typedef struct {
    smg_telegram *g;
    uint64_t *rng;
} gen;

static unsigned pick(gen *G, unsigned n) { return (unsigned)(smg_rand(G->rng) % n); }

/* room left: bytes and nodes, with a margin for the telegram's closing */
static bool room(const gen *G, size_t bytes, size_t nodes)
{
    return G->g->len + bytes + 64 <= sizeof G->g->apdu && G->g->nnodes + nodes + 4 <= SMG_MAX_NODES;
}

static void put(gen *G, uint8_t b) { G->g->apdu[G->g->len++] = b; }

static void put_be(gen *G, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        put(G, (uint8_t)(v >> (8 * (n - 1 - i))));
}

/* An A-XDR length in any of its forms: the short one, or 0x81..0x84 with
 * as many octets, minimal or not. */
static void put_len(gen *G, size_t n)
{
    unsigned need = n < 0x80 ? 0 : n < 0x100 ? 1 : n < 0x10000 ? 2 : 3;
    unsigned form = pick(G, 8);
    if (need == 0 && form < 4) {
        put(G, (uint8_t)n);
        return;
    }
    unsigned k = need ? need : 1;
    k += form % (5 - k); /* k .. 4 octets */
    if (k > 4)
        k = 4;
    put(G, (uint8_t)(0x80 | k));
    put_be(G, n, k);
}

static smg_node *open_node(gen *G, uint8_t type, unsigned depth, size_t *index)
{
    *index = G->g->nnodes++;
    smg_node *n = &G->g->nodes[*index];
    memset(n, 0, sizeof *n);
    n->type = type;
    n->depth = (uint16_t)depth;
    n->tag_off = (uint32_t)G->g->len;
    put(G, type);
    return n;
}

static void close_node(gen *G, size_t index)
{
    smg_node *n = &G->g->nodes[index];
    n->subtree = (uint32_t)(G->g->nnodes - index);
    n->end = (uint32_t)G->g->len;
}

static uint64_t edge_u(gen *G, unsigned bytes)
{
    uint64_t max = bytes == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * bytes)) - 1;
    switch (pick(G, 8)) {
    case 0: return 0;
    case 1: return max;
    case 2: return 1;
    case 3: return bytes == 8 ? ((uint64_t)1 << 53) + pick(G, 3) - 1 : max / 2;
    case 4: return bytes == 8 ? (uint64_t)1 << 63 : max / 2 + 1;
    default: return smg_rand(G->rng) & max;
    }
}

static void scalar(gen *G, smg_node *n, unsigned bytes, bool is_signed)
{
    uint64_t raw = edge_u(G, bytes);
    n->off = (uint32_t)G->g->len;
    n->len = bytes;
    put_be(G, raw, bytes);
    if (is_signed) {
        n->kind = SM_VK_INT;
        unsigned shift = 64 - 8 * bytes;
        n->i = shift ? (int64_t)(raw << shift) >> shift : (int64_t)raw;
    } else {
        n->kind = SM_VK_UINT;
        n->u = raw;
    }
}

static void floating(gen *G, smg_node *n, bool wide)
{
    static const uint32_t f32[] = {0x7FC00000u, 0x7F800000u, 0xFF800000u, 0x80000000u,
                                   0x00000001u, 0x7F7FFFFFu, 0x3F800000u, 0x3DCCCCCDu,
                                   0x7FA00001u, 0xC3E4CCCDu};
    static const uint64_t f64[] = {0x7FF8000000000000ull, 0x7FF0000000000000ull,
                                   0xFFF0000000000000ull, 0x8000000000000000ull,
                                   0x0000000000000001ull, 0x7FEFFFFFFFFFFFFFull,
                                   0x3FF0000000000000ull, 0x3FB999999999999Aull,
                                   0x4340000000000001ull, 0xC06C8CCCCCCCCCCDull};
    unsigned k = pick(G, 14);
    n->kind = SM_VK_FLOAT;
    n->off = (uint32_t)G->g->len;
    if (!wide) {
        uint32_t b = k < 10 ? f32[k] : (uint32_t)smg_rand(G->rng);
        float f;
        memcpy(&f, &b, 4);
        n->f = f;
        n->bits = b;
        n->len = 4;
        put_be(G, b, 4);
    } else {
        uint64_t b = k < 10 ? f64[k] : smg_rand(G->rng);
        memcpy(&n->f, &b, 8);
        n->bits = b;
        n->len = 8;
        put_be(G, b, 8);
    }
}

/* twelve octets of a COSEM date-time with every field in range (some not
 * specified), or (bad) one with a day its month does not have */
static void datetime_octets(gen *G, uint8_t b[12], bool bad)
{
    unsigned y = 1970 + pick(G, 231), m = 1 + pick(G, 12);
    unsigned d = 1 + pick(G, sm_days_in_month(y, m));
    b[0] = (uint8_t)(y >> 8);
    b[1] = (uint8_t)y;
    b[2] = (uint8_t)m;
    b[3] = (uint8_t)d;
    b[4] = (uint8_t)(1 + pick(G, 7));
    b[5] = (uint8_t)pick(G, 24);
    b[6] = (uint8_t)pick(G, 60);
    b[7] = (uint8_t)pick(G, 60);
    b[8] = (uint8_t)pick(G, 100);
    int dev = pick(G, 3) == 0 ? INT16_MIN : (int)pick(G, 1441) - 720;
    b[9] = (uint8_t)((uint16_t)dev >> 8);
    b[10] = (uint8_t)dev;
    b[11] = (uint8_t)(pick(G, 2) ? 0x80 : pick(G, 256));
    /* some fields not specified */
    static const uint8_t at[] = {0, 2, 3, 4, 5, 6, 7, 8};
    for (unsigned k = pick(G, 3); k > 0; k--) {
        unsigned f = at[pick(G, sizeof at)];
        b[f] = 0xFF;
        if (f == 0)
            b[1] = 0xFF;
    }
    if (bad) { /* February 30th, or April 31st */
        b[0] = 0x07;
        b[1] = 0xE8;
        b[2] = pick(G, 2) ? 2 : 4;
        b[3] = b[2] == 2 ? 30 : 31;
    }
}

static void bytes_of(gen *G, smg_node *n, size_t len, bool printable)
{
    n->kind = SM_VK_BYTES;
    n->off = (uint32_t)G->g->len;
    n->len = (uint32_t)len;
    for (size_t i = 0; i < len; i++)
        put(G, printable ? (uint8_t)(0x20 + pick(G, 95)) : (uint8_t)smg_rand(G->rng));
}

static size_t value(gen *G, unsigned depth);

static void container(gen *G, smg_node *n, size_t index, unsigned depth, unsigned max)
{
    /* at the deepest level a container must be empty: its elements would
     * be one level too deep */
    unsigned count = depth >= SM_AXDR_MAX_DEPTH ? 0 : pick(G, max + 1);
    while (count > 0 && !room(G, 16 * count, 4 * count))
        count--;
    n->kind = SM_VK_NONE;
    n->count = count;
    put_len(G, count);
    for (unsigned k = 0; k < count; k++)
        value(G, depth + 1);
    (void)index;
}

/* One element of a random type at this depth; returns its node index. */
static size_t value(gen *G, unsigned depth)
{
    static const uint8_t types[] = {
        SM_DT_NULL, SM_DT_ARRAY, SM_DT_STRUCTURE, SM_DT_BOOLEAN, SM_DT_BIT_STRING,
        SM_DT_INT32, SM_DT_UINT32, SM_DT_OCTET_STRING, SM_DT_VISIBLE_STRING,
        SM_DT_UTF8_STRING, SM_DT_BCD, SM_DT_INT8, SM_DT_INT16, SM_DT_UINT8, SM_DT_UINT16,
        SM_DT_COMPACT_ARRAY, SM_DT_INT64, SM_DT_UINT64, SM_DT_ENUM, SM_DT_FLOAT32,
        SM_DT_FLOAT64, SM_DT_DATE_TIME, SM_DT_DATE, SM_DT_TIME, SM_DT_DONT_CARE};
    uint8_t t = types[pick(G, sizeof types)];
    if (!room(G, 300, 40) && (t == SM_DT_ARRAY || t == SM_DT_STRUCTURE))
        t = SM_DT_UINT16;
    size_t index;
    smg_node *n = open_node(G, t, depth, &index);
    switch (t) {
    case SM_DT_NULL:
    case SM_DT_DONT_CARE:
        n->kind = SM_VK_NONE;
        break;
    case SM_DT_ARRAY:
    case SM_DT_STRUCTURE:
        container(G, n, index, depth, depth > 6 ? 2 : 4);
        break;
    case SM_DT_BOOLEAN:
    case SM_DT_UINT8:
    case SM_DT_ENUM: scalar(G, n, 1, false); break;
    case SM_DT_INT8: scalar(G, n, 1, true); break;
    case SM_DT_INT16: scalar(G, n, 2, true); break;
    case SM_DT_UINT16: scalar(G, n, 2, false); break;
    case SM_DT_INT32: scalar(G, n, 4, true); break;
    case SM_DT_UINT32: scalar(G, n, 4, false); break;
    case SM_DT_INT64: scalar(G, n, 8, true); break;
    case SM_DT_UINT64: scalar(G, n, 8, false); break;
    case SM_DT_FLOAT32: floating(G, n, false); break;
    case SM_DT_FLOAT64: floating(G, n, true); break;
    case SM_DT_BCD: {
        unsigned hi = pick(G, 16), lo = pick(G, 16);
        if (pick(G, 3))
            hi %= 10, lo %= 10;
        n->off = (uint32_t)G->g->len;
        n->len = 1;
        put(G, (uint8_t)(hi << 4 | lo));
        if (hi > 9 || lo > 9) {
            n->kind = SM_VK_BYTES;
            n->invalid = true;
        } else {
            n->kind = SM_VK_UINT;
            n->u = hi * 10 + lo;
        }
        break;
    }
    case SM_DT_OCTET_STRING:
    case SM_DT_VISIBLE_STRING:
    case SM_DT_UTF8_STRING: {
        static const uint16_t lens[] = {0, 1, 6, 12, 12, 20, 127, 128, 200};
        size_t len = lens[pick(G, sizeof lens / sizeof lens[0])];
        if (!room(G, len + 8, 1))
            len = 1;
        put_len(G, len);
        bool dt = t == SM_DT_OCTET_STRING && len == 12 && pick(G, 2);
        if (dt) {
            n->kind = SM_VK_BYTES;
            n->off = (uint32_t)G->g->len;
            n->len = 12;
            n->is_datetime = true;
            uint8_t b[12];
            datetime_octets(G, b, false);
            for (int i = 0; i < 12; i++)
                put(G, b[i]);
        } else {
            bytes_of(G, n, len, pick(G, 2));
            if (len == 12 && t == SM_DT_OCTET_STRING)
                G->g->apdu[n->off] = 0xEE; /* year 61 000 and more: no date-time */
        }
        break;
    }
    case SM_DT_BIT_STRING: {
        unsigned bits = pick(G, 41);
        put_len(G, bits);
        bytes_of(G, n, (bits + 7) / 8, false);
        n->count = bits;
        break;
    }
    case SM_DT_DATE_TIME: {
        uint8_t b[12];
        bool bad = pick(G, 4) == 0;
        datetime_octets(G, b, bad);
        n->kind = SM_VK_BYTES;
        n->off = (uint32_t)G->g->len;
        n->len = 12;
        n->invalid = bad;
        n->is_datetime = !bad;
        for (int i = 0; i < 12; i++)
            put(G, b[i]);
        break;
    }
    case SM_DT_DATE: {
        uint8_t b[12];
        datetime_octets(G, b, pick(G, 4) == 0);
        n->kind = SM_VK_BYTES;
        n->off = (uint32_t)G->g->len;
        n->len = 5;
        for (int i = 0; i < 5; i++)
            put(G, b[i]);
        break;
    }
    case SM_DT_TIME: {
        uint8_t b[12];
        datetime_octets(G, b, false);
        n->kind = SM_VK_BYTES;
        n->off = (uint32_t)G->g->len;
        n->len = 4;
        for (int i = 5; i < 9; i++)
            put(G, b[i]);
        break;
    }
    case SM_DT_COMPACT_ARRAY: {
        /* a type description, then the contents as an octet string: kept as
         * their bytes, description included */
        static const uint8_t descs[][5] = {{1, 0x11}, {1, 0x12}, {4, 0x02, 0x02, 0x11, 0x12},
                                           {4, 0x01, 0x00, 0x03, 0x06}};
        const uint8_t *d = descs[pick(G, 4)];
        n->kind = SM_VK_BYTES;
        n->off = (uint32_t)G->g->len;
        for (unsigned i = 0; i < d[0]; i++)
            put(G, d[1 + i]);
        size_t len = pick(G, 12);
        put_len(G, len);
        for (size_t i = 0; i < len; i++)
            put(G, (uint8_t)smg_rand(G->rng));
        n->len = (uint32_t)(G->g->len - n->off);
        break;
    }
    default:
        break;
    }
    close_node(G, index);
    return index;
}

/* a chain of single-element containers down to the deepest level */
static size_t deep(gen *G, unsigned depth)
{
    size_t index;
    smg_node *n = open_node(G, pick(G, 2) ? SM_DT_STRUCTURE : SM_DT_ARRAY, depth, &index);
    n->kind = SM_VK_NONE;
    if (depth >= SM_AXDR_MAX_DEPTH) {
        n->count = 0;
        put_len(G, 0);
    } else {
        n->count = 1;
        put_len(G, 1);
        deep(G, depth + 1);
    }
    close_node(G, index);
    return index;
}

void smg_make(smg_telegram *g, uint64_t *rng, unsigned max_readings)
{
    gen G = {g, rng};
    memset(g, 0, sizeof *g);
    if (max_readings > SMG_MAX_READINGS)
        max_readings = SMG_MAX_READINGS;
    unsigned want = 1 + pick(&G, max_readings);
    /* data-notification: tag, long-invoke-id-and-priority, no date-time */
    put(&G, SM_APDU_DATA_NOTIFICATION);
    put_be(&G, 0x00000000u | pick(&G, 0xFFFFFF), 4);
    put(&G, 0x00);
    g->body = g->len;
    size_t root;
    smg_node *r = open_node(&G, SM_DT_STRUCTURE, 0, &root);
    r->kind = SM_VK_NONE;
    /* the count is written once known: reserve the long form */
    size_t count_at = g->len;
    put(&G, 0x81);
    put(&G, 0);
    unsigned n = 0;
    bool chain = pick(&G, 4) == 0;
    while (n < want && room(&G, 400, 60)) {
        size_t s;
        smg_node *st = open_node(&G, SM_DT_STRUCTURE, 1, &s);
        st->kind = SM_VK_NONE;
        st->count = 2;
        put(&G, 2);
        size_t o;
        smg_node *on = open_node(&G, SM_DT_OCTET_STRING, 2, &o);
        put(&G, 6);
        sm_obis code = {1, 0, (uint8_t)(200 + n), 0, 0, 255};
        on->kind = SM_VK_BYTES;
        on->off = (uint32_t)g->len;
        on->len = 6;
        put(&G, code.a);
        put(&G, code.b);
        put(&G, code.c);
        put(&G, code.d);
        put(&G, code.e);
        put(&G, code.f);
        close_node(&G, o);
        g->obis[n] = code;
        g->value[n] = chain && n == 0 ? deep(&G, 2) : value(&G, 2);
        close_node(&G, s);
        n++;
    }
    g->apdu[count_at + 1] = (uint8_t)n;
    g->nodes[root].count = n;
    close_node(&G, root);
    g->nreadings = n;
}
