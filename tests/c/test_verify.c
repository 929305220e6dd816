/*
 * The verifier from C with its keys behind a caller's lookup (restsign_verifier_new_lookup):
 * ViaBTC's published GET request accepted through it, unknown keys, a store that is down, a
 * secret that needs a second call, lookups that misbehave, the table found first, a lookup that
 * caches into the table from inside, four threads checking at once, and shared replay state.
 * Requests other than the published one are signed with restsign's signer: what is tested here
 * is the lookup and the replay bookkeeping, the HMAC itself is checked against Python and
 * OpenSSL elsewhere (crosscheck.py, test_api).
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "known_answers.h"
#include "restsign.h"

#define PATH "/res/openapi/v1/hashrate"
#define THREADS 4
#define PER_THREAD 500

/* A key store the way a server might have one: a few keys, and a switch to make it fail. */
struct entry {
    const char *key;
    const char *secret;
    size_t secret_len;
};

struct store {
    const struct entry *entries;
    size_t count;
    bool down;                     /* every lookup fails */
    int misbehave;                 /* see lookup() */
    atomic_int calls;              /* lookups made */
    atomic_size_t last_cap;        /* room offered on the last call */
    restsign_verifier *cache_into; /* when set, a found key is added to this verifier's table */
};

static restsign_status lookup(void *user_data, const char *key, size_t key_len, char *secret, size_t secret_cap,
                              size_t *secret_len) {
    struct store *s = user_data;
    atomic_fetch_add(&s->calls, 1);
    s->last_cap = secret_cap;
    if (s->down) return RESTSIGN_ERR_NONCE_STATE_IO; /* any status that is not one of the three */
    switch (s->misbehave) {
    case 1: /* claims to have written more than it had room for */
        *secret_len = secret_cap + 1;
        return RESTSIGN_OK;
    case 2: /* "too small" for ever */
        *secret_len = secret_cap + 1;
        return RESTSIGN_ERR_BUFFER_TOO_SMALL;
    case 3: /* "too small", but asks for no more room than it had */
        *secret_len = secret_cap;
        return RESTSIGN_ERR_BUFFER_TOO_SMALL;
    case 4: /* asks for more than restsign offers */
        *secret_len = 1024 * 1024;
        return RESTSIGN_ERR_BUFFER_TOO_SMALL;
    }
    for (size_t i = 0; i < s->count; i++) {
        const struct entry *e = &s->entries[i];
        if (strlen(e->key) != key_len || memcmp(e->key, key, key_len) != 0) continue;
        *secret_len = e->secret_len;
        if (e->secret_len > secret_cap) return RESTSIGN_ERR_BUFFER_TOO_SMALL;
        memcpy(secret, e->secret, e->secret_len);
        if (s->cache_into) {
            restsign_status added = restsign_verifier_add_key(s->cache_into, key, key_len, e->secret, e->secret_len);
            if (added != RESTSIGN_OK) return added;
        }
        return RESTSIGN_OK;
    }
    return RESTSIGN_ERR_UNKNOWN_KEY;
}

/* A ViaBTC GET request as the server receives it: header block and query string. */
struct request {
    char headers[512];
    char query[128];
};

/* Signs `coin=BTC&tonce=<nonce>` for `key` with restsign's signer. */
static bool sign_request(const char *key, const char *secret, size_t secret_len, uint64_t nonce, struct request *r) {
    restsign_signer *signer = NULL;
    if (restsign_signer_new("viabtc", key, strlen(key), secret, secret_len, &signer) != RESTSIGN_OK) return false;
    snprintf(r->query, sizeof r->query, "coin=BTC&tonce=%llu", (unsigned long long)nonce);
    size_t len = 0;
    restsign_status status = restsign_signer_headers_into(signer, "GET", PATH, strlen(PATH), r->query,
                                                          strlen(r->query), 0, r->headers, sizeof r->headers, &len);
    restsign_signer_free(signer);
    return status == RESTSIGN_OK;
}

static restsign_status check_request(const restsign_verifier *v, const struct request *r, restsign_verdict *verdict) {
    return restsign_verifier_check(v, "GET", PATH, strlen(PATH), r->headers, strlen(r->headers), r->query,
                                   strlen(r->query), verdict);
}

