/*
 * Nonce sources through the C API: in-memory, shared state file and caller callback; state files
 * that are cut short, someone else's or damaged; two threads and two processes drawing from one
 * source; signers sharing a state file and the request API drawing from it; each scheme's default
 * unit. The clock is read here independently (clock_gettime) to check values are in their unit.
 */
#define _XOPEN_SOURCE 700 /* POSIX 2008 with nftw: mkdtemp, setenv, symlink, fork */

#include "restsign.h"
#include "check.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define DRAWS 200000 /* per thread, and per process in the fork test */
#define STATE_LEN 64 /* a state file's size (src/nonce.rs) */

static char dir[] = "/tmp/restsign-test-nonce-XXXXXX";

static void path_in_dir(char *out, size_t cap, const char *name) {
    int n = snprintf(out, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "path too long\n");
        exit(2);
    }
}

static void expect(restsign_status got, restsign_status want, const char *what) {
    CHECK(got == want, "%s -> %d (%s), want %d (%s)", what, got, restsign_strerror(got), want, restsign_strerror(want));
}

/* Now in a RESTSIGN_NONCE_UNIT_*, from the C library's clock. */
static uint64_t now_in(int32_t unit) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    switch (unit) {
    case RESTSIGN_NONCE_UNIT_SECONDS: return us / 1000000u;
    case RESTSIGN_NONCE_UNIT_MILLIS: return us / 1000u;
    case RESTSIGN_NONCE_UNIT_MICROS: return us;
    default: return us / 10u;
    }
}

/*
 * `value` is "now" in `unit`, give or take `slack_s` seconds (plus two units: draws run ahead of a
 * coarse clock, and valgrind is slow).
 */
static int is_now(uint64_t value, int32_t unit, uint64_t slack_s) {
    static const uint64_t per_second[] = {0, 1, 1000, 1000000, 100000};
    uint64_t now = now_in(unit), slack = slack_s * per_second[unit] + 2;
    return value + slack >= now && value <= now + slack;
}

static uint64_t next(const restsign_nonce *n, const char *what) {
    uint64_t v = 0;
    restsign_status st = restsign_nonce_next(n, &v);
    CHECK(st == RESTSIGN_OK, "%s: nonce_next -> %d (%s)", what, st, restsign_strerror(st));
    return v;
}

static const int32_t UNITS[] = {RESTSIGN_NONCE_UNIT_SECONDS, RESTSIGN_NONCE_UNIT_MILLIS, RESTSIGN_NONCE_UNIT_MICROS,
                                RESTSIGN_NONCE_UNIT_TEN_MICROS};

static void test_memory(void) {
    for (size_t u = 0; u < ARRAY_LEN(UNITS); u++) {
        restsign_nonce *n = NULL;
        expect(restsign_nonce_new_memory(UNITS[u], &n), RESTSIGN_OK, "nonce_new_memory");
        if (!n) continue;
        uint64_t first = next(n, "memory"), last = first;
        CHECK(is_now(first, UNITS[u], 2),
              "unit %d: first value %llu is not now (%llu)", UNITS[u], (unsigned long long)first,
              (unsigned long long)now_in(UNITS[u]));
        int increasing = 1;
        for (int i = 0; i < 10000; i++) {
            uint64_t v = next(n, "memory");
            increasing &= v > last;
            last = v;
        }
        CHECK(increasing, "unit %d: memory source not strictly increasing", UNITS[u]);
        restsign_nonce_free(n);
    }
    static const int32_t bad_units[] = {0, 5, -1, INT32_MAX};
    for (size_t i = 0; i < ARRAY_LEN(bad_units); i++) {
        restsign_nonce *n = (restsign_nonce *)&n;
        expect(restsign_nonce_new_memory(bad_units[i], &n), RESTSIGN_ERR_INVALID_UNIT, "new_memory(bad unit)");
        CHECK(n == NULL, "a failed nonce_new_memory left *out set");
        char path[256];
        path_in_dir(path, sizeof path, "bad-unit");
        expect(restsign_nonce_new_file(path, "k", 1, bad_units[i], &n), RESTSIGN_ERR_INVALID_UNIT,
               "new_file(bad unit)");
        CHECK(access(path, F_OK) != 0, "a refused unit still created %s", path);
    }
    uint64_t v = 0;
    restsign_nonce *n = NULL;
    expect(restsign_nonce_new_memory(RESTSIGN_NONCE_UNIT_MILLIS, NULL), RESTSIGN_ERR_NULL_ARGUMENT, "new_memory(NULL)");
    expect(restsign_nonce_next(NULL, &v), RESTSIGN_ERR_NULL_HANDLE, "nonce_next(NULL)");
    expect(restsign_nonce_new_memory(RESTSIGN_NONCE_UNIT_MILLIS, &n), RESTSIGN_OK, "new_memory");
    expect(restsign_nonce_next(n, NULL), RESTSIGN_ERR_NULL_ARGUMENT, "nonce_next(n, NULL)");
    restsign_nonce_free(n);
    restsign_nonce_free(NULL);
}

