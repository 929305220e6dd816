/*
 * The C API as a C caller sees it: published and independently computed known answers, the
 * caller-buffer contract of both writers, the header block of every scheme, and the small
 * helpers (strerror, version, scheme list, signature length).
 *
 * Expected signatures come from the seed documents or from Python's hmac/base64 (each checked
 * with `openssl dgst` too), never from restsign itself.
 */
#include "restsign.h"
#include "check.h"
#include "known_answers.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#define SENTINEL 0xA5
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static restsign_signer *new_signer(const struct vector *v) {
    restsign_signer *s = NULL;
    restsign_status st = restsign_signer_new(v->scheme, v->key, strlen(v->key), v->secret, strlen(v->secret), &s);
    CHECK(st == RESTSIGN_OK && s != NULL, "signer_new(%s) -> %d (%s)", v->scheme, st, restsign_strerror(st));
    return s;
}

/* sign_into and headers_into share one signature. */
typedef restsign_status (*writer_fn)(const restsign_signer *, const char *, const char *, size_t,
                                     const char *, size_t, uint64_t, char *, size_t, size_t *);

static restsign_status call(writer_fn fn, const restsign_signer *s, const struct vector *v, char *out,
                            size_t cap, size_t *out_len) {
    return fn(s, v->method, v->path, strlen(v->path), v->payload, v->payload_len, v->nonce, out, cap, out_len);
}

static int untouched(const char *buf, size_t from, size_t to) {
    for (size_t i = from; i < to; i++)
        if ((unsigned char)buf[i] != SENTINEL) return 0;
    return 1;
}

/*
 * The buffer contract, exactly: a size query, every too-small capacity near the boundary
 * (nothing written, needed size reported), the exact fit (text + NUL, nothing past it), and a
 * roomy buffer. Returns the text (malloc'd) for further checks, or NULL.
 */
static char *check_buffer_contract(const char *what, writer_fn fn, const restsign_signer *s,
                                   const struct vector *v) {
    size_t need = 12345;
    restsign_status st = call(fn, s, v, NULL, 0, &need);
    CHECK(st == RESTSIGN_ERR_BUFFER_TOO_SMALL, "%s %s: size query -> %d", what, v->scheme, st);
    if (st != RESTSIGN_ERR_BUFFER_TOO_SMALL || need < 2 || need == 12345) return NULL;

    size_t room = need + 32;
    char *buf = malloc(room);
    if (!buf) abort();

    /* Too small: 0, 1 and need-1 (one short), with a real buffer. */
    size_t small[] = {0, 1, need - 1};
    for (size_t i = 0; i < ARRAY_LEN(small); i++) {
        size_t len = 777;
        memset(buf, SENTINEL, room);
        st = call(fn, s, v, buf, small[i], &len);
        CHECK(st == RESTSIGN_ERR_BUFFER_TOO_SMALL, "%s %s: cap %zu of %zu -> %d", what, v->scheme, small[i], need, st);
        CHECK(len == need, "%s %s: cap %zu: *out_len %zu, want %zu", what, v->scheme, small[i], len, need);
        CHECK(untouched(buf, 0, room), "%s %s: cap %zu: the buffer was written", what, v->scheme, small[i]);
    }

    /* Exact fit: text, NUL, nothing beyond. */
    size_t len = 777;
    memset(buf, SENTINEL, room);
    st = call(fn, s, v, buf, need, &len);
    CHECK(st == RESTSIGN_OK, "%s %s: exact cap -> %d", what, v->scheme, st);
    CHECK(len == need - 1, "%s %s: exact cap: *out_len %zu, want %zu", what, v->scheme, len, need - 1);
    CHECK(buf[need - 1] == '\0', "%s %s: exact cap: no NUL at the end", what, v->scheme);
    CHECK(strlen(buf) == need - 1, "%s %s: exact cap: NUL inside the text", what, v->scheme);
    CHECK(untouched(buf, need, room), "%s %s: exact cap: bytes past the NUL written", what, v->scheme);

    /* Roomy: same text, nothing written past the NUL. */
    char *text = malloc(need);
    if (!text) abort();
    memcpy(text, buf, need);
    memset(buf, SENTINEL, room);
    st = call(fn, s, v, buf, room, &len);
    CHECK(st == RESTSIGN_OK && len == need - 1, "%s %s: roomy cap -> %d, len %zu", what, v->scheme, st, len);
    CHECK(memcmp(buf, text, need) == 0, "%s %s: roomy cap wrote different text", what, v->scheme);
    CHECK(untouched(buf, need, room), "%s %s: roomy cap: bytes past the NUL written", what, v->scheme);
    free(buf);
    return text;
}

