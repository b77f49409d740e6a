/* test_json.c - the JSON writer: structure, escaping, numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cohort/cohort.h"

static void test_document(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    coh_json j;
    coh_json_init(&j, f);
    coh_json_object_begin(&j);
    coh_json_key(&j, "s");
    coh_json_string(&j, "a\"b\\c\n\x01");
    coh_json_key(&j, "nums");
    coh_json_array_begin(&j);
    coh_json_number(&j, 0.1);
    coh_json_number(&j, NAN);
    coh_json_number(&j, -INFINITY);
    coh_json_int(&j, -42);
    coh_json_array_end(&j);
    coh_json_key(&j, "empty");
    coh_json_array_begin(&j);
    coh_json_array_end(&j);
    coh_json_key(&j, "t");
    coh_json_bool(&j, true);
    coh_json_key(&j, "n");
    coh_json_string(&j, NULL);
    coh_json_object_end(&j);
    coh_json_end(&j);
    fclose(f);
    check_str(buf,
              "{\n  \"s\": \"a\\\"b\\\\c\\n\\u0001\",\n  \"nums\": [\n    0.1,\n    null,\n"
              "    null,\n    -42\n  ],\n  \"empty\": [],\n  \"t\": true,\n  \"n\": null\n}\n",
              "document");
    check(strstr(buf, "nan") == NULL && strstr(buf, "inf") == NULL, "no bare NaN/Inf");
    free(buf);
}

int main(void)
{
    RUN(test_document);
    return check_report("test_json");
}
