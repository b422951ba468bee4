/* render_xml.c - the Gurux DLMS translator's simple-XML style
 * (<DataNotification>, <Structure Qty="10" >, <UInt16 Value="08EC" /> ...),
 * raw values in hex as Gurux writes them, plus comments: the OBIS code and
 * its name before each logical name, the scaled value with its unit before
 * each raw value, date-times in ISO 8601 with their UTC offset, printable
 * strings as text.  --layers adds the link frames, the security header and
 * the plaintext.  Telegrams follow each other as top-level elements, as in
 * the translator's output. */
#include "smd_format.h"

#include <stdio.h>
#include <string.h>

/* which reading belongs to which node of the body */
typedef struct {
    uint16_t node_value[SM_MAX_NODES];
    uint16_t node_obis[SM_MAX_NODES];
} xml_state;

static void indent(smd_out *o, unsigned depth) { smd_out_fill(o, ' ', 2 * depth); }

/* Comment text: "--" may not occur inside an XML comment, nor may it end
 * with "-"; a hyphen that would break it is written as "=". */
static void comment_text(smd_out *o, const char *s, size_t n)
{
    const char *end = s + n;
    while (s < end) {
        const char *h = memchr(s, '-', (size_t)(end - s));
        if (!h) {
            smd_out_mem(o, s, (size_t)(end - s));
            return;
        }
        smd_out_mem(o, s, (size_t)(h - s)); /* the text up to the hyphen */
        smd_out_ch(o, h + 1 == end || h[1] == '-' ? '=' : '-');
        s = h + 1;
    }
}

/* A P1 telegram's text as comment text: the control characters XML does
 * not allow (a data block's STX, ETX and BCC) by name. */
static void text_comment(smd_out *o, const uint8_t *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if ((c >= 0x20 && c < 0x7F) || c == '\r' || c == '\n' || c == '\t')
            continue;
        comment_text(o, (const char *)s + from, i - from);
        char name[8] = "[STX]";
        if (c == 0x03)
            memcpy(name, "[ETX]", 6);
        else if (c != 0x02)
            snprintf(name, sizeof name, "[0x%02X]", c);
        smd_out_str(o, name);
        from = i + 1;
    }
    comment_text(o, (const char *)s + from, n - from);
}

static void comment(smd_out *o, unsigned depth, const char *s)
{
    indent(o, depth);
    smd_out_str(o, "<!--");
    comment_text(o, s, strlen(s));
    smd_out_str(o, "-->\n");
}

static void value_elem(smd_out *o, unsigned depth, const char *name, uint64_t v, unsigned digits)
{
    indent(o, depth);
    smd_out_ch(o, '<');
    smd_out_str(o, name);
    smd_out_str(o, " Value=\"");
    smd_out_hexnum(o, v, digits);
    smd_out_str(o, "\" />\n");
}

static void bytes_elem(smd_out *o, unsigned depth, const char *name, const uint8_t *p, size_t n)
{
    indent(o, depth);
    smd_out_ch(o, '<');
    smd_out_str(o, name);
    smd_out_str(o, " Value=\"");
    smd_out_hex(o, p, n, 0);
    smd_out_str(o, "\" />\n");
}

/* "2023-08-21T23:23:00+02:00 (2023-08-21T21:23:00Z)" */
static void dt_text(const sm_datetime *dt, char *buf, size_t cap)
{
    char utc[32];
    if (!smd_dt_texts(dt, buf, cap, utc, sizeof utc)) {
        snprintf(buf, cap, "date-time with unspecified fields");
        return;
    }
    size_t n = strlen(buf);
    if (utc[0] && n < cap)
        snprintf(buf + n, cap - n, " (%s)", utc);
}

static void obis_comment(smd_out *o, unsigned depth, const sm_obis *ob)
{
    char buf[160];
    int n = sm_obis_format_dotted(ob, buf, sizeof buf);
    char built[96];
    const char *name = sm_obis_name(ob, sm_obis_lookup(ob), built, sizeof built);
    if (name && n > 0 && (size_t)n < sizeof buf)
        snprintf(buf + n, sizeof buf - (size_t)n, " %s", name);
    comment(o, depth, buf);
}

