/* test_golden_study.c - the example study (examples/colon/study.yaml)
 * run end to end through the library and checked against R.
 *
 * coh_study_load and coh_study_run write the report folder into a
 * temporary folder; results.json is read back with src/report/json_read.h and
 * every row of tests/golden/study/expected.csv (written by make.R beside
 * it, README.md there) is compared with the value at its path: counts and
 * texts exactly, numbers within the row's relative tolerance, R's NA as
 * JSON null; a path missing from results.json is a failure.  Rows of the
 * run "stay0.05" are compared with a second run of the same study with
 * stay = 0.05 in both Cox models (set in the loaded study), whose backward
 * selection removes terms (the study as written removes none).
 *
 * Also: the same study run again gives byte-identical files (every file
 * of the folder: report, results, tables, figures); a run dated
 * 2026-02-02 differs from the one dated 2026-01-01 only in report.html,
 * report.md and results.json, and there only in the one line that states
 * the date.  Each run is made in a child process, as each `cohort run` is
 * a process of its own (run_into says why).  And the JSON reader itself,
 * on small documents, valid and malformed.
 *
 * Run from the repository root (tests/run.sh does).  For each kind of
 * value (the section and the last key of its path, e.g. "cox: se") the
 * largest relative difference from R goes to stdout, with the number of
 * values compared.
 */
#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../check.h"
#include "report/json_read.h"
#include "cohort/study.h"

#define STUDY "examples/colon/study.yaml"
#define EXPECTED "tests/golden/study/expected.csv"
#define DATE_A "2026-01-01"
#define DATE_B "2026-02-02"
#define MAX_SHOWN 20 /* failures printed in full */
#define MAX_STATS 64 /* kinds of quantity in the summary */

/* 1: also run the study twice in this process and require byte-identical
 * folders.  (cairo's SVG surface numbers its group "surfaceN" from a
 * process-wide counter; canvas.c renames it, which this checks.) */
#ifndef IN_PROCESS_REPEAT
#define IN_PROCESS_REPEAT 1
#endif

static char tmpdir[] = "/tmp/cohort-golden-study-XXXXXX";

/* ---- small file helpers ------------------------------------------------------ */

/* The whole file in a NUL-terminated buffer (caller frees), or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0, k;
    char *buf = malloc(cap);
    while (buf != NULL && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n - 1 == 0) {
            char *b = realloc(buf, 2 * cap);
            if (b == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    if (buf != NULL && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        if (len != NULL)
            *len = n;
    }
    return buf;
}

/* Remove a folder and everything under it (no symbolic links are
 * followed: lstat). */
static void remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        if (d != NULL) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                char sub[1024];
                snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                remove_tree(sub);
            }
            closedir(d);
        }
        if (rmdir(path) != 0)
            fprintf(stderr, "could not remove %s\n", path);
    } else if (unlink(path) != 0) {
        fprintf(stderr, "could not remove %s\n", path);
    }
}

/* The regular files under root, as paths relative to it, sorted. */
typedef struct file_list {
    char **names;
    size_t n, cap;
} file_list;

static void list_add(file_list *l, const char *name)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        char **names = realloc(l->names, l->cap * sizeof *names);
        if (names == NULL)
            abort();
        l->names = names;
    }
    l->names[l->n] = strdup(name);
    if (l->names[l->n] == NULL)
        abort();
    l->n++;
}

static void list_walk(file_list *l, const char *root, const char *rel)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char sub_rel[512], sub[1536];
        snprintf(sub_rel, sizeof sub_rel, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(sub, sizeof sub, "%s/%s", root, sub_rel);
        struct stat sb;
        if (lstat(sub, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode))
            list_walk(l, root, sub_rel);
        else
            list_add(l, sub_rel);
    }
    closedir(d);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static file_list list_files(const char *root)
{
    file_list l = {NULL, 0, 0};
    list_walk(&l, root, "");
    if (l.n > 1)
        qsort(l.names, l.n, sizeof *l.names, by_name);
    return l;
}

static void list_free(file_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
}

static bool list_has(const file_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->names[i], name) == 0)
            return true;
    return false;
}

/* ---- running the study --------------------------------------------------------- */