/* Known answers through sign_into (with the full buffer contract) and signature_len. */
static void test_known_answers(const struct vector *vs, size_t n, const char *source) {
    for (size_t i = 0; i < n; i++) {
        const struct vector *v = &vs[i];
        restsign_signer *s = new_signer(v);
        if (!s) continue;
        char *sig = check_buffer_contract("sign_into", restsign_signer_sign_into, s, v);
        CHECK(sig && strcmp(sig, v->signature) == 0, "%s %s %s: got %s, want %s", source, v->scheme, v->method,
              sig ? sig : "(none)", v->signature);
        size_t len = 0;
        restsign_status st = restsign_signer_signature_len(s, v->payload_len, &len);
        CHECK(st == RESTSIGN_OK && len == strlen(v->signature), "%s %s: signature_len %zu (status %d), want %zu",
              source, v->scheme, len, st, strlen(v->signature));
        free(sig);
        restsign_signer_free(s);
    }
}

/* What a header line carries. */
enum role { KEY, NONCE, SIG, JSON_TYPE };
struct header_case {
    struct vector v;
    const char *signature; /* independently known value of the signature header, or NULL */
    size_t count;
    const char *names[4];
    enum role roles[4];
};

static const struct header_case HEADER_CASES[] = {
    {{"apiauth", "apiauth-demo-key", "apiauth-demo-secret", "GET", "/api/wallet/", TEXT("foo=bar&baz=quux"),
      1513746038205u, NULL},
     "6A77248729B606B9886298C0EF816D86886B699619C03314F64EDA94BC5E8AD0",
     3, {"Apiauth-Key", "Apiauth-Nonce", "Apiauth-Signature"}, {KEY, NONCE, SIG}},
    {{"apiauth", "k", "s", "POST", "/api/x/", TEXT(""), 9223372036854775807u, NULL},
     NULL, 3, {"Apiauth-Key", "Apiauth-Nonce", "Apiauth-Signature"}, {KEY, NONCE, SIG}},
    {{"poloniex", "POLO-DEMO-KEY", "poloniex-demo-secret", "POST", "", TEXT("command=returnBalances&nonce=1513746038205"),
      0, NULL},
     "2da5d97537e425607b1feabe1ac2d79229bad878bf96aabd30fbf6a4718cd323"
     "30fd67e68b93f1bf4393b61c94e0bacd782dc9869a376472938618cd35516411",
     2, {"Key", "Sign"}, {KEY, SIG}},
    {{"mtgox-v1", MTGOX_KEY, MTGOX_SECRET, "POST", "", TEXT("nonce=1366815234000000"), 0, NULL},
     "QDAFo7Bx2/3TaJggIU3TA3TJRds8dQUM00OeUcBnI2eyn0OoahnN/dFDlKM1NJasfEYXauapEfuGfJSWQRkmOw==",
     2, {"Rest-Key", "Rest-Sign"}, {KEY, SIG}},
    {{"mtgox-v2", MTGOX_KEY, MTGOX_SECRET, "POST", "BTCUSD/money/info", TEXT("nonce=1366815234000000"), 0, NULL},
     "XitPlBnuRGKUBekGNycEwgYeCVhD6+F7fDHc+D+LFpzXIEvBbzF2Mly8myYlZrtnBOlkY5DbEEhoA9bygJ0rAw==",
     2, {"Rest-Key", "Rest-Sign"}, {KEY, SIG}},
    {{"coinpayments", "your_api_public_key", "test", "POST", "",
      TEXT("currency=BTC&version=1&cmd=get_callback_address&key=your_api_public_key&format=json"), 0, NULL},
     "5590eac015e7692902e1a9cd5464f1d305a4b593d2f1343d826ac5affc5ac6f9"
     "60a5167284f9bf31295cba0e04df9d8f7087935b5344c468ccf2dd036e159102",
     1, {"HMAC"}, {SIG}},
    {{"viabtc", VIABTC_KEY, VIABTC_SECRET, "GET", "/res/openapi/v1/hashrate",
      TEXT("coin=BTC&amount=1.0&tonce=1513746038205"), 1513746038205u, NULL},
     "4a1c9e4c73629b62fd999cbbcd2bc8b87a07f1791ae61ba576427f820dd3bc59",
     2, {"X-API-KEY", "X-SIGNATURE"}, {KEY, SIG}},
    {{"viabtc", VIABTC_KEY, VIABTC_SECRET, "DELETE", "/res/openapi/v1/hashrate",
      TEXT("coin=BTC&amount=1.0&tonce=1513746038205"), 1513746038205u, NULL},
     "4a1c9e4c73629b62fd999cbbcd2bc8b87a07f1791ae61ba576427f820dd3bc59",
     2, {"X-API-KEY", "X-SIGNATURE"}, {KEY, SIG}},
    {{"viabtc", VIABTC_KEY, VIABTC_SECRET, "POST", "/res/openapi/v1/hashrate",
      TEXT("{\"coin\": \"BTC\", \"amount\": \"1.0\", tonce: 1513746038205}"), 1513746038205u, NULL},
     "2dd2cc09cb5b11c7f24d457b1c01e46f2f2b17f06a62bf29eda35b5fb45ce354",
     3, {"X-API-KEY", "X-SIGNATURE", "Content-Type"}, {KEY, SIG, JSON_TYPE}},
    {{"viabtc", VIABTC_KEY, VIABTC_SECRET, "PUT", "/res/openapi/v1/hashrate",
      TEXT("{\"coin\": \"BTC\", \"amount\": \"1.0\", tonce: 1513746038205}"), 1513746038205u, NULL},
     "2dd2cc09cb5b11c7f24d457b1c01e46f2f2b17f06a62bf29eda35b5fb45ce354",
     3, {"X-API-KEY", "X-SIGNATURE", "Content-Type"}, {KEY, SIG, JSON_TYPE}},
};