/* The comment before a value that became a reading. */
static void reading_comment(smd_out *o, unsigned depth, const sm_reading *rd)
{
    char buf[700];
    size_t k = 0;
    /* name the object here unless its logical name was just above */
    bool named_above = rd->obis_node != SM_NO_NODE && rd->node == rd->obis_node + 1;
    if (rd->obis_source != SM_OBIS_NONE && !named_above) {
        k += (size_t)sm_obis_format_dotted(&rd->obis, buf, sizeof buf);
        char name[96];
        const char *nm = sm_reading_name(rd, name, sizeof name);
        if (nm)
            k += (size_t)snprintf(buf + k, sizeof buf - k, " %s", nm);
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s",
                              rd->obis_source == SM_OBIS_LAYOUT ? " (by position): " : ": ");
    }
    switch (rd->kind) {
    case SM_RK_NUMBER: {
        int n = sm_reading_format_value(rd, buf + k, sizeof buf - k);
        if (n < 0)
            return;
        k += (size_t)n;
        const char *u = smd_unit(rd);
        if (u[0] && k < sizeof buf)
            k += (size_t)snprintf(buf + k, sizeof buf - k, " %s", u);
        break;
    }
    case SM_RK_DATETIME:
        dt_text(&rd->dt, buf + k, sizeof buf - k);
        break;
    case SM_RK_STRING:
        if (rd->len + 3 >= sizeof buf - k || !sm_bytes_printable(rd->bytes, rd->len))
            return;
        buf[k++] = '"';
        memcpy(buf + k, rd->bytes, rd->len);
        k += rd->len;
        buf[k++] = '"';
        buf[k] = '\0';
        break;
    default:
        if (k == 0)
            return;
        buf[k - 2] = '\0'; /* just the name */
        break;
    }
    k = strlen(buf);
    if (rd->has_capture && rd->parent == SM_NO_NODE && k + 12 < sizeof buf) {
        memcpy(buf + k, ", captured ", 11);
        dt_text(&rd->capture, buf + k + 11, sizeof buf - k - 11);
    }
    comment(o, depth, buf);
}

/* Comments Gurux also writes for values that are not readings: logical
 * names, date-times, printable strings. */
static void plain_comment(smd_out *o, unsigned depth, const sm_axdr_item *it)
{
    char buf[300];
    if (it->type != SM_DT_OCTET_STRING && it->type != SM_DT_VISIBLE_STRING)
        return;
    sm_datetime dt;
    if (it->type == SM_DT_OCTET_STRING && it->len == 6 && sm_obis_plausible(it->bytes)) {
        sm_obis ob = sm_obis_from_bytes(it->bytes);
        obis_comment(o, depth, &ob);
    } else if (it->len == 12 && sm_datetime_parse(it->bytes, &dt) == SM_OK) {
        dt_text(&dt, buf, sizeof buf);
        comment(o, depth, buf);
    } else if (it->len > 0 && it->len + 3 < sizeof buf && sm_bytes_printable(it->bytes, it->len)) {
        buf[0] = '"';
        memcpy(buf + 1, it->bytes, it->len);
        buf[it->len + 1] = '"';
        buf[it->len + 2] = '\0';
        comment(o, depth, buf);
    }
}

static unsigned scalar_digits(uint8_t type)
{
    switch (type) {
    case SM_DT_INT16: case SM_DT_UINT16: return 4;
    case SM_DT_INT32: case SM_DT_UINT32: case SM_DT_FLOAT32: return 8;
    case SM_DT_INT64: case SM_DT_UINT64: case SM_DT_FLOAT64: return 16;
    default: return 2;
    }
}

/* The untagged {class-id, logical name, attribute} of a Czech push: no
 * element of Gurux's, so one in its style. */
static void descriptor(smd_out *o, unsigned depth, const sm_axdr_item *it)
{
    char buf[200];
    sm_obis ob = sm_obis_from_bytes(it->bytes + 2);
    const sm_obis_info *info = sm_obis_lookup(&ob);
    int n = snprintf(buf, sizeof buf, "class %u, ", (unsigned)it->v.u);
    n += sm_obis_format_dotted(&ob, buf + n, sizeof buf - (size_t)n);
    snprintf(buf + n, sizeof buf - (size_t)n, "%s%s, attribute %u", info ? " " : "",
             info ? info->name : "", (unsigned)it->count);
    comment(o, depth, buf);
    indent(o, depth);
    smd_out_str(o, "<AttributeDescriptor ClassId=\"");
    smd_out_hexnum(o, it->v.u, 4);
    smd_out_str(o, "\" LogicalName=\"");
    smd_out_hex(o, it->bytes + 2, 6, 0);
    smd_out_str(o, "\" AttributeIndex=\"");
    smd_out_hexnum(o, it->count, 2);
    smd_out_str(o, "\" />\n");
}