/* Run the loaded study into tmpdir/NAME, dated `date`.  False (and a
 * failed check) when it fails.
 *
 * Each run happens in a child process that starts from this one, which
 * has drawn nothing, as each `cohort run` is a process of its own: cairo
 * numbers its surfaces with a counter shared by the whole process and
 * writes the number into every SVG (<g id="surfaceN">), so two runs in one
 * process give different SVG bytes (see IN_PROCESS_REPEAT).  The child
 * exits normally, so that under ASan LeakSanitizer checks it and a leak
 * makes its exit status non-zero. */
static bool run_into(const coh_study *s, const char *name, const char *date, bool in_process,
                     char *out, size_t size)
{
    snprintf(out, size, "%s/%s", tmpdir, name);
    coh_study_run_options ro = {out, date, true, NULL};
    coh_error err;
    char what[200];
    snprintf(what, sizeof what, "coh_study_run into %s", name);
    if (in_process) {
        coh_status st = coh_study_run(s, &ro, &err);
        if (st != COH_OK)
            fprintf(stderr, "%s: %s\n", what, err.msg);
        check_int(st, COH_OK, what);
        return st == COH_OK;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        check(false, what);
        return false;
    }
    if (pid == 0) {
        coh_status st = coh_study_run(s, &ro, &err);
        if (st != COH_OK)
            fprintf(stderr, "%s: %s\n", what, err.msg);
        exit(st == COH_OK ? 0 : 1);
    }
    int status = 0;
    bool ok = waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    check(ok, what);
    return ok;
}

/* ---- comparing results.json with expected.csv ------------------------------------ */

typedef struct quantity {
    char name[64];
    double max_rel;
    char where[256];
    size_t compared;
} quantity;

typedef struct tally {
    quantity q[MAX_STATS];
    size_t n;
    size_t compared, failed;
} tally;

/* The kind of a path for the summary: its section (the first key) and
 * its last key, e.g. "cox: se", "survival: lower". */
static quantity *quantity_of(tally *ty, const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *name = dot != NULL ? dot + 1 : path;
    char key[64];
    snprintf(key, sizeof key, "%.*s: %.*s", (int)strcspn(path, ".["), path,
             (int)strcspn(name, "["), name);
    for (size_t k = 0; k < ty->n; k++)
        if (strcmp(ty->q[k].name, key) == 0)
            return &ty->q[k];
    if (ty->n == MAX_STATS)
        return &ty->q[MAX_STATS - 1];
    quantity *q = &ty->q[ty->n++];
    memset(q, 0, sizeof *q);
    snprintf(q->name, sizeof q->name, "%s", key);
    return q;
}

static void fail(tally *ty, const char *run, const char *path, const char *msg)
{
    check_failed++;
    if (ty->failed++ < MAX_SHOWN)
        fprintf(stderr, "FAIL %s %s: %s\n", run, path, msg);
}

