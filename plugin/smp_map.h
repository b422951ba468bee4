/* smp_map.h - how a meter reading becomes a collectd value: the type (from
 * collectd's types.db or the plugin's smartmeter_types.db) and the type
 * instance, by OBIS code.  The table is data (smp_map.c); no collectd
 * headers here, so the mapping is unit-tested on its own.
 *
 * Values keep the meter's base units (V, A, W, var, VA, Wh, varh, VAh, Hz,
 * m3, J): DLMS registers carry a decimal scaler, never "kW", and P1 text is
 * read into base units by the decoder.  Energy registers are
 * dispatched as GAUGE (types energy_wh, reactive_energy, apparent_energy):
 * the meter reading itself is what is stored, and consumption is its
 * difference (see collectd-smartmeter(5)).
 */
#ifndef SMP_MAP_H
#define SMP_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "sm_obis.h"
#include "sm_readings.h"

#define SMP_NAME_MAX 64

typedef struct {
    const char *type;                 /* collectd type */
    char type_instance[SMP_NAME_MAX]; /* "L1", "import", "obis-1-0-96-50-1" */
    double value;
    bool known;                       /* false: dispatched generically as "gauge" */
    bool own_time;                    /* dispatched at the reading's capture time
                                         (false: the telegram's, as TIC's peaks) */
} smp_value;

/* Map a numeric reading of a telegram (all: its readings, for what a
 * sub-meter channel carries: 0-n:24.1.0, the M-Bus device type, names the
 * series "gas-1", "water-2", "heat-3").  False for strings, date-times and
 * other non-numeric values (they are not dispatched), for readings without
 * an OBIS code but TIC labels of the plugin's table (PREF, SMAXSN, UMOY1,
 * EASD01, ...), for version identifiers (C.D = 0.2: the DSMR version), for
 * a sub-meter channel's device type and for the entries
 * of a P1 profile (the power failure log, the peak history: events, not
 * series). */
bool smp_map_reading(const sm_reading *r, const sm_reading *all, size_t n, smp_value *out);

/* The kind of M-Bus device on channel b of a telegram ("gas", "water",
 * "heat", ...; "mbus" when the telegram does not say). */
const char *smp_submeter_kind(const sm_reading *all, size_t n, unsigned channel);

/* The generic type instance of an OBIS code: "obis-1-0-96-50-1" (F added
 * as a sixth field when it is not 255). */
void smp_obis_instance(const sm_obis *o, char *out, size_t cap);

#endif
