/* test_json.h - JSON in the tests: the fixture files' members (a string,
 * an integer; null as absent), and in the lines smdecode writes a member
 * and a telegram's reading by its OBIS code. */
#ifndef TEST_JSON_H
#define TEST_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* A fixture file fixtures/DIR/FILE, parsed (the test stops when it cannot
 * be read or parsed); the caller puts it. */
static inline json_object *fixture_json(const char *dir, const char *file)
{
    char rel[512];
    snprintf(rel, sizeof rel, "%s/%s", dir, file);
    char *text = fixture_read(rel, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    json_object *v = json_tokener_parse(text);
    free(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    return v;
}

static inline const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    return json_object_get_string(v);
}

static inline bool jint(json_object *o, const char *key, int64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return false;
    *out = json_object_get_int64(v);
    return true;
}

static inline json_object *member(json_object *o, const char *k)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, k, &v);
    return v;
}

static inline json_object *reading(json_object *tel, const char *obis)
{
    json_object *rs = member(tel, "readings");
    for (size_t i = 0; rs && i < json_object_array_length(rs); i++) {
        json_object *r = json_object_array_get_idx(rs, i);
        if (strcmp(json_object_get_string(member(r, "obis")), obis) == 0)
            return r;
    }
    return NULL;
}

#endif
