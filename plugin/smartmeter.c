/* smartmeter.c - the collectd plugin "smartmeter": configuration, init,
 * health read callback and shutdown.  The reader threads live in
 * smp_meter.c, the mapping of readings in smp_map.c, the ports in
 * smp_port.c; the decoding is the project's core (shared/).
 *
 *   <Plugin smartmeter>
 *     <Meter "home">
 *       Device "/dev/ttyUSB0"
 *       KeyFile "/etc/collectd/home.key"
 *     </Meter>
 *   </Plugin>
 *
 * See collectd-smartmeter(5) for every option.
 */
#include "smp_meter.h"

#include "collectd/core/utils/common/common.h"

#include <fcntl.h>
#include <sys/stat.h>

#define CFG_PREFIX "smartmeter plugin: meter \"%s\": "

static smp_meter *meters;

/* ---- option helpers ---------------------------------------------------------- */

static int get_string(const smp_meter *m, const oconfig_item_t *ci, char *out, size_t cap)
{
    if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING) {
        ERROR(CFG_PREFIX "option %s needs one string argument", m->name, ci->key);
        return -1;
    }
    if (strlen(ci->values[0].value.string) >= cap) {
        ERROR(CFG_PREFIX "option %s: value too long", m->name, ci->key);
        return -1;
    }
    sstrncpy(out, ci->values[0].value.string, cap);
    return 0;
}

static int get_number(const smp_meter *m, const oconfig_item_t *ci, double lo, double hi,
                      double *out)
{
    if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_NUMBER ||
        !(ci->values[0].value.number >= lo && ci->values[0].value.number <= hi)) {
        ERROR(CFG_PREFIX "option %s needs a number from %g to %g", m->name, ci->key, lo, hi);
        return -1;
    }
    *out = ci->values[0].value.number;
    return 0;
}

