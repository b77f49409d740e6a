/* read.c - choosing a reader by format; reader options. */
#include <string.h>
#include <strings.h>

#include "cohort/io.h"

static const struct {
    const char *name;
    coh_format format;
} formats[] = {
    {"csv", COH_FORMAT_CSV},   {"tsv", COH_FORMAT_TSV},       {"txt", COH_FORMAT_CSV},
    {"sav", COH_FORMAT_SAV},   {"zsav", COH_FORMAT_SAV},      {"dta", COH_FORMAT_DTA},
    {"sas7bdat", COH_FORMAT_SAS7BDAT}, {"sqlite", COH_FORMAT_SQLITE},
    {"sqlite3", COH_FORMAT_SQLITE},    {"db", COH_FORMAT_SQLITE},
};

coh_status coh_format_parse(const char *s, coh_format *out)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcasecmp(s, formats[i].name) == 0) {
            *out = formats[i].format;
            return COH_OK;
        }
    return COH_EINVAL;
}

const char *coh_format_name(coh_format f)
{
    switch (f) {
    case COH_FORMAT_AUTO: return "auto";
    case COH_FORMAT_CSV: return "csv";
    case COH_FORMAT_TSV: return "tsv";
    case COH_FORMAT_SAV: return "sav";
    case COH_FORMAT_DTA: return "dta";
    case COH_FORMAT_SAS7BDAT: return "sas7bdat";
    case COH_FORMAT_SQLITE: return "sqlite";
    }
    return "unknown";
}

coh_format coh_format_from_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    coh_format f;
    if (strcmp(path, "-") == 0)
        return COH_FORMAT_CSV;
    if (dot == NULL || (slash != NULL && dot < slash))
        return COH_FORMAT_AUTO;
    return coh_format_parse(dot + 1, &f) == COH_OK ? f : COH_FORMAT_AUTO;
}

void coh_read_options_init(coh_read_options *o)
{
    memset(o, 0, sizeof *o);
    o->format = COH_FORMAT_AUTO;
}

coh_status coh_read(const char *path, const coh_read_options *opts, coh_table **out,
                    coh_error *err)
{
    coh_read_options defaults;
    if (opts == NULL) {
        coh_read_options_init(&defaults);
        opts = &defaults;
    }
    *out = NULL;
    coh_format f = opts->format != COH_FORMAT_AUTO ? opts->format : coh_format_from_path(path);
    if (f == COH_FORMAT_AUTO && opts->sqlite_table == NULL && opts->sqlite_query == NULL)
        f = COH_FORMAT_CSV; /* unknown extension: most data files are text */
    else if (f == COH_FORMAT_AUTO)
        f = COH_FORMAT_SQLITE;
    switch (f) {
    case COH_FORMAT_CSV:
    case COH_FORMAT_TSV: {
        coh_read_options o = *opts;
        o.format = f;
        return coh_read_csv(path, &o, out, err);
    }
    case COH_FORMAT_SAV:
    case COH_FORMAT_DTA:
    case COH_FORMAT_SAS7BDAT:
        return coh_read_readstat(path, f, opts, out, err);
    case COH_FORMAT_SQLITE:
        return coh_read_sqlite(path, opts, out, err);
    case COH_FORMAT_AUTO:
        break;
    }
    return coh_error_set(err, COH_EFORMAT, "%s: unknown file format", path);
}
