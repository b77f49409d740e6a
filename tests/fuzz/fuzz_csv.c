/* fuzz_csv.c - libFuzzer target for the CSV reader.
 *
 * Feeds arbitrary bytes to coh_read_csv_mem with one and with two threads
 * and, when both succeed, checks that they agree on the shape of the table.
 * Any crash, sanitizer report or disagreement is a bug.  Run by `make fuzz`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/cohort.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    coh_read_options o;
    coh_read_options_init(&o);
    /* the first byte picks options, so that the fuzzer explores them too */
    if (size > 0) {
        o.decimal_comma = data[0] & 1;
        o.no_header = (data[0] >> 1) & 1;
        if ((data[0] >> 2) & 1)
            o.date_format = "%d/%m/%Y";
        data++;
        size--;
    }
    coh_error e1, e2;
    coh_table *a = NULL, *b = NULL;
    o.threads = 1;
    coh_status s1 = coh_read_csv_mem((const char *)data, size, "fuzz", &o, &a, &e1);
    o.threads = 2;
    coh_status s2 = coh_read_csv_mem((const char *)data, size, "fuzz", &o, &b, &e2);
    if (s1 != s2)
        abort();
    if (a != NULL && (a->n_rows != b->n_rows || a->n_cols != b->n_cols))
        abort();
    if (a != NULL) {
        coh_describe_result *r = NULL;
        if (coh_describe(a, 1, &r) == COH_OK)
            coh_describe_free(r);
    }
    coh_table_free(a);
    coh_table_free(b);
    return 0;
}
