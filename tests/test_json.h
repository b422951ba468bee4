/* test_json.h - the JSON lines smdecode writes, read in the tests: a
 * member, and a telegram's reading by its OBIS code. */
#ifndef TEST_JSON_H
#define TEST_JSON_H

#include <json-c/json.h>
#include <string.h>

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