/* ---- state files ---- */

static restsign_status open_file(const char *path, const char *key, int32_t unit, restsign_nonce **out) {
    return restsign_nonce_new_file(path, key, strlen(key), unit, out);
}

static void write_file(const char *path, const void *bytes, size_t len) {
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(bytes, 1, len, f) == len && fclose(f) == 0, "writing %s", path);
}

static size_t read_file(const char *path, unsigned char *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, cap, f) : 0;
    if (f) fclose(f);
    return n;
}

static void test_file(void) {
    char path[256];
    path_in_dir(path, sizeof path, "state");
    restsign_nonce *n = NULL;
    expect(open_file(path, "key-A", RESTSIGN_NONCE_UNIT_MILLIS, &n), RESTSIGN_OK, "new_file");
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == STATE_LEN,
          "state file mode %o size %lld, want 0600 and %d bytes", (unsigned)(st.st_mode & 0777), (long long)st.st_size,
          STATE_LEN);
    uint64_t first = next(n, "file"), last = first;
    CHECK(is_now(first, RESTSIGN_NONCE_UNIT_MILLIS, 2), "file: first value %llu is not now in ms",
          (unsigned long long)first);
    for (int i = 0; i < 1000; i++) {
        uint64_t v = next(n, "file");
        CHECK(v > last, "file source: %llu after %llu", (unsigned long long)v, (unsigned long long)last);
        last = v;
    }
    /* A run ahead of the clock: the next process must go on above it, not back to the clock. */
    for (int i = 0; i < 100000; i++) last = next(n, "file");
    restsign_nonce_free(n);
    expect(open_file(path, "key-A", RESTSIGN_NONCE_UNIT_MILLIS, &n), RESTSIGN_OK, "reopen");
    uint64_t after = next(n, "reopened");
    CHECK(after > last, "reopened state gave %llu, not above the last value %llu", (unsigned long long)after,
          (unsigned long long)last);
    restsign_nonce_free(n);

    /* The same file for another key or another unit is someone else's sequence. */
    expect(open_file(path, "key-B", RESTSIGN_NONCE_UNIT_MILLIS, &n), RESTSIGN_ERR_NONCE_STATE_FOREIGN, "other key");
    expect(open_file(path, "key-A", RESTSIGN_NONCE_UNIT_MICROS, &n), RESTSIGN_ERR_NONCE_STATE_FOREIGN, "other unit");

    /* Damaged files, made here from the real one. */
    unsigned char real[STATE_LEN + 1];
    size_t real_len = read_file(path, real, sizeof real);
    CHECK(real_len == STATE_LEN, "state file has %zu bytes", real_len);
    static const struct {
        const char *name;
        restsign_status want;
    } damaged[] = {
        {"truncated", RESTSIGN_ERR_NONCE_STATE_TRUNCATED}, /* its first 40 bytes */
        {"foreign-short", RESTSIGN_ERR_NONCE_STATE_FOREIGN},
        {"foreign-64", RESTSIGN_ERR_NONCE_STATE_FOREIGN},
        {"foreign-long", RESTSIGN_ERR_NONCE_STATE_FOREIGN},
        {"longer", RESTSIGN_ERR_NONCE_STATE_FOREIGN}, /* a real one with a byte appended */
        {"flipped", RESTSIGN_ERR_NONCE_STATE_CORRUPT}, /* byte 20 (inside the key's fingerprint) flipped */
        {"checksum", RESTSIGN_ERR_NONCE_STATE_CORRUPT}, /* the checksum's last byte flipped */
        {"value", RESTSIGN_ERR_NONCE_STATE_CORRUPT}, /* a last value above 2^63 - 1 */
        {"empty", RESTSIGN_ERR_NONCE_STATE_TRUNCATED},
    };
    static const char text[] = "# not a nonce file: some configuration text that goes on for more than 64 bytes\n";
    for (size_t i = 0; i < ARRAY_LEN(damaged); i++) {
        char bad[256];
        path_in_dir(bad, sizeof bad, damaged[i].name);
        unsigned char copy[STATE_LEN + 1];
        memcpy(copy, real, STATE_LEN);
        copy[STATE_LEN] = '\n';
        const void *bytes = copy;
        size_t len = STATE_LEN;
        switch (i) {
        case 0: len = 40; break;
        case 1: bytes = "hello\n"; len = 6; break;
        case 2: bytes = text; len = STATE_LEN; break;
        case 3: bytes = text; len = sizeof text - 1; break;
        case 4: len = STATE_LEN + 1; break;
        case 5: copy[20] ^= 0x01; break;
        case 6: copy[63] ^= 0x80; break;
        case 7: memset(copy + 48, 0xff, 8); break;
        default: len = 0; break;
        }
        write_file(bad, bytes, len);
        restsign_nonce *m = (restsign_nonce *)&m;
        expect(open_file(bad, "key-A", RESTSIGN_NONCE_UNIT_MILLIS, &m), damaged[i].want, damaged[i].name);
        CHECK(m == NULL, "%s: a failed nonce_new_file left *out set", damaged[i].name);
        unsigned char after_open[128];
        CHECK(read_file(bad, after_open, sizeof after_open) == len && memcmp(after_open, bytes, len) == 0,
              "%s: a refused state file was changed (a silent reset?)", damaged[i].name);
    }

    /* Paths restsign must not use: a symbolic link, a directory, a file's "subdirectory". */
    char link[256], sub[256];
    path_in_dir(link, sizeof link, "link");
    CHECK(symlink(path, link) == 0, "symlink: %s", strerror(errno));
    expect(open_file(link, "key-A", RESTSIGN_NONCE_UNIT_MILLIS, &n), RESTSIGN_ERR_NONCE_STATE_IO, "symbolic link");
    expect(open_file(dir, "key-A", RESTSIGN_NONCE_UNIT_MILLIS, &n), RESTSIGN_ERR_NONCE_STATE_IO, "a directory");
    path_in_dir(sub, sizeof sub, "state/sub");
    expect(open_file(sub, "key-A", RESTSIGN_NONCE_UNIT_MILLIS, &n), RESTSIGN_ERR_NONCE_STATE_IO, "under a file");
    expect(open_file(path, "key-A", RESTSIGN_NONCE_UNIT_MILLIS, NULL), RESTSIGN_ERR_NULL_ARGUMENT, "new_file(NULL out)");
    expect(restsign_nonce_new_file(path, NULL, 3, RESTSIGN_NONCE_UNIT_MILLIS, &n), RESTSIGN_ERR_NULL_WITH_LENGTH,
           "new_file(NULL key, 3)");

    /* Missing directories are made (0700); NULL path: the per-key default under $XDG_RUNTIME_DIR. */
    char deep[256];
    path_in_dir(deep, sizeof deep, "a/b/state");
    expect(open_file(deep, "key-A", RESTSIGN_NONCE_UNIT_MILLIS, &n), RESTSIGN_OK, "new_file in missing directories");
    restsign_nonce_free(n);
    CHECK(access(deep, F_OK) == 0, "%s was not created", deep);
    CHECK(setenv("XDG_RUNTIME_DIR", dir, 1) == 0, "setenv");
    expect(restsign_nonce_new_file(NULL, "key-A", 5, RESTSIGN_NONCE_UNIT_MILLIS, &n), RESTSIGN_OK, "default path");
    restsign_nonce_free(n);
    char rundir[256];
    path_in_dir(rundir, sizeof rundir, "restsign");
    CHECK(stat(rundir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
          "default directory %s missing or not 0700", rundir);
}