/* A whole number from lo to hi (Baud 2400.5 is no baud rate). */
static int get_int(const smp_meter *m, const oconfig_item_t *ci, int lo, int hi, int *out)
{
    double v = ci->values_num == 1 && ci->values[0].type == OCONFIG_TYPE_NUMBER
                   ? ci->values[0].value.number
                   : lo - 1.0;
    if (!(v >= lo && v <= hi) || v != (double)(long)v) {
        ERROR(CFG_PREFIX "option %s needs a whole number from %d to %d", m->name, ci->key, lo,
              hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* A Device that exists must be a character device (a serial port): a
 * directory, a regular file or a FIFO would be retried for ever.  One that
 * does not exist yet is fine: a USB adapter may be plugged in later. */
static int check_device(const smp_meter *m, const char *device)
{
    struct stat st;
    if (smp_device_is_tcp(device) || stat(device, &st) != 0 || S_ISCHR(st.st_mode))
        return 0;
    ERROR(CFG_PREFIX "option Device: %s is %s, not a serial device", m->name, device,
          S_ISDIR(st.st_mode)    ? "a directory"
          : S_ISREG(st.st_mode)  ? "a regular file"
          : S_ISFIFO(st.st_mode) ? "a FIFO"
          : S_ISSOCK(st.st_mode) ? "a socket"
                                 : "a block device");
    return -1;
}

static int get_bool(const smp_meter *m, const oconfig_item_t *ci, bool *out)
{
    if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_BOOLEAN) {
        ERROR(CFG_PREFIX "option %s needs true or false", m->name, ci->key);
        return -1;
    }
    *out = ci->values[0].value.boolean;
    return 0;
}

/* Key "hex": parsed, then overwritten in collectd's config tree. */
static int get_key_hex(const smp_meter *m, oconfig_item_t *ci, uint8_t key[32], size_t *len)
{
    if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING) {
        ERROR(CFG_PREFIX "option %s needs one string argument (32 or 64 hex digits)", m->name,
              ci->key);
        return -1;
    }
    char *hex = ci->values[0].value.string;
    sm_err e = sm_key_from_hex(hex, key, len);
    sm_wipe(hex, strlen(hex));
    if (e != SM_OK) {
        ERROR(CFG_PREFIX "option %s: not a key (expected 32 or 64 hex digits)", m->name, ci->key);
        return -1;
    }
    return 0;
}

static int get_key_file(const smp_meter *m, const oconfig_item_t *ci, uint8_t key[32],
                        size_t *len)
{
    char path[PATH_MAX];
    if (get_string(m, ci, path, sizeof path) != 0)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ERROR(CFG_PREFIX "option %s: cannot read %s: %s", m->name, ci->key, path, STRERRNO);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & S_IROTH))
        WARNING(CFG_PREFIX "option %s: %s is readable by every user; "
                "chmod o-r it (e.g. 0640 root:root)", m->name, ci->key, path);
    uint8_t buf[512];
    size_t n = 0;
    while (n < sizeof buf) {
        ssize_t r = read(fd, buf + n, sizeof buf - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            ERROR(CFG_PREFIX "option %s: cannot read %s: %s", m->name, ci->key, path, STRERRNO);
            close(fd);
            sm_wipe(buf, sizeof buf);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    sm_err e = n < sizeof buf ? sm_key_from_file_content(buf, n, key, len) : SM_ERR_KEY_LENGTH;
    sm_wipe(buf, sizeof buf);
    if (e != SM_OK) {
        ERROR(CFG_PREFIX "option %s: %s holds no key (expected 32 or 64 hex digits, "
              "or 16 or 32 raw bytes)", m->name, ci->key, path);
        return -1;
    }
    return 0;
}

/* Key/AuthKey "hex" or KeyFile/AuthKeyFile "path" (the option's name says
 * which form); each key at most once. */
static int get_key(const smp_meter *m, oconfig_item_t *ci, const char *what, bool *given,
                   uint8_t key[32], size_t *len)
{
    if (*given) {
        ERROR(CFG_PREFIX "option %s: %s is given twice", m->name, ci->key, what);
        return -1;
    }
    *given = true;
    size_t n = strlen(ci->key);
    bool file = n > 4 && strcasecmp(ci->key + n - 4, "File") == 0;
    return file ? get_key_file(m, ci, key, len) : get_key_hex(m, ci, key, len);
}

static int add_patterns(const smp_meter *m, const oconfig_item_t *ci, sm_obis_pattern **list,
                        size_t *n)
{
    if (ci->values_num < 1) {
        ERROR(CFG_PREFIX "option %s needs OBIS codes such as \"1-0:32.7.0\"", m->name, ci->key);
        return -1;
    }
    sm_obis_pattern *l = realloc(*list, (*n + (size_t)ci->values_num) * sizeof *l);
    if (!l) {
        ERROR(CFG_PREFIX "out of memory", m->name);
        return -1;
    }
    *list = l;
    for (int i = 0; i < ci->values_num; i++) {
        if (ci->values[i].type != OCONFIG_TYPE_STRING ||
            !sm_obis_pattern_parse(ci->values[i].value.string, &l[*n])) {
            ERROR(CFG_PREFIX "option %s: argument %d%s%s%s is not an OBIS code "
                  "(e.g. \"1-0:32.7.0\" or \"1-0:1.8.0*255\")", m->name, ci->key, i + 1,
                  ci->values[i].type == OCONFIG_TYPE_STRING ? " (\"" : "",
                  ci->values[i].type == OCONFIG_TYPE_STRING ? ci->values[i].value.string : "",
                  ci->values[i].type == OCONFIG_TYPE_STRING ? "\")" : "");
            return -1;
        }
        (*n)++;
    }
    return 0;
}

/* ---- <Meter "name"> ----------------------------------------------------------- */

static int config_meter(oconfig_item_t *ci)
{
    if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING ||
        ci->values[0].value.string[0] == '\0') {
        ERROR("smartmeter plugin: <Meter> needs a name, e.g. <Meter \"home\">");
        return -1;
    }
    smp_meter *m = calloc(1, sizeof *m);
    if (!m) {
        ERROR("smartmeter plugin: out of memory");
        return -1;
    }
    m->wake_fd = -1;
    sstrncpy(m->name, ci->values[0].value.string, sizeof m->name);
    if (strchr(m->name, '/') || strlen(ci->values[0].value.string) >= sizeof m->name) {
        ERROR(CFG_PREFIX "the name must be shorter than %zu characters and have no '/'",
              m->name, sizeof m->name);
        free(m);
        return -1;
    }
    for (smp_meter *o = meters; o; o = o->next)
        if (strcmp(o->name, m->name) == 0) {
            ERROR(CFG_PREFIX "defined twice; the second one is not started", m->name);
            free(m);
            return -1;
        }
    m->line = (smp_line){.baud = 2400, .data_bits = 8, .stop_bits = 1, .parity = SMP_PARITY_EVEN};
    m->framing = SM_LINK_AUTO;
    m->verify_tag = true;
    m->max_skew = SMP_MAX_SKEW_DEFAULT;
    m->max_unknown = SMP_MAX_UNKNOWN_DEFAULT;

    int status = 0;
    bool have_key = false, have_ak = false;
    for (int i = 0; i < ci->children_num && status == 0; i++) {
        oconfig_item_t *c = ci->children + i;
        char s[64];
        if (strcasecmp("Device", c->key) == 0) {
            status = get_string(m, c, m->device, sizeof m->device);
            if (status == 0 && smp_device_is_tcp(m->device)) {
                char h[200], p[8];
                if (!smp_tcp_parse(m->device, h, sizeof h, p, sizeof p)) {
                    ERROR(CFG_PREFIX "option Device: \"%s\" is not tcp://host:port", m->name,
                          m->device);
                    status = -1;
                }
            }
        } else if (strcasecmp("Baud", c->key) == 0) {
            status = get_int(m, c, 50, 4000000, &m->line.baud);
        } else if (strcasecmp("DataBits", c->key) == 0) {
            status = get_int(m, c, 5, 8, &m->line.data_bits);
        } else if (strcasecmp("StopBits", c->key) == 0) {
            status = get_int(m, c, 1, 2, &m->line.stop_bits);
        } else if (strcasecmp("MaxUnknownObjects", c->key) == 0) {
            status = get_int(m, c, 0, 65535, &m->max_unknown);
        } else if (strcasecmp("Parity", c->key) == 0) {
            if ((status = get_string(m, c, s, sizeof s)) == 0) {
                if (strcasecmp(s, "even") == 0)
                    m->line.parity = SMP_PARITY_EVEN;
                else if (strcasecmp(s, "odd") == 0)
                    m->line.parity = SMP_PARITY_ODD;
                else if (strcasecmp(s, "none") == 0)
                    m->line.parity = SMP_PARITY_NONE;
                else {
                    ERROR(CFG_PREFIX "option Parity: \"%s\" is not even, odd or none", m->name, s);
                    status = -1;
                }
            }
        } else if (strcasecmp("Framing", c->key) == 0) {
            if ((status = get_string(m, c, s, sizeof s)) == 0) {
                int l = sm_link_parse(s);
                if (l < 0) {
                    ERROR(CFG_PREFIX "option Framing: \"%s\" is not auto, mbus, hdlc, wrapper or raw",
                          m->name, s);
                    status = -1;
                } else
                    m->framing = (sm_link)l;
            }
        } else if (strcasecmp("Key", c->key) == 0 || strcasecmp("KeyFile", c->key) == 0) {
            status = get_key(m, c, "the key", &have_key, m->ek, &m->ek_len);
        } else if (strcasecmp("AuthKey", c->key) == 0 || strcasecmp("AuthKeyFile", c->key) == 0) {
            status = get_key(m, c, "the authentication key", &have_ak, m->ak, &m->ak_len);
        } else if (strcasecmp("VerifyTag", c->key) == 0) {
            status = get_bool(m, c, &m->verify_tag);
        } else if (strcasecmp("Select", c->key) == 0) {
            status = add_patterns(m, c, &m->select, &m->nselect);
        } else if (strcasecmp("Ignore", c->key) == 0) {
            status = add_patterns(m, c, &m->ignore, &m->nignore);
        } else if (strcasecmp("TimeSource", c->key) == 0) {
            if ((status = get_string(m, c, s, sizeof s)) == 0) {
                if (strcasecmp(s, "meter") == 0)
                    m->host_time = false;
                else if (strcasecmp(s, "host") == 0)
                    m->host_time = true;
                else {
                    ERROR(CFG_PREFIX "option TimeSource: \"%s\" is not meter or host", m->name, s);
                    status = -1;
                }
            }
        } else if (strcasecmp("Period", c->key) == 0) {
            status = get_number(m, c, 1, 3600, &m->period_cfg);
        } else if (strcasecmp("MaxClockSkew", c->key) == 0) {
            status = get_number(m, c, 0, 10 * 365 * 86400.0, &m->max_skew);
        } else if (strcasecmp("StaleTimeout", c->key) == 0) {
            status = get_number(m, c, 1, 86400, &m->stale_cfg);
        } else {
            ERROR(CFG_PREFIX "unknown option %s", m->name, c->key);
            status = -1;
        }
    }
    if (status == 0 && m->device[0] == '\0') {
        ERROR(CFG_PREFIX "option Device is missing", m->name);
        status = -1;
    }
    if (status == 0)
        status = check_device(m, m->device);
    if (status == 0 && m->ek_len == 32 && m->ak_len && m->ak_len != 32) {
        ERROR(CFG_PREFIX "option AuthKey: a 32-byte Key needs a 32-byte AuthKey", m->name);
        status = -1;
    }
    if (status != 0) {
        ERROR(CFG_PREFIX "not started because of the error above", m->name);
        smp_meter_free(m);
        return -1;
    }
    m->next = meters;
    meters = m;
    return 0;
}

static int smartmeter_config(oconfig_item_t *ci)
{
    for (int i = 0; i < ci->children_num; i++) {
        oconfig_item_t *c = ci->children + i;
        if (strcasecmp("Meter", c->key) == 0)
            config_meter(c); /* a bad meter is reported and skipped; the others run */
        else
            ERROR("smartmeter plugin: unknown option %s (options go inside <Meter \"name\">)",
                  c->key);
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
        ERROR("smartmeter plugin: no meter configured (or none without errors): nothing to read");
        return -1;
    }
    smp_port_library_init();
    int started = 0;
    for (smp_meter *m = meters; m; m = m->next)
        if (smp_meter_start(m) == 0)
            started++;
    INFO("smartmeter plugin: version %s, %d meter%s started", SM_PLUGIN_VERSION, started,
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
    return 0;
}

void module_register(void)
{
    plugin_register_complex_config(SMP_PLUGIN, smartmeter_config);
    plugin_register_init(SMP_PLUGIN, smartmeter_init);
    plugin_register_read(SMP_PLUGIN, smartmeter_read);
    plugin_register_shutdown(SMP_PLUGIN, smartmeter_shutdown);
}
