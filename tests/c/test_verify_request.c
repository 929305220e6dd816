/*
 * The whole-request verifier from C (restsign_verifier_check_request): for Binance (timestamp and
 * signature parameter), Kraken (nonce, base64 secret), OKX (ISO timestamp, passphrase) and Upbit
 * (JWT), a request signed with restsign's request API at a fixed clock is accepted once, then
 * refused as a replay, with one body byte changed, with a header missing, and from a key the
 * verifier does not know; the passphrase, window and verdict accessors; NULL and empty arguments.
 *
 * The independent check is Kraken's published example (docs.kraken.com, "Authentication"): its
 * API-Sign is accepted as documented, and restsign's signer makes the same one. (The same value is
 * re-derived with Python's hmac/hashlib: see the comment at KRAKEN_DOC_SIGN.) The requests of the
 * other presets are signed here by restsign itself; that its signer is right for each exchange is
 * checked against ccxt elsewhere (tests/ccxt).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "restsign.h"

#define TEXT(s) (s), strlen(s)

/* The clock every request here is signed at (2023-11-14T22:13:20.000Z). */
#define SIGNED_AT_MS 1700000000000ULL
/* Wide enough for SIGNED_AT_MS to be inside it for decades. */
#define WIDE_WINDOW_MS (100ULL * 365 * 24 * 3600 * 1000)

/* Kraken's example: secret, nonce, path, body and API-Sign as published. Re-derived with
 *   python3 -c "import hmac,hashlib,base64; s=base64.b64decode('kQH5...Xg=='); n=b'1616492376594';
 *   b=b'nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25';
 *   print(base64.b64encode(hmac.new(s, b'/0/private/AddOrder'+hashlib.sha256(n+b).digest(),
 *   hashlib.sha512).digest()))"
 * which prints the same API-Sign. */
#define KRAKEN_DOC_SECRET "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
#define KRAKEN_DOC_NONCE 1616492376594ULL
#define KRAKEN_DOC_PATH "/0/private/AddOrder"
#define KRAKEN_DOC_BODY "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
#define KRAKEN_DOC_SIGN "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="

/* One preset as this test uses it. */
struct preset {
    const char *name;
    const char *key;
    const char *secret;
    const char *passphrase;     /* NULL: the recipe has none */
    const char *path;
    const char *signed_header;  /* a header the recipe reads, to leave out */
    restsign_status replay;     /* what the same request a second time gives */
    bool mismatched_part;       /* a changed body breaks a computed part, not the signature */
};

static const struct preset PRESETS[] = {
    {"binance", "binance-key-1", "binance-secret", NULL, "/api/v3/order", "X-MBX-APIKEY", RESTSIGN_ERR_REPLAYED,
     false},
    {"kraken", "kraken-key-1", KRAKEN_DOC_SECRET, NULL, "/0/private/AddOrder", "API-Sign", RESTSIGN_ERR_STALE_NONCE,
     false},
    {"okx", "okx-key-1", "okx-secret", "okx pass 1", "/api/v5/trade/order", "OK-ACCESS-TIMESTAMP",
     RESTSIGN_ERR_REPLAYED, false},
    /* Upbit signs the JWT; the body is covered by its query_hash claim, compared afterwards. */
    {"upbit", "upbit-key-1", "upbit-secret", NULL, "/v1/orders", "Authorization", RESTSIGN_ERR_REPLAYED, true},
};

/* A signed request as the server receives it. */
struct sent {
    char method[8];
    char target[256];
    size_t target_len;
    char headers[2048];
    size_t headers_len;
    char body[512];
    size_t body_len;
};

static bool same(const char *data, size_t len, const char *want) {
    return data && len == strlen(want) && memcmp(data, want, len) == 0;
}

/* Copies a borrowed view of `r` into `dst` (room for `cap`), NUL-terminated. */
static bool copy_view(restsign_status (*view)(const restsign_request *, const char **, size_t *),
                      const restsign_request *r, char *dst, size_t cap, size_t *len) {
    const char *data = NULL;
    if (view(r, &data, len) != RESTSIGN_OK || *len >= cap) return false;
    memcpy(dst, data, *len);
    dst[*len] = '\0';
    return true;
}