/* ---- callbacks ---- */

struct script {
    const uint64_t *values;
    size_t n, at;
    restsign_status fail_with; /* returned once values run out */
};

static restsign_status scripted(void *user_data, uint64_t *nonce) {
    struct script *s = user_data;
    if (s->at == s->n) return s->fail_with;
    *nonce = s->values[s->at++];
    return RESTSIGN_OK;
}

static void test_callback(void) {
    static const uint64_t values[] = {5, 7, 1000000000000u, 1000000000000u, 3, UINT64_C(9223372036854775807)};
    struct script s = {values, ARRAY_LEN(values), 0, 1};
    restsign_nonce *n = NULL;
    expect(restsign_nonce_new_callback(scripted, &s, &n), RESTSIGN_OK, "new_callback");
    if (!n) return;
    uint64_t v = 0;
    CHECK(next(n, "callback") == 5 && next(n, "callback") == 7 && next(n, "callback") == 1000000000000u,
          "callback values are not passed through");
    expect(restsign_nonce_next(n, &v), RESTSIGN_ERR_NONCE_NOT_INCREASING, "repeated value");
    expect(restsign_nonce_next(n, &v), RESTSIGN_ERR_NONCE_NOT_INCREASING, "smaller value");
    CHECK(next(n, "callback") == UINT64_C(9223372036854775807), "the largest nonce is passed through");
    expect(restsign_nonce_next(n, &v), RESTSIGN_ERR_NONCE_CALLBACK_FAILED, "callback returned 1");
    s.fail_with = -7;
    expect(restsign_nonce_next(n, &v), RESTSIGN_ERR_NONCE_CALLBACK_FAILED, "callback returned -7");
    restsign_nonce_free(n);

    static const uint64_t too_big[] = {UINT64_C(9223372036854775808)};
    struct script big = {too_big, 1, 0, 1};
    expect(restsign_nonce_new_callback(scripted, &big, &n), RESTSIGN_OK, "new_callback");
    expect(restsign_nonce_next(n, &v), RESTSIGN_ERR_NONCE_EXHAUSTED, "2^63 from a callback");
    restsign_nonce_free(n);

    n = (restsign_nonce *)&n;
    expect(restsign_nonce_new_callback(NULL, &s, &n), RESTSIGN_ERR_NULL_ARGUMENT, "new_callback(NULL fn)");
    CHECK(n == NULL, "a failed nonce_new_callback left *out set");
    expect(restsign_nonce_new_callback(scripted, &s, NULL), RESTSIGN_ERR_NULL_ARGUMENT, "new_callback(NULL out)");

    /* A signer draws request nonces from it, and keeps it alive after nonce_free. */
    static const uint64_t counter[] = {41, 42, 43};
    struct script c = {counter, 3, 0, 1};
    restsign_signer *signer = NULL;
    restsign_request *req = NULL;
    expect(restsign_nonce_new_callback(scripted, &c, &n), RESTSIGN_OK, "new_callback");
    expect(restsign_signer_new_with_nonce("poloniex", "k", 1, "s", 1, n, &signer), RESTSIGN_OK, "new_with_nonce");
    restsign_nonce_free(n);
    CHECK(restsign_signer_next_nonce(signer, &v) == RESTSIGN_OK && v == 41, "signer_next_nonce %llu, want 41",
          (unsigned long long)v);
    expect(restsign_request_new(signer, "POST", "/tradingApi", 11, &req), RESTSIGN_OK, "request_new");
    expect(restsign_request_sign(req), RESTSIGN_OK, "request_sign");
    CHECK(restsign_request_nonce(req, &v) == RESTSIGN_OK && v == 42, "request nonce %llu, want 42",
          (unsigned long long)v);
    restsign_request_free(req);
    restsign_signer_free(signer);
}