static size_t node(smd_out *o, const xml_state *r, const sm_telegram *t, size_t i,
                   unsigned depth)
{
    const sm_node *nodes = t->nodes;
    const sm_axdr_item *it = &nodes[i].item;
    const char *name = sm_axdr_gurux_name(it->type);
    if (it->type == SM_DT_DESCRIPTOR) {
        descriptor(o, depth, it);
        return i + 1;
    }
    if (r->node_obis[i] != SM_NO_NODE) {
        obis_comment(o, depth, &(sm_obis){it->bytes[0], it->bytes[1], it->bytes[2],
                                          it->bytes[3], it->bytes[4], it->bytes[5]});
    } else if (r->node_value[i] != SM_NO_NODE) {
        reading_comment(o, depth, &t->readings[r->node_value[i]]);
    } else {
        plain_comment(o, depth, it);
    }
    if (it->type == SM_DT_STRUCTURE || it->type == SM_DT_ARRAY) {
        indent(o, depth);
        smd_out_ch(o, '<');
        smd_out_str(o, name);
        smd_out_str(o, " Qty=\"");
        smd_out_hexnum(o, it->count, it->count > 0xFF ? 4 : 2);
        smd_out_str(o, "\" >\n");
        size_t j = i + 1;
        for (uint32_t k = 0; k < it->count; k++)
            j = node(o, r, t, j, depth + 1);
        indent(o, depth);
        smd_out_str(o, "</");
        smd_out_str(o, name);
        smd_out_str(o, ">\n");
        return j;
    }
    switch (it->kind) {
    case SM_VK_INT:
        value_elem(o, depth, name, (uint64_t)it->v.i, scalar_digits(it->type));
        break;
    case SM_VK_UINT:
        if (it->type == SM_DT_BCD) /* decoded to decimal; show the octet */
            value_elem(o, depth, name, it->bytes[0], 2);
        else
            value_elem(o, depth, name, it->v.u, scalar_digits(it->type));
        break;
    case SM_VK_FLOAT: /* the wire octets, as Gurux shows them (a NaN's payload too) */
        bytes_elem(o, depth, name, it->bytes, it->len);
        break;
    case SM_VK_BYTES:
        if (it->type == SM_DT_VISIBLE_STRING && sm_bytes_printable(it->bytes, it->len)) {
            indent(o, depth);
            smd_out_str(o, "<String Value=\"");
            smd_out_xml_text(o, it->bytes, it->len);
            smd_out_str(o, "\" />\n");
        } else {
            bytes_elem(o, depth, name, it->bytes, it->len);
        }
        break;
    default:
        indent(o, depth);
        smd_out_ch(o, '<');
        smd_out_str(o, name ? name : "Unknown");
        smd_out_str(o, " />\n");
        break;
    }
    return i + nodes[i].subtree;
}