/* Compare one expected row with the node at its path. */
static void compare_row(tally *ty, const json_node *root, const char *run, const char *path,
                        const char *value, const char *tol)
{
    const json_node *v = json_get(root, path);
    char msg[512];
    ty->compared++;
    if (v == NULL) {
        fail(ty, run, path, "not in results.json");
        return;
    }
    if (strcmp(tol, "text") == 0) {
        if (v->kind != JSON_STRING || v->string_len != strlen(value) ||
            memcmp(v->string, value, v->string_len) != 0) {
            snprintf(msg, sizeof msg, "got %s%s%s, want \"%s\"",
                     v->kind == JSON_STRING ? "\"" : json_kind_name(v->kind),
                     v->kind == JSON_STRING ? v->string : "", v->kind == JSON_STRING ? "\"" : "",
                     value);
            fail(ty, run, path, msg);
        } else {
            check_passed++;
        }
        return;
    }
    if (strcmp(tol, "length") == 0) {
        long want = strtol(value, NULL, 10);
        if ((v->kind != JSON_ARRAY && v->kind != JSON_OBJECT) || (long)v->n != want) {
            snprintf(msg, sizeof msg, "got %s of %zu, want %ld elements", json_kind_name(v->kind),
                     v->n, want);
            fail(ty, run, path, msg);
        } else {
            check_passed++;
        }
        return;
    }
    if (strcmp(value, "NA") == 0) {
        /* R's NA (a median not reached, a limit never crossed): Cohort
         * writes null, never a number */
        if (v->kind != JSON_NULL) {
            snprintf(msg, sizeof msg, "got %s %.17g, want null (R: NA)", json_kind_name(v->kind),
                     v->kind == JSON_NUMBER ? v->number : NAN);
            fail(ty, run, path, msg);
        } else {
            check_passed++;
        }
        return;
    }
    char *end;
    double want = strtod(value, &end);
    if (*end != '\0' || !isfinite(want)) {
        snprintf(msg, sizeof msg, "bad expected value '%s'", value);
        fail(ty, run, path, msg);
        return;
    }
    if (v->kind != JSON_NUMBER) {
        snprintf(msg, sizeof msg, "got %s, want %.17g", json_kind_name(v->kind), want);
        fail(ty, run, path, msg);
        return;
    }
    double got = v->number;
    if (strcmp(tol, "exact") == 0) {
        if (got != want) {
            snprintf(msg, sizeof msg, "got %.17g, want exactly %.17g", got, want);
            fail(ty, run, path, msg);
        } else {
            check_passed++;
        }
        return;
    }
    double rel_tol = strtod(tol, &end);
    if (*end != '\0' || !(rel_tol >= 0)) {
        snprintf(msg, sizeof msg, "bad tolerance '%s'", tol);
        fail(ty, run, path, msg);
        return;
    }
    double d = fabs(got - want);
    double rel = want != 0 ? d / fabs(want) : (d == 0 ? 0 : INFINITY);
    quantity *q = quantity_of(ty, path);
    q->compared++;
    if (rel > q->max_rel || q->where[0] == '\0') {
        q->max_rel = rel;
        snprintf(q->where, sizeof q->where, "%s %s", run, path);
    }
    if (!(rel <= rel_tol)) {
        snprintf(msg, sizeof msg, "got %.17g, want %.17g (relative difference %.3g > %g)", got,
                 want, rel, rel_tol);
        fail(ty, run, path, msg);
    } else {
        check_passed++;
    }
}

/* Split a line of expected.csv (no quoting: make.R makes sure no field
 * holds a comma or a quote) into its 4 fields; false when it has not 4. */
static bool split4(char *line, char *field[4])
{
    size_t k = 0;
    field[k++] = line;
    for (char *c = line; *c != '\0'; c++)
        if (*c == ',') {
            if (k == 4)
                return false;
            *c = '\0';
            field[k++] = c + 1;
        }
    return k == 4;
}

/* Every row of expected.csv whose run is `run`, against root. */
static void compare_expected(tally *ty, const char *run, const json_node *root)
{
    char *text = slurp(EXPECTED, NULL);
    check(text != NULL, "read " EXPECTED);
    if (text == NULL)
        return;
    size_t rows = 0, lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] == '\r')
            line[n - 1] = '\0';
        char *field[4];
        if (!split4(line, field)) {
            fprintf(stderr, "%s:%zu: not 4 fields\n", EXPECTED, lineno);
            check_failed++;
            continue;
        }
        if (lineno == 1) {
            check(strcmp(field[0], "run") == 0 && strcmp(field[1], "path") == 0 &&
                      strcmp(field[2], "value") == 0 && strcmp(field[3], "tol") == 0,
                  "expected.csv header run,path,value,tol");
            continue;
        }
        if (strcmp(field[0], run) != 0)
            continue;
        rows++;
        compare_row(ty, root, run, field[1], field[2], field[3]);
    }
    free(text);
    char what[128];
    snprintf(what, sizeof what, "rows of run '%s' in expected.csv", run);
    check(rows > 0, what);
}

static void compare_run(tally *ty, const char *run, const char *dir)
{
    char path[1100], err[1024];
    snprintf(path, sizeof path, "%s/results.json", dir);
    json_node *root = json_parse_file(path, err, sizeof err);
    if (root == NULL)
        fprintf(stderr, "%s\n", err);
    check(root != NULL, "results.json parses");
    if (root == NULL)
        return;
    compare_expected(ty, run, root);
    json_free(root);
}

/* ---- determinism ----------------------------------------------------------------- */

/* Is `name` one of the files allowed to hold the run date? */
static bool dated(const char *name)
{
    return strcmp(name, "report.html") == 0 || strcmp(name, "report.md") == 0 ||
           strcmp(name, "results.json") == 0;
}