/*
 * The header block: exactly the expected `Name: value\r\n` lines in order (key, nonce,
 * signature, content type), each value right: the key as given, the nonce in decimal, the
 * signature equal to sign_into's text and to the independently known value.
 */
static void test_header_blocks(void) {
    for (size_t i = 0; i < ARRAY_LEN(HEADER_CASES); i++) {
        const struct header_case *c = &HEADER_CASES[i];
        const struct vector *v = &c->v;
        restsign_signer *s = new_signer(v);
        if (!s) continue;
        char *block = check_buffer_contract("headers_into", restsign_signer_headers_into, s, v);
        char sig[RESTSIGN_MAX_TAG_LEN + 1];
        size_t sig_len = 0;
        restsign_status st = call(restsign_signer_sign_into, s, v, sig, sizeof sig, &sig_len);
        CHECK(st == RESTSIGN_OK, "%s: sign_into -> %d", v->scheme, st);
        if (block && st == RESTSIGN_OK) {
            char nonce[24];
            snprintf(nonce, sizeof nonce, "%llu", (unsigned long long)v->nonce);
            const char *at = block;
            for (size_t k = 0; k < c->count; k++) {
                const char *want = c->roles[k] == KEY     ? v->key
                                   : c->roles[k] == NONCE ? nonce
                                   : c->roles[k] == SIG   ? sig
                                                          : "application/json";
                char line[512];
                int n = snprintf(line, sizeof line, "%s: %s\r\n", c->names[k], want);
                int ok = n > 0 && (size_t)n < sizeof line && strncmp(at, line, (size_t)n) == 0;
                CHECK(ok, "%s %s: header line %zu: want \"%s: %s\", block is \"%s\"", v->scheme, v->method, k,
                      c->names[k], want, block);
                if (!ok) break;
                at += n;
            }
            CHECK(*at == '\0', "%s %s: unexpected trailing text \"%s\"", v->scheme, v->method, at);
            if (c->signature)
                CHECK(strcmp(sig, c->signature) == 0, "%s %s: signature %s, want %s", v->scheme, v->method, sig,
                      c->signature);
        }
        free(block);
        restsign_signer_free(s);
    }
}

/* The stream scheme's output grows with the payload: the contract must hold for long text too. */
static void test_stream_contract_long(void) {
    static char payload[70001];
    for (size_t i = 0; i < sizeof payload; i++) payload[i] = (char)(i * 131 + 7);
    size_t lens[] = {0, 1, 2, 3, 64, 127, 128, 129, sizeof payload};
    for (size_t i = 0; i < ARRAY_LEN(lens); i++) {
        struct vector v = {"mtgox-stream", MTGOX_KEY, MTGOX_SECRET, "POST", "", payload, lens[i], 0, NULL};
        restsign_signer *s = new_signer(&v);
        if (!s) continue;
        char *text = check_buffer_contract("sign_into", restsign_signer_sign_into, s, &v);
        size_t want = (16 + 64 + lens[i] + 2) / 3 * 4, len = 0;
        CHECK(text && strlen(text) == want, "mtgox-stream payload %zu: text length %zu, want %zu", lens[i],
              text ? strlen(text) : 0, want);
        CHECK(restsign_signer_signature_len(s, lens[i], &len) == RESTSIGN_OK && len == want,
              "mtgox-stream payload %zu: signature_len %zu, want %zu", lens[i], len, want);
        free(text);
        restsign_signer_free(s);
    }
}

