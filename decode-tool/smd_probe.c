/* smd_probe.c - see smd_probe.h. */
#include "smd_probe.h"

#include <stdio.h>

#include "sm_security.h"
#include "smd_live.h"
#include "smd_text.h"
#include "smio_probe.h"

static void on_probe_step(void *ctx, const smio_probe_result *r)
{
    (void)ctx;
    char l[32];
    smio_line_text(&r->line, l, sizeof l);
    fprintf(stderr, "%s: %-10s %6llu bytes in %4.1f s, %llu telegram%s verified%s%s\n", progname,
            l, (unsigned long long)r->bytes, r->seconds, (unsigned long long)r->good,
            smd_plural(r->good), r->link_errors ? ", link errors after the first" : "",
            r->proven ? ": proven" : "");
}

/* The line and the link layer of the proven setting, in words and as a
 * <Meter> block for collectd.conf. */
static void print_verdict(const smio_probe_result *r, const options *o)
{
    smio_line line = smio_probe_line(r);
    char l[32];
    smio_line_text(&line, l, sizeof l);
    if (r->tcp)
        printf("settings:   the server's own (its serial side reads the meter)%s\n",
               r->p1_parity ? "; the bytes carry 7E1 parity bits" : "");
    else
        printf("settings:   %s%s\n", l, r->p1_parity ? " (read as 8N1 it decodes too)" : "");
    printf("link layer: %s, %u frame%s per telegram\n", sm_link_name(r->link), r->frames,
           r->frames == 1 ? "" : "s");
    if (r->period > 0)
        printf("push:       a telegram every %.*f s (%s, %llu telegrams)\n",
               r->period < 1 ? 2 : 1, r->period,
               r->period_by_clock ? "the meter's clock" : "as they arrived",
               (unsigned long long)r->good);
    if (r->ciphered) {
        char sc[128], m[4];
        smd_sc_text(r->sc, sc, sizeof sc);
        smd_title_manufacturer(r->title, m);
        printf("security:   %s; system title %02X%02X%02X%02X%02X%02X%02X%02X", sc, r->title[0],
               r->title[1], r->title[2], r->title[3], r->title[4], r->title[5], r->title[6],
               r->title[7]);
        if (m[0]) /* a manufacturer's letters: the rest is its serial number */
            printf(", manufacturer %s, serial %02X%02X%02X%02X%02X", m, r->title[3], r->title[4],
                   r->title[5], r->title[6], r->title[7]);
        printf("\n");
        printf("keys:       %s\n", !r->err ? "the keys given decrypt it"
                                 : r->key_diag ? sm_key_diag_text(r->key_diag)
                                               : sm_strerror(r->err));
    } else {
        printf("security:   not encrypted\n");
    }
    printf("\n<Plugin smartmeter>\n  <Meter \"meter\">\n    Device \"%s\"\n", o->device);
    if (!r->tcp) { /* a network serial server's are set on the server */
        printf("    Baud %d\n", line.baud);
        if (line.data_bits != 8)
            printf("    DataBits %d\n", line.data_bits);
        printf("    Parity \"%s\"\n", smio_parity_names[line.parity]);
    }
    printf("    Framing \"%s\"\n", sm_link_name(r->link));
    if (r->ciphered)
        printf("    KeyFile \"/etc/collectd/meter.key\"\n");
    if (r->ciphered && (r->sc & SM_SC_AUTH))
        printf("    AuthKeyFile \"/etc/collectd/meter.ak\"   # or VerifyTag false\n");
    printf("  </Meter>\n</Plugin>\n");
}

int smd_run_probe(const options *o)
{
    smio_probe_opts po = {o->device,     o->seconds > 0 ? o->seconds : 12,
                        o->ek_len ? o->ek : NULL, o->ak_len ? o->ak : NULL,
                        o->ek_len,     o->ak_len,
                        o->verify,     smd_signal_fd(),
                        (sm_link)o->framing};
    smio_probe_result res[SMIO_PROBE_SETTINGS];
    size_t n;
    char err[SMIO_PORT_ERR_MAX];
    bool tcp = smio_port_is_tcp(o->device);
    if (tcp)
        fprintf(stderr, "%s: probing %s (a network serial server: its line settings are its "
                "own), up to %.0f s\n", progname, o->device, po.seconds);
    else
        fprintf(stderr, "%s: probing %s: %d settings%s, up to %.0f s each\n", progname,
                o->device, SMIO_PROBE_SETTINGS,
                o->framing == SM_LINK_P1 ? " (P1's first)" : "", po.seconds);
    smio_probe_end end = smio_probe_run(&po, res, &n, on_probe_step, NULL, err, sizeof err);
    switch (end) {
    case SMIO_PROBE_FOUND: print_verdict(&res[n - 1], o); return 0;
    case SMIO_PROBE_FAILED: fprintf(stderr, "%s: %s\n", progname, err); return EXIT_USAGE;
    case SMIO_PROBE_STOPPED: fprintf(stderr, "%s: stopped\n", progname); return EXIT_FAILED;
    case SMIO_PROBE_SILENT:
        fprintf(stderr,
                "%s: %s: nothing arrived in %.0f s. The usual causes: the customer port is "
                "switched off (ask the grid operator, often in its portal); the cable is in "
                "the wrong socket or on the wrong pins (M-Bus: RJ12 pins 3 and 4); the M-Bus "
                "adapter has no power; another program reads the port; the meter pushes less "
                "often than every %.0f s (try a longer --seconds)\n",
                progname, o->device, res[0].seconds, po.seconds);
        return EXIT_FAILED;
    default: break;
    }
    if (tcp) {
        fprintf(stderr,
                "%s: %s: bytes arrive, but no telegram verifies: the server's serial side may "
                "have other line settings than the meter's (in ser2net.yaml the connector's, "
                "such as 2400e81 for M-Bus, 115200n81 for P1), or the meter pushes less often "
                "than every %.0f s (try a longer --seconds)\n",
                progname, o->device, po.seconds / 2);
        return EXIT_FAILED;
    }
    fprintf(stderr,
            "%s: %s: no setting gives telegrams that verify: bytes arrive, but not at 2400, "
            "9600, 19200, 38400 or 115200 baud with 8E1, 8N1 or 7E1, nor at 1200 with 7E1 or "
            "8N1, or the meter pushes less often than every %.0f s (try a longer --seconds)\n",
            progname, o->device, po.seconds / 2);
    return EXIT_FAILED;
}
