/* same_reading.h - two readings alike in every member (the test of a
 * shortcut: what it gives against what the long way gives).  Member by
 * member, not memcmp: struct copies leave padding as they find it.  The
 * pointers (bytes, text, info) must be equal: both readings' bytes point
 * into one scratch and one telegram.  For the tests and the fuzz targets. */
#ifndef SAME_READING_H
#define SAME_READING_H

#include <stdbool.h>
#include <string.h>

#include "sm_readings.h"

static inline bool same_time(const sm_datetime *a, const sm_datetime *b)
{
    return a->year == b->year && a->month == b->month && a->day == b->day &&
           a->dow == b->dow && a->hour == b->hour && a->minute == b->minute &&
           a->second == b->second && a->hundredths == b->hundredths &&
           a->deviation == b->deviation && a->status == b->status;
}

static inline bool same_reading(const sm_reading *a, const sm_reading *b)
{
    return a->index == b->index && a->obis_source == b->obis_source &&
           a->scaler_source == b->scaler_source && memcmp(&a->obis, &b->obis, sizeof a->obis) == 0 &&
           a->type == b->type && a->kind == b->kind && a->scaler == b->scaler &&
           a->unit == b->unit && a->is_signed == b->is_signed && a->is_float == b->is_float &&
           a->invalid == b->invalid && a->raw_i == b->raw_i && a->raw_u == b->raw_u &&
           memcmp(&a->value, &b->value, sizeof a->value) == 0 && a->bytes == b->bytes &&
           a->len == b->len && a->count == b->count && same_time(&a->dt, &b->dt) &&
           a->info == b->info && a->attribute == b->attribute && a->class_id == b->class_id &&
           a->node == b->node && a->obis_node == b->obis_node && a->parent == b->parent &&
           a->row == b->row && a->has_capture == b->has_capture &&
           same_time(&a->capture, &b->capture) && a->text == b->text &&
           a->text_len == b->text_len;
}

#endif
