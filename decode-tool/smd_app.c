/* smd_app.c - see smd_app.h. */
#include "smd_app.h"

#include <stdio.h>
#include <string.h>

#include "sm_apdu.h"
#include "smd_text.h"

const char *smd_plural(uint64_t n) { return n == 1 ? "" : "s"; }

/* The core's advice on a key error (sm_key_advise) in smdecode's options */
static const char *const key_advice[SM_ADVICE_COUNT] = {
    [SM_ADVICE_SWAP] = " (the two keys work the other way round: swap --key and --auth-key)",
    [SM_ADVICE_GIVE_AK] = " (the encryption key decrypts it: give the authentication key with "
                          "--auth-key-file, SMDECODE_AUTH_KEY or --auth-key, or decrypt without "
                          "checking with --no-verify-tag)",
    [SM_ADVICE_CHECK_AK] = " (the encryption key decrypts it, so the authentication key is "
                           "wrong: check it, or decrypt without checking with --no-verify-tag)",
    [SM_ADVICE_CHECK_EK_TOO] = " (and the encryption key does not decrypt it: check it too)",
    [SM_ADVICE_CHECK_EK] = " (the encryption key does not decrypt it either: a wrong encryption "
                           "key, or a damaged telegram)",
    [SM_ADVICE_GIVE_KEY] = " (give the key with --key-file, SMDECODE_KEY or --key)",
    [SM_ADVICE_GIVE_AK_ONLY] = " (give the authentication key with --auth-key-file, "
                               "SMDECODE_AUTH_KEY or --auth-key, or decrypt without checking "
                               "with --no-verify-tag)",
    [SM_ADVICE_CHECK_KEYS] = " (wrong authentication key, wrong key, or a damaged telegram)",
    [SM_ADVICE_CHECK_KEY] = " (check the key)",
};

/* What to do about a telegram's error: the key advice, or for a
 * data-notification whose body cannot be read, what that means. */
static const char *hint(const sm_telegram *t)
{
    sm_key_advice a = sm_key_advise(t->err, t->key_diag);
    if (a != SM_ADVICE_NONE)
        return key_advice[a];
    const uint8_t *apdu = t->apdu_len ? t->apdu : t->link && t->link->apdu_len ? t->link->apdu
                                                                             : NULL;
    if (sm_errlayer(t->err) == SM_LAYER_AXDR && apdu && apdu[0] == SM_APDU_DATA_NOTIFICATION)
        return " (a data-notification whose body could not be read from there on: a form "
               "that no decoder knows yet, or a damaged telegram)";
    return "";
}


/* What a meter quirk changed, and a power whose sign the energy registers
 * contradict: each said once. */
static void quirk_notes(app *a, const sm_telegram *t)
{
    unsigned long long no = (unsigned long long)smd_telegram_no(t);
    if (t->quirk_changed && !a->quirk_said && !a->quiet) {
        smd_out_flush(&a->out);
        fprintf(stderr, "%s: %s: telegram %llu: note: meter quirk %s (%s:%u) changed %u "
                "reading%s: %s (--quirk none shows the values as sent)\n", progname, a->source,
                no, t->quirk->name, t->quirk->file, t->quirk->line, t->quirk_changed,
                smd_plural(t->quirk_changed), t->quirk->description);
        a->quirk_said = true;
    }
    if (sm_sign_check_feed(&a->sign, t->readings, t->nreadings) != SM_SIGN_DISAGREES ||
        a->sign.run < SM_SIGN_CHECK_RUN || a->sign_said)
        return;
    a->sign_said = true;
    bool drop = t->quirk_changed && a->quirk_auto; /* the quirk it chose, as the plugin does */
    if (drop)
        sm_decoder_set_quirks(&a->dec, SM_QUIRKS_NONE, NULL);
    if (a->quiet)
        return;
    smd_out_flush(&a->out);
    fprintf(stderr, "%s: %s: telegram %llu: note: the power's sign disagrees with the energy "
            "registers in %u telegrams in a row (%g W while only the %s register moved): ",
            progname, a->source, no, a->sign.run, a->sign.power,
            a->sign.power > 0 ? "export" : "import");
    if (drop)
        fprintf(stderr, "meter quirk %s is wrong for this meter: no longer applied from the "
                "next telegram on (--quirk none: from the first)\n", t->quirk->name);
    else if (t->quirk_changed)
        fprintf(stderr, "meter quirk %s (--quirk) looks wrong for this meter\n", t->quirk->name);
    else
        fprintf(stderr, "the meter may send its power with the wrong sign (a quirk in a "
                "layout file can correct it: --quirk, --layout-file)\n");
}

