/* test_core.c - column builder, table, UTF-8, number and date text. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "cohort/cohort.h"
#include "core/colbuild.h"
#include "core/core.h"

static void test_builder_kinds(void)
{
    coh_colbuild cb;
    coh_cb_init(&cb);
    coh_cb_push_na(&cb);
    coh_cb_push_value(&cb, 1, CB_NUMBER);
    coh_cb_push_value(&cb, 2.5, CB_NUMBER);
    check_int(cb.kind, CB_NUMBER, "number");
    coh_cb_push_text(&cb, "abc", 3);
    check_int(cb.kind, CB_TEXT, "text after numbers");
    coh_column *c;
    coh_error e;
    check_int(coh_cb_finish(&cb, "x", -1, 50, &c, &e), COH_OK, "finish");
    check_int(c->n, 4, "rows");
    check_int(c->n_missing, 1, "missing kept");
    check_int(c->code[0], -1, "missing code");
    check_str(c->levels[c->code[1]], "1", "1 as text");
    check_str(c->levels[c->code[2]], "2.5", "2.5 as text");
    check_str(c->levels[c->code[3]], "abc", "text");
    check_str(c->levels[0], "1", "numbers sort first");
    coh_column_free(c);

    /* leading missing values, then dates */
    coh_cb_init(&cb);
    for (int i = 0; i < 3000; i++)
        coh_cb_push_na(&cb);
    coh_cb_push_value(&cb, 0, CB_DATE);
    check_int(coh_cb_finish(&cb, "d", -1, 50, &c, &e), COH_OK, "finish dates");
    check_int(c->type, COH_DATE, "date");
    check(isnan(c->num[2999]), "leading missing filled");
    check_int(c->n_missing, 3000, "missing count");
    coh_column_free(c);

    /* all missing: a double column */
    coh_cb_init(&cb);
    coh_cb_push_na(&cb);
    check_int(coh_cb_finish(&cb, "m", -1, 50, &c, &e), COH_OK, "finish all missing");
    check_int(c->type, COH_DOUBLE, "all missing is double");
    coh_column_free(c);

    /* all missing, declared categorical: a categorical column with no levels */
    coh_cb_init(&cb);
    coh_cb_push_na(&cb);
    coh_cb_push_na(&cb);
    check_int(coh_cb_finish(&cb, "c", COH_CATEGORICAL, 50, &c, &e), COH_OK, "finish");
    check_int(c->type, COH_CATEGORICAL, "declared type kept when all missing");
    check(c->code != NULL && c->code[1] == -1, "codes all missing");
    coh_column_free(c);

    /* a date beyond the year 9999 (a corrupt SPSS or Stata value) */
    coh_cb_init(&cb);
    coh_cb_push_value(&cb, 1e300, CB_DATE);
    check_int(coh_cb_finish(&cb, "d", -1, 50, &c, &e), COH_ETYPE, "date out of range refused");
    check_contains(e.msg, "outside the years 0 to 9999", "range message");
    coh_cb_free(&cb); /* on failure the builder is still the caller's */

    /* declared integer with a fraction */
    coh_cb_init(&cb);
    coh_cb_push_value(&cb, 1.5, CB_NUMBER);
    check_int(coh_cb_finish(&cb, "i", COH_INTEGER, 50, &c, &e), COH_ETYPE, "integer refused");
    check_contains(e.msg, "declared integer but holds fractions", "says why");
    coh_cb_free(&cb);
}

static void test_builder_levels(void)
{
    coh_colbuild cb;
    coh_cb_init(&cb);
    const char *v[] = {"b", "10", "a", "2", "b", "a"};
    for (size_t i = 0; i < 6; i++)
        coh_cb_push_text(&cb, v[i], strlen(v[i]));
    coh_column *c;
    coh_error e;
    coh_cb_finish(&cb, "x", -1, 50, &c, &e);
    check_int(c->type, COH_CATEGORICAL, "repeated levels: categorical");
    check_int(c->n_levels, 4, "4 levels");
    check_str(c->levels[0], "2", "2 before 10");
    check_str(c->levels[1], "10", "10");
    check_str(c->levels[2], "a", "then text");
    check_str(c->levels[3], "b", "b");
    check_str(c->levels[c->code[0]], "b", "row 0 recoded");
    coh_column_free(c);

    /* more levels than max_levels: string */
    coh_cb_init(&cb);
    char buf[16];
    for (int i = 0; i < 120; i++) {
        snprintf(buf, sizeof buf, "L%d", i % 60);
        coh_cb_push_text(&cb, buf, strlen(buf));
    }
    coh_cb_finish(&cb, "x", -1, 50, &c, &e);
    check_int(c->type, COH_STRING, "60 levels > 50: string");
    check_int(c->n_levels, 60, "levels");
    coh_column_free(c);
}

