/*
 * restsign_signer_sign_into against OpenSSL 3, same inputs and the same hex output:
 *   restsign   restsign_signer_sign_into (poloniex = HMAC-SHA512 hex, viabtc = HMAC-SHA256 hex)
 *   reinit     pre-keyed EVP_MAC_CTX, EVP_MAC_init(ctx, NULL, 0, NULL) per call (reuses the key)
 *   dup        pre-keyed EVP_MAC_CTX, EVP_MAC_CTX_dup per call
 *   oneshot    HMAC(), which keys (and in OpenSSL 3 fetches) on every call
 * Each OpenSSL path hex-encodes its tag, so every competitor does the same work. Before timing,
 * all four must produce the same text for every case. Competitors run interleaved in rounds
 * (A B C D, A B C D, ...) and each one's median over the rounds is reported, so a noisy shared
 * machine slows them alike.
 *
 * Build and run: bench/run-c-bench [rounds]
 * For a profiler: bench/run-c-bench --only COMPETITOR HASH PAYLOAD_LEN CALLS runs one competitor on
 * one case, untimed (e.g. under valgrind --tool=callgrind).
 */
#define _POSIX_C_SOURCE 199309L
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "restsign.h"

/* The inputs of benches/sign.rs: a 64-byte secret and a 68-byte form body. */
static const char KEY[] = "K3Y0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY";
static const char SECRET[] = "s3cr3t0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV";
static const char FORM_BODY[] = "command=returnBalances&nonce=1700000000000000&account=all&extra=1234";

enum { N_COMPETITORS = 4, MAX_ROUNDS = 1001 };
static const char *const COMPETITOR[N_COMPETITORS] = {"restsign", "reinit", "dup", "oneshot"};

struct bench_case {
    const char *hash;     /* "SHA256" or "SHA512" */
    const char *scheme;   /* the restsign scheme that signs exactly HMAC-<hash>(secret, payload) as lower hex */
    size_t payload_len;
};

struct state {
    const unsigned char *payload;
    size_t payload_len;
    const EVP_MD *md;
    restsign_signer *signer;
    EVP_MAC_CTX *keyed;  /* for reinit */
    EVP_MAC_CTX *proto;  /* for dup: keyed, never updated */
    char out[2 * EVP_MAX_MD_SIZE + 1];
};

static void die(const char *what) {
    fprintf(stderr, "bench_hmac: %s\n", what);
    exit(1);
}

static size_t hex_into(const unsigned char *tag, size_t len, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[tag[i] >> 4];
        out[2 * i + 1] = digits[tag[i] & 15];
    }
    out[2 * len] = '\0';
    return 2 * len;
}

static size_t run_restsign(struct state *s) {
    size_t len;
    restsign_status st = restsign_signer_sign_into(s->signer, "POST", NULL, 0, (const char *)s->payload,
                                                   s->payload_len, 0, s->out, sizeof s->out, &len);
    if (st != RESTSIGN_OK) die(restsign_strerror(st));
    return len;
}

static size_t run_reinit(struct state *s) {
    unsigned char tag[EVP_MAX_MD_SIZE];
    size_t len;
    if (!EVP_MAC_init(s->keyed, NULL, 0, NULL) || !EVP_MAC_update(s->keyed, s->payload, s->payload_len) ||
        !EVP_MAC_final(s->keyed, tag, &len, sizeof tag))
        die("EVP_MAC (reinit) failed");
    return hex_into(tag, len, s->out);
}

static size_t run_dup(struct state *s) {
    unsigned char tag[EVP_MAX_MD_SIZE];
    size_t len;
    EVP_MAC_CTX *mac = EVP_MAC_CTX_dup(s->proto);
    if (mac == NULL || !EVP_MAC_update(mac, s->payload, s->payload_len) || !EVP_MAC_final(mac, tag, &len, sizeof tag))
        die("EVP_MAC (dup) failed");
    EVP_MAC_CTX_free(mac);
    return hex_into(tag, len, s->out);
}

