/* mkmixed - prints the mixed stream of test_util.c's mixed_stream (M-Bus,
 * HDLC, wrapper or raw; garbage between telegrams, failures at each layer)
 * in hex, a line from each telegram's first byte to the next one's, for
 * tests/e2e_plugin.sh to send to the plugin (smsim --replay); and on
 * standard error what the plugin must count: "telegrams=N
 * checksum-errors=N security-errors=N parse-errors=N".
 *
 *   mkmixed mbus|hdlc|wrapper|raw ITEMS SEED */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

int main(int argc, char **argv)
{
    static const char *const names[] = {"mbus", "hdlc", "wrapper", "raw"};
    static uint8_t stream[1 << 20];
    static mix_event ev[1024];
    if (argc != 4)
        return 2;
    int f = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(argv[1], names[i]) == 0)
            f = i;
    unsigned items = (unsigned)atoi(argv[2]);
    if (f < 0 || items == 0 || items > 1024)
        return 2;
    size_t nev, len = mixed_stream((mix_framing)f, items, (unsigned)atoi(argv[3]), stream,
                                   sizeof stream, ev, &nev);
    for (size_t k = 0; k < nev; k++) {
        size_t from = k ? ev[k].offset : 0, to = k + 1 < nev ? ev[k + 1].offset : len;
        for (size_t i = from; i < to; i++)
            printf("%02X", stream[i]);
        printf("\n");
    }
    unsigned n[4] = {0};
    for (size_t i = 0; i < nev; i++) {
        sm_layer l = sm_errlayer(ev[i].err);
        n[l == SM_LAYER_NONE ? 0 : l == SM_LAYER_LINK ? 1 : l == SM_LAYER_SECURITY ? 2 : 3]++;
    }
    fprintf(stderr, "telegrams=%u checksum-errors=%u security-errors=%u parse-errors=%u\n", n[0],
            n[1], n[2], n[3]);
    return 0;
}