/* ---- threads and processes ---- */

struct drawer {
    const restsign_nonce *source;
    uint64_t *values;
    int failed;
};

static void *draw_many(void *arg) {
    struct drawer *d = arg;
    for (int i = 0; i < DRAWS; i++)
        if (restsign_nonce_next(d->source, &d->values[i]) != RESTSIGN_OK) d->failed++;
    return NULL;
}

static int increasing(const uint64_t *v, size_t n) {
    for (size_t i = 1; i < n; i++)
        if (v[i] <= v[i - 1]) return 0;
    return 1;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* `n` values, sorted in place: 1 if no two are equal. */
static int all_unique(uint64_t *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_u64);
    for (size_t i = 1; i < n; i++)
        if (v[i] == v[i - 1]) return 0;
    return 1;
}

static void two_threads(const restsign_nonce *source, const char *what) {
    uint64_t *values = malloc(2 * DRAWS * sizeof *values);
    if (!values) exit(2);
    struct drawer d[2] = {{source, values, 0}, {source, values + DRAWS, 0}};
    pthread_t t[2];
    int started = 0;
    for (int i = 0; i < 2; i++) started += pthread_create(&t[i], NULL, draw_many, &d[i]) == 0;
    CHECK(started == 2, "%s: pthread_create", what);
    for (int i = 0; i < started; i++) pthread_join(t[i], NULL);
    CHECK(d[0].failed == 0 && d[1].failed == 0, "%s: %d and %d draws failed", what, d[0].failed, d[1].failed);
    CHECK(increasing(d[0].values, DRAWS) && increasing(d[1].values, DRAWS), "%s: a thread's values do not increase",
          what);
    CHECK(all_unique(values, 2 * DRAWS), "%s: two threads got the same value", what);
    free(values);
}

