/* meter_sim.h - a simulated meter: the push a Kaifa MA309M(H) of Vorarlberg
 * Netz / TINETZ sends every 5 seconds (data-notification with date-time, a
 * structure of {OBIS, value, {scaler, unit}}: clock, meter number, device
 * name, voltages, currents, power, energies), with values that move like a
 * household's, a clock that follows the EU summer-time rule for Central
 * Europe, encrypted (SC 0x21, or 0x30 with a tag) and framed as wired
 * M-Bus (245-byte segments), HDLC or bare.  Deterministic from its seed, so
 * a test can compute what a decoder must print. */
#ifndef METER_SIM_H
#define METER_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SIM_P1: the same meter's values as a DSMR 5 / Nordic P1 telegram (not
 * encrypted), with a gas meter on M-Bus channel 1 that captures every
 * gas_every pushes. */
/* SIM_SML: the values as the SML push of a German meter on its optical port
 * (SML transport v1, not encrypted, a push meter's secIndex, no clock), in
 * the shape of one of three makes (sml_make):
 *   EMH     an ED300L: energies Integer40 (scaler -1), the power without
 *           sign as the absolute 15.7.0 with export flagged in bit 5 of the
 *           registers' status word, voltages and currents; CRC-16/X.25
 *   DZG     a DVS74 before firmware 1.2 at a consumer: energies Unsigned32,
 *           the power in 0.01 W as Integer16 filled unsigned (the sign bug:
 *           always in its range, 327.68 to 655.35 W), no phases
 *   DZG_NEW a DVBS12.2H at a producer: a meter number below the DVS74's
 *           fixed ones, yet real negative powers in Integer16 (-327.67 to
 *           -0.01 W, where the DVS74 quirk misreads them), export only:
 *           what the sign check must catch
 *   HOLLEY  a DTZ541 on RS485: the registers' valTime a bare secIndex,
 *           CRC-16/KERMIT, signed power, export in bit 11, phases */
/* SIM_TIC: the values as a French meter's TIC frames (sim_tic.c), in one of
 * four shapes (tic_make), each with its events at fixed pushes:
 *   HIST    historique, single-phase, Tempo (BBRH* registers, the power as
 *           PAPP in VA): tomorrow announced red (DEMAIN) from push 3
 *   HIST3   historique, three-phase BASE (IINST1-3, PMAX, PPOT): an overload
 *           on L1 (ADIR1) in pushes 3 and 4, over in 5
 *   STD     standard, single-phase Tempo consumer (DATE, EAST, EASF01-02,
 *           URMS1, STGE): tomorrow red from push 3, a message (MSG1) from
 *           4, mobile peak 1 announced from 5 (STGE, and DPM1/FPM1: tomorrow
 *           06:00 to 10:00)
 *   STD3    standard, three-phase producer (EAIT, SINSTI, ERQ, SINSTS1-3):
 *           the meter's clock degraded in pushes 2 and 3 (lower-case
 *           horodate, STGE bit 16), set again in 4
 * Values as the frames carry them: V, A, VA and Wh in whole units. */
typedef enum { SIM_MBUS, SIM_HDLC, SIM_RAW, SIM_P1, SIM_WRAPPER, SIM_SML, SIM_TIC } sim_framing;
typedef enum { SIM_SML_EMH = 0, SIM_SML_DZG, SIM_SML_DZG_NEW, SIM_SML_HOLLEY } sim_sml_make;
typedef enum { SIM_TIC_HIST = 0, SIM_TIC_HIST3, SIM_TIC_STD, SIM_TIC_STD3 } sim_tic_make;
/* the values' shape: noise in wide ranges (the tests' default: every value
 * changes every push), or a household's day (sim_profile.c), with PV */
typedef enum { SIM_PROFILE_NOISE = 0, SIM_PROFILE_HOUSEHOLD, SIM_PROFILE_PRODUCER } sim_profile;