/* Signs `POST path` with `symbol=BTC-USDT&qty=1.5` for `key` at SIGNED_AT_MS + `nonce` (or at the
 * real clock when `now` is set), with `nonce` as Kraken's nonce and in Upbit's UUID: requests with
 * different nonces differ for every preset. */
static bool sign(const struct preset *p, const char *key, const char *passphrase, uint64_t nonce, bool now,
                 struct sent *out) {
    restsign_recipe *recipe = NULL;
    restsign_signer_options *o = NULL;
    restsign_signer *s = NULL;
    restsign_request *r = NULL;
    bool ok = restsign_recipe_preset(TEXT(p->name), &recipe) == RESTSIGN_OK && restsign_signer_options_new(&o) == RESTSIGN_OK;
    if (ok && passphrase) ok = restsign_signer_options_set_passphrase(o, TEXT(passphrase)) == RESTSIGN_OK;
    ok = ok && restsign_signer_new_recipe(recipe, TEXT(key), TEXT(p->secret), o, &s) == RESTSIGN_OK;
    ok = ok && restsign_request_new(s, "POST", TEXT(p->path), &r) == RESTSIGN_OK;
    ok = ok && restsign_request_add_param(r, TEXT("symbol"), TEXT("BTC-USDT")) == RESTSIGN_OK;
    ok = ok && restsign_request_add_param(r, TEXT("qty"), TEXT("1.5")) == RESTSIGN_OK;
    if (ok && !now) ok = restsign_request_set_time(r, SIGNED_AT_MS + nonce) == RESTSIGN_OK;
    if (ok && strcmp(p->name, "upbit") == 0) {
        char uuid[40];
        snprintf(uuid, sizeof uuid, "0f8e3c2a-1b2c-4d5e-8f90-%012llu", (unsigned long long)(nonce % 1000000000000ULL));
        ok = restsign_request_set_uuid(r, TEXT(uuid)) == RESTSIGN_OK;
    }
    ok = ok && restsign_request_sign_with_nonce(r, nonce) == RESTSIGN_OK;
    strcpy(out->method, "POST");
    ok = ok && copy_view(restsign_request_target, r, out->target, sizeof out->target, &out->target_len);
    ok = ok && copy_view(restsign_request_header_block, r, out->headers, sizeof out->headers, &out->headers_len);
    ok = ok && copy_view(restsign_request_body, r, out->body, sizeof out->body, &out->body_len);
    restsign_request_free(r);
    restsign_signer_free(s);
    restsign_signer_options_free(o);
    restsign_recipe_free(recipe);
    return ok;
}

static restsign_status check(const restsign_verifier *v, const struct sent *s, restsign_verdict *verdict) {
    return restsign_verifier_check_request(v, s->method, s->target, s->target_len, s->headers, s->headers_len,
                                           s->body, s->body_len, verdict);
}

/* A key store that knows no key: a verifier made with it starts with an empty table. */
static restsign_status knows_nothing(void *user_data, const char *key, size_t key_len, char *secret,
                                     size_t secret_cap, size_t *secret_len) {
    (void)user_data, (void)key, (void)key_len, (void)secret, (void)secret_cap, (void)secret_len;
    return RESTSIGN_ERR_UNKNOWN_KEY;
}

/* A verifier for `p` that knows its key (with its passphrase), with a window that takes
 * SIGNED_AT_MS in. restsign_verifier_new adds its key without a passphrase, which the core
 * refuses today for recipes that need one (RESTSIGN_ERR_INVALID_PASSPHRASE), so those start
 * from an empty table and add the key with restsign_verifier_add_key_passphrase. */
static restsign_verifier *verifier_for(const struct preset *p) {
    restsign_verifier *v = NULL;
    if (p->passphrase) {
        CHECK(restsign_verifier_new_lookup(p->name, knows_nothing, NULL, &v) == RESTSIGN_OK && v, "%s: verifier",
              p->name);
        CHECK(restsign_verifier_add_key_passphrase(v, TEXT(p->key), TEXT(p->secret), TEXT(p->passphrase)) == RESTSIGN_OK,
              "%s: add_key_passphrase", p->name);
    } else {
        CHECK(restsign_verifier_new(p->name, TEXT(p->key), TEXT(p->secret), &v) == RESTSIGN_OK && v, "%s: verifier",
              p->name);
    }
    CHECK(restsign_verifier_set_window_ms(v, WIDE_WINDOW_MS) == RESTSIGN_OK, "%s: set_window_ms", p->name);
    return v;
}