static void frames(smd_out *o, const sm_link_event *l)
{
    char buf[200];
    snprintf(buf, sizeof buf, "link layer: %s, %u frame%s from offset %llu", sm_link_name(l->link),
             l->frame_count, l->frame_count == 1 ? "" : "s", (unsigned long long)l->offset);
    comment(o, 0, buf);
    for (unsigned i = 0; i < l->nframes; i++) {
        const sm_frame *f = &l->frames[i];
        switch (f->link) {
        case SM_LINK_MBUS:
            snprintf(buf, sizeof buf,
                     "<MBusFrame Offset=\"%llu\" Length=\"%u\" L=\"%02X\" C=\"%02X\" A=\"%02X\" "
                     "CI=\"%02X\" STSAP=\"%02X\" DTSAP=\"%02X\" Payload=\"%u\" />",
                     (unsigned long long)f->offset, f->length, f->u.mbus.l, f->u.mbus.c,
                     f->u.mbus.a, f->u.mbus.ci, f->u.mbus.stsap, f->u.mbus.dtsap, f->payload);
            break;
        case SM_LINK_HDLC:
            snprintf(buf, sizeof buf,
                     "<HdlcFrame Offset=\"%llu\" Length=\"%u\" Format=\"%04X\" Destination=\"%X\" "
                     "Source=\"%X\" Control=\"%02X\" Segmented=\"%s\" LLC=\"%s\" Payload=\"%u\" />",
                     (unsigned long long)f->offset, f->length, f->u.hdlc.format, f->u.hdlc.dst,
                     f->u.hdlc.src, f->u.hdlc.control, f->u.hdlc.segmented ? "true" : "false",
                     f->u.hdlc.llc ? "true" : "false", f->payload);
            break;
        case SM_LINK_WRAPPER:
            snprintf(buf, sizeof buf,
                     "<WrapperFrame Offset=\"%llu\" Version=\"%04X\" Source=\"%04X\" "
                     "Destination=\"%04X\" Length=\"%u\" />",
                     (unsigned long long)f->offset, f->u.wrapper.version, f->u.wrapper.src_port,
                     f->u.wrapper.dst_port, f->u.wrapper.length);
            break;
        case SM_LINK_P1:
            snprintf(buf, sizeof buf,
                     "<P1Frame Offset=\"%llu\" Length=\"%u\" Crc=\"%0*X\" CrcStatus=\"%s\" "
                     "Line=\"%s\" />",
                     (unsigned long long)f->offset, f->length,
                     (int)sm_p1_crc_digits(&f->u.p1), f->u.p1.crc,
                     sm_p1_crc_name((sm_p1_crc)f->u.p1.crc_status),
                     f->u.p1.parity ? "7E1 read as 8 data bits" : "7-bit characters");
            break;
        case SM_LINK_TIC:
            snprintf(buf, sizeof buf,
                     "<TicFrameBytes Offset=\"%llu\" Length=\"%u\" Line=\"%s\" ParityErrors=\"%u\" "
                     "Payload=\"%u\" />",
                     (unsigned long long)f->offset, f->length,
                     f->u.tic.parity ? "7E1 read as 8 data bits" : "7-bit characters",
                     f->u.tic.parity_errors, f->payload);
            break;
        case SM_LINK_SML:
            snprintf(buf, sizeof buf,
                     "<SmlFrame Offset=\"%llu\" Length=\"%u\" Crc=\"%04X\" CrcKind=\"%s\" "
                     "Padding=\"%u\" Escapes=\"%u\" Payload=\"%u\" />",
                     (unsigned long long)f->offset, f->length, f->u.sml.crc,
                     f->u.sml.kermit ? "CRC-16/KERMIT" : "CRC-16/X.25", f->u.sml.padding,
                     f->u.sml.escapes, f->payload);
            break;
        default:
            snprintf(buf, sizeof buf, "<RawApdu Offset=\"%llu\" Length=\"%u\" />",
                     (unsigned long long)f->offset, f->length);
            break;
        }
        smd_out_str(o, buf);
        smd_out_ch(o, '\n');
    }
    if (l->frame_count > l->nframes) {
        snprintf(buf, sizeof buf, "%u more frames not listed", l->frame_count - l->nframes);
        comment(o, 0, buf);
    }
}

/* The ciphering APDU as Gurux shows it when it cannot decrypt, with the
 * security header explained. */
static void security(smd_out *o, const sm_telegram *t)
{
    const sm_sec_header *h = &t->sec;
    char buf[200], m[4];
    const char *name = h->apdu_tag == SM_APDU_DED_CIPHERING ? "GeneralDedCiphering"
                                                           : "GeneralGloCiphering";
    smd_out_ch(o, '<');
    smd_out_str(o, name);
    smd_out_str(o, ">\n");
    smd_title_manufacturer(h->system_title, m);
    if (m[0]) {
        snprintf(buf, sizeof buf, "system title: manufacturer %s, serial %02X%02X%02X%02X%02X", m,
                 h->system_title[3], h->system_title[4], h->system_title[5], h->system_title[6],
                 h->system_title[7]);
        comment(o, 1, buf);
    }
    bytes_elem(o, 1, "SystemTitle", h->system_title, 8);
    char sc[120];
    smd_sc_text(h->sc, sc, sizeof sc);
    snprintf(buf, sizeof buf, "security control %02X: %s; frame counter %lu%s", h->sc, sc,
             (unsigned long)h->fc,
             t->authenticated ? "; tag verified" : h->tag ? "; tag not verified" : "");
    comment(o, 1, buf);
    indent(o, 1);
    smd_out_str(o, "<CipheredService Value=\"");
    uint8_t hdr[5] = {h->sc, (uint8_t)(h->fc >> 24), (uint8_t)(h->fc >> 16), (uint8_t)(h->fc >> 8),
                      (uint8_t)h->fc};
    smd_out_hex(o, hdr, 5, 0);
    smd_out_hex(o, h->payload, h->payload_len, 0);
    if (h->tag)
        smd_out_hex(o, h->tag, SM_TAG_LEN, 0);
    smd_out_str(o, "\" />\n");
    smd_out_str(o, "</");
    smd_out_str(o, name);
    smd_out_str(o, ">\n");
}