typedef struct {
    uint8_t title[8];         /* system title */
    uint32_t fc;              /* frame counter of the next telegram */
    uint32_t invoke_id;
    int64_t utc;              /* meter clock, Unix seconds */
    unsigned period;          /* push period in seconds */
    uint8_t sc;               /* 0x21 or 0x30 */
    sim_framing framing;
    sim_sml_make sml_make;    /* SIM_SML: the make's shape */
    sim_tic_make tic_make;    /* SIM_TIC: the meter's shape */
    sim_profile profile;      /* the values' shape (sim_set_profile) */
    uint64_t seed0;           /* the seed, for the profile's per-day draws */
    uint32_t ws_in, ws_out, ws_qin; /* the profile's watt-seconds not yet a Wh */
    uint32_t gas_ml;          /* the profile's gas not yet a litre */
    double prof_watts, prof_cloud; /* the appliance on, the passing clouds */
    int prof_left;            /* seconds the appliance stays on */
    uint8_t ek[16], ak[16];
    uint64_t rng;
    /* the current values, raw as sent (V*10, A*100, W, Wh, varh) */
    uint16_t voltage[3];
    uint16_t current[3];
    uint32_t power_in, power_out;
    uint32_t energy_in, energy_out, reactive_in, reactive_out;
    uint32_t energy_out0, energy_in0; /* the registers' first values */
    /* P1 */
    int p1_crc;               /* smb_p1_crc: with a CRC, without, unpadded */
    unsigned gas_every;       /* pushes between two gas captures */
    unsigned pushes;          /* pushes so far */
    uint32_t gas_l;           /* the gas meter's reading, litres */
    int64_t gas_utc;          /* its capture time */
    int64_t failure_end;      /* the power failure log: an entry (240 s) that ended a
                                 day before the first push (the state the first
                                 telegram shows), and from the fifth push on a new
                                 one (180 s, on one phase) that ended a second
                                 before it: one event, once (it was new in every
                                 telegram) */
    int64_t failure2_end;     /* 0 until then */
} meter_sim;

/* A meter with the synthetic fixtures' identity and test keys, its clock at
 * utc_start, values drawn from seed. */
void sim_init(meter_sim *m, uint64_t seed, int64_t utc_start, unsigned period);
/* Gives the meter the values' shape p from its current push on. */
void sim_set_profile(meter_sim *m, sim_profile p);
/* One push of a household's (or producer's) day: sim_step calls it for
 * the profiles (sim_profile.c). */
void sim_profile_step(meter_sim *m);
/* The plaintext data-notification for the current state. */
size_t sim_plaintext(const meter_sim *m, uint8_t *out, size_t cap);
/* The whole telegram as it goes on the wire. */
size_t sim_telegram(const meter_sim *m, uint8_t *out, size_t cap);
/* Advance clock, frame counter and values by one push. */
void sim_step(meter_sim *m);
/* The values of the current state as one JSON line (for tests):
 * {"frame_counter":..,"time":"..+02:00","time_utc":"..Z","voltage_l1":228.4,...}
 * (P1: also "gas_m3" and "gas_unix", the gas meter's last capture) */
size_t sim_expect_json(const meter_sim *m, char *out, size_t cap);
/* SIM_TIC's frame and expect line (sim_tic.c; sim_telegram and
 * sim_expect_json call them) */
size_t sim_tic_telegram(const meter_sim *m, uint8_t *out, size_t cap);
size_t sim_tic_expect_json(const meter_sim *m, char *out, size_t cap);
/* Local time offset (minutes east of UTC) of Central Europe at utc. */
int sim_cet_offset(int64_t utc);
/* The Central European local time of utc: f[0..5] year, month, day, hour,
 * minute, second; returns the offset (minutes east of UTC). */
int sim_cet_local(int64_t utc, int f[6]);

/* Damage as a line does it, for the robustness tests and the soaks: kind
 * 1..SIM_DAMAGE_KINDS applied to the telegram buf[0..n) (n >= 2) into out
 * (room for 2n + 32 bytes): a bit flipped, cut short, garbage inside, the
 * first frame twice, the whole telegram twice.  rng: xorshift64 state. */
#define SIM_DAMAGE_KINDS 5
size_t sim_damage(int kind, uint64_t *rng, const uint8_t *buf, size_t n, uint8_t *out);
/* "ok" (0), "bitflip", "truncate", "garbage", "dupframe", "repeat" */
const char *sim_damage_name(int kind);
/* The next xorshift64 number of the state s (not 0). */
uint64_t sim_xorshift(uint64_t *s);

#endif
