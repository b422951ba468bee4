/* smartmeter.c - the collectd plugin "smartmeter": configuration, init,
 * health read callback and shutdown.  The reader threads live in
 * smp_reader.c (with smp_telegram.c and smp_dispatch.c), the mapping of
 * readings in smp_map.c, the ports in io/smio_port.c; the decoding is the
 * project's core (shared/).
 *
 *   <Plugin smartmeter>
 *     <Meter "home">
 *       Device "/dev/ttyUSB0"
 *       KeyFile "/etc/collectd/home.key"
 *     </Meter>
 *   </Plugin>
 *
 * See collectd-smartmeter(5) for every option.  An error in a <Meter>
 * block names the meter and the option, and that meter is not started;
 * the others are.
 */
#include "smp_meter.h"

#include "collectd/core/utils/common/common.h"

#include <sys/stat.h>

#include "smio_keyfile.h"
#include "smio_layoutfile.h"

static smp_meter *meters;

/* ---- option values: collectd's cf_util_*, with the meter's name ------------- */

static int get_string(const smp_meter *m, const oconfig_item_t *ci, char *out, size_t cap)
{
    if (cf_util_get_string_buffer(ci, out, cap) != 0 ||
        strlen(ci->values[0].value.string) >= cap) {
        ERROR(SMP_LOG_PREFIX "option %s needs one string argument (of at most %zu characters)",
              m->cfg.name, ci->key, cap - 1);
        return -1;
    }
    return 0;
}

