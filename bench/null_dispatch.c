/* null_dispatch.c - a collectd plugin for `make bench-plugin` only (never
 * installed): a thread that wakes once a period and dispatches the values
 * the smartmeter plugin dispatches for one simulated telegram (the same
 * types, type instances, interval and meta data), and does nothing else.
 * What collectd spends on it is collectd's floor for any plugin that
 * delivers those values; the smartmeter plugin's own cost is what it
 * spends above that floor.
 *
 *   <Plugin null_dispatch>
 *     Instances 1      # meters to pretend, each its own thread
 *     Period 1         # seconds
 *   </Plugin>
 */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include <pthread.h>
#include <time.h>

#define MAX_INSTANCES 64

static const struct {
    const char *type, *type_instance, *obis;
} values[] = {
    {"voltage", "L1", "1-0:32.7.0"},          {"voltage", "L2", "1-0:52.7.0"},
    {"voltage", "L3", "1-0:72.7.0"},          {"current", "L1", "1-0:31.7.0"},
    {"current", "L2", "1-0:51.7.0"},          {"current", "L3", "1-0:71.7.0"},
    {"power", "import", "1-0:1.7.0"},         {"power", "export", "1-0:2.7.0"},
    {"energy_wh", "import", "1-0:1.8.0"},     {"energy_wh", "export", "1-0:2.8.0"},
    {"reactive_energy", "import", "1-0:3.8.0"}, {"reactive_energy", "export", "1-0:4.8.0"},
};

static int instances = 1;
static int period = 1;
static pthread_t threads[MAX_INSTANCES];
static int started;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int stopping;

static int config(const char *key, const char *value)
{
    int v = atoi(value);
    if (strcasecmp(key, "Instances") == 0 && v >= 1 && v <= MAX_INSTANCES)
        instances = v;
    else if (strcasecmp(key, "Period") == 0 && v >= 1)
        period = v;
    else
        return -1;
    return 0;
}

static void *run(void *arg)
{
    int id = (int)(intptr_t)arg;
    char instance[DATA_MAX_NAME_LEN];
    snprintf(instance, sizeof instance, "m%d", id + 1);
    struct timespec next;
    clock_gettime(CLOCK_REALTIME, &next);
    double x = 1;
    pthread_mutex_lock(&lock);
    while (!stopping) {
        next.tv_sec += period;
        if (pthread_cond_timedwait(&cond, &lock, &next) != ETIMEDOUT)
            continue;
        pthread_mutex_unlock(&lock);
        cdtime_t now = cdtime();
        for (size_t i = 0; i < STATIC_ARRAY_SIZE(values); i++) {
            value_list_t vl = VALUE_LIST_INIT;
            value_t v = {.gauge = x += 0.5};
            vl.values = &v;
            vl.values_len = 1;
            vl.time = now;
            vl.interval = TIME_T_TO_CDTIME_T(period);
            sstrncpy(vl.plugin, "null_dispatch", sizeof vl.plugin);
            sstrncpy(vl.plugin_instance, instance, sizeof vl.plugin_instance);
            sstrncpy(vl.type, values[i].type, sizeof vl.type);
            sstrncpy(vl.type_instance, values[i].type_instance, sizeof vl.type_instance);
            vl.meta = meta_data_create();
            if (vl.meta) {
                meta_data_add_string(vl.meta, "obis", values[i].obis);
                meta_data_add_string(vl.meta, "meter_number", "1KFM0200000000");
            }
            plugin_dispatch_values(&vl);
            meta_data_destroy(vl.meta);
        }
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

static int init(void)
{
    for (; started < instances; started++)
        if (plugin_thread_create(&threads[started], run, (void *)(intptr_t)started,
                                 "null_dispatch") != 0)
            return -1;
    return 0;
}

static int shutdown_(void)
{
    pthread_mutex_lock(&lock);
    stopping = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    return 0;
}

static const char *keys[] = {"Instances", "Period"};

void module_register(void)
{
    plugin_register_config("null_dispatch", config, keys, STATIC_ARRAY_SIZE(keys));
    plugin_register_init("null_dispatch", init);
    plugin_register_shutdown("null_dispatch", shutdown_);
}
