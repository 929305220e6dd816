/*
 * The Redis calls from C against a real redis-server (started by the harness: tests/c/with-redis
 * for CTest, tests/c_suite.rs for cargo), whose URL is in RESTSIGN_TEST_REDIS_URL; a port with
 * nothing listening is in RESTSIGN_TEST_REDIS_DOWN_URL. Checked: argument errors, draws through two
 * handles of one key interleaved, a signer and the request builder drawing from Redis, the prefix,
 * Redis down as its own status, two verifiers sharing replay state, and strerror for 70 to 79.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "restsign.h"

#define KEY "c-test-key"
#define SECRET "c-test-secret"

static void arguments(const char *url) {
    restsign_nonce *n = (restsign_nonce *)1;
    CHECK(restsign_nonce_new_redis(url, strlen(url), KEY, strlen(KEY), RESTSIGN_NONCE_UNIT_MILLIS, NULL) ==
              RESTSIGN_ERR_NULL_ARGUMENT, "NULL out");
    CHECK(restsign_nonce_new_redis(NULL, 5, KEY, strlen(KEY), RESTSIGN_NONCE_UNIT_MILLIS, &n) ==
              RESTSIGN_ERR_NULL_WITH_LENGTH && n == NULL, "NULL url with a length; out cleared");
    CHECK(restsign_nonce_new_redis(url, strlen(url), KEY, strlen(KEY), 99, &n) == RESTSIGN_ERR_INVALID_UNIT, "unit");
    const char *tls = "rediss://127.0.0.1:6380/0";
    CHECK(restsign_nonce_new_redis(tls, strlen(tls), KEY, strlen(KEY), RESTSIGN_NONCE_UNIT_MILLIS, &n) ==
              RESTSIGN_ERR_REDIS_TLS_UNSUPPORTED, "rediss");
    const char *bad[] = {"http://127.0.0.1/", "redis://127.0.0.1:6379/x", "", "redis://\xff"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        restsign_status st = restsign_nonce_new_redis(bad[i], strlen(bad[i]), KEY, strlen(KEY), RESTSIGN_NONCE_UNIT_MILLIS, &n);
        CHECK(st == RESTSIGN_ERR_REDIS_URL, "bad URL %zu gave %d", i, st);
    }
    uint64_t v;
    CHECK(restsign_nonce_next(NULL, &v) == RESTSIGN_ERR_NULL_HANDLE, "NULL handle");
    restsign_verifier *ver = NULL;
    CHECK(restsign_verifier_set_replay_redis(NULL, url, strlen(url), NULL, 0) == RESTSIGN_ERR_NULL_HANDLE, "NULL verifier");
    CHECK(restsign_verifier_new("viabtc", KEY, strlen(KEY), SECRET, strlen(SECRET), &ver) == RESTSIGN_OK, "verifier");
    CHECK(restsign_verifier_set_replay_redis(ver, tls, strlen(tls), NULL, 0) == RESTSIGN_ERR_REDIS_TLS_UNSUPPORTED, "rediss");
    restsign_verifier_free(ver);
}

static void draws(const char *url) {
    restsign_nonce *a = NULL, *b = NULL;
    CHECK(restsign_nonce_new_redis(url, strlen(url), KEY, strlen(KEY), RESTSIGN_NONCE_UNIT_MICROS, &a) == RESTSIGN_OK, "a");
    CHECK(restsign_nonce_new_redis(url, strlen(url), KEY, strlen(KEY), RESTSIGN_NONCE_UNIT_MICROS, &b) == RESTSIGN_OK, "b");
    uint64_t last = 0;
    int increasing = 1;
    for (int i = 0; i < 2000; i++) {
        uint64_t v = 0;
        restsign_status st = restsign_nonce_next(i % 3 ? a : b, &v);
        if (st != RESTSIGN_OK || v <= last) increasing = 0;
        last = v;
    }
    CHECK(increasing, "two handles on one key, interleaved: strictly increasing");

    /* A signer drawing from Redis; the request builder too. The source may be freed first. */
    restsign_signer *s = NULL;
    CHECK(restsign_signer_new_with_nonce("viabtc", KEY, strlen(KEY), SECRET, strlen(SECRET), a, &s) == RESTSIGN_OK, "signer");
    restsign_nonce_free(a);
    uint64_t from_signer = 0;
    CHECK(restsign_signer_next_nonce(s, &from_signer) == RESTSIGN_OK && from_signer > last, "signer draws from Redis");
    restsign_request *r = NULL;
    CHECK(restsign_request_new(s, "POST", "/v1/order", 9, &r) == RESTSIGN_OK, "request");
    CHECK(restsign_request_add_param(r, "a", 1, "1", 1) == RESTSIGN_OK, "param");
    CHECK(restsign_request_sign(r) == RESTSIGN_OK, "sign");
    uint64_t in_request = 0;
    CHECK(restsign_request_nonce(r, &in_request) == RESTSIGN_OK && in_request > from_signer, "request nonce from Redis");
    uint64_t from_b = 0;
    CHECK(restsign_nonce_next(b, &from_b) == RESTSIGN_OK && from_b > in_request, "the other handle goes on above");
    restsign_request_free(r);
    restsign_signer_free(s);
    restsign_nonce_free(b);

    /* Another prefix is another counter; the default one is not moved by it. */
    restsign_nonce *p = NULL;
    CHECK(restsign_nonce_new_redis_prefix(url, strlen(url), "desk2:", 6, KEY, strlen(KEY), RESTSIGN_NONCE_UNIT_SECONDS, &p) ==
              RESTSIGN_OK, "prefix");
    uint64_t sec = 0;
    CHECK(restsign_nonce_next(p, &sec) == RESTSIGN_OK && sec < from_b / 1000, "a separate counter, in seconds");
    /* The same key in another unit under the default prefix is refused, not mixed. */
    restsign_nonce *ms = NULL;
    CHECK(restsign_nonce_new_redis(url, strlen(url), KEY, strlen(KEY), RESTSIGN_NONCE_UNIT_MILLIS, &ms) == RESTSIGN_OK, "ms");
    CHECK(restsign_nonce_next(ms, &sec) == RESTSIGN_ERR_REDIS_UNIT_MISMATCH, "unit mismatch");
    restsign_nonce_free(ms);
    restsign_nonce_free(p);
}

