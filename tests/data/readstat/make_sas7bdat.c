/* make_sas7bdat.c - writes small.sas7bdat for tests/unit/test_readstat.c.
 *
 * haven::write_sas writes the 64-bit SAS layout, whose header alone is 8 KB
 * (16 KB for four rows); this program uses ReadStat's writer directly to get
 * the 32-bit layout (1 KB header, 4 KB pages), about 9 KB.  Build and run it
 * once from the repository root:
 *
 *     cc -std=c11 -Wall -Wextra tests/data/readstat/make_sas7bdat.c \
 *        -lreadstat -o /tmp/make_sas7bdat && \
 *     /tmp/make_sas7bdat tests/data/readstat/small.sas7bdat
 *
 * Contents (four rows; README.md beside this file lists them too):
 *
 *   id     1 2 3 4                                   numeric, format BEST12
 *   grp    "a" "b" "" "a"                            string, 8 bytes
 *   start  2001-01-01 1960-01-01 1999-12-31 .        DATE9   (days since 1960)
 *   visit  2001-02-01 . 2000-03-01 2000-02-29        MMDDYY10
 *   dose   0.5 1 .A 2.75                             .A is a special missing
 *
 * `dose` has the variable label "Dose (mg/kg)".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <readstat.h>

static ssize_t write_bytes(const void *data, size_t len, void *ctx)
{
    return write(*(int *)ctx, data, len);
}

/* Days since 1960-01-01 of the dates below, from R:
 * as.numeric(as.Date(x) - as.Date("1960-01-01")). */
int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s out.sas7bdat\n", argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    readstat_writer_t *w = readstat_writer_init();
    readstat_set_data_writer(w, write_bytes);
    readstat_writer_set_file_format_is_64bit(w, 0);
    readstat_writer_set_file_timestamp(w, 1704067200); /* 2024-01-01, fixed */
    readstat_writer_set_file_label(w, "cohort test data");

    readstat_variable_t *id = readstat_add_variable(w, "id", READSTAT_TYPE_DOUBLE, 8);
    readstat_variable_set_format(id, "BEST12");
    readstat_variable_t *grp = readstat_add_variable(w, "grp", READSTAT_TYPE_STRING, 8);
    readstat_variable_t *start = readstat_add_variable(w, "start", READSTAT_TYPE_DOUBLE, 8);
    readstat_variable_set_format(start, "DATE9");
    readstat_variable_t *visit = readstat_add_variable(w, "visit", READSTAT_TYPE_DOUBLE, 8);
    readstat_variable_set_format(visit, "MMDDYY10");
    readstat_variable_t *dose = readstat_add_variable(w, "dose", READSTAT_TYPE_DOUBLE, 8);
    readstat_variable_set_label(dose, "Dose (mg/kg)");

    static const char *grps[] = {"a", "b", "", "a"};
    /* 2001-01-01, 1960-01-01, 1999-12-31, missing */
    static const double starts[] = {14976, 0, 14609, -1};
    /* 2001-02-01, missing, 2000-03-01, 2000-02-29 */
    static const double visits[] = {15007, -1, 14670, 14669};
    static const double doses[] = {0.5, 1, -1, 2.75};

    readstat_error_t rc = readstat_begin_writing_sas7bdat(w, &fd, 4);
    for (int i = 0; i < 4 && rc == READSTAT_OK; i++) {
        readstat_begin_row(w);
        readstat_insert_double_value(w, id, i + 1);
        readstat_insert_string_value(w, grp, grps[i]);
        if (starts[i] < 0)
            readstat_insert_missing_value(w, start);
        else
            readstat_insert_double_value(w, start, starts[i]);
        if (visits[i] < 0)
            readstat_insert_missing_value(w, visit);
        else
            readstat_insert_double_value(w, visit, visits[i]);
        if (doses[i] < 0)
            readstat_insert_tagged_missing_value(w, dose, 'A');
        else
            readstat_insert_double_value(w, dose, doses[i]);
        rc = readstat_end_row(w);
    }
    if (rc == READSTAT_OK)
        rc = readstat_end_writing(w);
    readstat_writer_free(w);
    close(fd);
    if (rc != READSTAT_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], readstat_error_message(rc));
        return 1;
    }
    return 0;
}