static void test_threads(void) {
    restsign_nonce *n = NULL;
    expect(restsign_nonce_new_memory(RESTSIGN_NONCE_UNIT_MICROS, &n), RESTSIGN_OK, "new_memory");
    if (n) two_threads(n, "memory source");
    restsign_nonce_free(n);
    char path[256];
    path_in_dir(path, sizeof path, "threads");
    expect(open_file(path, "key-T", RESTSIGN_NONCE_UNIT_MICROS, &n), RESTSIGN_OK, "new_file");
    if (n) two_threads(n, "file source");
    restsign_nonce_free(n);
}

/* A child process opens the same state file and draws while the parent draws: no value twice. */
static void test_fork(void) {
    char path[256], out[256];
    path_in_dir(path, sizeof path, "forked");
    path_in_dir(out, sizeof out, "child-values");
    int go[2];
    if (pipe(go) != 0) {
        CHECK(0, "pipe: %s", strerror(errno));
        return;
    }
    uint64_t *values = malloc(2 * DRAWS * sizeof *values);
    if (!values) exit(2);
    pid_t pid = fork();
    if (pid == 0) {
        char byte;
        close(go[1]);
        restsign_nonce *n = NULL;
        int ok = read(go[0], &byte, 1) == 1 && open_file(path, "key-F", RESTSIGN_NONCE_UNIT_MICROS, &n) == RESTSIGN_OK;
        for (int i = 0; ok && i < DRAWS; i++) ok = restsign_nonce_next(n, &values[i]) == RESTSIGN_OK;
        restsign_nonce_free(n);
        FILE *f = fopen(out, "wb");
        ok = ok && f && fwrite(values, sizeof *values, DRAWS, f) == DRAWS;
        ok = f && fclose(f) == 0 && ok;
        free(values);
        _exit(ok ? 0 : 1);
    }
    close(go[0]);
    CHECK(pid > 0, "fork: %s", strerror(errno));
    restsign_nonce *n = NULL;
    expect(open_file(path, "key-F", RESTSIGN_NONCE_UNIT_MICROS, &n), RESTSIGN_OK, "new_file (parent)");
    CHECK(write(go[1], "g", 1) == 1, "starting the child");
    close(go[1]);
    int failed = 0;
    for (int i = 0; n && i < DRAWS; i++) failed += restsign_nonce_next(n, &values[DRAWS + i]) != RESTSIGN_OK;
    restsign_nonce_free(n);
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "the child failed (status %d)", status);
    FILE *f = fopen(out, "rb");
    size_t got = f ? fread(values, sizeof *values, DRAWS, f) : 0;
    if (f) fclose(f);
    CHECK(got == DRAWS && failed == 0, "child gave %zu values, parent failed %d draws", got, failed);
    CHECK(increasing(values, DRAWS) && increasing(values + DRAWS, DRAWS), "a process's values do not increase");
    /* Whether the two drew at the same time (their ranges overlap) is the scheduler's call: said, not asserted. */
    int interleaved = values[0] < values[2 * DRAWS - 1] && values[DRAWS] < values[DRAWS - 1];
    CHECK(all_unique(values, 2 * DRAWS), "two processes got the same value");
    if (!interleaved) printf("test_nonce: note: parent and child did not overlap in time\n");
    free(values);
}

/* ---- signers with a shared state file ---- */