static int get_number(const smp_meter *m, const oconfig_item_t *ci, double lo, double hi,
                      double *out)
{
    double v;
    if (cf_util_get_double(ci, &v) != 0 || !(v >= lo && v <= hi)) {
        ERROR(SMP_LOG_PREFIX "option %s needs a number from %g to %g", m->cfg.name, ci->key, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

/* A whole number from lo to hi (Baud 2400.5 is no baud rate); `other`
 * names what else the option takes, for the message ("" for nothing). */
static int get_int_or(const smp_meter *m, const oconfig_item_t *ci, int lo, int hi,
                      const char *other, int *out)
{
    double v;
    if (cf_util_get_double(ci, &v) != 0 || !(v >= lo && v <= hi) || v != (double)(long)v) {
        ERROR(SMP_LOG_PREFIX "option %s needs a whole number from %d to %d%s", m->cfg.name, ci->key,
              lo, hi, other);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int get_int(const smp_meter *m, const oconfig_item_t *ci, int lo, int hi, int *out)
{
    return get_int_or(m, ci, lo, hi, "", out);
}

static int get_bool(const smp_meter *m, const oconfig_item_t *ci, bool *out)
{
    if (cf_util_get_boolean(ci, out) != 0) {
        ERROR(SMP_LOG_PREFIX "option %s needs true or false", m->cfg.name, ci->key);
        return -1;
    }
    return 0;
}

/* One of the words in names (case ignored): its index in *out. */
/* One of the words names[0..n) (any case), its index into *out; the error
 * lists them, and "or auto" when the option also takes "auto" (taken
 * before: is_auto). */
static int get_word(const smp_meter *m, const oconfig_item_t *ci, const char *const *names,
                    size_t n, bool or_auto, int *out)
{
    char s[64];
    if (get_string(m, ci, s, sizeof s) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(s, names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    char choices[256];
    sm_choices_text(names, n, or_auto ? "auto" : NULL, choices, sizeof choices);
    ERROR(SMP_LOG_PREFIX "option %s: \"%s\" is not %s", m->cfg.name, ci->key, s, choices);
    return -1;
}

/* ---- the line: Device, Baud, Parity, DataBits, StopBits, Framing ------------ */

/* A Device that exists must be a character device (a serial port): a
 * directory, a regular file or a FIFO would be retried for ever.  One that
 * does not exist yet is fine: a USB adapter may be plugged in later. */
static int check_device(const smp_meter *m, const char *device)
{
    struct stat st;
    if (smio_port_is_tcp(device)) {
        char h[200], p[8];
        if (smio_port_tcp_parse(device, h, sizeof h, p, sizeof p))
            return 0;
        ERROR(SMP_LOG_PREFIX "option Device: \"%s\" is not tcp://host:port", m->cfg.name, device);
        return -1;
    }
    if (stat(device, &st) != 0 || S_ISCHR(st.st_mode))
        return 0;
    ERROR(SMP_LOG_PREFIX "option Device: %s is %s, not a serial device", m->cfg.name, device,
          S_ISDIR(st.st_mode)    ? "a directory"
          : S_ISREG(st.st_mode)  ? "a regular file"
          : S_ISFIFO(st.st_mode) ? "a FIFO"
          : S_ISSOCK(st.st_mode) ? "a socket"
                                 : "a block device");
    return -1;
}

static int opt_device(smp_meter *m, oconfig_item_t *ci)
{
    if (get_string(m, ci, m->cfg.device, sizeof m->cfg.device) != 0)
        return -1;
    return check_device(m, m->cfg.device);
}

/* Baud "auto", Parity "auto": the reader probes the line settings */
static bool is_auto(const oconfig_item_t *ci)
{
    return ci->values_num == 1 && ci->values[0].type == OCONFIG_TYPE_STRING &&
           strcasecmp(ci->values[0].value.string, "auto") == 0;
}

static int opt_baud(smp_meter *m, oconfig_item_t *ci)
{
    if (is_auto(ci)) {
        m->cfg.line_auto = true;
        return 0;
    }
    return get_int_or(m, ci, 50, 4000000, ", or \"auto\"", &m->cfg.line.baud);
}

static int opt_data_bits(smp_meter *m, oconfig_item_t *ci)
{
    return get_int(m, ci, 5, 8, &m->cfg.line.data_bits);
}

static int opt_stop_bits(smp_meter *m, oconfig_item_t *ci)
{
    return get_int(m, ci, 1, 2, &m->cfg.line.stop_bits);
}

static int opt_parity(smp_meter *m, oconfig_item_t *ci)
{
    int p;
    if (is_auto(ci)) {
        m->cfg.line_auto = true;
        return 0;
    }
    if (get_word(m, ci, smio_parity_names, 3, true, &p) != 0)
        return -1;
    m->cfg.line.parity = (smio_parity)p;
    return 0;
}

static int opt_framing(smp_meter *m, oconfig_item_t *ci)
{
    int l;
    if (get_word(m, ci, sm_link_names, SM_LINK_COUNT, false, &l) != 0)
        return -1;
    m->cfg.framing = (sm_link)l;
    return 0;
}

/* ---- the keys: Key, KeyFile, AuthKey, AuthKeyFile, VerifyTag ---------------- */

/* Key "hex": parsed, then overwritten in collectd's config tree. */
static int key_hex(const smp_meter *m, oconfig_item_t *ci, uint8_t key[32], size_t *len)
{
    if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING) {
        ERROR(SMP_LOG_PREFIX "option %s needs one string argument (32 or 64 hex digits)",
              m->cfg.name, ci->key);
        return -1;
    }
    char *hex = ci->values[0].value.string;
    sm_err e = sm_key_from_hex(hex, key, len);
    sm_wipe(hex, strlen(hex));
    if (e != SM_OK) {
        ERROR(SMP_LOG_PREFIX "option %s: not a key (expected 32 or 64 hex digits)", m->cfg.name,
              ci->key);
        return -1;
    }
    return 0;
}

static int key_file(const smp_meter *m, const oconfig_item_t *ci, uint8_t key[32], size_t *len)
{
    char path[PATH_MAX];
    if (get_string(m, ci, path, sizeof path) != 0)
        return -1;
    smio_keyfile_info info;
    sm_err e = smio_keyfile_read(path, key, len, &info);
    if (e == SM_ERR_IO) {
        ERROR(SMP_LOG_PREFIX "option %s: cannot read %s: %s", m->cfg.name, ci->key, path,
              info.open_rc == SMIO_NOT_REGULAR ? smio_file_error(SMIO_NOT_REGULAR, 0)
                                             : STRERROR(info.errno_value));
        return -1;
    }
    if (info.others_can_read)
        WARNING(SMP_LOG_PREFIX "option %s: %s is readable by every user; "
                "chmod o-r it (e.g. 0640 root:root)", m->cfg.name, ci->key, path);
    if (e != SM_OK) {
        ERROR(SMP_LOG_PREFIX "option %s: %s holds no key (expected 32 or 64 hex digits, "
              "or 16 or 32 raw bytes)", m->cfg.name, ci->key, path);
        return -1;
    }
    return 0;
}

/* Key/AuthKey "hex" or KeyFile/AuthKeyFile "path" (the option's name says
 * which form); each key at most once. */
static int get_key(const smp_meter *m, oconfig_item_t *ci, const char *what, uint8_t key[32],
                   size_t *len)
{
    if (*len) {
        ERROR(SMP_LOG_PREFIX "option %s: %s is given twice", m->cfg.name, ci->key, what);
        return -1;
    }
    size_t n = strlen(ci->key);
    bool file = n > 4 && strcasecmp(ci->key + n - 4, "File") == 0;
    return file ? key_file(m, ci, key, len) : key_hex(m, ci, key, len);
}

static int opt_key(smp_meter *m, oconfig_item_t *ci)
{
    return get_key(m, ci, "the key", m->cfg.ek, &m->cfg.ek_len);
}

static int opt_auth_key(smp_meter *m, oconfig_item_t *ci)
{
    return get_key(m, ci, "the authentication key", m->cfg.ak, &m->cfg.ak_len);
}

static int opt_whole_frames(smp_meter *m, oconfig_item_t *ci)
{
    return get_bool(m, ci, &m->cfg.whole_frames);
}

static int opt_verify_checksum(smp_meter *m, oconfig_item_t *ci)
{
    return get_bool(m, ci, &m->cfg.verify_checksum);
}

/* Quirk "auto" (default), "none" or a quirk's name: checked when the meter
 * starts, after every LayoutFile is read */
static int opt_quirk(smp_meter *m, oconfig_item_t *ci)
{
    return get_string(m, ci, m->cfg.quirk, sizeof m->cfg.quirk);
}

static int opt_verify_tag(smp_meter *m, oconfig_item_t *ci)
{
    return get_bool(m, ci, &m->cfg.verify_tag);
}

/* ---- what is dispatched: Select, Ignore, MaxUnknownObjects ------------------ */

/* A TIC label: 1 to 9 of [A-Z0-9+-], a letter first. */
static bool tic_label(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s);
    if (n < 1 || n > 9 || n >= cap || !(s[0] >= 'A' && s[0] <= 'Z') ||
        strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-") != n)
        return false;
    memcpy(out, s, n + 1);
    return true;
}

static int add_patterns(const smp_meter *m, const oconfig_item_t *ci, smp_pattern **list,
                        size_t *n)
{
    if (ci->values_num < 1) {
        ERROR(SMP_LOG_PREFIX "option %s needs OBIS codes such as \"1-0:32.7.0\" or TIC labels "
              "such as \"SINSTS\"", m->cfg.name, ci->key);
        return -1;
    }
    smp_pattern *l = realloc(*list, (*n + (size_t)ci->values_num) * sizeof *l);
    if (!l) {
        ERROR(SMP_LOG_PREFIX "out of memory", m->cfg.name);
        return -1;
    }
    *list = l;
    for (int i = 0; i < ci->values_num; i++) {
        bool str = ci->values[i].type == OCONFIG_TYPE_STRING;
        memset(&l[*n], 0, sizeof l[*n]);
        if (!str || !(sm_obis_pattern_parse(ci->values[i].value.string, &l[*n].obis) ||
                      tic_label(ci->values[i].value.string, l[*n].label, sizeof l[*n].label))) {
            ERROR(SMP_LOG_PREFIX "option %s: argument %d%s%s%s is not an OBIS code "
                  "(e.g. \"1-0:32.7.0\" or \"1-0:1.8.0*255\") nor a TIC label (\"SINSTS\")",
                  m->cfg.name, ci->key, i + 1,
                  str ? " (\"" : "", str ? ci->values[i].value.string : "", str ? "\")" : "");
            return -1;
        }
        (*n)++;
    }
    return 0;
}

static int opt_select(smp_meter *m, oconfig_item_t *ci)
{
    return add_patterns(m, ci, &m->cfg.select, &m->cfg.nselect);
}

static int opt_ignore(smp_meter *m, oconfig_item_t *ci)
{
    return add_patterns(m, ci, &m->cfg.ignore, &m->cfg.nignore);
}

static int opt_max_unknown(smp_meter *m, oconfig_item_t *ci)
{
    return get_int(m, ci, 0, 65535, &m->cfg.max_unknown);
}

/* ---- time: TimeSource, Period, MaxClockSkew, StaleTimeout ------------------- */

static int opt_time_source(smp_meter *m, oconfig_item_t *ci)
{
    static const char *const names[] = {"meter", "host"};
    int v;
    if (get_word(m, ci, names, 2, false, &v) != 0)
        return -1;
    m->cfg.host_time = v == 1;
    return 0;
}

static int opt_period(smp_meter *m, oconfig_item_t *ci)
{
    return get_number(m, ci, 1, 3600, &m->cfg.period);
}

static int opt_max_skew(smp_meter *m, oconfig_item_t *ci)
{
    return get_number(m, ci, 0, 10 * 365 * 86400.0, &m->cfg.max_skew);
}

static int opt_stale(smp_meter *m, oconfig_item_t *ci)
{
    return get_number(m, ci, 1, 86400, &m->cfg.stale);
}

/* DumpFile: an absolute path in a directory that exists (collectd's working
 * directory is not the user's, and a missing directory would fail every
 * write); the file itself may be created later. */
static int opt_dump_file(smp_meter *m, oconfig_item_t *ci)
{
    if (get_string(m, ci, m->cfg.dump_path, sizeof m->cfg.dump_path - 2) != 0)
        return -1;
    if (m->cfg.dump_path[0] != '/') {
        ERROR(SMP_LOG_PREFIX "option DumpFile: \"%s\" is not an absolute path", m->cfg.name,
              m->cfg.dump_path);
        return -1;
    }
    char dir[PATH_MAX];
    sstrncpy(dir, m->cfg.dump_path, sizeof dir);
    char *slash = strrchr(dir, '/');
    slash[slash == dir] = '\0';
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ERROR(SMP_LOG_PREFIX "option DumpFile: directory %s: %s", m->cfg.name, dir,
              stat(dir, &st) != 0 ? STRERRNO : "not a directory");
        return -1;
    }
    if (slash[1] == '\0' || (stat(m->cfg.dump_path, &st) == 0 && !S_ISREG(st.st_mode))) {
        ERROR(SMP_LOG_PREFIX "option DumpFile: %s is not a file", m->cfg.name, m->cfg.dump_path);
        return -1;
    }
    return 0;
}

/* P1Server: an address to serve the meter's telegrams on as DSMR P1
 * ("127.0.0.1:8088", "[::1]:8088", "8088": loopback); checked when the
 * meter starts (smio_feed_open). */
static int opt_p1_server(smp_meter *m, oconfig_item_t *ci)
{
    return get_string(m, ci, m->cfg.p1_server, sizeof m->cfg.p1_server);
}

/* EnergyIntervals "15min" "1h" "1d": lengths that divide a day. */
static int opt_energy_intervals(smp_meter *m, oconfig_item_t *ci)
{
    if (ci->values_num < 1 || ci->values_num > SMP_MAX_INTERVALS) {
        ERROR(SMP_LOG_PREFIX "option EnergyIntervals: one to %d intervals, e.g. "
              "EnergyIntervals \"15min\" \"1h\" \"1d\"", m->cfg.name, SMP_MAX_INTERVALS);
        return -1;
    }
    m->cfg.nintervals = 0;
    for (int i = 0; i < ci->values_num; i++) {
        smp_interval *iv = &m->cfg.intervals[m->cfg.nintervals];
        if (ci->values[i].type != OCONFIG_TYPE_STRING ||
            !smp_interval_parse(ci->values[i].value.string, iv)) {
            ERROR(SMP_LOG_PREFIX "option EnergyIntervals: \"%s\" is no interval (5min, 10min, "
                  "15min, 20min, 30min, 1h, 2h, 3h, 4h, 6h, 8h, 12h or 1d)", m->cfg.name,
                  ci->values[i].type == OCONFIG_TYPE_STRING ? ci->values[i].value.string : "?");
            return -1;
        }
        for (size_t k = 0; k < m->cfg.nintervals; k++)
            if (m->cfg.intervals[k].seconds == iv->seconds) {
                ERROR(SMP_LOG_PREFIX "option EnergyIntervals: \"%s\" given twice", m->cfg.name,
                      iv->name);
                return -1;
            }
        m->cfg.nintervals++;
    }
    return 0;
}

static int opt_energy_max_gap(smp_meter *m, oconfig_item_t *ci)
{
    return get_number(m, ci, 1, 21600, &m->cfg.energy_max_gap);
}

static int opt_dump_max(smp_meter *m, oconfig_item_t *ci)
{
    double v;
    if (get_number(m, ci, SMP_DUMP_MAX_MIN, 1e12, &v) != 0)
        return -1;
    m->cfg.dump_max = (uint64_t)v;
    return 0;
}

/* ---- <Meter "name"> ----------------------------------------------------------- */

static const struct {
    const char *name;
    int (*set)(smp_meter *m, oconfig_item_t *ci);
} options[] = {
    {"Device", opt_device},         {"Baud", opt_baud},
    {"Parity", opt_parity},         {"DataBits", opt_data_bits},
    {"StopBits", opt_stop_bits},    {"Framing", opt_framing},
    {"Key", opt_key},               {"KeyFile", opt_key},
    {"AuthKey", opt_auth_key},      {"AuthKeyFile", opt_auth_key},
    {"VerifyTag", opt_verify_tag},  {"Select", opt_select},
    {"Ignore", opt_ignore},         {"MaxUnknownObjects", opt_max_unknown},
    {"TimeSource", opt_time_source}, {"Period", opt_period},
    {"MaxClockSkew", opt_max_skew}, {"StaleTimeout", opt_stale},
    {"DumpFile", opt_dump_file},    {"DumpMaxBytes", opt_dump_max},
    {"VerifyChecksum", opt_verify_checksum}, {"Quirk", opt_quirk},
    {"WholeFrames", opt_whole_frames}, {"P1Server", opt_p1_server},
    {"EnergyIntervals", opt_energy_intervals}, {"EnergyMaxGap", opt_energy_max_gap},
};

/* A meter with its name checked and the defaults set; NULL on error. */
static smp_meter *meter_new(const oconfig_item_t *ci)
{
    if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING ||
        ci->values[0].value.string[0] == '\0') {
        ERROR(SMP_LOG "<Meter> needs a name, e.g. <Meter \"home\">");
        return NULL;
    }
    const char *name = ci->values[0].value.string;
    if (strchr(name, '/') || strlen(name) >= DATA_MAX_NAME_LEN) {
        ERROR(SMP_LOG "meter \"%s\": the name must be shorter than %d characters "
              "and have no '/'", name, DATA_MAX_NAME_LEN);
        return NULL;
    }
    for (smp_meter *o = meters; o; o = o->next)
        if (strcmp(o->cfg.name, name) == 0) {
            ERROR(SMP_LOG_PREFIX "defined twice; the second one is not started", name);
            return NULL;
        }
    smp_meter *m = calloc(1, sizeof *m);
    if (!m) {
        ERROR(SMP_LOG "out of memory");
        return NULL;
    }
    sstrncpy(m->cfg.name, name, sizeof m->cfg.name);
    m->wake_fd = -1;
    m->cfg.line = smio_port_default_line(SM_LINK_AUTO);
    m->cfg.framing = SM_LINK_AUTO;
    m->cfg.verify_tag = true;
    m->cfg.verify_checksum = true;
    m->cfg.max_skew = SMP_MAX_SKEW_DEFAULT;
    m->cfg.energy_max_gap = SMP_ENERGY_MAX_GAP_DEFAULT;
    m->cfg.dump_max = SMP_DUMP_MAX_DEFAULT;
    m->cfg.max_unknown = SMP_MAX_UNKNOWN_DEFAULT;
    return m;
}

/* Does the <Meter> block ci give the option? */
static bool given(const oconfig_item_t *ci, const char *option)
{
    for (int i = 0; i < ci->children_num; i++)
        if (strcasecmp(ci->children[i].key, option) == 0)
            return true;
    return false;
}

/* What a meter needs beyond each option being right on its own; the line
 * settings its block ci left out (smio_port_default_line: Framing "p1",
 * "sml" and "tic" have their own). */
static int meter_complete(smp_meter *m, const oconfig_item_t *ci)
{
    if (m->cfg.framing == SM_LINK_P1 || m->cfg.framing == SM_LINK_SML ||
        m->cfg.framing == SM_LINK_TIC) {
        smio_line d = smio_port_default_line(m->cfg.framing);
        if (!given(ci, "Baud"))
            m->cfg.line.baud = d.baud;
        if (!given(ci, "Parity"))
            m->cfg.line.parity = d.parity;
        if (!given(ci, "DataBits"))
            m->cfg.line.data_bits = d.data_bits;
    }
    if (m->cfg.device[0] == '\0') {
        ERROR(SMP_LOG_PREFIX "option Device is missing", m->cfg.name);
        return -1;
    }
    if (m->cfg.ek_len == 32 && m->cfg.ak_len && m->cfg.ak_len != 32) {
        ERROR(SMP_LOG_PREFIX "option AuthKey: a 32-byte Key needs a 32-byte AuthKey", m->cfg.name);
        return -1;
    }
    return 0;
}

static int config_meter(oconfig_item_t *ci)
{
    smp_meter *m = meter_new(ci);
    if (!m)
        return -1;
    int status = 0;
    for (int i = 0; i < ci->children_num && status == 0; i++) {
        oconfig_item_t *c = ci->children + i;
        size_t k = 0;
        while (k < sizeof options / sizeof options[0] && strcasecmp(options[k].name, c->key) != 0)
            k++;
        if (k < sizeof options / sizeof options[0]) {
            status = options[k].set(m, c);
        } else if (strcasecmp(c->key, "LayoutFile") == 0) {
            ERROR(SMP_LOG_PREFIX "LayoutFile goes outside the <Meter> blocks (its layouts are "
                  "for every meter)", m->cfg.name);
            status = -1;
        } else if (strcasecmp(c->key, "StateDir") == 0) {
            ERROR(SMP_LOG_PREFIX "StateDir goes outside the <Meter> blocks (one directory for "
                  "every meter)", m->cfg.name);
            status = -1;
        } else {
            ERROR(SMP_LOG_PREFIX "unknown option %s", m->cfg.name, c->key);
            status = -1;
        }
    }
    if (status == 0)
        status = meter_complete(m, ci);
    if (status != 0) {
        ERROR(SMP_LOG_PREFIX "not started because of the error above", m->cfg.name);
        smp_meter_free(m);
        return -1;
    }
    m->next = meters;
    meters = m;
    return 0;
}

/* LayoutFile (top level, any number): the files' layouts for every meter,
 * before the built-in ones.  A file that cannot be read or has an error is
 * reported with its line and left out; the other files and the meters go
 * on. */
static sm_layout_set *layouts;
static char *layout_paths[SMP_MAX_LAYOUT_FILES];
static int nlayout_paths;

static void config_layout_file(const oconfig_item_t *ci)
{
    if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING) {
        ERROR(SMP_LOG "LayoutFile needs one string: the file's path");
        return;
    }
    if (nlayout_paths == SMP_MAX_LAYOUT_FILES) {
        ERROR(SMP_LOG "LayoutFile: at most %d files; \"%s\" is not read",
              SMP_MAX_LAYOUT_FILES, ci->values[0].value.string);
        return;
    }
    if (!layouts && (layouts = malloc(sizeof *layouts)))
        sm_layout_set_init(layouts);
    char *path = strdup(ci->values[0].value.string);
    if (!layouts || !path) {
        free(path);
        ERROR(SMP_LOG "LayoutFile: out of memory");
        return;
    }
    layout_paths[nlayout_paths++] = path;
    char msg[512];
    if (smio_layoutfile_load(layouts, path, msg, sizeof msg) != SM_OK)
        ERROR(SMP_LOG "LayoutFile %s; its layouts are not used (the built-in "
              "ones and the other files' are)", msg);
    else
        INFO(SMP_LOG "LayoutFile %s read", path);
}

/* StateDir (top level): where each meter's last frame counter is kept
 * across restarts (smp_state.h); made if missing.  None: kept in memory. */
static char state_dir[PATH_MAX];

static void config_state_dir(oconfig_item_t *ci)
{
    if (cf_util_get_string_buffer(ci, state_dir, sizeof state_dir) != 0 || state_dir[0] != '/') {
        ERROR(SMP_LOG "StateDir needs an absolute directory path; the frame "
              "counters are kept in memory only");
        state_dir[0] = '\0';
        return;
    }
    struct stat st;
    if (mkdir(state_dir, 0755) != 0 && errno != EEXIST) {
        ERROR(SMP_LOG "StateDir %s: cannot make it: %s; the frame counters are "
              "kept in memory only", state_dir, STRERRNO);
        state_dir[0] = '\0';
    } else if (stat(state_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ERROR(SMP_LOG "StateDir %s: not a directory; the frame counters are kept "
              "in memory only", state_dir);
        state_dir[0] = '\0';
    }
}

static int smartmeter_config(oconfig_item_t *ci)
{
    for (int i = 0; i < ci->children_num; i++) {
        oconfig_item_t *c = ci->children + i;
        if (strcasecmp("Meter", c->key) == 0)
            config_meter(c); /* a bad meter is reported and skipped; the others run */
        else if (strcasecmp("LayoutFile", c->key) == 0)
            config_layout_file(c);
        else if (strcasecmp("StateDir", c->key) == 0)
            config_state_dir(c);
        else
            ERROR(SMP_LOG "unknown option %s (options go inside <Meter \"name\">, "
                  "but for LayoutFile and StateDir)", c->key);
    }
    return 0;
}

/* ---- callbacks ---------------------------------------------------------------- */

static int smartmeter_init(void)
{
    static bool done;
    if (done)
        return 0;
    done = true;
    if (!meters) {
        ERROR(SMP_LOG "no meter configured (or none without errors): nothing to "
              "read; describe each meter in a <Meter> block (Debian: /etc/collectd/"
              "smartmeter.conf; man collectd-smartmeter)");
        return -1;
    }
    smio_port_library_init();
    int started = 0;
    for (smp_meter *m = meters; m; m = m->next) {
        m->cfg.layouts = layouts;
        m->cfg.state_dir = state_dir[0] ? state_dir : NULL;
        if (smp_meter_start(m) == 0)
            started++;
    }
    INFO(SMP_LOG "version %s, %d meter%s started", SM_PLUGIN_VERSION, started,
         started == 1 ? "" : "s");
    return started ? 0 : -1;
}

static int smartmeter_read(void)
{
    for (smp_meter *m = meters; m; m = m->next)
        smp_meter_dispatch_health(m);
    return 0;
}

static int smartmeter_shutdown(void)
{
    for (smp_meter *m = meters; m; m = m->next)
        smp_meter_stop(m);
    while (meters) {
        smp_meter *next = meters->next;
        smp_meter_free(meters);
        meters = next;
    }
    free(layouts);
    layouts = NULL;
    while (nlayout_paths > 0)
        free(layout_paths[--nlayout_paths]);
    return 0;
}

void module_register(void)
{
    plugin_register_complex_config(SMP_PLUGIN, smartmeter_config);
    plugin_register_init(SMP_PLUGIN, smartmeter_init);
    plugin_register_read(SMP_PLUGIN, smartmeter_read);
    plugin_register_shutdown(SMP_PLUGIN, smartmeter_shutdown);
}
