/* smp_log.h - the plugin's name, as collectd knows it, and the beginning of
 * every log line about a meter: one home for both. */
#ifndef SMP_LOG_H
#define SMP_LOG_H

#define SMP_PLUGIN "smartmeter"
/* the beginning of a log line about the plugin as a whole */
#define SMP_LOG SMP_PLUGIN " plugin: "
/* ... about one meter: its name is the first argument after the format */
#define SMP_LOG_PREFIX SMP_LOG "meter \"%s\": "

#endif