/* The verdict's text from `accessor` into `buf`, or "" with the accessor's status in `*status`. */
static const char *verdict_text(restsign_status (*accessor)(const restsign_verdict *, char *, size_t, size_t *),
                                const restsign_verdict *verdict, char *buf, size_t cap, restsign_status *status) {
    size_t len = 0;
    *status = accessor(verdict, buf, cap, &len);
    if (*status != RESTSIGN_OK) buf[0] = '\0';
    return buf;
}

/* Leaves the header line `name: ...` out of `s`'s header block. */
static bool drop_header(struct sent *s, const char *name) {
    size_t n = strlen(name);
    char *line = s->headers;
    while (*line) {
        char *end = strchr(line, '\n');
        end = end ? end + 1 : line + strlen(line);
        if (strncmp(line, name, n) == 0 && line[n] == ':') {
            memmove(line, end, strlen(end) + 1);
            s->headers_len = strlen(s->headers);
            return true;
        }
        line = end;
    }
    return false;
}

static void each_preset(const struct preset *p) {
    restsign_verifier *v = verifier_for(p);
    restsign_verdict *verdict = NULL;
    CHECK(restsign_verdict_new(&verdict) == RESTSIGN_OK && verdict, "verdict_new");
    char buf[1024];
    restsign_status st;

    /* Valid, then the same request again: a replay. */
    struct sent s;
    CHECK(sign(p, p->key, p->passphrase, 1000, false, &s), "%s: sign", p->name);
    st = check(v, &s, verdict);
    CHECK(st == RESTSIGN_OK, "%s: valid request: %d (%s) %s %s", p->name, st, restsign_verdict_reason(verdict), s.target,
          s.headers);
    CHECK(restsign_verdict_status(verdict) == st, "%s: the verdict records the status", p->name);
    CHECK(strcmp(verdict_text(restsign_verdict_key, verdict, buf, sizeof buf, &st), p->key) == 0 && st == RESTSIGN_OK,
          "%s: key %s", p->name, buf);
    verdict_text(restsign_verdict_part, verdict, buf, sizeof buf, &st);
    CHECK(st == RESTSIGN_ERR_NO_PART, "%s: a valid verdict names no part: %d", p->name, st);
    uint64_t nonce = 0;
    st = restsign_verdict_nonce(verdict, &nonce);
    if (p->replay == RESTSIGN_ERR_STALE_NONCE) {
        CHECK(st == RESTSIGN_OK && nonce == 1000, "%s: nonce %llu", p->name, (unsigned long long)nonce);
    } else {
        CHECK(st == RESTSIGN_ERR_NO_NONCE, "%s: a timestamp recipe accepts no nonce: %d", p->name, st);
    }
    st = check(v, &s, verdict);
    CHECK(st == p->replay, "%s: the same request again: %d, want %d", p->name, st, p->replay);
    CHECK(strcmp(restsign_strerror(st), restsign_strerror(9999)) != 0, "%s: status %d has a message of its own",
          p->name, st);

    /* One byte of the body changed (qty 1.5 becomes 1.6). */
    CHECK(sign(p, p->key, p->passphrase, 1001, false, &s), "%s: sign", p->name);
    char *qty = strstr(s.body, "1.5");
    CHECK(qty != NULL, "%s: body %s", p->name, s.body);
    if (qty) qty[2] = '6';
    st = check(v, &s, verdict);
    CHECK(st == RESTSIGN_ERR_BAD_SIGNATURE, "%s: changed body: %d (%s)", p->name, st, restsign_verdict_reason(verdict));
    verdict_text(restsign_verdict_expected_message, verdict, buf, sizeof buf, &st);
    CHECK(st == RESTSIGN_OK && buf[0] != '\0', "%s: expected message readable: %d", p->name, st);
    if (p->mismatched_part) {
        /* The JWT's signature is right; its query_hash claim is not the changed body's. */
        CHECK(strstr(verdict_text(restsign_verdict_part, verdict, buf, sizeof buf, &st), "query_hash") != NULL
                  && st == RESTSIGN_OK, "%s: part %s (%d)", p->name, buf, st);
        CHECK(strlen(verdict_text(restsign_verdict_expected_message, verdict, buf, sizeof buf, &st)) == 128,
              "%s: the expected query hash, SHA-512 hex: %s", p->name, buf);
        char received[1024];
        verdict_text(restsign_verdict_received_signature, verdict, received, sizeof received, &st);
        CHECK(st == RESTSIGN_OK && strlen(received) == 128 && strcmp(received, buf) != 0,
              "%s: the query hash received: %s", p->name, received);
        verdict_text(restsign_verdict_expected_signature, verdict, buf, sizeof buf, &st);
        CHECK(st == RESTSIGN_ERR_NO_EXPECTED, "%s: the signature matched, none expected: %d", p->name, st);
    } else {
        char expected[512];
        verdict_text(restsign_verdict_expected_signature, verdict, expected, sizeof expected, &st);
        CHECK(st == RESTSIGN_OK && expected[0] != '\0', "%s: expected signature readable: %d", p->name, st);
        verdict_text(restsign_verdict_received_signature, verdict, buf, sizeof buf, &st);
        CHECK(st == RESTSIGN_OK && buf[0] != '\0' && strcmp(buf, expected) != 0,
              "%s: received signature %s, expected %s", p->name, buf, expected);
        verdict_text(restsign_verdict_part, verdict, buf, sizeof buf, &st);
        CHECK(st == RESTSIGN_ERR_NO_PART, "%s: a wrong signature names no part: %d", p->name, st);
        /* Put the byte back: the request is valid, and what was refused moved no replay state. */
        if (qty) qty[2] = '5';
        st = check(v, &s, verdict);
        CHECK(st == RESTSIGN_OK, "%s: the refused request, restored, is accepted: %d", p->name, st);
    }

    /* A header the recipe reads left out. */
    CHECK(sign(p, p->key, p->passphrase, 1002, false, &s), "%s: sign", p->name);
    CHECK(drop_header(&s, p->signed_header), "%s: no %s in %s", p->name, p->signed_header, s.headers);
    st = check(v, &s, verdict);
    CHECK(st == RESTSIGN_ERR_MALFORMED, "%s: missing %s: %d", p->name, p->signed_header, st);
    char want[128];
    snprintf(want, sizeof want, "header %s", p->signed_header);
    CHECK(strcmp(verdict_text(restsign_verdict_part, verdict, buf, sizeof buf, &st), want) == 0 && st == RESTSIGN_OK,
          "%s: part '%s', want '%s'", p->name, buf, want);
    CHECK(strstr(restsign_verdict_reason(verdict), "missing") != NULL, "%s: reason %s", p->name,
          restsign_verdict_reason(verdict));
    verdict_text(restsign_verdict_key, verdict, buf, sizeof buf, &st);
    CHECK(st == RESTSIGN_ERR_NO_KEY, "%s: a malformed request names no key: %d", p->name, st);

    /* A key the verifier does not know. */
    CHECK(sign(p, "stranger", p->passphrase, 1003, false, &s), "%s: sign", p->name);
    st = check(v, &s, verdict);
    CHECK(st == RESTSIGN_ERR_UNKNOWN_KEY, "%s: unknown key: %d", p->name, st);
    CHECK(strcmp(verdict_text(restsign_verdict_key, verdict, buf, sizeof buf, &st), "stranger") == 0, "%s: key %s",
          p->name, buf);

    /* The verdict may be NULL. */
    CHECK(sign(p, p->key, p->passphrase, 1004, false, &s), "%s: sign", p->name);
    CHECK(check(v, &s, NULL) == RESTSIGN_OK, "%s: no verdict handle", p->name);

    restsign_verdict_free(verdict);
    restsign_verifier_free(v);
}