void smd_app_on_telegram(void *ctx, const sm_telegram *t)
{
    app *a = ctx;
    a->stream_telegrams++;
    if (a->live) {
        a->last_at = smio_port_now();
        if (a->stream_telegrams == 1)
            a->first_at = a->last_at;
    }
    if (t->err) {
        a->failed++;
        if (!a->quiet) {
            char where[120];
            smd_error_where(t, where, sizeof where);
            /* stdout first, so that both streams interleave sensibly on a terminal */
            smd_out_flush(&a->out);
            fprintf(stderr, "%s: %s: telegram %llu: %s: %s%s%s\n", progname, a->source,
                    (unsigned long long)smd_telegram_no(t), sm_layername(sm_errlayer(t->err)),
                    sm_strerror(t->err), where, hint(t));
        }
    }
    if (t->is_p1 && !t->err && t->p1.nnotes && !a->quiet) {
        /* what the lines could not give: named, but the telegram is good */
        smd_out_flush(&a->out);
        const sm_p1_info *p = &t->p1;
        uint64_t at = t->link ? t->link->offset : 0;
        for (unsigned i = 0; i < p->nnotes && i < SM_P1_MAX_NOTES; i++)
            fprintf(stderr, "%s: %s: telegram %llu: note: line %u at offset %llu: %s\n", progname,
                    a->source, (unsigned long long)smd_telegram_no(t), p->notes[i].line,
                    (unsigned long long)(at + p->notes[i].offset),
                    sm_p1_note_text((sm_p1_note_kind)p->notes[i].kind));
        if (p->nnotes > SM_P1_MAX_NOTES)
            fprintf(stderr, "%s: %s: telegram %llu: note: %u more lines\n", progname, a->source,
                    (unsigned long long)smd_telegram_no(t),
                    (unsigned)(p->nnotes - SM_P1_MAX_NOTES));
    }
    if (!t->err && t->is_sml && t->sml.reduced && !a->reduced_said && !a->quiet) {
        smd_out_flush(&a->out);
        fprintf(stderr, "%s: %s: telegram %llu: note: %s\n", progname, a->source,
                (unsigned long long)smd_telegram_no(t), SM_SML_REDUCED_HINT);
        a->reduced_said = true;
    }
    if (!t->err && t->is_sml)
        quirk_notes(a, t);
    if (!t->err && t->implied_disagree && !a->quiet) {
        smd_out_flush(&a->out);
        fprintf(stderr,
                "%s: %s: telegram %llu: note: the active power exceeds voltage x current "
                "whatever the currents' implied scaler (0.01 A, 0.1 A, 1 A): a value or the "
                "list's scalers are wrong (a layout file can give them)\n",
                progname, a->source, (unsigned long long)smd_telegram_no(t));
    }
    smd_render_telegram(a->render, t);
    if (a->feed && !t->err)
        smio_feed_publish(a->feed, a->feed_text, sm_p1_write(t, a->feed_text, sizeof a->feed_text),
                          a->read_at);
}

static void on_hex_bytes(void *ctx, const uint8_t *p, size_t n)
{
    app *a = ctx;
    sm_decoder_feed(&a->dec, p, n);
}

static void on_hex_error(void *ctx, smd_hex_err e, uint64_t line, uint64_t col, uint8_t ch)
{
    app *a = ctx;
    a->input_errors++;
    smd_out_flush(&a->out);
    if (e == SMD_HEX_ODD)
        fprintf(stderr, "%s: %s:%llu:%llu: odd number of hex digits in the token that starts here; its last digit is ignored\n",
                progname, a->source, (unsigned long long)line, (unsigned long long)col);
    else if (ch >= 0x20 && ch < 0x7F)
        fprintf(stderr, "%s: %s:%llu:%llu: '%c' is not a hex digit; rest of the line skipped\n",
                progname, a->source, (unsigned long long)line, (unsigned long long)col, ch);
    else
        fprintf(stderr,
                "%s: %s:%llu:%llu: byte 0x%02X is not a hex digit; rest of the line skipped%s\n",
                progname, a->source, (unsigned long long)line, (unsigned long long)col, ch,
                a->binary ? "" : " (binary input? use --binary)");
}

