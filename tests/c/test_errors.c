/*
 * Bad input, one table row per case: each call must return the documented status with a real
 * message, leave *out NULL when no signer was made, and write nothing into the caller's buffer.
 * Run under valgrind too (no invalid access, no leak of any kind).
 */
#include "restsign.h"
#include "check.h"

#include <stdint.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define UUID "12345678-abcd-1234-abcd-50286e649d5c"
#define B64 "c2VjcmV0" /* base64("secret") */

static const char *const ALL_SCHEMES[] = {"apiauth", "poloniex", "mtgox-v1", "mtgox-v2",
                                          "mtgox-stream", "coinpayments", "viabtc"};
static const char *const TEXT_KEY_SCHEMES[] = {"apiauth", "poloniex", "mtgox-v1", "mtgox-v2",
                                               "coinpayments", "viabtc"};
static const char *const BASE64_SCHEMES[] = {"mtgox-v1", "mtgox-v2", "mtgox-stream"};

/* A key and secret each scheme accepts, so one argument at a time can be made bad. */
static const char *good_key(const char *scheme) { return strcmp(scheme, "mtgox-stream") == 0 ? UUID : "key"; }
static const char *good_secret(const char *scheme) { return strncmp(scheme, "mtgox", 5) == 0 ? B64 : "secret"; }

/* The message of a status a caller may see: present, and not the unknown-code text. */
static void check_message(restsign_status status, const char *what) {
    const char *m = restsign_strerror(status);
    CHECK(m && *m && strcmp(m, restsign_strerror(9999)) != 0, "%s: status %d has no message of its own", what,
          status);
}

/*
 * restsign_signer_new rows. scheme NULL in the row means every scheme in `schemes` (or, when that
 * is NULL too, a NULL scheme argument).
 */
struct new_row {
    const char *what;
    restsign_status want;
    const char *scheme;
    const char *const *schemes; /* run the row for each of these instead */
    size_t n_schemes;
    const char *key;
    size_t key_len;
    const char *secret;
    size_t secret_len;
    int null_out; /* pass NULL as the out-pointer */
    int good_key, good_secret; /* use the scheme's good key / secret instead */
};

#define EACH(list) .schemes = list, .n_schemes = ARRAY_LEN(list)

/* A literal and its length (it may hold NUL bytes). */
#define KEY(s) .key = s, .key_len = sizeof(s) - 1
#define SECRET(s) .secret = s, .secret_len = sizeof(s) - 1
#define GOOD .good_key = 1, .good_secret = 1
#define STREAM_KEY(s) .scheme = "mtgox-stream", KEY(s), SECRET(B64)