/* Kraken's published request: accepted as documented, and restsign signs it the same way. */
static void kraken_published_example(void) {
    restsign_verifier *v = NULL;
    CHECK(restsign_verifier_new("kraken", TEXT("doc-key"), TEXT(KRAKEN_DOC_SECRET), &v) == RESTSIGN_OK, "verifier");
    restsign_verdict *verdict = NULL;
    CHECK(restsign_verdict_new(&verdict) == RESTSIGN_OK, "verdict_new");
    static const char headers[] = "Content-Type: application/x-www-form-urlencoded\r\n"
                                  "API-Key: doc-key\r\n"
                                  "API-Sign: " KRAKEN_DOC_SIGN "\r\n";
    restsign_status st = restsign_verifier_check_request(v, "POST", TEXT(KRAKEN_DOC_PATH), TEXT(headers),
                                                         TEXT(KRAKEN_DOC_BODY), verdict);
    CHECK(st == RESTSIGN_OK, "Kraken's published example: %d (%s)", st, restsign_verdict_reason(verdict));
    uint64_t nonce = 0;
    CHECK(restsign_verdict_nonce(verdict, &nonce) == RESTSIGN_OK && nonce == KRAKEN_DOC_NONCE, "nonce %llu",
          (unsigned long long)nonce);
    st = restsign_verifier_check_request(v, "POST", TEXT(KRAKEN_DOC_PATH), TEXT(headers), TEXT(KRAKEN_DOC_BODY),
                                         verdict);
    CHECK(st == RESTSIGN_ERR_STALE_NONCE, "sent twice: %d", st);

    /* Another secret: the published signature is refused, and the verdict shows both sides. */
    restsign_verifier *other = NULL;
    CHECK(restsign_verifier_new("kraken", TEXT("doc-key"), TEXT("c2VjcmV0LXNlY3JldC1zZWNyZXQ="), &other) == RESTSIGN_OK,
          "verifier");
    st = restsign_verifier_check_request(other, "POST", TEXT(KRAKEN_DOC_PATH), TEXT(headers), TEXT(KRAKEN_DOC_BODY),
                                         verdict);
    CHECK(st == RESTSIGN_ERR_BAD_SIGNATURE, "another secret: %d", st);
    char buf[256];
    size_t len = 0;
    CHECK(restsign_verdict_received_signature(verdict, buf, sizeof buf, &len) == RESTSIGN_OK
              && same(buf, len, KRAKEN_DOC_SIGN), "received %s", buf);
    /* Kraken signs the path and the binary SHA-256 of nonce + body: 19 + 32 bytes. */
    CHECK(restsign_verdict_expected_message(verdict, buf, sizeof buf, &len) == RESTSIGN_OK && len == 19 + 32
              && memcmp(buf, KRAKEN_DOC_PATH, 19) == 0, "expected message of %zu bytes", len);
    restsign_verifier_free(other);

    /* restsign's own signer, given the same body and nonce, writes the published API-Sign. */
    restsign_signer *s = NULL;
    restsign_request *r = NULL;
    CHECK(restsign_signer_new("kraken", TEXT("doc-key"), TEXT(KRAKEN_DOC_SECRET), &s) == RESTSIGN_OK, "signer");
    CHECK(restsign_request_new(s, "POST", TEXT(KRAKEN_DOC_PATH), &r) == RESTSIGN_OK, "request");
    CHECK(restsign_request_set_body(r, TEXT(KRAKEN_DOC_BODY)) == RESTSIGN_OK, "body");
    CHECK(restsign_request_sign_with_nonce(r, KRAKEN_DOC_NONCE) == RESTSIGN_OK, "sign");
    const char *sig = NULL;
    CHECK(restsign_request_signature(r, &sig, &len) == RESTSIGN_OK && same(sig, len, KRAKEN_DOC_SIGN),
          "restsign's API-Sign %.*s", (int)len, sig ? sig : "");
    restsign_request_free(r);
    restsign_signer_free(s);
    restsign_verdict_free(verdict);
    restsign_verifier_free(v);
}