/* Signature text lengths per scheme, independent of the payload for the tag schemes. */
static void test_signature_len(void) {
    static const struct { const char *scheme, *key, *secret; size_t len; } cases[] = {
        {"apiauth", "k", "s", 64},        {"poloniex", "k", "s", 128},     {"mtgox-v1", "k", MTGOX_SECRET, 88},
        {"mtgox-v2", "k", MTGOX_SECRET, 88}, {"coinpayments", "k", "s", 128}, {"viabtc", "k", "s", 64},
    };
    CHECK(restsign_max_tag_len() == RESTSIGN_MAX_TAG_LEN && RESTSIGN_MAX_TAG_LEN == 128,
          "max tag len %zu / %d", restsign_max_tag_len(), RESTSIGN_MAX_TAG_LEN);
    size_t payloads[] = {0, 1, 1000000, SIZE_MAX / 4};
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct vector v = {cases[i].scheme, cases[i].key, cases[i].secret, "GET", "", "", 0, 0, NULL};
        restsign_signer *s = new_signer(&v);
        if (!s) continue;
        for (size_t p = 0; p < ARRAY_LEN(payloads); p++) {
            size_t len = 0;
            restsign_status st = restsign_signer_signature_len(s, payloads[p], &len);
            CHECK(st == RESTSIGN_OK && len == cases[i].len && len <= RESTSIGN_MAX_TAG_LEN,
                  "%s payload %zu: signature_len %zu (status %d), want %zu", cases[i].scheme, payloads[p], len, st,
                  cases[i].len);
        }
        restsign_signer_free(s);
    }
}

static void test_strerror(void) {
    const char *unknown = restsign_strerror(9999);
    CHECK(unknown && *unknown, "strerror(9999) is NULL or empty");
    if (!unknown) return;
    /* Every status the header defines (keep in step with include/restsign.h). */
    static const restsign_status codes[] = {
        RESTSIGN_OK, RESTSIGN_ERR_NULL_ARGUMENT, RESTSIGN_ERR_NULL_WITH_LENGTH, RESTSIGN_ERR_NULL_HANDLE,
        RESTSIGN_ERR_BUFFER_TOO_SMALL, RESTSIGN_ERR_UNKNOWN_SCHEME, RESTSIGN_ERR_EMPTY_SECRET,
        RESTSIGN_ERR_SECRET_NOT_BASE64, RESTSIGN_ERR_KEY_NOT_UUID, RESTSIGN_ERR_INVALID_KEY,
        RESTSIGN_ERR_INVALID_METHOD, RESTSIGN_ERR_NO_HEADERS, RESTSIGN_ERR_TOO_LONG, RESTSIGN_ERR_INTERNAL,
        RESTSIGN_ERR_NONCE_EXHAUSTED, RESTSIGN_ERR_NONCE_NOT_INCREASING, RESTSIGN_ERR_NONCE_STATE_TRUNCATED,
        RESTSIGN_ERR_NONCE_STATE_FOREIGN, RESTSIGN_ERR_NONCE_STATE_CORRUPT, RESTSIGN_ERR_NONCE_STATE_IO,
        RESTSIGN_ERR_NONCE_CALLBACK_FAILED, RESTSIGN_ERR_PARAMS_AND_BODY, RESTSIGN_ERR_JSON_NOT_OBJECT,
        RESTSIGN_ERR_JSON_NOT_UTF8, RESTSIGN_ERR_NOT_SIGNED, RESTSIGN_ERR_INVALID_UNIT,
        RESTSIGN_ERR_INDEX_OUT_OF_RANGE, RESTSIGN_ERR_NO_NONCE, RESTSIGN_ERR_NONCE_OUT_OF_RANGE,
        RESTSIGN_ERR_BAD_SIGNATURE, RESTSIGN_ERR_STALE_NONCE, RESTSIGN_ERR_MALFORMED, RESTSIGN_ERR_UNKNOWN_KEY,
        RESTSIGN_ERR_NO_EXPECTED, RESTSIGN_ERR_NO_KEY, RESTSIGN_ERR_NOT_CHECKED,
    };
    const char *known[ARRAY_LEN(codes)];
    for (size_t i = 0; i < ARRAY_LEN(codes); i++) {
        const char *m = restsign_strerror(codes[i]);
        known[i] = m;
        CHECK(m && *m, "strerror(%d) is NULL or empty", codes[i]);
        CHECK(m && strcmp(m, unknown) != 0, "strerror(%d) is the unknown-code text", codes[i]);
        for (size_t other = 0; other < i; other++)
            CHECK(m && known[other] && strcmp(m, known[other]) != 0, "strerror(%d) == strerror(%d)", codes[i],
                  codes[other]);
    }
    int32_t odd[] = {INT32_MIN, INT32_MIN + 1, -1, 1000, 9999, INT32_MAX};
    for (size_t i = 0; i < ARRAY_LEN(odd); i++) {
        const char *m = restsign_strerror(odd[i]);
        CHECK(m && *m && strcmp(m, unknown) == 0, "strerror(%ld): \"%s\"", (long)odd[i], m ? m : "(NULL)");
    }
    /* Random ints (fixed LCG, so a failure reproduces): never NULL. */
    uint32_t x = 12345;
    for (int i = 0; i < 10000; i++) {
        x = x * 1664525u + 1013904223u;
        int32_t code = (int32_t)x;
        const char *m = restsign_strerror(code);
        CHECK(m && *m, "strerror(%ld) is NULL or empty", (long)code);
    }
}