static void notification(smd_out *o, xml_state *r, const sm_telegram *t)
{
    char buf[200];
    for (size_t i = 0; i < t->nnodes; i++)
        r->node_value[i] = r->node_obis[i] = SM_NO_NODE;
    for (size_t k = 0; k < t->nreadings; k++) {
        const sm_reading *rd = &t->readings[k];
        if (rd->node < t->nnodes)
            r->node_value[rd->node] = (uint16_t)k;
        if (rd->obis_node < t->nnodes)
            r->node_obis[rd->obis_node] = (uint16_t)k;
    }
    smd_out_str(o, "<DataNotification>\n");
    value_elem(o, 1, "LongInvokeIdAndPriority", t->notification.invoke_id, 8);
    if (t->notification.datetime_raw) {
        if (t->notification.has_datetime)
            dt_text(&t->notification.datetime, buf, sizeof buf);
        else
            snprintf(buf, sizeof buf, "not a valid date-time");
        if (t->notification.datetime_tagged)
            strncat(buf, "; sent as tagged data", sizeof buf - strlen(buf) - 1);
        comment(o, 1, buf);
        bytes_elem(o, 1, "DateTime", t->notification.datetime_raw, t->notification.datetime_len);
    }
    smd_out_str(o, "  <NotificationBody>\n    <DataValue>\n");
    if (t->nnodes)
        node(o, r, t, 0, 3);
    smd_out_str(o, "    </DataValue>\n  </NotificationBody>\n</DataNotification>\n");
}

/* ---- P1 text: there is no Gurux form; the lines, each object named ------ */

static void attr(smd_out *o, const char *name, const char *value)
{
    smd_out_ch(o, ' ');
    smd_out_str(o, name);
    smd_out_str(o, "=\"");
    smd_out_str(o, value); /* our own text: digits, ISO times, codes */
    smd_out_ch(o, '"');
}

/* <Object Obis="1-0:1.8.1*255" [Captured="..."] Value="001581.123*kWh" /> */
static void p1_object(smd_out *o, unsigned depth, const sm_reading *rd)
{
    char code[24], local[64], utc[40];
    reading_comment(o, depth, rd);
    sm_obis_format(&rd->obis, code, sizeof code);
    indent(o, depth);
    smd_out_str(o, "<Object");
    attr(o, "Obis", code);
    if (rd->has_capture && rd->parent == SM_NO_NODE &&
        smd_dt_texts(&rd->capture, local, sizeof local, utc, sizeof utc))
        attr(o, "Captured", local);
    smd_out_str(o, " Value=\"");
    smd_out_xml_text(o, rd->text, rd->text_len);
    smd_out_str(o, "\" />\n");
}

/* <Profile Obis=".." Entries="n"> <Entry Time=".."> objects </Entry> ... */
static size_t p1_profile(smd_out *o, const sm_telegram *t, size_t i)
{
    const sm_reading *list = &t->readings[i];
    char buf[200], code[24], local[64], utc[40];
    int n = sm_obis_format_dotted(&list->obis, buf, sizeof buf);
    snprintf(buf + n, sizeof buf - (size_t)n, " %s: %u entr%s",
             list->info ? list->info->name : "profile", list->count,
             list->count == 1 ? "y" : "ies");
    comment(o, 1, buf);
    sm_obis_format(&list->obis, code, sizeof code);
    indent(o, 1);
    smd_out_str(o, "<Profile");
    attr(o, "Obis", code);
    snprintf(buf, sizeof buf, "%u", list->count);
    attr(o, "Entries", buf);
    smd_out_str(o, ">\n");
    size_t k = i + 1;
    for (uint32_t row = 0; row < list->count; row++) {
        indent(o, 2);
        smd_out_str(o, "<Entry");
        if (k < t->nreadings && t->readings[k].has_capture &&
            smd_dt_texts(&t->readings[k].capture, local, sizeof local, utc, sizeof utc))
            attr(o, "Time", local);
        smd_out_str(o, ">\n");
        for (; k < t->nreadings && t->readings[k].parent == list->index &&
               t->readings[k].row == row;
             k++)
            p1_object(o, 3, &t->readings[k]);
        indent(o, 2);
        smd_out_str(o, "</Entry>\n");
    }
    indent(o, 1);
    smd_out_str(o, "</Profile>\n");
    return k;
}