static restsign_status check_published(const restsign_verifier *v, const char *key, restsign_verdict *verdict) {
    const struct vector *p = &PUBLISHED[1];
    char headers[512];
    snprintf(headers, sizeof headers, "X-API-KEY: %s\r\nX-SIGNATURE: %s\r\n", key, p->signature);
    return restsign_verifier_check(v, p->method, p->path, strlen(p->path), headers, strlen(headers), p->payload,
                                   p->payload_len, verdict);
}

static const struct entry VIABTC_ENTRIES[] = {{VIABTC_KEY, TEXT(VIABTC_SECRET)}};

static void published_request_through_a_lookup(void) {
    const struct vector *p = &PUBLISHED[1];
    CHECK(strcmp(p->scheme, "viabtc") == 0 && strcmp(p->method, "GET") == 0, "PUBLISHED[1] is ViaBTC's GET example");
    struct store s = {.entries = VIABTC_ENTRIES, .count = 1};
    restsign_verifier *v = NULL;
    restsign_verdict *verdict = NULL;
    CHECK(restsign_verifier_new_lookup("viabtc", lookup, &s, &v) == RESTSIGN_OK && v != NULL, "new_lookup");
    CHECK(restsign_verdict_new(&verdict) == RESTSIGN_OK, "verdict_new");

    /* The store is down: no verdict about the request, and nothing recorded. */
    s.down = true;
    restsign_status status = check_published(v, VIABTC_KEY, verdict);
    CHECK(status == RESTSIGN_ERR_KEY_LOOKUP_FAILED, "store down: %d", status);
    CHECK(restsign_verdict_status(verdict) == RESTSIGN_ERR_KEY_LOOKUP_FAILED, "the verdict records the status");
    size_t len = 0;
    CHECK(restsign_verdict_key(verdict, NULL, 0, &len) == RESTSIGN_ERR_NO_KEY, "no key in a failed check");
    CHECK(strstr(restsign_strerror(RESTSIGN_ERR_KEY_LOOKUP_FAILED), "lookup") != NULL, "strerror: %s",
          restsign_strerror(RESTSIGN_ERR_KEY_LOOKUP_FAILED));

    s.down = false;
    status = check_published(v, VIABTC_KEY, verdict);
    CHECK(status == RESTSIGN_OK, "ViaBTC's published GET request through the lookup: %d (%s)", status,
          restsign_verdict_reason(verdict));
    uint64_t nonce = 0;
    CHECK(restsign_verdict_nonce(verdict, &nonce) == RESTSIGN_OK && nonce == p->nonce, "nonce %llu",
          (unsigned long long)nonce);
    CHECK(atomic_load(&s.last_cap) >= strlen(VIABTC_SECRET), "the first call offers room for an API secret: %zu",
          atomic_load(&s.last_cap));
    CHECK(check_published(v, VIABTC_KEY, verdict) == RESTSIGN_ERR_STALE_NONCE, "the same request again is a replay");
    CHECK(atomic_load(&s.calls) == 3, "one lookup per check of a key not in the table: %d", atomic_load(&s.calls));

    status = check_published(v, "stranger", verdict);
    CHECK(status == RESTSIGN_ERR_UNKNOWN_KEY, "unknown key: %d", status);
    char key[32];
    CHECK(restsign_verdict_key(verdict, key, sizeof key, &len) == RESTSIGN_OK && strcmp(key, "stranger") == 0,
          "the verdict names the unknown key");

    /* A key in the table is found there; the lookup is not asked. */
    int before = atomic_load(&s.calls);
    CHECK(restsign_verifier_add_key(v, TEXT("table-key"), TEXT("table-secret")) == RESTSIGN_OK, "add_key");
    struct request r;
    CHECK(sign_request("table-key", TEXT("table-secret"), 5, &r), "sign");
    CHECK(check_request(v, &r, verdict) == RESTSIGN_OK, "a table key on a lookup verifier");
    CHECK(atomic_load(&s.calls) == before, "the table is searched first");

    restsign_verdict_free(verdict);
    restsign_verifier_free(v);
}