static size_t run_oneshot(struct state *s) {
    unsigned char tag[EVP_MAX_MD_SIZE];
    unsigned int len;
    if (HMAC(s->md, SECRET, (int)strlen(SECRET), s->payload, s->payload_len, tag, &len) == NULL)
        die("HMAC() failed");
    return hex_into(tag, len, s->out);
}

static size_t (*const RUN[N_COMPETITORS])(struct state *) = {run_restsign, run_reinit, run_dup, run_oneshot};

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static volatile char sink;

/* Mean ns per call over `iters` calls. */
static double time_batch(int who, struct state *s, long iters) {
    double start = now_ns();
    for (long i = 0; i < iters; i++) {
        RUN[who](s);
        sink = s->out[0];
    }
    return (now_ns() - start) / (double)iters;
}

/* Enough calls for a batch of about 2 ms, so timer resolution and call overhead vanish. */
static long calibrate(int who, struct state *s) {
    long iters = 1;
    while (time_batch(who, s, iters) * (double)iters < 2e6 && iters < (1L << 30)) iters *= 2;
    return iters;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static EVP_MAC_CTX *keyed_mac(EVP_MAC *hmac, const char *hash) {
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)hash, 0),
                           OSSL_PARAM_construct_end()};
    if (ctx == NULL || !EVP_MAC_init(ctx, (const unsigned char *)SECRET, strlen(SECRET), params))
        die("cannot key EVP_MAC_CTX");
    return ctx;
}