/* a and b (of lengths na, nb) differ only in lines that state the date:
 * the same number of lines, and exactly one line differs, which in a
 * holds date_a and becomes b's line when date_a is replaced by date_b.
 * True when so. */
static bool check_date_line(const char *name, const char *a, size_t na, const char *b, size_t nb)
{
    size_t ia = 0, ib = 0, differing = 0, line = 0;
    bool ok = true;
    while (ok && (ia < na || ib < nb)) {
        line++;
        const char *ea = memchr(a + ia, '\n', na - ia), *eb = memchr(b + ib, '\n', nb - ib);
        size_t la = ea != NULL ? (size_t)(ea - (a + ia)) : na - ia;
        size_t lb = eb != NULL ? (size_t)(eb - (b + ib)) : nb - ib;
        if (ia >= na || ib >= nb) {
            fprintf(stderr, "FAIL %s: the runs have different numbers of lines\n", name);
            ok = false;
            break;
        }
        if (la != lb || memcmp(a + ia, b + ib, la) != 0) {
            differing++;
            /* the line with the date replaced must be the other run's line */
            char *x = malloc(la + 1);
            if (x == NULL)
                abort();
            memcpy(x, a + ia, la);
            x[la] = '\0';
            char *at = strstr(x, DATE_A);
            if (at != NULL)
                memcpy(at, DATE_B, strlen(DATE_B));
            if (at == NULL || la != lb || memcmp(x, b + ib, lb) != 0) {
                fprintf(stderr, "FAIL %s:%zu differs between the runs beyond the date:\n  %.*s\n"
                                "  %.*s\n",
                        name, line, (int)la, a + ia, (int)lb, b + ib);
                ok = false;
            }
            free(x);
        }
        ia += la + (ea != NULL);
        ib += lb + (eb != NULL);
    }
    char what[200];
    snprintf(what, sizeof what, "%s: only the line with the run date differs", name);
    check(ok, what);
    snprintf(what, sizeof what, "%s: exactly one line states the run date", name);
    if (ok)
        check_int(differing, 1, what);
    return ok && differing == 1;
}

/* Compare every file of two report folders.  allow_date: report.html,
 * report.md and results.json may differ in the line with the date. */
static void compare_folders(const char *dir_a, const char *dir_b, bool allow_date,
                            const char *what)
{
    file_list la = list_files(dir_a), lb = list_files(dir_b);
    char msg[300];
    snprintf(msg, sizeof msg, "%s: the same files", what);
    bool same_list = la.n == lb.n;
    for (size_t i = 0; same_list && i < la.n; i++)
        same_list = strcmp(la.names[i], lb.names[i]) == 0;
    check(same_list, msg);
    size_t identical = 0, date_only = 0;
    for (size_t i = 0; i < la.n; i++) {
        if (!list_has(&lb, la.names[i])) {
            fprintf(stderr, "FAIL %s: %s only in the first run\n", what, la.names[i]);
            continue;
        }
        char pa[1100], pb[1100];
        snprintf(pa, sizeof pa, "%s/%s", dir_a, la.names[i]);
        snprintf(pb, sizeof pb, "%s/%s", dir_b, la.names[i]);
        size_t na = 0, nb = 0;
        char *a = slurp(pa, &na), *b = slurp(pb, &nb);
        snprintf(msg, sizeof msg, "%s: read %s", what, la.names[i]);
        check(a != NULL && b != NULL, msg);
        if (a != NULL && b != NULL) {
            if (allow_date && dated(la.names[i])) {
                date_only += check_date_line(la.names[i], a, na, b, nb);
            } else {
                snprintf(msg, sizeof msg, "%s: %s byte-identical", what, la.names[i]);
                bool same = na == nb && memcmp(a, b, na) == 0;
                check(same, msg);
                identical += same;
            }
        }
        free(a);
        free(b);
    }
    printf("%s: %zu of %zu files byte-identical%s", what, identical, la.n, allow_date ? "" : "\n");
    if (allow_date)
        printf(", %zu differing only in the run-date line\n", date_only);
    list_free(&la);
    list_free(&lb);
}

/* The files the issue names are there: the report, results, the table in
 * both formats, and an SVG figure per analysis. */