static void long_secret_needs_a_second_call(void) {
    char long_secret[300];
    for (size_t i = 0; i < sizeof long_secret; i++) long_secret[i] = (char)('a' + i % 26);
    struct entry entries[] = {{"long-key", long_secret, sizeof long_secret}};
    struct store s = {.entries = entries, .count = 1};
    restsign_verifier *v = NULL;
    CHECK(restsign_verifier_new_lookup("viabtc", lookup, &s, &v) == RESTSIGN_OK, "new_lookup");
    struct request r;
    CHECK(sign_request("long-key", long_secret, sizeof long_secret, 7, &r), "sign");
    restsign_status status = check_request(v, &r, NULL);
    CHECK(status == RESTSIGN_OK, "a 300-byte secret: %d", status);
    CHECK(atomic_load(&s.calls) == 2 && atomic_load(&s.last_cap) == sizeof long_secret,
          "asked again with room for it: %d calls, %zu",
          atomic_load(&s.calls), atomic_load(&s.last_cap));
    restsign_verifier_free(v);
}

static void misbehaving_lookups_fail_cleanly(void) {
    for (int how = 1; how <= 4; how++) {
        struct store s = {.entries = VIABTC_ENTRIES, .count = 1, .misbehave = how};
        restsign_verifier *v = NULL;
        CHECK(restsign_verifier_new_lookup("viabtc", lookup, &s, &v) == RESTSIGN_OK, "new_lookup");
        restsign_status status = check_published(v, VIABTC_KEY, NULL);
        CHECK(status == RESTSIGN_ERR_KEY_LOOKUP_FAILED, "misbehaviour %d: %d", how, status);
        CHECK(atomic_load(&s.calls) <= 2, "misbehaviour %d: asked at most twice, %d", how, atomic_load(&s.calls));
        s.misbehave = 0;
        CHECK(check_published(v, VIABTC_KEY, NULL) == RESTSIGN_OK, "misbehaviour %d moved no state", how);
        restsign_verifier_free(v);
    }

    restsign_verifier *v = (restsign_verifier *)&v; /* not NULL: must be cleared */
    CHECK(restsign_verifier_new_lookup("viabtc", NULL, NULL, &v) == RESTSIGN_ERR_NULL_ARGUMENT && v == NULL,
          "a NULL lookup is refused and *out cleared");
    struct store s = {.entries = VIABTC_ENTRIES, .count = 1};
    CHECK(restsign_verifier_new_lookup("nope", lookup, &s, &v) == RESTSIGN_ERR_UNKNOWN_SCHEME && v == NULL,
          "unknown scheme");
    CHECK(restsign_verifier_new_lookup("viabtc", lookup, &s, NULL) == RESTSIGN_ERR_NULL_ARGUMENT, "NULL out");
    CHECK(atomic_load(&s.calls) == 0, "no lookups without checks");
}

static void a_lookup_may_cache_into_the_table(void) {
    struct store s = {.entries = VIABTC_ENTRIES, .count = 1};
    restsign_verifier *v = NULL;
    CHECK(restsign_verifier_new_lookup("viabtc", lookup, &s, &v) == RESTSIGN_OK, "new_lookup");
    s.cache_into = v; /* no restsign lock is held while the lookup runs, so this cannot deadlock */
    CHECK(check_published(v, VIABTC_KEY, NULL) == RESTSIGN_OK, "first check, key cached");
    CHECK(check_published(v, VIABTC_KEY, NULL) == RESTSIGN_ERR_STALE_NONCE, "second check from the table");
    CHECK(atomic_load(&s.calls) == 1, "the cached key is not looked up again: %d calls", atomic_load(&s.calls));
    restsign_verifier_free(v);
}

/* Four threads, each with its own key, check at once through one verifier and one lookup. */
static const struct entry THREAD_ENTRIES[THREADS] = {
    {"thread-key-0", TEXT("thread-secret-0")},
    {"thread-key-1", TEXT("thread-secret-1")},
    {"thread-key-2", TEXT("thread-secret-2")},
    {"thread-key-3", TEXT("thread-secret-3")},
};

struct worker {
    const restsign_verifier *v;
    int index;
    struct request *requests;
    int accepted, replays_refused;
};