static const struct new_row NEW_ROWS[] = {
    /* Pointers. */
    {"NULL out-pointer", RESTSIGN_ERR_NULL_ARGUMENT, EACH(ALL_SCHEMES), GOOD, .null_out = 1},
    {"NULL scheme", RESTSIGN_ERR_NULL_ARGUMENT, .scheme = NULL, KEY("key"), SECRET("secret")},
    {"NULL key with length", RESTSIGN_ERR_NULL_WITH_LENGTH, EACH(ALL_SCHEMES), .key = NULL, .key_len = 5,
     .good_secret = 1},
    {"NULL secret with length", RESTSIGN_ERR_NULL_WITH_LENGTH, EACH(ALL_SCHEMES), .good_key = 1, .secret = NULL,
     .secret_len = 5},
    /* Scheme names: exact, NUL-terminated names only. */
    {"unknown scheme", RESTSIGN_ERR_UNKNOWN_SCHEME, .scheme = "nope", KEY("key"), SECRET("secret")},
    {"empty scheme name", RESTSIGN_ERR_UNKNOWN_SCHEME, .scheme = "", KEY("key"), SECRET("secret")},
    {"scheme name in other case", RESTSIGN_ERR_UNKNOWN_SCHEME, .scheme = "VIABTC", KEY("key"), SECRET("secret")},
    {"scheme name with a space", RESTSIGN_ERR_UNKNOWN_SCHEME, .scheme = "viabtc ", KEY("key"), SECRET("secret")},
    {"scheme name prefix", RESTSIGN_ERR_UNKNOWN_SCHEME, .scheme = "mtgox", KEY("key"), SECRET(B64)},
    {"scheme name not UTF-8", RESTSIGN_ERR_UNKNOWN_SCHEME, .scheme = "viabtc\xff", KEY("key"), SECRET("secret")},
    /* Secrets. */
    {"empty secret", RESTSIGN_ERR_EMPTY_SECRET, EACH(ALL_SCHEMES), .good_key = 1, SECRET("")},
    {"NULL secret, length 0", RESTSIGN_ERR_EMPTY_SECRET, EACH(ALL_SCHEMES), .good_key = 1, .secret = NULL},
    {"secret not base64 (punctuation)", RESTSIGN_ERR_SECRET_NOT_BASE64, EACH(BASE64_SCHEMES), .good_key = 1,
     SECRET("not base64!")},
    {"secret not base64 (missing padding)", RESTSIGN_ERR_SECRET_NOT_BASE64, EACH(BASE64_SCHEMES), .good_key = 1,
     SECRET("c2VjcmV0MQ")},
    {"secret not base64 (line break)", RESTSIGN_ERR_SECRET_NOT_BASE64, EACH(BASE64_SCHEMES), .good_key = 1,
     SECRET("c2Vj\ncmV0")},
    {"secret not base64 (trailing newline)", RESTSIGN_ERR_SECRET_NOT_BASE64, EACH(BASE64_SCHEMES), .good_key = 1,
     SECRET("c2VjcmV0\n")},
    {"secret not base64 (URL-safe alphabet)", RESTSIGN_ERR_SECRET_NOT_BASE64, EACH(BASE64_SCHEMES), .good_key = 1,
     SECRET("-_-_")},
    {"secret not base64 (padding inside)", RESTSIGN_ERR_SECRET_NOT_BASE64, EACH(BASE64_SCHEMES), .good_key = 1,
     SECRET("c2=jcmV0")},
    {"secret not base64 (NUL byte)", RESTSIGN_ERR_SECRET_NOT_BASE64, EACH(BASE64_SCHEMES), .good_key = 1,
     SECRET("c2Vj\0mV0")},
    {"secret not base64 (one symbol)", RESTSIGN_ERR_SECRET_NOT_BASE64, EACH(BASE64_SCHEMES), .good_key = 1,
     SECRET("c===")},
    /* Padding alone is the only non-empty text that could stand for zero bytes. */
    {"base64 secret of padding only", RESTSIGN_ERR_SECRET_NOT_BASE64, EACH(BASE64_SCHEMES), .good_key = 1,
     SECRET("====")},
    /* Keys of the text schemes. */
    {"empty key", RESTSIGN_ERR_INVALID_KEY, EACH(TEXT_KEY_SCHEMES), KEY(""), .good_secret = 1},
    {"NULL key, length 0", RESTSIGN_ERR_INVALID_KEY, EACH(TEXT_KEY_SCHEMES), .key = NULL, .good_secret = 1},
    {"key with CR LF", RESTSIGN_ERR_INVALID_KEY, EACH(TEXT_KEY_SCHEMES), KEY("key\r\nX-Evil: 1"), .good_secret = 1},
    {"key with LF", RESTSIGN_ERR_INVALID_KEY, EACH(TEXT_KEY_SCHEMES), KEY("key\n"), .good_secret = 1},
    {"key with NUL", RESTSIGN_ERR_INVALID_KEY, EACH(TEXT_KEY_SCHEMES), KEY("ke\0y"), .good_secret = 1},
    {"key with TAB", RESTSIGN_ERR_INVALID_KEY, EACH(TEXT_KEY_SCHEMES), KEY("ke\ty"), .good_secret = 1},
    {"key with DEL", RESTSIGN_ERR_INVALID_KEY, EACH(TEXT_KEY_SCHEMES), KEY("key\x7f"), .good_secret = 1},
    /* mtgox-stream keys: exactly 8-4-4-4-12 hex digits. */
    {"UUID key empty", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY("")},
    {"UUID key NULL, length 0", RESTSIGN_ERR_KEY_NOT_UUID, .scheme = "mtgox-stream", .key = NULL, SECRET(B64)},
    {"UUID key one digit short", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY("12345678-abcd-1234-abcd-50286e649d5")},
    {"UUID key one digit long", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY("12345678-abcd-1234-abcd-50286e649d5c0")},
    {"UUID key without dashes", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY("12345678abcd1234abcd50286e649d5c")},
    {"UUID key with a dash moved", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY("1234567-8abcd-1234-abcd-50286e649d5c")},
    {"UUID key with a non-hex letter", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY("12345678-abcd-1234-abcg-50286e649d5c")},
    {"UUID key with a sign", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY("+2345678-abcd-1234-abcd-50286e649d5c")},
    {"UUID key in braces", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY("{12345678-abcd-1234-abcd-50286e649d5c}")},
    {"UUID key as URN", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY("urn:uuid:12345678-abcd-1234-abcd-50286e649d5c")},
    {"UUID key with spaces", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY(" 2345678-abcd-1234-abcd-50286e649d5 ")},
    {"UUID key with a trailing newline", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY("12345678-abcd-1234-abcd-50286e649d5c\n")},
    {"UUID key with a NUL", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY("12345678-abcd-1234-abcd-50286e649d5\0")},
    {"UUID key with non-ASCII", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY("12345678-abcd-1234-abcd-50286e649d\xc3\xa9")},
    {"UUID key with dashes only", RESTSIGN_ERR_KEY_NOT_UUID, STREAM_KEY("------------------------------------")},
};