static void test_version(void) {
    const char *v = restsign_version();
    CHECK(v && *v, "version is NULL or empty");
    if (!v) return;
    unsigned major, minor, patch;
    char extra;
    CHECK(sscanf(v, "%u.%u.%u%c", &major, &minor, &patch, &extra) == 3, "version \"%s\" is not MAJOR.MINOR.PATCH", v);
#ifdef RESTSIGN_EXPECTED_VERSION
    CHECK(strcmp(v, RESTSIGN_EXPECTED_VERSION) == 0, "version \"%s\", Cargo.toml says \"%s\"", v,
          RESTSIGN_EXPECTED_VERSION);
#endif
}

static void test_scheme_list(void) {
    static const char *want[] = {"apiauth", "poloniex", "mtgox-v1", "mtgox-v2", "mtgox-stream", "coinpayments", "viabtc"};
    size_t n = restsign_scheme_count();
    /* The seed schemes, among the exchange presets. */
    CHECK(n >= ARRAY_LEN(want), "scheme_count %zu, want at least %zu", n, ARRAY_LEN(want));
    for (size_t w = 0; w < ARRAY_LEN(want); w++) {
        size_t seen = 0;
        for (size_t i = 0; i < n; i++) {
            const char *name = restsign_scheme_name(i);
            seen += name && strcmp(name, want[w]) == 0;
        }
        CHECK(seen == 1, "scheme %s listed %zu times", want[w], seen);
    }
    /* Every listed name is accepted by signer_new, or asks for the passphrase it needs. */
    for (size_t i = 0; i < n; i++) {
        const char *name = restsign_scheme_name(i);
        CHECK(name != NULL, "scheme_name(%zu) is NULL", i);
        if (!name) continue;
        restsign_signer *s = NULL;
        restsign_status st = restsign_signer_new(name, MTGOX_KEY, strlen(MTGOX_KEY), MTGOX_SECRET,
                                                 strlen(MTGOX_SECRET), &s);
        CHECK(st == RESTSIGN_OK || st == RESTSIGN_ERR_PASSPHRASE_MISSING, "signer_new(%s) -> %d (%s)", name,
              st, restsign_strerror(st));
        restsign_signer_free(s);
    }
    CHECK(restsign_scheme_name(n) == NULL, "scheme_name(count) is not NULL");
    CHECK(restsign_scheme_name(n + 1) == NULL, "scheme_name(count + 1) is not NULL");
    CHECK(restsign_scheme_name(SIZE_MAX) == NULL, "scheme_name(SIZE_MAX) is not NULL");
}

int main(void) {
    restsign_signer_free(NULL); /* a no-op */
    test_known_answers(PUBLISHED, ARRAY_LEN(PUBLISHED), "published");
    test_known_answers(INDEPENDENT, ARRAY_LEN(INDEPENDENT), "independent");
    test_header_blocks();
    test_stream_contract_long();
    test_signature_len();
    test_strerror();
    test_version();
    test_scheme_list();
    return check_exit("test_api");
}