static void p1(smd_out *o, const sm_telegram *t)
{
    const sm_p1_info *p = &t->p1;
    char buf[200];
    smd_out_str(o, "<P1Telegram Identification=\"");
    smd_out_xml_text(o, p->ident, p->ident_len);
    smd_out_ch(o, '"');
    if (p->frame.crc_status != SM_P1_CRC_NONE) {
        smd_out_str(o, " Crc=\"");
        smd_out_hexnum(o, p->frame.crc, sm_p1_crc_digits(&p->frame));
        smd_out_ch(o, '"');
    }
    attr(o, "CrcStatus", sm_p1_crc_name((sm_p1_crc)p->frame.crc_status));
    smd_out_str(o, ">\n");
    for (size_t k = 0; k < t->nreadings;) {
        if (t->readings[k].kind == SM_RK_LIST) {
            k = p1_profile(o, t, k);
        } else {
            p1_object(o, 1, &t->readings[k]);
            k++;
        }
    }
    for (unsigned i = 0; i < p->nnotes && i < SM_P1_MAX_NOTES; i++) {
        snprintf(buf, sizeof buf, "line %u (offset %u): %s", p->notes[i].line,
                 (unsigned)p->notes[i].offset,
                 sm_p1_note_text((sm_p1_note_kind)p->notes[i].kind));
        comment(o, 1, buf);
    }
    if (p->nnotes > SM_P1_MAX_NOTES) {
        snprintf(buf, sizeof buf, "%u more notes", (unsigned)(p->nnotes - SM_P1_MAX_NOTES));
        comment(o, 1, buf);
    }
    smd_out_str(o, "</P1Telegram>\n");
}

/* ---- TIC: the frame's groups in order, each as read ---------------------- */

/* <Group Label=".." [Name=".." Unit=".."] [Horodate=".." Time=".."]
 *  Data=".." [Value=".."] Checksum="c" Status="ok|checksum|..." /> */
static void tic_group(smd_out *o, const sm_telegram *t, const sm_tic_group *g)
{
    const uint8_t *p = t->apdu;
    char buf[64], local[64], utc[40];
    const sm_reading *rd = g->reading >= 0 ? &t->readings[g->reading] : NULL;
    indent(o, 1);
    smd_out_str(o, "<Group Label=\"");
    smd_out_xml_text(o, p + g->off, g->label_len);
    smd_out_ch(o, '"');
    if (g->def) {
        smd_out_str(o, " Name=\"");
        smd_out_xml_text(o, (const uint8_t *)g->def->info.name, strlen(g->def->info.name));
        smd_out_ch(o, '"');
        if (g->def->info.unit && g->def->number)
            attr(o, "Unit", sm_unit_symbol(g->def->info.unit));
        if (g->def->has_obis) {
            sm_obis_format(&g->def->obis, buf, sizeof buf);
            attr(o, "Obis", buf);
        }
    }
    if (g->horodate_len) {
        smd_out_str(o, " Horodate=\"");
        smd_out_xml_text(o, p + g->horodate_off, g->horodate_len);
        smd_out_ch(o, '"');
        const sm_datetime *dt = rd ? (rd->kind == SM_RK_DATETIME ? &rd->dt : &rd->capture) : NULL;
        if (dt && smd_dt_texts(dt, local, sizeof local, utc, sizeof utc))
            attr(o, "Time", local);
    }
    smd_out_str(o, " Data=\"");
    smd_out_xml_text(o, p + g->data_off, g->data_len);
    smd_out_ch(o, '"');
    if (rd && rd->kind == SM_RK_NUMBER) {
        sm_reading_format_value(rd, buf, sizeof buf);
        attr(o, "Value", buf);
    }
    if (g->checksum) {
        smd_out_str(o, " Checksum=\"");
        smd_out_xml_text(o, &g->checksum, 1);
        smd_out_ch(o, '"');
    }
    attr(o, "Status", sm_tic_verdict_name((sm_tic_verdict)g->verdict));
    if (g->verdict == SM_TIC_GROUP_CHECKSUM) {
        smd_out_str(o, " Computed=\"");
        smd_out_xml_text(o, &g->computed, 1);
        smd_out_ch(o, '"');
    }
    smd_out_str(o, " />\n");
}

/* STGE's fields, one attribute each */
static void tic_stge(smd_out *o, uint32_t stge)
{
    size_t nf;
    const sm_tic_stge_field *f = sm_tic_stge_fields(&nf);
    char buf[16];
    indent(o, 1);
    smd_out_str(o, "<Status Register=\"");
    smd_out_hexnum(o, stge, 8);
    smd_out_ch(o, '"');
    for (size_t i = 0; i < nf; i++) {
        unsigned v = sm_tic_stge_get(stge, &f[i]);
        const char *name = sm_tic_stge_value_name(&f[i], v);
        snprintf(buf, sizeof buf, "%u", v + f[i].add);
        smd_out_ch(o, ' ');
        smd_out_str(o, f[i].name);
        smd_out_str(o, "=\"");
        smd_out_str(o, name ? name : buf);
        smd_out_ch(o, '"');
    }
    smd_out_str(o, " />\n");
}