static void run_new_row(const struct new_row *r, const char *scheme) {
    const char *key = r->good_key ? good_key(scheme ? scheme : "") : r->key;
    size_t key_len = r->good_key ? strlen(key) : r->key_len;
    const char *secret = r->good_secret ? good_secret(scheme ? scheme : "") : r->secret;
    size_t secret_len = r->good_secret ? strlen(secret) : r->secret_len;

    /* A non-NULL value that must be overwritten with NULL on failure. */
    restsign_signer *s = (restsign_signer *)&s;
    restsign_status st = restsign_signer_new(scheme, key, key_len, secret, secret_len, r->null_out ? NULL : &s);
    CHECK(st == r->want, "signer_new, %s (%s): status %d (%s), want %d (%s)", r->what, scheme ? scheme : "NULL", st,
          restsign_strerror(st), r->want, restsign_strerror(r->want));
    if (!r->null_out) {
        CHECK(s == NULL, "signer_new, %s (%s): *out not NULL after failure", r->what, scheme ? scheme : "NULL");
        if (st == RESTSIGN_OK) restsign_signer_free(s);
    }
    check_message(st, r->what);
}

static void test_signer_new(void) {
    for (size_t i = 0; i < ARRAY_LEN(NEW_ROWS); i++) {
        const struct new_row *r = &NEW_ROWS[i];
        if (r->schemes)
            for (size_t k = 0; k < r->n_schemes; k++) run_new_row(r, r->schemes[k]);
        else
            run_new_row(r, r->scheme);
    }
}

/* Calls on a signer: which functions a row applies to. */
enum { SIGN = 1, HEADERS = 2, SIGLEN = 4 };

struct call_row {
    const char *what;
    restsign_status want;
    int calls;          /* SIGN | HEADERS | SIGLEN */
    const char *scheme; /* NULL: a NULL handle */
    const char *method;
    const char *path;
    size_t path_len;
    const char *payload;
    size_t payload_len;
    int out_null;   /* out = NULL (with out_cap below) */
    size_t out_cap; /* 0: the whole buffer */
    int out_len_null;
    size_t siglen_payload;
};

#define GOOD_REQUEST .method = "POST", BYTES_PATH("/p"), BYTES_PAYLOAD("nonce=1")
#define BYTES_PATH(s) .path = s, .path_len = sizeof(s) - 1
#define BYTES_PAYLOAD(s) .payload = s, .payload_len = sizeof(s) - 1

