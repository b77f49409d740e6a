/* outfile.c - output files written whole or not at all (cohort/outfile.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cohort/outfile.h"

/* The process's umask without changing it (umask(2) can only be read by
 * setting it, which would race with other threads): Linux reports it in
 * /proc/self/status; elsewhere the common 022 is assumed. */
static mode_t current_umask(void)
{
    mode_t mask = 022;
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return mask;
    char line[256];
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned int m;
        if (sscanf(line, "Umask: %o", &m) == 1) {
            mask = (mode_t)(m & 0777);
            break;
        }
    }
    fclose(f);
    return mask;
}

/* Where the output really goes: a symbolic link is followed to its
 * target (so that the link survives and the target is replaced); *special
 * says the destination exists and is not a regular file (a FIFO, a device,
 * a terminal), which can only be written directly, not replaced.  NULL
 * when memory runs out. */
static char *resolve(const char *path, bool *special)
{
    struct stat sb;
    char *dest = NULL;
    *special = false;
    if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode))
        dest = realpath(path, NULL); /* NULL for a dangling link: see below */
    if (dest == NULL)
        dest = strdup(path);
    if (dest == NULL)
        return NULL;
    if (stat(dest, &sb) == 0 ? !S_ISREG(sb.st_mode)
                             : lstat(dest, &sb) == 0 /* a dangling link */)
        *special = true;
    return dest;
}

static coh_status temp_beside(const char *path, const char *dest, char **tmp, coh_error *err)
{
    size_t len = strlen(dest);
    char *t = malloc(len + 16);
    if (t == NULL)
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    memcpy(t, dest, len);
    memcpy(t + len, ".tmp-XXXXXX", 12);
    int fd = mkstemp(t);
    if (fd < 0) {
        int e = errno;
        free(t);
        return coh_error_set(err, COH_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    /* mkstemp makes the file 0600; the result should have the mode an
     * ordinary new file would (0666 less the umask) or, when it replaces
     * a file, that file's mode. */
    struct stat sb;
    mode_t mode = stat(dest, &sb) == 0 ? (sb.st_mode & 07777) : (0666 & ~current_umask());
    if (fchmod(fd, mode) != 0) {
        /* not fatal: the content is still right; keep the private mode */
    }
    close(fd);
    *tmp = t;
    return COH_OK;
}

coh_status coh_outfile_temp_path(const char *path, char **tmp, coh_error *err)
{
    bool special;
    char *dest = resolve(path, &special);
    if (dest == NULL)
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    coh_status st = special ? coh_error_set(err, COH_EIO,
                                            "%s: not a regular file; cannot be replaced whole",
                                            path)
                            : temp_beside(path, dest, tmp, err);
    free(dest);
    return st;
}

/* Move `tmp` onto `dest`; on failure remove it. */
static coh_status move_into_place(const char *tmp, const char *dest, const char *path,
                                  coh_error *err)
{
    if (rename(tmp, dest) != 0) {
        int e = errno;
        unlink(tmp);
        return coh_error_set(err, COH_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    return COH_OK;
}

coh_status coh_outfile_rename(char *tmp, const char *path, coh_error *err)
{
    bool special;
    char *dest = resolve(path, &special);
    if (dest == NULL) {
        unlink(tmp);
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    }
    coh_status st = move_into_place(tmp, dest, path, err);
    free(dest);
    return st;
}

coh_status coh_outfile_open(coh_outfile *of, const char *path, coh_error *err)
{
    memset(of, 0, sizeof *of);
    if (strcmp(path, "-") == 0) {
        of->fp = stdout;
        return COH_OK;
    }
    bool special;
    of->path = resolve(path, &special);
    if (of->path == NULL)
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    if (special) {
        /* a FIFO, device or terminal: written as a stream, as the user
         * asked; "whole or not at all" cannot apply to it */
        of->fp = fopen(of->path, "w");
        if (of->fp == NULL) {
            int e = errno;
            free(of->path);
            of->path = NULL;
            return coh_error_set(err, COH_EIO, "%s: cannot write: %s", path, strerror(e));
        }
        of->direct = true;
        return COH_OK;
    }
    coh_status st = temp_beside(path, of->path, &of->tmp, err);
    if (st != COH_OK) {
        free(of->path);
        of->path = NULL;
        return st;
    }
    of->fp = fopen(of->tmp, "w");
    if (of->fp == NULL) {
        int e = errno;
        coh_outfile_abort(of);
        return coh_error_set(err, COH_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    return COH_OK;
}

coh_status coh_outfile_commit(coh_outfile *of, coh_error *err)
{
    if (of->direct) { /* a FIFO or device */
        bool bad = ferror(of->fp) != 0 || fflush(of->fp) != 0;
        int e = errno;
        bad = (fclose(of->fp) != 0) || bad;
        of->fp = NULL;
        if (bad)
            coh_error_set(err, COH_EIO, "%s: write failed: %s", of->path, strerror(e ? e : EIO));
        free(of->path);
        of->path = NULL;
        of->direct = false;
        return bad ? COH_EIO : COH_OK;
    }
    if (of->tmp == NULL) { /* standard output */
        if (of->fp != NULL && (fflush(of->fp) != 0 || ferror(of->fp)))
            return coh_error_set(err, COH_EIO, "standard output: write failed");
        return COH_OK;
    }
    /* fsync before rename: after a crash the name must not point at a file
     * whose blocks were never written. */
    bool bad = ferror(of->fp) != 0 || fflush(of->fp) != 0 || fsync(fileno(of->fp)) != 0;
    int e = errno;
    bad = (fclose(of->fp) != 0) || bad;
    of->fp = NULL;
    if (bad) {
        coh_error_set(err, COH_EIO, "%s: write failed: %s", of->path, strerror(e ? e : EIO));
        coh_outfile_abort(of);
        return COH_EIO;
    }
    coh_status st = move_into_place(of->tmp, of->path, of->path, err);
    free(of->tmp);
    free(of->path);
    of->tmp = of->path = NULL;
    return st;
}

void coh_outfile_abort(coh_outfile *of)
{
    if (of->direct && of->fp != NULL)
        fclose(of->fp);
    if (of->tmp != NULL) {
        if (of->fp != NULL)
            fclose(of->fp);
        unlink(of->tmp);
    }
    free(of->tmp);
    free(of->path);
    memset(of, 0, sizeof *of);
}