/* OKX with the key's passphrase: another passphrase is refused, as a mismatched part. */
static void okx_passphrase(void) {
    const struct preset *p = &PRESETS[2];
    restsign_verifier *v = verifier_for(p);
    restsign_verdict *verdict = NULL;
    CHECK(restsign_verdict_new(&verdict) == RESTSIGN_OK, "verdict_new");
    struct sent s;
    CHECK(sign(p, p->key, "another pass", 1, false, &s), "sign");
    restsign_status st = check(v, &s, verdict);
    CHECK(st == RESTSIGN_ERR_BAD_SIGNATURE, "another passphrase: %d", st);
    char buf[128];
    size_t len = 0;
    CHECK(restsign_verdict_part(verdict, buf, sizeof buf, &len) == RESTSIGN_OK && same(buf, len, "passphrase"),
          "part %s", buf);
    CHECK(restsign_verdict_received_signature(verdict, buf, sizeof buf, &len) == RESTSIGN_OK
              && strstr(buf, "another pass") == NULL, "the request's passphrase is not given out: %s", buf);
    CHECK(restsign_verdict_expected_message(verdict, buf, sizeof buf, &len) == RESTSIGN_OK
              && strstr(buf, p->passphrase) == NULL, "the key's passphrase is not given out: %s", buf);
    /* The key's own passphrase, replaced: now "another pass" is the key's. */
    CHECK(restsign_verifier_add_key_passphrase(v, TEXT(p->key), TEXT(p->secret), TEXT("another pass")) == RESTSIGN_OK,
          "replace the passphrase");
    st = check(v, &s, verdict);
    CHECK(st == RESTSIGN_OK, "the replaced passphrase: %d", st);
    restsign_verdict_free(verdict);
    restsign_verifier_free(v);
}