int main(int argc, char **argv) {
    int only = -1; /* --only: the competitor to run untimed */
    if (argc == 6 && strcmp(argv[1], "--only") == 0) {
        for (int w = 0; w < N_COMPETITORS; w++)
            if (strcmp(argv[2], COMPETITOR[w]) == 0) only = w;
        if (only < 0) die("--only wants restsign, reinit, dup or oneshot");
    } else if (argc > 2) {
        die("usage: bench_hmac [rounds] | bench_hmac --only COMPETITOR SHA256|SHA512 PAYLOAD_LEN CALLS");
    }
    int rounds = argc == 2 ? atoi(argv[1]) : 101;
    if (rounds < 1 || rounds > MAX_ROUNDS) die("rounds must be 1..1001");

    static const struct bench_case cases[] = {
        {"SHA256", "viabtc", 68},   {"SHA256", "viabtc", 1024},   {"SHA256", "viabtc", 65536},
        {"SHA512", "poloniex", 68}, {"SHA512", "poloniex", 1024}, {"SHA512", "poloniex", 65536},
    };
    enum { N_CASES = sizeof cases / sizeof cases[0] };

    /* 68 B is the form body; larger payloads are printable filler of the given size. */
    static unsigned char big[65536];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (unsigned char)('a' + i % 26);
    memcpy(big, FORM_BODY, strlen(FORM_BODY));
    if (strlen(FORM_BODY) != 68 || strlen(SECRET) != 64) die("inputs are not the documented sizes");

    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (hmac == NULL) die("EVP_MAC_fetch(HMAC) failed");

    struct state st[N_CASES];
    long iters[N_CASES][N_COMPETITORS];
    for (int c = 0; c < N_CASES; c++) {
        struct state *s = &st[c];
        memset(s, 0, sizeof *s);
        s->payload = big;
        s->payload_len = cases[c].payload_len;
        s->md = strcmp(cases[c].hash, "SHA256") == 0 ? EVP_sha256() : EVP_sha512();
        restsign_status rs = restsign_signer_new(cases[c].scheme, KEY, strlen(KEY), SECRET, strlen(SECRET), &s->signer);
        if (rs != RESTSIGN_OK) die(restsign_strerror(rs));
        s->keyed = keyed_mac(hmac, cases[c].hash);
        s->proto = keyed_mac(hmac, cases[c].hash);

        /* Correctness first: OpenSSL is the reference; every path must print the same text. */
        char want[sizeof s->out];
        size_t want_len = RUN[3](s);
        memcpy(want, s->out, sizeof want);
        for (int w = 0; w < N_COMPETITORS; w++) {
            for (int again = 0; again < 2; again++) { /* twice: reuse must not change the answer */
                memset(s->out, 'x', sizeof s->out);
                size_t len = RUN[w](s);
                if (len != want_len || memcmp(s->out, want, want_len + 1) != 0) {
                    fprintf(stderr, "MISMATCH %s %zu B %s: %s\n  openssl HMAC(): %s\n", cases[c].hash,
                            cases[c].payload_len, COMPETITOR[w], s->out, want);
                    return 1;
                }
            }
        }
        if (only >= 0 && strcmp(cases[c].hash, argv[3]) == 0 && cases[c].payload_len == strtoul(argv[4], NULL, 10)) {
            for (long i = atol(argv[5]); i > 0; i--) RUN[only](s);
            return 0;
        }
        if (only < 0)
            for (int w = 0; w < N_COMPETITORS; w++) iters[c][w] = calibrate(w, s);
    }
    if (only >= 0) die("--only: no such case (hash SHA256 or SHA512; payload 68, 1024 or 65536)");
    printf("correctness: all %d competitors agree with OpenSSL HMAC() on all %d cases\n", N_COMPETITORS, (int)N_CASES);

    static double ns[N_CASES][N_COMPETITORS][MAX_ROUNDS];
    for (int r = 0; r < rounds; r++)
        for (int c = 0; c < N_CASES; c++)
            for (int w = 0; w < N_COMPETITORS; w++) ns[c][w][r] = time_batch(w, &st[c], iters[c][w]);

    printf("\n%d interleaved rounds, median ns per signature (hex text written in every case)\n\n", rounds);
    printf("| hash    | payload  | restsign | pre-keyed reinit | pre-keyed dup | one-shot HMAC() "
           "| restsign / best pre-keyed | one-shot / restsign |\n");
    printf("|---------|----------|---------:|-----------------:|--------------:|----------------:"
           "|--------------------------:|--------------------:|\n");
    double med[N_CASES][N_COMPETITORS];
    for (int c = 0; c < N_CASES; c++) {
        for (int w = 0; w < N_COMPETITORS; w++) med[c][w] = median(ns[c][w], rounds);
        double best = med[c][1] < med[c][2] ? med[c][1] : med[c][2];
        printf("| %-7s | %6zu B | %8.0f | %16.0f | %13.0f | %15.0f | %25.2f | %19.2f |\n", cases[c].hash,
               cases[c].payload_len, med[c][0], med[c][1], med[c][2], med[c][3], med[c][0] / best,
               med[c][3] / med[c][0]);
    }

    printf("\nThroughput at 64 KiB (MB/s, 10^6 bytes)\n\n");
    printf("| hash    | restsign | pre-keyed reinit | pre-keyed dup | one-shot HMAC() | restsign / best OpenSSL |\n");
    printf("|---------|---------:|-----------------:|--------------:|----------------:|------------------------:|\n");
    for (int c = 0; c < N_CASES; c++) {
        if (cases[c].payload_len != 65536) continue;
        double mbs[N_COMPETITORS], best = 0;
        for (int w = 0; w < N_COMPETITORS; w++) {
            mbs[w] = (double)cases[c].payload_len / med[c][w] * 1e3;
            if (w > 0 && mbs[w] > best) best = mbs[w];
        }
        printf("| %-7s | %8.0f | %16.0f | %13.0f | %15.0f | %23.2f |\n", cases[c].hash, mbs[0], mbs[1], mbs[2],
               mbs[3], mbs[0] / best);
    }

    for (int c = 0; c < N_CASES; c++) {
        restsign_signer_free(st[c].signer);
        EVP_MAC_CTX_free(st[c].keyed);
        EVP_MAC_CTX_free(st[c].proto);
    }
    EVP_MAC_free(hmac);
    return 0;
}
