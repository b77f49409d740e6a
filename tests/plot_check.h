/* plot_check.h - is a figure file valid?  For the tests of src/plot.
 *
 *   png_check   the 8-byte PNG signature, then an IHDR chunk first; its
 *               width and height; and that the chunks run to IEND with
 *               their lengths and CRCs (ISO/IEC 15948 sections 5.2-5.3)
 *   png_dpi     the resolution its pHYs chunk records
 *   pdf_check   "%PDF-1.x" first, "%%EOF" last, "startxref" pointing at an
 *               "xref" table whose in-use entries each point at "N G obj"
 *               for their own object number (ISO 32000-1 section 7.5)
 *   svg_check   well-formed XML (expat) whose root element is <svg>
 *
 * Each returns 1 when valid, else 0 with the reason in `why`.
 */
#ifndef COHORT_TEST_PLOT_CHECK_H
#define COHORT_TEST_PLOT_CHECK_H

#include <expat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The whole file in a new buffer (NUL-terminated), or NULL. */
static char *plot_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int png_check(const char *path, uint32_t *width, uint32_t *height, char *why, size_t size)
{
    size_t len;
    unsigned char *b = (unsigned char *)plot_slurp(path, &len);
    int ok = 0;
    if (b == NULL) {
        snprintf(why, size, "cannot read %s", path);
        return 0;
    }
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len < 33 || memcmp(b, sig, 8) != 0) {
        snprintf(why, size, "no PNG signature");
    } else if (memcmp(b + 12, "IHDR", 4) != 0 || be32(b + 8) != 13) {
        snprintf(why, size, "first chunk is not IHDR");
    } else {
        *width = be32(b + 16);
        *height = be32(b + 20);
        size_t pos = 8;
        ok = 0;
        snprintf(why, size, "no IEND chunk");
        while (pos + 12 <= len) {
            uint32_t clen = be32(b + pos);
            if (clen > len - pos - 12) {
                snprintf(why, size, "chunk at %zu runs past the end", pos);
                break;
            }
            /* every chunk's CRC over its type and data */
            uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), b + pos + 4, clen + 4);
            if (crc != be32(b + pos + 8 + clen)) {
                snprintf(why, size, "bad CRC in the chunk at %zu", pos);
                break;
            }
            if (memcmp(b + pos + 4, "IEND", 4) == 0) {
                ok = pos + 12 == len;
                if (!ok)
                    snprintf(why, size, "bytes after IEND");
                break;
            }
            pos += 12 + clen;
        }
    }
    free(b);
    return ok;
}

/* The resolution in a PNG's pHYs chunk, in dots per inch (0 without one). */
static __attribute__((unused)) double png_dpi(const char *path)
{
    size_t len;
    unsigned char *b = (unsigned char *)plot_slurp(path, &len);
    double dpi = 0;
    for (size_t pos = 8; b != NULL && pos + 12 <= len;) {
        uint32_t clen = be32(b + pos);
        if (clen > len - pos - 12)
            break;
        if (memcmp(b + pos + 4, "pHYs", 4) == 0 && clen == 9 && b[pos + 16] == 1) {
            dpi = be32(b + pos + 8) * 0.0254;
            break;
        }
        pos += 12 + clen;
    }
    free(b);
    return dpi;
}

static int pdf_check(const char *path, char *why, size_t size)
{
    size_t len;
    char *b = plot_slurp(path, &len);
    if (b == NULL) {
        snprintf(why, size, "cannot read %s", path);
        return 0;
    }
    int ok = 0;
    size_t end = len;
    while (end > 0 && (b[end - 1] == '\n' || b[end - 1] == '\r'))
        end--;
    const char *sx = NULL;
    for (size_t i = len >= 64 ? len - 64 : 0; i + 9 <= len; i++)
        if (memcmp(b + i, "startxref", 9) == 0)
            sx = b + i;
    if (len < 16 || memcmp(b, "%PDF-1.", 7) != 0) {
        snprintf(why, size, "no %%PDF-1.x header");
    } else if (end < 5 || memcmp(b + end - 5, "%%EOF", 5) != 0) {
        snprintf(why, size, "no %%%%EOF at the end");
    } else if (sx == NULL) {
        snprintf(why, size, "no startxref");
    } else {
        unsigned long off = strtoul(sx + 9, NULL, 10);
        if (off + 4 > len || memcmp(b + off, "xref", 4) != 0) {
            snprintf(why, size, "startxref %lu does not point at an xref table", off);
        } else {
            /* subsections "first count", then count 20-byte entries */
            char *p = b + off + 4;
            unsigned long first, count;
            int n_read, entries = 0;
            ok = 1;
            while (ok && sscanf(p, " %lu %lu%n", &first, &count, &n_read) == 2) {
                p += n_read;
                while (*p == ' ' || *p == '\r' || *p == '\n')
                    p++;
                for (unsigned long k = 0; k < count && ok; k++, p += 20) {
                    if (p + 20 > b + len) {
                        snprintf(why, size, "xref table cut short");
                        ok = 0;
                        break;
                    }
                    unsigned long eoff = strtoul(p, NULL, 10);
                    if (p[17] == 'n') {
                        char want[32];
                        int wl = snprintf(want, sizeof want, "%lu 0 obj", first + k);
                        if (eoff + (size_t)wl > len || memcmp(b + eoff, want, (size_t)wl) != 0) {
                            snprintf(why, size, "xref entry for object %lu points elsewhere",
                                     first + k);
                            ok = 0;
                        }
                        entries++;
                    }
                }
            }
            if (ok && entries == 0) {
                snprintf(why, size, "empty xref table");
                ok = 0;
            }
        }
    }
    free(b);
    return ok;
}

typedef struct svg_root {
    int depth;
    int root_is_svg;
    int seen_root;
} svg_root;

static void XMLCALL svg_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    svg_root *r = ud;
    if (r->depth == 0 && !r->seen_root) {
        r->seen_root = 1;
        const char *local = strrchr(name, ':');
        r->root_is_svg = strcmp(local ? local + 1 : name, "svg") == 0;
    }
    r->depth++;
}

static void XMLCALL svg_end(void *ud, const XML_Char *name)
{
    (void)name;
    ((svg_root *)ud)->depth--;
}

static int svg_check(const char *path, char *why, size_t size)
{
    size_t len;
    char *b = plot_slurp(path, &len);
    if (b == NULL) {
        snprintf(why, size, "cannot read %s", path);
        return 0;
    }
    XML_Parser p = XML_ParserCreateNS(NULL, ':');
    svg_root r = {0, 0, 0};
    XML_SetUserData(p, &r);
    XML_SetElementHandler(p, svg_start, svg_end);
    int ok = XML_Parse(p, b, (int)len, 1) == XML_STATUS_OK;
    if (!ok)
        snprintf(why, size, "not well-formed XML: %s at line %lu",
                 XML_ErrorString(XML_GetErrorCode(p)),
                 (unsigned long)XML_GetCurrentLineNumber(p));
    else if (!r.root_is_svg) {
        snprintf(why, size, "the root element is not <svg>");
        ok = 0;
    }
    XML_ParserFree(p);
    free(b);
    return ok;
}

#endif