/* The window: the recipe's own refuses a request signed in 2023; the real clock passes it. */
static void windows(void) {
    const struct preset *p = &PRESETS[0];
    restsign_verifier *v = NULL;
    CHECK(restsign_verifier_new(p->name, TEXT(p->key), TEXT(p->secret), &v) == RESTSIGN_OK, "verifier");
    struct sent s;
    CHECK(sign(p, p->key, NULL, 1, false, &s), "sign");
    restsign_status st = check(v, &s, NULL);
    CHECK(st == RESTSIGN_ERR_OUTSIDE_WINDOW, "signed in 2023, the recipe's window: %d", st);
    CHECK(strcmp(restsign_strerror(st), restsign_strerror(9999)) != 0, "OUTSIDE_WINDOW has a message of its own");
    CHECK(sign(p, p->key, NULL, 2, true, &s), "sign now");
    st = check(v, &s, NULL);
    CHECK(st == RESTSIGN_OK, "signed now: %d", st);
    CHECK(check(v, &s, NULL) == RESTSIGN_ERR_REPLAYED, "signed now, twice");
    /* A window of 0: only a request signed this very millisecond; one from 2023 is far out. */
    CHECK(restsign_verifier_set_window_ms(v, 0) == RESTSIGN_OK, "window 0");
    CHECK(sign(p, p->key, NULL, 3, false, &s), "sign");
    CHECK(check(v, &s, NULL) == RESTSIGN_ERR_OUTSIDE_WINDOW, "window 0");
    restsign_verifier_free(v);
}