void smd_app_feed(app *a, const char *p, size_t n)
{
    a->stream_bytes += n;
    if (!a->binary && !a->kind_known) {
        /* hex, or P1 or TIC text: the first character that is not white
         * space tells ('/' or STX; a 7E1 line read as 8N1 sets bit 7) */
        size_t i = strspn(p, " \t\r\n");
        i = i < n ? i : n;
        if (i < n) {
            a->kind_known = true;
            uint8_t c = (uint8_t)(p[i] & 0x7F);
            a->p1_text = c == '/' || c == 0x02;
            if (a->p1_text) {
                p += i;
                n -= i;
            }
        }
    }
    if (a->binary || a->p1_text)
        sm_decoder_feed(&a->dec, (const uint8_t *)p, n);
    else
        smd_hexin_feed(&a->hex, p, n);
}

void smd_app_begin_input(app *a, const char *source)
{
    a->source = source;
    a->stream_telegrams = 0;
    a->stream_bytes = 0;
    a->p1_text = a->kind_known = false;
    sm_decoder_new_stream(&a->dec);
    smd_hexin_init(&a->hex, on_hex_bytes, on_hex_error, a);
}

void smd_app_end_input(app *a, bool stopped)
{
    if (!a->binary)
        smd_hexin_finish(&a->hex);
    if (stopped)
        sm_decoder_stop(&a->dec);
    else
        sm_decoder_finish(&a->dec);
    sm_decoder_stats st;
    sm_decoder_get_stats(&a->dec, &st);
    const sm_decoder_stats *s = &st;
    /* bytes as the decoder saw them: after hex decoding */
    uint64_t bytes = a->binary || a->p1_text ? a->stream_bytes : a->hex.bytes_out;
    char said[SMIO_PORT_PEER_TEXT_MAX + 2];
    if (a->stream_telegrams == 0) {
        a->empty_inputs++; /* exit status 1 */
        smd_out_flush(&a->out);
        if (a->stream_bytes == 0 && a->live)
            fprintf(stderr,
                    "%s: %s: nothing arrived (is the meter's customer port switched on, the "
                    "cable in the right socket, the M-Bus adapter powered?)\n",
                    progname, a->source);
        else if (a->stream_bytes == 0)
            fprintf(stderr, "%s: %s: empty input: no telegram\n", progname, a->source);
        else if (bytes == 0)
            fprintf(stderr, "%s: %s: no hex digits in %llu characters: no telegram%s\n",
                    progname, a->source, (unsigned long long)a->stream_bytes,
                    a->hex.errors ? " (is it binary? use --binary)" : "");
        else if (a->tcp && smio_port_peer_text(a->first, a->first_len, said, sizeof said))
            fprintf(stderr, "%s: %s: no telegram found; the server said: %s (another program "
                    "may hold its serial port: ser2net lets one client in at a time)\n",
                    progname, a->source, said);
        else
            fprintf(stderr, "%s: %s: no telegram found in %llu byte%s%s\n", progname, a->source,
                    (unsigned long long)bytes, smd_plural(bytes),
                    a->tcp ? " (the server's serial side may have other line settings than the "
                             "meter's: in ser2net.yaml the connector's, such as 2400e81; "
                             "--baud and --parity do nothing over tcp://)"
                    : a->live ? " (other line settings? see --baud and --parity)"
                    : !a->binary && a->hex.errors ? " (is it binary? use --binary)" : "");
    } else if (s->bytes_discarded && !a->quiet) {
        smd_out_flush(&a->out);
        fprintf(stderr, "%s: %s: note: %llu byte%s outside any telegram %s skipped\n", progname,
                a->source, (unsigned long long)s->bytes_discarded, smd_plural(s->bytes_discarded),
                s->bytes_discarded == 1 ? "was" : "were");
    }
    if (s->checksum_ignored && !a->quiet) {
        smd_out_flush(&a->out);
        fprintf(stderr,
                "%s: %s: note: %llu frame%s with a wrong checksum %s decoded all the same "
                "(--no-verify-checksum)\n",
                progname, a->source, (unsigned long long)s->checksum_ignored,
                smd_plural(s->checksum_ignored), s->checksum_ignored == 1 ? "was" : "were");
    }
    if (s->p1_unchecked && !a->quiet) {
        smd_out_flush(&a->out);
        fprintf(stderr,
                "%s: %s: note: %llu P1 telegram%s without a CRC (or with one of fewer than "
                "four digits) %s accepted unchecked\n",
                progname, a->source, (unsigned long long)s->p1_unchecked, smd_plural(s->p1_unchecked),
                s->p1_unchecked == 1 ? "was" : "were");
    }
}