static void test_shared_signers(void) {
    char path[256];
    path_in_dir(path, sizeof path, "shared");
    static const char key[] = "12345678-abcd-1234-abcd-50286e649d5c", secret[] = "c2VjcmV0";
    restsign_signer *v1 = NULL, *v2 = NULL, *polo = NULL;
    expect(restsign_signer_new_shared("mtgox-v1", key, strlen(key), secret, strlen(secret), path, &v1), RESTSIGN_OK,
           "new_shared(mtgox-v1)");
    /* MtGox API 1 and 2 with one key: one sequence, in one file. */
    expect(restsign_signer_new_shared("mtgox-v2", key, strlen(key), secret, strlen(secret), path, &v2), RESTSIGN_OK,
           "new_shared(mtgox-v2)");
    if (!v1 || !v2) return;
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "shared state file missing or not 0600");

    uint64_t last = 0, v = 0;
    for (int i = 0; i < 1000; i++) {
        expect(restsign_signer_next_nonce(i % 2 ? v1 : v2, &v), RESTSIGN_OK, "signer_next_nonce");
        CHECK(v > last, "shared signers: %llu after %llu", (unsigned long long)v, (unsigned long long)last);
        last = v;
    }
    CHECK(is_now(last, RESTSIGN_NONCE_UNIT_MICROS, 2), "mtgox nonce %llu is not now in microseconds",
          (unsigned long long)last);

    /* The request API draws from the same file. */
    restsign_request *req = NULL;
    expect(restsign_request_new(v2, "POST", "/api/2/BTCUSD/money/info", 24, &req), RESTSIGN_OK, "request_new");
    expect(restsign_request_sign(req), RESTSIGN_OK, "request_sign");
    CHECK(restsign_request_nonce(req, &v) == RESTSIGN_OK && v > last, "request nonce %llu, not above %llu",
          (unsigned long long)v, (unsigned long long)last);
    last = v;
    restsign_request_free(req);
    expect(restsign_signer_next_nonce(v1, &v), RESTSIGN_OK, "signer_next_nonce");
    CHECK(v > last, "after the request: %llu, not above %llu", (unsigned long long)v, (unsigned long long)last);
    restsign_signer_free(v1);
    restsign_signer_free(v2);

    /* Reopened by a new signer: goes on above. Another unit for the same key: refused. */
    expect(restsign_signer_new_shared("mtgox-v1", key, strlen(key), secret, strlen(secret), path, &v1), RESTSIGN_OK,
           "new_shared again");
    CHECK(v1 && restsign_signer_next_nonce(v1, &last) == RESTSIGN_OK && last > v, "reopened: %llu after %llu",
          (unsigned long long)last, (unsigned long long)v);
    restsign_signer_free(v1);
    polo = (restsign_signer *)&polo;
    expect(restsign_signer_new_shared("poloniex", key, strlen(key), "s", 1, path, &polo),
           RESTSIGN_ERR_NONCE_STATE_FOREIGN, "new_shared(poloniex: ms) on a microsecond file");
    CHECK(polo == NULL, "a failed new_shared left *out set");
    expect(restsign_signer_new_shared("nope", key, strlen(key), "s", 1, path, &polo), RESTSIGN_ERR_UNKNOWN_SCHEME,
           "new_shared(unknown scheme)");
    expect(restsign_signer_next_nonce(NULL, &v), RESTSIGN_ERR_NULL_HANDLE, "signer_next_nonce(NULL)");
}

/* ---- default units (SCHEMES.md: ms, but microtime for MtGox) ---- */

static void test_scheme_units(void) {
    static const struct {
        const char *scheme;
        int32_t unit;
    } want[] = {
        {"apiauth", RESTSIGN_NONCE_UNIT_MILLIS},  {"poloniex", RESTSIGN_NONCE_UNIT_MILLIS},
        {"mtgox-v1", RESTSIGN_NONCE_UNIT_MICROS}, {"mtgox-v2", RESTSIGN_NONCE_UNIT_MICROS},
        {"mtgox-stream", RESTSIGN_NONCE_UNIT_MICROS}, {"coinpayments", RESTSIGN_NONCE_UNIT_MILLIS},
        {"viabtc", RESTSIGN_NONCE_UNIT_MILLIS},
    };
    CHECK(restsign_scheme_count() >= ARRAY_LEN(want), "%zu schemes", restsign_scheme_count());
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        int32_t unit = -1;
        expect(restsign_scheme_nonce_unit(want[i].scheme, &unit), RESTSIGN_OK, want[i].scheme);
        CHECK(unit == want[i].unit, "%s: unit %d, want %d", want[i].scheme, unit, want[i].unit);
    }
    int32_t unit = 0;
    expect(restsign_scheme_nonce_unit("nope", &unit), RESTSIGN_ERR_UNKNOWN_SCHEME, "unit(nope)");
    expect(restsign_scheme_nonce_unit(NULL, &unit), RESTSIGN_ERR_NULL_ARGUMENT, "unit(NULL)");
    expect(restsign_scheme_nonce_unit("viabtc", NULL), RESTSIGN_ERR_NULL_ARGUMENT, "unit(viabtc, NULL)");
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

int main(void) {
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_scheme_units();
    test_memory();
    test_file();
    test_callback();
    test_shared_signers();
    test_fork(); /* before any thread is started: fork from a single-threaded process */
    test_threads();
    CHECK(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "removing %s", dir);
    return check_exit("test_nonce");
}