/* NULL and empty arguments: a status, never a crash. */
static void null_and_empty_arguments(void) {
    const struct preset *p = &PRESETS[0];
    restsign_verifier *v = verifier_for(p);
    restsign_verdict *verdict = NULL;
    CHECK(restsign_verdict_new(&verdict) == RESTSIGN_OK, "verdict_new");
    struct sent s;
    CHECK(sign(p, p->key, NULL, 1, false, &s), "sign");
    char buf[64];
    size_t len = 7;

    /* A fresh verdict. */
    CHECK(restsign_verdict_part(verdict, buf, sizeof buf, &len) == RESTSIGN_ERR_NO_PART && len == 0, "fresh: part");
    CHECK(restsign_verdict_received_signature(verdict, buf, sizeof buf, &len) == RESTSIGN_ERR_NO_EXPECTED,
          "fresh: received signature");

    restsign_status st = restsign_verifier_check_request(NULL, "POST", s.target, s.target_len, s.headers,
                                                         s.headers_len, s.body, s.body_len, verdict);
    CHECK(st == RESTSIGN_ERR_NULL_HANDLE && restsign_verdict_status(verdict) == st, "NULL verifier: %d", st);
    st = restsign_verifier_check_request(v, NULL, s.target, s.target_len, s.headers, s.headers_len, s.body,
                                         s.body_len, verdict);
    CHECK(st == RESTSIGN_ERR_NULL_ARGUMENT, "NULL method: %d", st);
    st = restsign_verifier_check_request(v, "\xff", s.target, s.target_len, s.headers, s.headers_len, s.body,
                                         s.body_len, verdict);
    CHECK(st == RESTSIGN_ERR_INVALID_METHOD, "method not UTF-8: %d", st);
    st = restsign_verifier_check_request(v, "", s.target, s.target_len, s.headers, s.headers_len, s.body, s.body_len,
                                         verdict);
    CHECK(st == RESTSIGN_ERR_MALFORMED, "empty method: %d", st);
    st = restsign_verifier_check_request(v, "POST", NULL, 5, s.headers, s.headers_len, s.body, s.body_len, verdict);
    CHECK(st == RESTSIGN_ERR_NULL_WITH_LENGTH, "NULL target with a length: %d", st);
    st = restsign_verifier_check_request(v, "POST", s.target, s.target_len, NULL, 5, s.body, s.body_len, verdict);
    CHECK(st == RESTSIGN_ERR_NULL_WITH_LENGTH, "NULL headers with a length: %d", st);
    st = restsign_verifier_check_request(v, "POST", s.target, s.target_len, s.headers, s.headers_len, NULL, 5, verdict);
    CHECK(st == RESTSIGN_ERR_NULL_WITH_LENGTH && restsign_verdict_status(verdict) == st,
          "NULL body with a length: %d", st);
    CHECK(restsign_verdict_key(verdict, buf, sizeof buf, &len) == RESTSIGN_ERR_NO_KEY, "no key after an argument error");

    /* NULL with length 0 is empty: a verdict about the request, not an argument error. */
    struct sent other;
    CHECK(sign(p, p->key, NULL, 7, false, &other), "sign");
    st = restsign_verifier_check_request(v, "POST", NULL, 0, other.headers, other.headers_len, other.body,
                                         other.body_len, verdict);
    CHECK(st == RESTSIGN_OK, "no target: %d (Binance does not sign the path)", st);
    st = restsign_verifier_check_request(v, "POST", s.target, s.target_len, NULL, 0, s.body, s.body_len, verdict);
    CHECK(st == RESTSIGN_ERR_MALFORMED, "no headers: %d", st);
    CHECK(restsign_verdict_part(verdict, buf, sizeof buf, &len) == RESTSIGN_OK && same(buf, len, "header X-MBX-APIKEY"),
          "no headers: part %s", buf);
    st = restsign_verifier_check_request(v, "POST", s.target, s.target_len, s.headers, s.headers_len, NULL, 0, verdict);
    CHECK(st == RESTSIGN_ERR_MALFORMED, "no body (Binance's POST signature is in it): %d", st);
    CHECK(restsign_verdict_part(verdict, buf, sizeof buf, &len) == RESTSIGN_OK && same(buf, len, "parameter signature"),
          "no body: part %s", buf);
    st = restsign_verifier_check_request(v, "POST", NULL, 0, NULL, 0, NULL, 0, NULL);
    CHECK(st == RESTSIGN_ERR_MALFORMED, "nothing at all: %d", st);
    /* A header line without a colon: malformed as a whole, no part. */
    st = restsign_verifier_check_request(v, "POST", s.target, s.target_len, TEXT("X-MBX-APIKEY k\r\n"), s.body,
                                         s.body_len, verdict);
    CHECK(st == RESTSIGN_ERR_MALFORMED && restsign_verdict_part(verdict, buf, sizeof buf, &len) == RESTSIGN_ERR_NO_PART,
          "header line without a colon: %d", st);
    /* A header given twice. */
    char twice[2200];
    snprintf(twice, sizeof twice, "%sX-MBX-APIKEY: %s\r\n", s.headers, p->key);
    st = restsign_verifier_check_request(v, "POST", s.target, s.target_len, TEXT(twice), s.body, s.body_len, verdict);
    CHECK(st == RESTSIGN_ERR_MALFORMED, "the key header twice: %d", st);
    /* Nothing above moved the replay state: the request is still fresh. */
    CHECK(check(v, &s, verdict) == RESTSIGN_OK, "still valid after the refusals");

    /* The verdict accessors' buffers. */
    CHECK(restsign_verdict_key(verdict, NULL, 0, &len) == RESTSIGN_ERR_BUFFER_TOO_SMALL && len == strlen(p->key) + 1,
          "key size query: %zu", len);
    CHECK(sign(p, p->key, NULL, 2, false, &s), "sign");
    CHECK(restsign_verifier_check_request(v, "POST", s.target, s.target_len, NULL, 0, s.body, s.body_len, verdict)
              == RESTSIGN_ERR_MALFORMED, "no headers");
    CHECK(restsign_verdict_part(verdict, NULL, 0, &len) == RESTSIGN_ERR_BUFFER_TOO_SMALL
              && len == strlen("header X-MBX-APIKEY") + 1, "part size query: %zu", len);
    CHECK(restsign_verdict_part(verdict, buf, 5, &len) == RESTSIGN_ERR_BUFFER_TOO_SMALL
              && len == strlen("header X-MBX-APIKEY") + 1, "part too small: %zu", len);
    CHECK(restsign_verdict_part(verdict, NULL, 5, &len) == RESTSIGN_ERR_NULL_WITH_LENGTH, "part: NULL with a capacity");
    CHECK(restsign_verdict_part(verdict, buf, sizeof buf, NULL) == RESTSIGN_ERR_NULL_ARGUMENT, "part: NULL out_len");
    CHECK(restsign_verdict_part(NULL, buf, sizeof buf, &len) == RESTSIGN_ERR_NULL_HANDLE, "part: NULL verdict");
    CHECK(restsign_verdict_received_signature(NULL, buf, sizeof buf, &len) == RESTSIGN_ERR_NULL_HANDLE,
          "received: NULL verdict");
    CHECK(restsign_verdict_received_signature(verdict, buf, sizeof buf, &len) == RESTSIGN_ERR_NO_EXPECTED,
          "received: a malformed verdict");
    CHECK(strcmp(restsign_strerror(RESTSIGN_ERR_NO_PART), restsign_strerror(9999)) != 0, "NO_PART has a message");
    CHECK(strcmp(restsign_strerror(RESTSIGN_ERR_REPLAYED), restsign_strerror(9999)) != 0, "REPLAYED has a message");

    /* add_key_passphrase and set_window_ms. */
    CHECK(restsign_verifier_add_key_passphrase(NULL, TEXT("k"), TEXT("s"), TEXT("p")) == RESTSIGN_ERR_NULL_HANDLE,
          "add_key_passphrase: NULL verifier");
    CHECK(restsign_verifier_add_key_passphrase(v, NULL, 1, TEXT("s"), TEXT("p")) == RESTSIGN_ERR_NULL_WITH_LENGTH,
          "add_key_passphrase: NULL key with a length");
    CHECK(restsign_verifier_add_key_passphrase(v, TEXT("k"), NULL, 1, TEXT("p")) == RESTSIGN_ERR_NULL_WITH_LENGTH,
          "add_key_passphrase: NULL secret with a length");
    CHECK(restsign_verifier_add_key_passphrase(v, TEXT("k"), TEXT("s"), NULL, 1) == RESTSIGN_ERR_NULL_WITH_LENGTH,
          "add_key_passphrase: NULL passphrase with a length");
    CHECK(restsign_verifier_add_key_passphrase(v, TEXT("k"), NULL, 0, NULL, 0) == RESTSIGN_ERR_EMPTY_SECRET,
          "add_key_passphrase: empty secret");
    CHECK(restsign_verifier_add_key_passphrase(v, TEXT("k"), TEXT("s"), NULL, 0) == RESTSIGN_OK,
          "add_key_passphrase: no passphrase, as add_key");
    CHECK(restsign_verifier_set_window_ms(NULL, 1) == RESTSIGN_ERR_NULL_HANDLE, "set_window_ms: NULL verifier");

    restsign_verifier *okx = NULL;
    CHECK(restsign_verifier_new_lookup("okx", knows_nothing, NULL, &okx) == RESTSIGN_OK, "okx verifier");
    CHECK(restsign_verifier_add_key_passphrase(okx, TEXT("k"), TEXT("s"), TEXT("a\nb")) == RESTSIGN_ERR_INVALID_PASSPHRASE,
          "a passphrase with a line break");
    restsign_verifier_free(okx);

    restsign_verdict_free(verdict);
    restsign_verifier_free(v);
}

int main(void) {
    for (size_t i = 0; i < sizeof PRESETS / sizeof PRESETS[0]; i++) each_preset(&PRESETS[i]);
    kraken_published_example();
    okx_passphrase();
    windows();
    null_and_empty_arguments();
    return check_exit("test_verify_request");
}