static const struct call_row CALL_ROWS[] = {
    {"NULL signer", RESTSIGN_ERR_NULL_HANDLE, SIGN | HEADERS | SIGLEN, NULL, GOOD_REQUEST},
    {"NULL out_len", RESTSIGN_ERR_NULL_ARGUMENT, SIGN | HEADERS | SIGLEN, "viabtc", GOOD_REQUEST, .out_len_null = 1},
    {"NULL method", RESTSIGN_ERR_NULL_ARGUMENT, SIGN | HEADERS, "viabtc", .method = NULL, BYTES_PAYLOAD("x")},
    {"empty method", RESTSIGN_ERR_INVALID_METHOD, SIGN | HEADERS, "viabtc", .method = "", BYTES_PAYLOAD("x")},
    {"method with a space", RESTSIGN_ERR_INVALID_METHOD, SIGN | HEADERS, "apiauth", .method = "GE T"},
    {"method with CR LF", RESTSIGN_ERR_INVALID_METHOD, SIGN | HEADERS, "viabtc", .method = "GET\r\n"},
    {"method with a colon", RESTSIGN_ERR_INVALID_METHOD, SIGN | HEADERS, "mtgox-v1", .method = "GET:"},
    {"method not ASCII", RESTSIGN_ERR_INVALID_METHOD, SIGN | HEADERS, "poloniex", .method = "G\xc3\x89T"},
    {"method not UTF-8", RESTSIGN_ERR_INVALID_METHOD, SIGN | HEADERS, "coinpayments", .method = "GET\xff"},
    {"method on a stream signer", RESTSIGN_ERR_INVALID_METHOD, SIGN, "mtgox-stream", .method = "P OST"},
    {"NULL path with length", RESTSIGN_ERR_NULL_WITH_LENGTH, SIGN | HEADERS, "mtgox-v2", .method = "POST",
     .path = NULL, .path_len = 3},
    {"NULL path with length (apiauth)", RESTSIGN_ERR_NULL_WITH_LENGTH, SIGN | HEADERS, "apiauth", .method = "GET",
     .path = NULL, .path_len = 1},
    {"NULL payload with length", RESTSIGN_ERR_NULL_WITH_LENGTH, SIGN | HEADERS, "viabtc", .method = "GET",
     .payload = NULL, .payload_len = 3},
    {"NULL payload with length (stream)", RESTSIGN_ERR_NULL_WITH_LENGTH, SIGN, "mtgox-stream", .method = "POST",
     .payload = NULL, .payload_len = 3},
    {"NULL out with capacity", RESTSIGN_ERR_NULL_WITH_LENGTH, SIGN | HEADERS, "poloniex", GOOD_REQUEST,
     .out_null = 1, .out_cap = 64},
    {"size query", RESTSIGN_ERR_BUFFER_TOO_SMALL, SIGN | HEADERS, "viabtc", GOOD_REQUEST, .out_null = 1},
    {"buffer of one byte", RESTSIGN_ERR_BUFFER_TOO_SMALL, SIGN | HEADERS, "mtgox-v1", GOOD_REQUEST, .out_cap = 1},
    {"headers of mtgox-stream", RESTSIGN_ERR_NO_HEADERS, HEADERS, "mtgox-stream", GOOD_REQUEST},
    {"headers of mtgox-stream, size query", RESTSIGN_ERR_NO_HEADERS, HEADERS, "mtgox-stream", GOOD_REQUEST,
     .out_null = 1},
    {"signature_len of a huge payload", RESTSIGN_ERR_TOO_LONG, SIGLEN, "mtgox-stream", .siglen_payload = SIZE_MAX},
    {"signature_len of a huge payload (tag scheme)", RESTSIGN_ERR_TOO_LONG, SIGLEN, "viabtc",
     .siglen_payload = SIZE_MAX},
};

typedef restsign_status (*writer_fn)(const restsign_signer *, const char *, const char *, size_t,
                                     const char *, size_t, uint64_t, char *, size_t, size_t *);

static void run_call_row(const struct call_row *r, int call, const restsign_signer *s) {
    const char *name = call == SIGN ? "sign_into" : call == HEADERS ? "headers_into" : "signature_len";
    enum { CAP = 512, SENTINEL = 0x5A };
    char buf[CAP];
    memset(buf, SENTINEL, sizeof buf);
    size_t len = 0;
    restsign_status st;
    if (call == SIGLEN) {
        st = restsign_signer_signature_len(s, r->siglen_payload, r->out_len_null ? NULL : &len);
    } else {
        writer_fn fn = call == SIGN ? restsign_signer_sign_into : restsign_signer_headers_into;
        size_t cap = r->out_cap ? r->out_cap : r->out_null ? 0 : CAP;
        st = fn(s, r->method, r->path, r->path_len, r->payload, r->payload_len, 1366815234000000u,
                r->out_null ? NULL : buf, cap, r->out_len_null ? NULL : &len);
    }
    CHECK(st == r->want, "%s, %s (%s): status %d (%s), want %d (%s)", name, r->what, r->scheme ? r->scheme : "NULL",
          st, restsign_strerror(st), r->want, restsign_strerror(r->want));
    size_t touched = 0;
    for (size_t i = 0; i < sizeof buf; i++) touched += (unsigned char)buf[i] != SENTINEL;
    CHECK(touched == 0, "%s, %s: %zu bytes of the buffer written on failure", name, r->what, touched);
    check_message(st, r->what);
}

static void test_calls(void) {
    for (size_t i = 0; i < ARRAY_LEN(CALL_ROWS); i++) {
        const struct call_row *r = &CALL_ROWS[i];
        restsign_signer *s = NULL;
        if (r->scheme) {
            const char *key = good_key(r->scheme), *secret = good_secret(r->scheme);
            restsign_status st = restsign_signer_new(r->scheme, key, strlen(key), secret, strlen(secret), &s);
            CHECK(st == RESTSIGN_OK, "%s: signer_new(%s) -> %d", r->what, r->scheme, st);
            if (st != RESTSIGN_OK) continue;
        }
        for (int call = SIGN; call <= SIGLEN; call <<= 1)
            if (r->calls & call) run_call_row(r, call, s);
        restsign_signer_free(s);
    }
}

int main(void) {
    test_signer_new();
    test_calls();
    return check_exit("test_errors");
}