static void tic(smd_out *o, const sm_telegram *t)
{
    const sm_tic_info *ti = t->tic;
    char buf[120];
    smd_out_str(o, "<TicFrame");
    attr(o, "Mode", sm_tic_mode_name((sm_tic_mode)ti->mode));
    if (ti->checksum_mode2)
        attr(o, "Checksum", "mode 2");
    snprintf(buf, sizeof buf, "%u", ti->ngroups);
    attr(o, "Groups", buf);
    snprintf(buf, sizeof buf, "%u", ti->ok);
    attr(o, "GroupsOk", buf);
    smd_out_str(o, ">\n");
    size_t kept = ti->ngroups < SM_TIC_MAX_GROUPS ? ti->ngroups : SM_TIC_MAX_GROUPS;
    for (size_t i = 0; i < kept; i++)
        tic_group(o, t, &ti->groups[i]);
    if (ti->ngroups > kept) {
        snprintf(buf, sizeof buf, "%u more groups not listed", (unsigned)(ti->ngroups - kept));
        comment(o, 1, buf);
    }
    if (ti->has_stge)
        tic_stge(o, ti->stge);
    if (ti->has_relais) {
        indent(o, 1);
        smd_out_str(o, "<Relays");
        for (unsigned i = 0; i < 8; i++) {
            snprintf(buf, sizeof buf, " Relay%u=\"%s\"", i + 1, ti->relais >> i & 1 ? "closed" : "open");
            smd_out_str(o, buf);
        }
        smd_out_str(o, " />\n");
    }
    smd_out_str(o, "</TicFrame>\n");
}

/* ---- SML: the messages and the valList, each entry named ---------------- */

static const char *sml_body_name(uint16_t tag)
{
    switch (tag) {
    case SM_SML_OPEN_RESPONSE: return "OpenResponse";
    case SM_SML_GET_LIST_RESPONSE: return "GetListResponse";
    case SM_SML_CLOSE_RESPONSE: return "CloseResponse";
    default: return "Body";
    }
}

/* <Entry ObjName=".." [Status=".."] [Unit=".." Scaler=".."] Type=".." Value=".."
 *  [Quirk=".."] />: a reading a meter quirk changed names it */
static void sml_entry(smd_out *o, const sm_telegram *t, const sm_reading *rd)
{
    char buf[64];
    reading_comment(o, 3, rd);
    indent(o, 3);
    smd_out_str(o, "<Entry");
    sm_obis_format(&rd->obis, buf, sizeof buf);
    attr(o, "ObjName", rd->obis_source != SM_OBIS_NONE ? buf : "?");
    if (rd->has_status) {
        snprintf(buf, sizeof buf, "%llX", (unsigned long long)rd->status);
        attr(o, "Status", buf);
    }
    if (rd->scaler_source == SM_SCALER_WIRE) {
        snprintf(buf, sizeof buf, "%u", rd->unit);
        attr(o, "Unit", buf);
        snprintf(buf, sizeof buf, "%d", rd->scaler);
        attr(o, "Scaler", buf);
    }
    attr(o, "Type", rd->kind == SM_RK_STRING ? "octet-string" : sm_axdr_type_name(rd->type));
    smd_out_str(o, " Value=\"");
    if (rd->kind == SM_RK_NUMBER) {
        if (rd->is_signed)
            snprintf(buf, sizeof buf, "%lld", (long long)rd->raw_i);
        else
            snprintf(buf, sizeof buf, "%llu", (unsigned long long)rd->raw_u);
        smd_out_str(o, buf);
    } else if (rd->kind == SM_RK_STRING) {
        smd_out_hex(o, rd->bytes, rd->len, 0);
    } else if (rd->kind == SM_RK_DATETIME) {
        char local[64], utc[40];
        smd_out_str(o, smd_dt_texts(&rd->dt, local, sizeof local, utc, sizeof utc) ? local : "");
    } else {
        smd_out_hex(o, rd->bytes, rd->len, 0);
    }
    smd_out_ch(o, '"');
    if (rd->amended && t->quirk)
        attr(o, "Quirk", t->quirk->name);
    smd_out_str(o, " />\n");
}

