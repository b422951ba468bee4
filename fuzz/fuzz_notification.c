/* fuzz_notification.c - a plaintext data-notification into readings: the
 * header (invoke-id, date-time), the body, the layouts (OBIS-keyed
 * structures, capture-object tables, the operators' fixed layouts), scaler
 * and unit, and every value formatted as smdecode and the plugin do.
 * Properties: readings point inside the input and their nodes exist; an
 * exact decimal of a number parses back to its value (within rounding). */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "sm_apdu.h"
#include "sm_decoder.h"
#include "sm_readings.h"

static sm_node nodes[SM_MAX_NODES];
static sm_reading readings[SM_MAX_READINGS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sm_notification n;
    size_t nn = 0;
    sm_cur c = sm_cur_make(data, size);
    if (sm_notification_parse(&c, &n, nodes, SM_MAX_NODES, &nn) != SM_OK) {
        size_t off = sm_cur_off(&c);
        if (off > size)
            FUZZ_FAIL("error offset %zu beyond %zu bytes", off, size);
        return 0;
    }
    if (n.body_offset + n.body_len != size)
        FUZZ_FAIL("body does not end where the apdu ends");
    char buf[512];
    int64_t t;
    if (n.has_datetime) {
        sm_datetime_iso_local(&n.datetime, buf, sizeof buf);
        sm_datetime_to_unix(&n.datetime, -60, &t);
    }
    sm_reading_set set = {readings, SM_MAX_READINGS, 0, NULL, false};
    if (sm_readings_extract(nodes, nn, data, n.body_offset + n.body_len, NULL, &set) != SM_OK)
        return 0;
    for (size_t i = 0; i < set.n; i++) {
        const sm_reading *r = &readings[i];
        if (r->node >= nn || (r->obis_node != SM_NO_NODE && r->obis_node >= nn))
            FUZZ_FAIL("reading %zu names a node that does not exist", i);
        if (r->bytes && (r->bytes < data || r->bytes + r->len > data + size))
            FUZZ_FAIL("reading %zu points outside the input", i);
        int k = sm_reading_format_value(r, buf, sizeof buf);
        if (r->kind == SM_RK_NUMBER) {
            if (k <= 0 || (size_t)k >= sizeof buf)
                FUZZ_FAIL("reading %zu: no decimal (%d)", i, k);
            if (!r->is_float && isfinite(r->value)) {
                double back = strtod(buf, NULL);
                if (fabs(back - r->value) > 1e-9 * fabs(r->value) + 1e-300)
                    FUZZ_FAIL("reading %zu: \"%s\" is not %.17g", i, buf, r->value);
            }
        } else if (r->kind == SM_RK_DATETIME) {
            sm_datetime_iso_local(&r->dt, buf, sizeof buf);
            if (sm_datetime_to_unix(&r->dt, -60, &t) == SM_OK)
                sm_unix_iso_utc(t, buf, sizeof buf);
        } else if (r->kind == SM_RK_STRING) {
            (void)sm_bytes_printable(r->bytes, r->len);
        }
    }
    return 0;
}