static void test_builder_append(void)
{
    coh_colbuild a, b;
    coh_cb_init(&a);
    coh_cb_init(&b);
    coh_cb_push_text(&a, "x", 1);
    coh_cb_push_na(&b);
    coh_cb_push_text(&b, "y", 1);
    coh_cb_push_text(&b, "x", 1);
    check_int(coh_cb_append(&a, &b), COH_OK, "append text");
    check_int(a.n, 4, "rows");
    check_int(a.n_missing, 1, "missing");
    check_int(a.code[3], a.code[0], "shared level remapped");
    check_int(a.dict.n, 2, "two levels");
    coh_cb_push_value(&b, 3, CB_NUMBER);
    check_int(coh_cb_append(&a, &b), COH_ETYPE, "text + numbers refused");
    coh_cb_free(&a);
    coh_cb_free(&b);

    coh_cb_init(&a);
    coh_cb_init(&b);
    coh_cb_push_na(&a);
    coh_cb_push_value(&b, 7, CB_NUMBER);
    check_int(coh_cb_append(&a, &b), COH_OK, "unknown + number");
    check_int(a.kind, CB_NUMBER, "number");
    check(isnan(a.num[0]) && a.num[1] == 7, "values");
    coh_cb_free(&a);
}

static void test_table(void)
{
    coh_table *t = coh_table_new();
    coh_error e;
    coh_column *c = coh_column_new("x", COH_DOUBLE, 3);
    check_int(c->n_missing, 3, "new column all missing");
    coh_column_set_num(c, 1, 4.0);
    check_int(c->n_missing, 2, "set clears missing");
    check_int(coh_table_add_column(t, c, &e), COH_OK, "add");
    check_int(t->n_rows, 3, "rows");
    check_int(coh_table_add_column(t, coh_column_new("y", COH_DOUBLE, 2), &e), COH_EINVAL,
              "length mismatch");
    check_int(coh_table_add_column(t, coh_column_new("x", COH_STRING, 3), &e), COH_EPARSE,
              "duplicate");
    check_contains(e.msg, "duplicate column name 'x'", "duplicate message");
    check(coh_table_find(t, "x") == c, "find");
    check(coh_table_find(t, "nope") == NULL, "not found");
    coh_column_set_label(c, "Age at surgery");
    check_str(c->label, "Age at surgery", "label");
    coh_table_free(t);
    coh_type ty;
    check_int(coh_type_parse("factor", &ty), COH_OK, "factor");
    check_int(ty, COH_CATEGORICAL, "factor is categorical");
    check_int(coh_type_parse("blob", &ty), COH_EINVAL, "unknown type");
}

static void test_utf8(void)
{
    check_int(coh_utf8_check("abc", 3), 3, "ascii");
    check_int(coh_utf8_check("caf\xC3\xA9", 5), 5, "e-acute");
    check_int(coh_utf8_check("\xF0\x9F\x98\x80", 4), 4, "emoji");
    check_int(coh_utf8_check("a\xE9z", 3), 1, "latin-1 byte");
    check_int(coh_utf8_check("\xC3", 1), 0, "truncated");
    check_int(coh_utf8_check("\xED\xA0\x80", 3), 0, "surrogate");
    check_int(coh_utf8_check("\xE0\x80\xAF", 3), 0, "overlong");
    check_int(coh_utf8_check("\xF4\x90\x80\x80", 4), 0, "beyond U+10FFFF");
}

static void test_text_of_values(void)
{
    char buf[64];
    coh_format_num(0.1, buf, sizeof buf);
    check_str(buf, "0.1", "0.1 shortest");
    coh_format_num(1.0 / 3.0, buf, sizeof buf);
    check(strtod(buf, NULL) == 1.0 / 3.0, "1/3 round-trips");
    coh_format_num(4.9406564584124654e-324, buf, sizeof buf);
    check_str(buf, "5e-324", "shortest subnormal");
    coh_format_date(1e300, buf, sizeof buf);
    check_str(buf, "NA", "out-of-range date text");
    coh_format_num(NAN, buf, sizeof buf);
    check_str(buf, "NA", "NaN");
    coh_format_date(0, buf, sizeof buf);
    check_str(buf, "1970-01-01", "epoch");
    coh_format_date(-141427, buf, sizeof buf);
    check_str(buf, "1582-10-15", "Gregorian start");
    check_int(coh_days_from_civil(2000, 3, 1), 11017, "2000-03-01");
    int bad = 0;
    for (int64_t z = -800000; z < 800000; z += 97) {
        int64_t y;
        unsigned m, d;
        coh_civil_from_days(z, &y, &m, &d);
        bad += coh_days_from_civil(y, m, d) != z;
    }
    check_int(bad, 0, "civil date round trip over 4000 years");
    char ex[16];
    coh_excerpt("a\tb very long text here", 23, ex, sizeof ex);
    check_str(ex, "a?b very lon...", "excerpt");
}