static void *check_many(void *arg) {
    struct worker *w = arg;
    restsign_verdict *verdict = NULL;
    if (restsign_verdict_new(&verdict) != RESTSIGN_OK) return NULL;
    for (int i = 0; i < PER_THREAD; i++) w->accepted += check_request(w->v, &w->requests[i], verdict) == RESTSIGN_OK;
    for (int i = 0; i < PER_THREAD; i++)
        w->replays_refused += check_request(w->v, &w->requests[i], verdict) == RESTSIGN_ERR_STALE_NONCE;
    restsign_verdict_free(verdict);
    return NULL;
}

static void threads_check_through_one_lookup(void) {
    struct store s = {.entries = THREAD_ENTRIES, .count = THREADS};
    restsign_verifier *v = NULL;
    CHECK(restsign_verifier_new_lookup("viabtc", lookup, &s, &v) == RESTSIGN_OK, "new_lookup");
    struct request *requests = calloc(THREADS * PER_THREAD, sizeof *requests);
    CHECK(requests != NULL, "calloc");
    if (requests == NULL) return;
    struct worker w[THREADS];
    for (int t = 0; t < THREADS; t++) {
        w[t] = (struct worker){.v = v, .index = t, .requests = requests + t * PER_THREAD};
        for (int i = 0; i < PER_THREAD; i++) {
            const struct entry *e = &THREAD_ENTRIES[t];
            CHECK(sign_request(e->key, e->secret, e->secret_len, 1000 + (uint64_t)i, &w[t].requests[i]), "sign");
        }
    }
    pthread_t threads[THREADS];
    int started = 0;
    for (int t = 0; t < THREADS; t++) started += pthread_create(&threads[t], NULL, check_many, &w[t]) == 0;
    CHECK(started == THREADS, "pthread_create");
    for (int t = 0; t < started; t++) pthread_join(threads[t], NULL);
    for (int t = 0; t < THREADS; t++) {
        CHECK(w[t].accepted == PER_THREAD, "thread %d: %d of %d accepted", t, w[t].accepted, PER_THREAD);
        CHECK(w[t].replays_refused == PER_THREAD, "thread %d: %d of %d replays refused", t, w[t].replays_refused,
              PER_THREAD);
    }
    CHECK(atomic_load(&s.calls) == 2 * THREADS * PER_THREAD, "one lookup per check: %d", atomic_load(&s.calls));
    printf("test_verify: %d threads x %d checks through one lookup, then every replay refused\n", THREADS, PER_THREAD);
    free(requests);
    restsign_verifier_free(v);
}

static void shared_state_through_a_lookup(void) {
    char dir[] = "/tmp/restsign-test-verify-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    struct store s = {.entries = VIABTC_ENTRIES, .count = 1};
    restsign_verifier *a = NULL, *b = NULL;
    CHECK(restsign_verifier_new_lookup_shared("viabtc", lookup, &s, dir, &a) == RESTSIGN_OK, "a");
    CHECK(restsign_verifier_new_lookup_shared("viabtc", lookup, &s, dir, &b) == RESTSIGN_OK, "b");
    CHECK(check_published(a, VIABTC_KEY, NULL) == RESTSIGN_OK, "a accepts");
    CHECK(check_published(b, VIABTC_KEY, NULL) == RESTSIGN_ERR_STALE_NONCE, "b, on the same state, refuses");
    restsign_verifier_free(a);
    restsign_verifier_free(b);
    restsign_verifier *bad = NULL;
    restsign_status status = restsign_verifier_new_lookup_shared("viabtc", lookup, &s, "/proc/restsign-no/state", &bad);
    CHECK(status == RESTSIGN_ERR_NONCE_STATE_IO && bad == NULL, "an unusable state directory, at creation: %d", status);
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    CHECK(system(command) == 0, "%s", command);
}

int main(void) {
    published_request_through_a_lookup();
    long_secret_needs_a_second_call();
    misbehaving_lookups_fail_cleanly();
    a_lookup_may_cache_into_the_table();
    threads_check_through_one_lookup();
    shared_state_through_a_lookup();
    return check_exit("test_verify");
}