static void sml(smd_out *o, const sm_telegram *t)
{
    const sm_sml_info *m = &t->sml;
    char buf[64];
    smd_out_str(o, "<SmlFile");
    attr(o, "Crc", m->kermit ? "CRC-16/KERMIT" : "CRC-16/X.25");
    if (t->quirk)
        attr(o, "Quirk", t->quirk->name);
    smd_out_str(o, ">\n");
    for (unsigned i = 0; i < m->messages && i < SM_SML_MAX_MESSAGES; i++) {
        indent(o, 1);
        smd_out_str(o, "<Message");
        attr(o, "Body", sml_body_name(m->tags[i]));
        snprintf(buf, sizeof buf, "%04X", m->tags[i]);
        attr(o, "Tag", buf);
        if (m->tags[i] != SM_SML_GET_LIST_RESPONSE) {
            smd_out_str(o, " />\n");
            continue;
        }
        if (m->server_id_len) {
            smd_out_str(o, " ServerId=\"");
            smd_out_hex(o, m->server_id, m->server_id_len, 0);
            smd_out_ch(o, '"');
        }
        if (m->meter_number[0])
            attr(o, "MeterNumber", m->meter_number);
        smd_out_str(o, ">\n");
        indent(o, 2);
        snprintf(buf, sizeof buf, "%zu", t->nreadings);
        smd_out_str(o, "<ValList");
        attr(o, "Entries", buf);
        smd_out_str(o, ">\n");
        for (size_t k = 0; k < t->nreadings; k++)
            sml_entry(o, t, &t->readings[k]);
        indent(o, 2);
        smd_out_str(o, "</ValList>\n");
        indent(o, 1);
        smd_out_str(o, "</Message>\n");
    }
    smd_out_str(o, "</SmlFile>\n");
}

static void render(smd_ctx *cx, void *state, const sm_telegram *t)
{
    xml_state *r = state;
    smd_out *o = cx->out;
    char buf[400], where[120];
    size_t k = (size_t)snprintf(buf, sizeof buf, "telegram %llu",
                                (unsigned long long)smd_telegram_no(t));
    if (t->link)
        k += (size_t)snprintf(buf + k, sizeof buf - k, ": %s, %u frame%s at offset %llu",
                              sm_link_name(t->link->link), t->link->frame_count,
                              t->link->frame_count == 1 ? "" : "s",
                              (unsigned long long)t->link->offset);
    if (t->gbt_blocks)
        snprintf(buf + k, sizeof buf - k, ", %u general-block-transfer blocks", t->gbt_blocks);
    comment(o, 0, buf);
    if (t->link && (cx->layers || t->err))
        frames(o, t->link);
    if (t->ciphered && (cx->layers || t->err))
        security(o, t);
    if (t->err) {
        smd_error_where(t, where, sizeof where);
        snprintf(buf, sizeof buf, "error: %s: %s%s%s%s", sm_layername(sm_errlayer(t->err)),
                 sm_strerror(t->err), where, t->key_diag ? ": " : "",
                 t->key_diag ? sm_key_diag_text(t->key_diag) : "");
        comment(o, 0, buf);
    }
    if (t->apdu && t->is_sml && (cx->layers || t->err)) {
        indent(o, 0);
        smd_out_str(o, "<!--sml messages (unescaped): ");
        smd_out_hex(o, t->apdu, t->apdu_len, ' ');
        smd_out_str(o, "-->\n");
        if (t->sml.crc_checked)
            comment(o, 0, t->sml.kermit ? "message crcs: CRC-16/KERMIT, each verified"
                                        : "message crcs: CRC-16/X.25, each verified");
    } else if (t->apdu && (t->is_p1 || t->is_tic) && (cx->layers || t->err)) {
        smd_out_str(o, "<!--text:\n");
        text_comment(o, t->apdu, t->apdu_len);
        smd_out_str(o, "-->\n");
    } else if (t->apdu && (cx->layers || t->err)) {
        indent(o, 0);
        smd_out_str(o, t->ciphered ? "<!--decrypted apdu: " : "<!--apdu: ");
        smd_out_hex(o, t->apdu, t->apdu_len, ' ');
        smd_out_str(o, "-->\n");
    }
    if (!t->err) {
        if (t->is_notification)
            notification(o, r, t);
        else if (t->is_p1)
            p1(o, t);
        else if (t->is_sml)
            sml(o, t);
        else if (t->is_tic)
            tic(o, t);
    }
    smd_out_ch(o, '\n');
}

const smd_format smd_format_xml = {"xml", sizeof(xml_state), NULL, render, NULL};