static void check_outputs(const coh_study *s, const char *dir)
{
    file_list l = list_files(dir);
    const char *fixed[] = {"report.html", "report.md", "results.json", "tables/table1.csv",
                           "tables/table1.xlsx", "figures/flow.svg"};
    char name[300], what[400];
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        snprintf(what, sizeof what, "output has %s", fixed[i]);
        check(list_has(&l, fixed[i]), what);
    }
    for (size_t i = 0; i < s->n_km; i++) {
        snprintf(name, sizeof name, "figures/km_%s.svg", s->km[i].name);
        snprintf(what, sizeof what, "output has %s", name);
        check(list_has(&l, name), what);
    }
    for (size_t i = 0; i < s->n_cox; i++) {
        snprintf(name, sizeof name, "figures/forest_%s.svg", s->cox[i].name);
        snprintf(what, sizeof what, "output has %s", name);
        check(list_has(&l, name), what);
    }
    list_free(&l);
}

/* ---- the JSON reader ------------------------------------------------------------- */

static json_node *parse(const char *text)
{
    char err[256];
    return json_parse(text, strlen(text), err, sizeof err);
}

static void test_json_read(void)
{
    const char *doc =
        "{\"a\": [1, -2.5e3, 0, -0.0, 1E-2], \"b\": {\"c\": \"x\\u00e9\\ud83d\\ude00\\n\\/\","
        " \"d\": null, \"e\": true, \"f\": false}, \"g\": [], \"h\": {}, \"\": 7,"
        " \"s\": \"a\\u0000b\"}";
    json_node *root = parse(doc);
    check(root != NULL, "valid document parses");
    if (root != NULL) {
        const json_node *v = json_get(root, "a[1]");
        check(v != NULL && v->kind == JSON_NUMBER && v->number == -2500, "a[1]");
        v = json_get(root, "a[4]");
        check(v != NULL && v->number == 0.01, "a[4] 1E-2");
        check(json_get(root, "a[5]") == NULL, "index past the end");
        v = json_get(root, "b.c");
        check(v != NULL && v->kind == JSON_STRING &&
                  strcmp(v->string, "x\xc3\xa9\xf0\x9f\x98\x80\n/") == 0,
              "escapes and a surrogate pair as UTF-8");
        check(json_get(root, "b.d") != NULL && json_get(root, "b.d")->kind == JSON_NULL, "null");
        check(json_get(root, "b.e")->kind == JSON_TRUE && json_get(root, "b.f")->kind ==
                                                              JSON_FALSE,
              "true, false");
        check(json_get(root, "g")->kind == JSON_ARRAY && json_get(root, "g")->n == 0, "[]");
        check(json_get(root, "h")->kind == JSON_OBJECT && json_get(root, "h")->n == 0, "{}");
        check(json_key(root, "") != NULL && json_key(root, "")->number == 7, "empty key");
        v = json_get(root, "s");
        check(v != NULL && v->string_len == 3 && memcmp(v->string, "a\0b", 3) == 0,
              "\\u0000 kept inside the string");
        check(root->n == 6 && strcmp(root->keys[0], "a") == 0 && strcmp(root->keys[5], "s") == 0,
              "keys in document order");
        check(json_get(root, "b[0]") == NULL, "index on an object");
        check(json_get(root, "a.x") == NULL, "key on an array");
        check(json_get(root, "b..c") == NULL && json_get(root, "b.") == NULL &&
                  json_get(root, "a[") == NULL && json_get(root, "a[x]") == NULL &&
                  json_get(root, "a[0]x") == NULL && json_get(root, "zz") == NULL,
              "malformed or missing paths");
        check(json_get(root, "") == root, "empty path: the root");
        json_free(root);
    }
    /* [key=value] selects an array's object by a string member */
    root = parse("{\"cox\": [{\"name\": \"os\", \"c\": [{\"name\": \"haip=HAIP\", \"hr\": 0.5},"
                 " {\"name\": \"age\", \"hr\": 1.1}]}, {\"name\": \"dfs\", \"n\": 3},"
                 " {\"name\": 4}, 7]}");
    check(root != NULL, "a document with named objects");
    if (root != NULL) {
        const json_node *v = json_get(root, "cox[name=os].c[name=haip=HAIP].hr");
        check(v != NULL && v->number == 0.5, "[name=...] twice, a value holding '='");
        v = json_get(root, "cox[name=dfs].n");
        check(v != NULL && v->number == 3, "the second object");
        check(json_get(root, "cox[name=os].c[name=age]") == json_get(root, "cox[0].c[1]"),
              "the same node as by index");
        check(json_get(root, "cox[name=nope]") == NULL, "no object with that value");
        check(json_get(root, "cox[name=4]") == NULL, "a number member does not match text");
        check(json_get(root, "cox[=os]") == NULL && json_get(root, "cox[name=os") == NULL &&
                  json_get(root, "cox[nameos]") == NULL && json_get(root, "cox[0][name=os]") == NULL,
              "malformed selectors");
        check(json_get(root, "cox[name=os].c[name=age].hr")->number == 1.1, "then a key");
        json_free(root);
    }
    static const char *const bad[] = {
        "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]", "01", "1.", ".5",
        "+1", "1e", "-", "NaN", "Infinity", "0x10", "tru", "nul", "[1]x", "\"abc", "'a'",
        "\"\\x\"", "\"\\u12\"", "\"\\ud83d\"", "\"\\ude00\"", "\"a\tb\"", "\"\xc3\"",
        "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "{\"a\":1,\"a\":2}", "1e999", "/* c */ 1",
        "[1]]", "{\"a\":1}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        json_node *v = json_parse(bad[i], strlen(bad[i]), err, sizeof err);
        char what[300];
        snprintf(what, sizeof what, "malformed input %zu refused with a message", i);
        check(v == NULL && err[0] != '\0', what);
        json_free(v);
    }
    char deep[2 * JSON_MAX_DEPTH + 8];
    size_t k = 0;
    for (int i = 0; i < JSON_MAX_DEPTH + 2; i++)
        deep[k++] = '[';
    deep[k] = '\0';
    check(parse(deep) == NULL, "nesting deeper than the limit refused");
    char err[256];
    json_node *v = json_parse("[1,\n  x]", 8, err, sizeof err);
    check(v == NULL, "error position");
    check_str(err, "2:3: expected a value", "error names line and column");
    v = json_parse("[1] ", 2, err, sizeof err); /* the length counts, not the NUL */
    check(v == NULL, "input cut by its length");
}

/* ---- main -------------------------------------------------------------------------- */

int main(void)
{
    RUN(test_json_read);

    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    coh_study *s = NULL;
    coh_error err;
    coh_status st = coh_study_load(STUDY, &s, &err);
    if (st != COH_OK)
        fprintf(stderr, "%s\n", err.msg);
    check_int(st, COH_OK, "coh_study_load " STUDY);
    char a[512], b[512], c[512], d[512];
    tally ty;
    memset(&ty, 0, sizeof ty);
    if (s != NULL && run_into(s, "a", DATE_A, false, a, sizeof a)) {
        check_outputs(s, a);
        compare_run(&ty, "study", a);
        if (run_into(s, "b", DATE_A, false, b, sizeof b))
            compare_folders(a, b, false, "same date");
        if (run_into(s, "c", DATE_B, false, c, sizeof c))
            compare_folders(a, c, true, "other date");
        if (IN_PROCESS_REPEAT && run_into(s, "e", DATE_A, true, c, sizeof c) &&
            run_into(s, "f", DATE_A, true, d, sizeof d))
            compare_folders(c, d, false, "same date, one process");
        /* the variant whose backward selection removes terms */
        for (size_t k = 0; k < s->n_cox; k++)
            s->cox[k].stay = 0.05;
        if (run_into(s, "d", DATE_A, false, d, sizeof d))
            compare_run(&ty, "stay0.05", d);
    }
    coh_study_free(s);

    printf("%zu values compared with R (%zu failed)\n", ty.compared, ty.failed);
    printf("largest relative difference from R, by quantity:\n");
    for (size_t k = 0; k < ty.n; k++)
        printf("  %-28s %9.3g over %4zu values (%s)\n", ty.q[k].name, ty.q[k].max_rel,
               ty.q[k].compared, ty.q[k].where);
    if (getenv("COHORT_KEEP_STUDY") != NULL)
        printf("reports kept in %s\n", tmpdir);
    else
        remove_tree(tmpdir);
    return check_report("test_golden_study");
}