static void test_status(void)
{
    for (int s = COH_OK; s <= COH_EINTERNAL; s++)
        check(strcmp(coh_status_str((coh_status)s), "unknown status") != 0, "every status named");
    coh_error e;
    check_int(coh_error_set(&e, COH_EIO, "x %d", 5), COH_EIO, "returns status");
    check_str(e.msg, "x 5", "message");
    check_int(coh_error_set(NULL, COH_EIO, "x"), COH_EIO, "NULL error allowed");
    check(strlen(coh_version()) > 0, "version");
}

/* Output files: the destination is the old file or the whole new one. */
static void test_outfile(void)
{
    char dir[] = "/tmp/cohort-outfile-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        check(0, "mkdtemp");
        return;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("old\n", f);
    fclose(f);
    coh_outfile of;
    coh_error err;
    check_int(coh_outfile_open(&of, path, &err), COH_OK, "open");
    fputs("new, half written", of.fp);
    coh_outfile_abort(&of);
    char buf[64] = "";
    f = fopen(path, "r");
    check(f != NULL && fgets(buf, sizeof buf, f) != NULL, "read back");
    if (f != NULL)
        fclose(f);
    check_str(buf, "old\n", "abort leaves the old file");
    check_int(coh_outfile_open(&of, path, &err), COH_OK, "open again");
    fputs("new\n", of.fp);
    check_int(coh_outfile_commit(&of, &err), COH_OK, "commit");
    f = fopen(path, "r");
    check(f != NULL && fgets(buf, sizeof buf, f) != NULL, "read back");
    if (f != NULL)
        fclose(f);
    check_str(buf, "new\n", "commit replaces it");
    /* the mode of the file replaced, and of a new file 0666 less the umask */
    chmod(path, 0640);
    check_int(coh_outfile_open(&of, path, &err), COH_OK, "open a third time");
    check_int(coh_outfile_commit(&of, &err), COH_OK, "commit");
    struct stat sb;
    check(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0640, "mode kept");
    char fresh[160];
    snprintf(fresh, sizeof fresh, "%s/fresh.txt", dir);
    check_int(coh_outfile_open(&of, fresh, &err), COH_OK, "open new");
    check_int(coh_outfile_commit(&of, &err), COH_OK, "commit new");
    mode_t mask = umask(022);
    umask(mask);
    check(stat(fresh, &sb) == 0 && (sb.st_mode & 0777) == (0666 & ~mask), "mode of a new file");
    remove(fresh);
    /* nothing else is left in the directory */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 1", dir);
    check_int(system(cmd), 0, "no temporary file left");
    /* a symbolic link: the target is replaced, the link kept */
    char target[160], link[160];
    snprintf(target, sizeof target, "%s/target.txt", dir);
    snprintf(link, sizeof link, "%s/link.txt", dir);
    f = fopen(target, "w");
    fputs("old\n", f);
    fclose(f);
    check(symlink("target.txt", link) == 0, "symlink");
    check_int(coh_outfile_open(&of, link, &err), COH_OK, "open link");
    fputs("via link\n", of.fp);
    check_int(coh_outfile_commit(&of, &err), COH_OK, "commit link");
    check(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode), "still a link");
    f = fopen(target, "r");
    check(f != NULL && fgets(buf, sizeof buf, f) != NULL, "read target");
    if (f != NULL)
        fclose(f);
    check_str(buf, "via link\n", "target replaced");
    char *tmpname = NULL;
    check_int(coh_outfile_temp_path(link, &tmpname, &err), COH_OK, "temp path for a link");
    check(tmpname != NULL && strncmp(tmpname, target, strlen(target)) == 0, "temp beside the target");
    if (tmpname != NULL)
        check_int(coh_outfile_rename(tmpname, link, &err), COH_OK, "rename onto the target");
    free(tmpname);
    check(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode), "link kept after rename");
    remove(link);
    remove(target);
    /* a device is written as a stream and never replaced */
    check_int(coh_outfile_open(&of, "/dev/null", &err), COH_OK, "open /dev/null");
    check(of.direct, "written directly");
    fputs("x", of.fp);
    check_int(coh_outfile_commit(&of, &err), COH_OK, "commit /dev/null");
    check(stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode), "/dev/null still a device");
    check_int(coh_outfile_temp_path("/dev/null", &tmpname, &err), COH_EIO, "no temp for a device");
    check_contains(err.msg, "not a regular file", "message");
    char bad[160];
    snprintf(bad, sizeof bad, "%s/missing/out.txt", dir);
    check_int(coh_outfile_open(&of, bad, &err), COH_EIO, "missing directory");
    check_contains(err.msg, "missing/out.txt: cannot write", "message names the path");
    remove(path);
    rmdir(dir);
}

int main(void)
{
    RUN(test_builder_kinds);
    RUN(test_builder_levels);
    RUN(test_builder_append);
    RUN(test_table);
    RUN(test_utf8);
    RUN(test_text_of_values);
    RUN(test_status);
    RUN(test_outfile);
    return check_report("test_core");
}
