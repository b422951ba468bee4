/* sm_apdu.c - xDLMS push APDUs: extents, data-notification, general block
 * transfer (IEC 62056-5-3). */
#include "sm_apdu.h"

#include <string.h>

#include "sm_axdr.h"
#include "sm_cursor.h"

bool sm_apdu_known_tag(uint8_t tag)
{
    return tag == SM_APDU_DATA_NOTIFICATION || tag == SM_APDU_GLO_CIPHERING ||
           tag == SM_APDU_DED_CIPHERING || tag == SM_APDU_GBT;
}

/* Skip an A-XDR length-prefixed OCTET STRING. */
static sm_err skip_octets(sm_cur *c)
{
    size_t n;
    sm_err e = sm_cur_axdr_len(c, &n);
    if (!e)
        c->p += n;
    return e;
}

/* The Czech push: structure(2) {enum, array N of structure(2) {class-id,
 * OBIS, attribute untagged, value}}: its head, and the untagged bytes where
 * the first element would have a tag.  1 it is, 0 it is not, -1 the bytes
 * end before that can be told (a stream: more are coming; the answer must
 * not depend on where the bytes were split). */
static int tuple_form(sm_cur c)
{
    static const struct {
        uint8_t type;
        uint8_t count; /* 0: any but 0 */
    } head[] = {{SM_DT_STRUCTURE, 2}, {SM_DT_ENUM, 0}, {SM_DT_ARRAY, 0}, {SM_DT_STRUCTURE, 2}};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) {
        sm_axdr_item it;
        sm_err e = sm_axdr_read(&c, &it);
        if (e)
            return e == SM_ERR_TRUNCATED ? -1 : 0;
        if (it.type != head[i].type ||
            (head[i].type != SM_DT_ENUM && (head[i].count ? it.count != head[i].count : it.count == 0)))
            return 0;
    }
    /* class-id 00 xx, then the OBIS code's six bytes (0x00: also null-data's tag) */
    if (sm_cur_left(&c) == 0 || (c.p[0] == 0x00 && sm_cur_left(&c) <= 9))
        return -1;
    return c.p[0] == 0x00 && sm_obis_plausible(c.p + 2);
}

sm_err sm_apdu_extent(sm_cur *c)
{
    const uint8_t *start = c->p;
    uint64_t v;
    sm_err e;
    if (sm_cur_left(c) == 0)
        return SM_ERR_TRUNCATED;
    switch (start[0]) {
    case SM_APDU_DATA_NOTIFICATION: {
        sm_notification n;
        if ((e = sm_notification_header(c, &n)))
            return e;
        int tuples = tuple_form(*c);
        if (tuples < 0) { /* not yet told: the rest of the APDU is still coming */
            c->p = c->end;
            return SM_ERR_TRUNCATED;
        }
        return sm_axdr_skip_ex(c, tuples ? SM_AXDR_DESCRIPTORS : 0);
    }
    case SM_APDU_GLO_CIPHERING:
    case SM_APDU_DED_CIPHERING:
        c->p++;
        if ((e = skip_octets(c)))
            return e;
        return skip_octets(c);
    case SM_APDU_GBT:
        c->p++;
        if ((e = sm_cur_be(c, 5, &v)))
            return e;
        return skip_octets(c);
    default:
        return SM_ERR_APDU_UNSUPPORTED;
    }
}

sm_err sm_notification_header(sm_cur *c, sm_notification *n)
{
    memset(n, 0, sizeof *n);
    const uint8_t *start = c->p;
    uint8_t tag;
    uint64_t id;
    sm_err e;
    size_t dlen;
    if (sm_cur_u8(c, &tag) || tag != SM_APDU_DATA_NOTIFICATION) {
        c->p = start;
        return sm_cur_left(c) ? SM_ERR_APDU_UNSUPPORTED : SM_ERR_TRUNCATED;
    }
    if ((e = sm_cur_be(c, 4, &id)))
        return e;
    n->invoke_id = (uint32_t)id;
    /* Some meters (Norwegian Kaifa) send the date-time as tagged Data,
     * 09 0C ...; a nine-octet date-time does not exist, so 09 followed by
     * 0C is read as the tag of a twelve-octet string. */
    if (sm_cur_left(c) >= 2 && c->p[0] == SM_DT_OCTET_STRING && c->p[1] == 12) {
        c->p++;
        n->datetime_tagged = true;
    }
    if ((e = sm_cur_axdr_len(c, &dlen)))
        return e;
    if (dlen > 0) {
        sm_cur_take(c, dlen, &n->datetime_raw);
        n->datetime_len = dlen;
        if (dlen == 12 && sm_datetime_parse(n->datetime_raw, &n->datetime) == SM_OK)
            n->has_datetime = true;
    }
    n->body_offset = sm_cur_off(c);
    return SM_OK;
}

sm_err sm_notification_parse(sm_cur *c, sm_notification *n, sm_node *nodes, size_t cap,
                             size_t *nnodes)
{
    sm_err e = sm_notification_header(c, n);
    if (e)
        return e;
    unsigned flags = tuple_form(*c) == 1 ? SM_AXDR_DESCRIPTORS : 0; /* the whole APDU is here */
    if ((e = sm_axdr_tree_ex(c, nodes, cap, nnodes, flags)))
        return e;
    n->body_len = sm_cur_off(c) - n->body_offset;
    return sm_cur_left(c) ? SM_ERR_APDU_TRAILING : SM_OK;
}

sm_err sm_gbt_parse(sm_cur *c, sm_gbt_block *b)
{
    memset(b, 0, sizeof *b);
    uint8_t tag, ctl;
    uint64_t num, ack;
    size_t n;
    sm_err e;
    if ((e = sm_cur_u8(c, &tag)))
        return e;
    if (tag != SM_APDU_GBT)
        return SM_ERR_APDU_UNSUPPORTED;
    if ((e = sm_cur_u8(c, &ctl)) || (e = sm_cur_be(c, 2, &num)) ||
        (e = sm_cur_be(c, 2, &ack)) || (e = sm_cur_axdr_len(c, &n)))
        return e;
    sm_cur_take(c, n, &b->data);
    b->len = n;
    if (sm_cur_left(c))
        return SM_ERR_APDU_TRAILING;
    b->last = ctl & 0x80;
    b->streaming = ctl & 0x40;
    b->window = ctl & 0x3F;
    b->number = (uint16_t)num;
    b->ack = (uint16_t)ack;
    return SM_OK;
}

void sm_gbt_reset(sm_gbt *g, bool resync)
{
    g->len = 0;
    g->next = 0;
    g->resync = resync;
}

sm_err sm_gbt_add(sm_gbt *g, const sm_gbt_block *b, bool *complete, bool *dropped)
{
    *complete = false;
    *dropped = false;
    if (b->number == 0) {
        /* block numbers start at 1: never silently part of a telegram */
        sm_gbt_reset(g, true);
        return SM_ERR_GBT_SEQUENCE;
    }
    if (b->number == 1) {
        g->len = 0;
        g->resync = false;
    } else if (g->resync) {
        *dropped = true;
        return SM_OK;
    } else if (g->next == 0 || b->number != g->next) {
        sm_gbt_reset(g, true);
        return SM_ERR_GBT_SEQUENCE;
    }
    if (b->len > sizeof g->buf - g->len) {
        sm_gbt_reset(g, true);
        return SM_ERR_OVERSIZE;
    }
    memcpy(g->buf + g->len, b->data, b->len);
    g->len += b->len;
    if (b->last) {
        g->next = 0;
        *complete = true;
    } else {
        g->next = (uint16_t)(b->number + 1);
    }
    return SM_OK;
}
