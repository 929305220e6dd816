/*
 * The C side of the cross-check (driven by tests/crosscheck.py): signs each request it reads
 * through the public C API only, and writes back what the library produced. Python computes the
 * expected values on its own and compares.
 *
 * Input, one request per line, fields separated by one space (hex fields may be empty):
 *     scheme method key_hex secret_hex path_hex payload_hex nonce
 * Output, one line per request:
 *     sign_status signature headers_status headers_hex
 * A status is the restsign_status number of the last call, "new<N>" when restsign_signer_new
 * failed with N, or "contract" when a call broke the buffer contract (details on stderr). A
 * missing text is "-".
 *
 * Every call sizes its buffer with a size query (out == NULL, out_cap == 0) and then writes into
 * a buffer of exactly the size reported.
 */
#include "restsign.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "crosscheck: out of memory\n");
        exit(2);
    }
    return p;
}

static void die(const char *why, unsigned long line) {
    fprintf(stderr, "crosscheck: input line %lu: %s\n", line, why);
    exit(2);
}

/* Reads one line (without its '\n') into *buf, growing it; returns 0 at end of input. */
static int read_line(char **buf, size_t *cap) {
    size_t len = 0;
    for (;;) {
        if (*cap - len < 2) {
            *cap = *cap ? *cap * 2 : 4096;
            char *grown = realloc(*buf, *cap);
            if (!grown) die("out of memory", 0);
            *buf = grown;
        }
        if (!fgets(*buf + len, (int)(*cap - len > INT_MAX ? INT_MAX : *cap - len), stdin)) return len > 0;
        len += strlen(*buf + len);
        if (len > 0 && (*buf)[len - 1] == '\n') {
            (*buf)[len - 1] = '\0';
            return 1;
        }
    }
}

/* Cuts the next space-separated field off *rest. */
static char *next_field(char **rest, unsigned long line) {
    if (!*rest) die("too few fields", line);
    char *field = *rest;
    char *space = strchr(field, ' ');
    if (space) {
        *space = '\0';
        *rest = space + 1;
    } else {
        *rest = NULL;
    }
    return field;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes a hex field into a new buffer (NUL-free length in *len). */
static char *unhex(const char *hex, size_t *len, unsigned long line) {
    size_t n = strlen(hex);
    if (n % 2) die("odd hex length", line);
    char *out = xmalloc(n / 2);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) die("bad hex digit", line);
        out[i] = (char)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

typedef restsign_status (*writer_fn)(const restsign_signer *, const char *, const char *, size_t,
                                     const char *, size_t, uint64_t, char *, size_t, size_t *);

struct request {
    const char *method;
    const char *path, *payload;
    size_t path_len, payload_len;
    uint64_t nonce;
};

/*
 * Size query, then a call with exactly that capacity. Returns the status of the last call (text
 * in *text, malloc'd) or -1 if the buffer contract was broken.
 */
static int write_exact(writer_fn fn, const char *what, const restsign_signer *s, const struct request *r,
                       char **text, size_t *text_len, unsigned long line) {
    size_t need = 0;
    *text = NULL;
    restsign_status st = fn(s, r->method, r->path, r->path_len, r->payload, r->payload_len, r->nonce, NULL, 0, &need);
    if (st != RESTSIGN_ERR_BUFFER_TOO_SMALL) return st; /* e.g. NO_HEADERS: reported as is */
    if (need == 0) {
        fprintf(stderr, "crosscheck: line %lu: %s size query reported 0 bytes\n", line, what);
        return -1;
    }
    char *buf = xmalloc(need);
    size_t len = 0;
    st = fn(s, r->method, r->path, r->path_len, r->payload, r->payload_len, r->nonce, buf, need, &len);
    if (st != RESTSIGN_OK || len != need - 1 || buf[need - 1] != '\0' || memchr(buf, '\0', len)) {
        fprintf(stderr, "crosscheck: line %lu: %s with the queried capacity %zu: status %d, *out_len %zu\n", line,
                what, need, st, len);
        free(buf);
        return -1;
    }
    *text = buf;
    *text_len = len;
    return RESTSIGN_OK;
}

static void put_status(int st) {
    if (st < 0)
        fputs("contract", stdout);
    else
        printf("%d", st);
}

int main(void) {
    char *line = NULL;
    size_t cap = 0;
    unsigned long lineno = 0;
    while (read_line(&line, &cap)) {
        lineno++;
        char *rest = line;
        const char *scheme = next_field(&rest, lineno);
        struct request r;
        r.method = next_field(&rest, lineno);
        size_t key_len, secret_len;
        char *key = unhex(next_field(&rest, lineno), &key_len, lineno);
        char *secret = unhex(next_field(&rest, lineno), &secret_len, lineno);
        char *path = unhex(next_field(&rest, lineno), &r.path_len, lineno);
        char *payload = unhex(next_field(&rest, lineno), &r.payload_len, lineno);
        r.path = path;
        r.payload = payload;
        const char *nonce = next_field(&rest, lineno);
        if (rest) die("too many fields", lineno);
        char *end;
        errno = 0;
        r.nonce = strtoull(nonce, &end, 10);
        if (errno || *end || end == nonce) die("bad nonce", lineno);

        restsign_signer *s = NULL;
        restsign_status st = restsign_signer_new(scheme, key, key_len, secret, secret_len, &s);
        if (st != RESTSIGN_OK) {
            printf("new%d - new%d -\n", st, st);
        } else {
            char *sig, *headers;
            size_t sig_len = 0, headers_len = 0, want_len = 0;
            int sig_st = write_exact(restsign_signer_sign_into, "sign_into", s, &r, &sig, &sig_len, lineno);
            /* The length query that needs no request must agree with the text written. */
            if (sig_st == RESTSIGN_OK &&
                (restsign_signer_signature_len(s, r.payload_len, &want_len) != RESTSIGN_OK || want_len != sig_len)) {
                fprintf(stderr, "crosscheck: line %lu: signature_len %zu, sign_into wrote %zu\n", lineno, want_len,
                        sig_len);
                sig_st = -1;
            }
            int hdr_st = write_exact(restsign_signer_headers_into, "headers_into", s, &r, &headers, &headers_len, lineno);
            put_status(sig_st);
            printf(" %s ", sig ? sig : "-");
            put_status(hdr_st);
            putchar(' ');
            if (headers)
                for (size_t i = 0; i < headers_len; i++) printf("%02x", (unsigned char)headers[i]);
            else
                putchar('-');
            putchar('\n');
            free(sig);
            free(headers);
            restsign_signer_free(s);
        }
        free(key);
        free(secret);
        free(path);
        free(payload);
    }
    free(line);
    return fflush(stdout) == 0 ? 0 : 2;
}