static void down(const char *down_url) {
    restsign_nonce *n = NULL;
    CHECK(restsign_nonce_new_redis(down_url, strlen(down_url), KEY, strlen(KEY), RESTSIGN_NONCE_UNIT_MILLIS, &n) == RESTSIGN_OK,
          "only the URL is checked at creation");
    uint64_t v = 12345;
    restsign_status st = restsign_nonce_next(n, &v);
    CHECK(st == RESTSIGN_ERR_REDIS_UNAVAILABLE, "nothing listening: %d (%s)", st, restsign_strerror(st));
    CHECK(v == 12345, "no nonce written on failure");
    restsign_signer *s = NULL;
    CHECK(restsign_signer_new_with_nonce("viabtc", KEY, strlen(KEY), SECRET, strlen(SECRET), n, &s) == RESTSIGN_OK, "signer");
    restsign_request *r = NULL;
    CHECK(restsign_request_new(s, "POST", "/", 1, &r) == RESTSIGN_OK, "request");
    CHECK(restsign_request_sign(r) == RESTSIGN_ERR_REDIS_UNAVAILABLE, "signing fails loudly, no local fallback");
    restsign_request_free(r);
    restsign_signer_free(s);
    restsign_nonce_free(n);
}

static restsign_status check(restsign_verifier *v, const char *headers, const char *body) {
    return restsign_verifier_check(v, "POST", "/v1/order", 9, headers, strlen(headers), body, strlen(body), NULL);
}

static void replay(const char *url) {
    restsign_verifier *v1 = NULL, *v2 = NULL;
    CHECK(restsign_verifier_new("viabtc", KEY, strlen(KEY), SECRET, strlen(SECRET), &v1) == RESTSIGN_OK, "v1");
    CHECK(restsign_verifier_new("viabtc", KEY, strlen(KEY), SECRET, strlen(SECRET), &v2) == RESTSIGN_OK, "v2");
    CHECK(restsign_verifier_set_replay_redis(v1, url, strlen(url), "c-replay:", 9) == RESTSIGN_OK, "v1 in Redis");
    CHECK(restsign_verifier_set_replay_redis(v2, url, strlen(url), "c-replay:", 9) == RESTSIGN_OK, "v2 in Redis");

    restsign_signer *s = NULL;
    CHECK(restsign_signer_new("viabtc", KEY, strlen(KEY), SECRET, strlen(SECRET), &s) == RESTSIGN_OK, "signer");
    for (uint64_t nonce = 1700000000000; nonce < 1700000000010; nonce++) {
        restsign_request *r = NULL;
        CHECK(restsign_request_new(s, "POST", "/v1/order", 9, &r) == RESTSIGN_OK, "request");
        CHECK(restsign_request_add_param(r, "a", 1, "1", 1) == RESTSIGN_OK, "param");
        CHECK(restsign_request_sign_with_nonce(r, nonce) == RESTSIGN_OK, "sign");
        const char *h, *b;
        size_t hl, bl;
        CHECK(restsign_request_header_block(r, &h, &hl) == RESTSIGN_OK && restsign_request_body(r, &b, &bl) == RESTSIGN_OK, "views");
        restsign_verifier *first = nonce % 2 ? v1 : v2, *second = nonce % 2 ? v2 : v1;
        CHECK(check(first, h, b) == RESTSIGN_OK, "nonce %llu accepted once", (unsigned long long)nonce);
        CHECK(check(second, h, b) == RESTSIGN_ERR_STALE_NONCE, "and refused by the other verifier");
        restsign_request_free(r);
    }
    restsign_signer_free(s);
    restsign_verifier_free(v1);
    restsign_verifier_free(v2);
}

static void messages(void) {
    for (int code = 70; code <= 79; code++) {
        const char *text = restsign_strerror(code);
        CHECK(strcmp(text, restsign_strerror(1000)) != 0, "status %d has its own message", code);
        for (int other = 70; other < code; other++) CHECK(strcmp(text, restsign_strerror(other)) != 0, "%d vs %d", code, other);
    }
    CHECK(strstr(restsign_strerror(RESTSIGN_ERR_REDIS_TIMEOUT), "timeout") != NULL, "timeout message");
}

int main(void) {
    const char *url = getenv("RESTSIGN_TEST_REDIS_URL");
    const char *down_url = getenv("RESTSIGN_TEST_REDIS_DOWN_URL");
    if (url == NULL || down_url == NULL) {
        fprintf(stderr, "test_redis: RESTSIGN_TEST_REDIS_URL and RESTSIGN_TEST_REDIS_DOWN_URL must be set (tests/c/with-redis)\n");
        return EXIT_FAILURE;
    }
    arguments(url);
    draws(url);
    down(down_url);
    replay(url);
    messages();
    return check_exit("test_redis");
}
