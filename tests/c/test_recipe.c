/*
 * The recipe API from C: presets, recipes parsed from text (and their errors), signers made from a
 * recipe with options (passphrase, base URL, nonce source), requests with a fixed clock and UUID,
 * and every refusal with its own status. Expected signatures were computed with Python's hmac,
 * hashlib and base64 over the documented message (the commands are in the comments), never by
 * restsign.
 */
#include <restsign.h>
#include <string.h>

#include "check.h"

/* A KuCoin-style recipe: the passphrase travels as base64(HMAC(secret, passphrase)). */
static const char KUCOIN_LIKE[] =
    "name = \"kucoin-like\"\n"
    "hash = \"sha256\"\n"
    "base_url = \"https://api.example.com\"\n"
    "body = \"json\"\n"
    "message = \"{ts}{method}{path}{?query}{body}\"\n"
    "signature = \"base64\"\n"
    "values = { pass = [{ base64 = [{ hmac = \"{passphrase}\" }] }] }\n"
    "[headers]\n"
    "KC-API-KEY = \"{key}\"\n"
    "KC-API-SIGN = \"{signature}\"\n"
    "KC-API-TIMESTAMP = \"{ts}\"\n"
    "KC-API-PASSPHRASE = \"{pass}\"\n";

/* A recipe that signs a random UUID (Bitstamp-style), hex. */
static const char UUID_RECIPE[] =
    "name = \"uuid-like\"\n"
    "hash = \"sha256\"\n"
    "message = \"{uuid}{ts}\"\n"
    "headers = { X-Nonce = \"{uuid}\", X-Sign = \"{signature}\" }\n";

static int same(const char *a, size_t a_len, const char *b) {
    return a_len == strlen(b) && memcmp(a, b, a_len) == 0;
}

/* The value of header `name` in a signed request ("" if absent). */
static const char *header(const restsign_request *r, const char *name, size_t *len) {
    size_t count = 0, n = strlen(name);
    if (restsign_request_header_count(r, &count) != RESTSIGN_OK) return "";
    for (size_t i = 0; i < count; i++) {
        const char *line;
        size_t line_len;
        if (restsign_request_header(r, i, &line, &line_len) != RESTSIGN_OK) continue;
        if (line_len > n + 2 && memcmp(line, name, n) == 0 && line[n] == ':') {
            *len = line_len - n - 2;
            return line + n + 2;
        }
    }
    *len = 0;
    return "";
}

static restsign_recipe *parse(const char *text) {
    restsign_recipe *recipe = NULL;
    char err[256];
    size_t err_len = 99;
    restsign_status st = restsign_recipe_parse(text, strlen(text), &recipe, err, sizeof err, &err_len);
    CHECK(st == RESTSIGN_OK && recipe != NULL && err_len == 0, "parse: status %d: %s", st, st ? err : "");
    return recipe;
}

static void presets(void) {
    restsign_recipe *r = (restsign_recipe *)1;
    CHECK(restsign_recipe_preset("viabtc", 6, &r) == RESTSIGN_OK && r != NULL, "viabtc preset");
    CHECK(strcmp(restsign_recipe_name(r), "viabtc") == 0, "its name");
    restsign_recipe_free(r);
    r = (restsign_recipe *)1;
    CHECK(restsign_recipe_preset("no-such-exchange", 16, &r) == RESTSIGN_ERR_UNKNOWN_SCHEME && r == NULL, "unknown");
    CHECK(restsign_recipe_preset("viabtcX", 6, &r) == RESTSIGN_OK, "the name is the given bytes only");
    restsign_recipe_free(r);
    CHECK(restsign_recipe_preset(NULL, 3, &r) == RESTSIGN_ERR_NULL_WITH_LENGTH, "NULL name with a length");
    CHECK(restsign_recipe_preset("viabtc", 6, NULL) == RESTSIGN_ERR_NULL_ARGUMENT, "NULL out");
    CHECK(restsign_recipe_name(NULL) == NULL, "name of NULL");
    restsign_recipe_free(NULL);
    /* Every scheme listed is a preset. */
    for (size_t i = 0; i < restsign_scheme_count(); i++) {
        const char *name = restsign_scheme_name(i);
        CHECK(restsign_recipe_preset(name, strlen(name), &r) == RESTSIGN_OK, "preset %s", name);
        restsign_recipe_free(r);
    }
}

static void parse_errors(void) {
    static const char bad[] = "name = \"x\"\nhash = \"sha256\"\nmessage = \"{ts}{methd}\"\n"
                              "headers = { S = \"{signature}\" }\n";
    restsign_recipe *r = (restsign_recipe *)1;
    char err[200];
    size_t err_len = 0;
    restsign_status st = restsign_recipe_parse(bad, strlen(bad), &r, err, sizeof err, &err_len);
    CHECK(st == RESTSIGN_ERR_INVALID_RECIPE && r == NULL, "bad recipe: %d", st);
    CHECK(err_len > 0 && err[err_len] == '\0' && strlen(err) == err_len, "message NUL-terminated");
    CHECK(strstr(err, "line 3, column 16") && strstr(err, "{methd}") && strstr(err, "message"), "where and what: %s", err);
    /* A small buffer gets the start of the message, still terminated. */
    char small[8];
    st = restsign_recipe_parse(bad, strlen(bad), &r, small, sizeof small, &err_len);
    CHECK(st == RESTSIGN_ERR_INVALID_RECIPE && err_len == 7 && small[7] == '\0' && memcmp(small, "line 3,", 7) == 0,
          "cut message: %s", small);
    /* No buffer at all is fine. */
    CHECK(restsign_recipe_parse(bad, strlen(bad), &r, NULL, 0, NULL) == RESTSIGN_ERR_INVALID_RECIPE, "no buffer");
    CHECK(restsign_recipe_parse(bad, strlen(bad), &r, NULL, 5, &err_len) == RESTSIGN_ERR_NULL_WITH_LENGTH, "NULL buffer with a capacity");
    /* Not UTF-8, empty, NULL. */
    static const char latin1[] = "name = \"\xe9\"";
    CHECK(restsign_recipe_parse(latin1, strlen(latin1), &r, err, sizeof err, &err_len) == RESTSIGN_ERR_INVALID_RECIPE
              && strstr(err, "UTF-8"), "latin-1: %s", err);
    CHECK(restsign_recipe_parse("", 0, &r, err, sizeof err, &err_len) == RESTSIGN_ERR_INVALID_RECIPE, "empty: %s", err);
    CHECK(restsign_recipe_parse(NULL, 0, &r, err, sizeof err, &err_len) == RESTSIGN_ERR_INVALID_RECIPE, "NULL, 0");
    CHECK(restsign_recipe_parse(NULL, 4, &r, err, sizeof err, &err_len) == RESTSIGN_ERR_NULL_WITH_LENGTH, "NULL, 4");
    CHECK(restsign_recipe_parse(bad, strlen(bad), NULL, err, sizeof err, &err_len) == RESTSIGN_ERR_NULL_ARGUMENT, "NULL out");
}

static void passphrase_recipe(void) {
    restsign_recipe *recipe = parse(KUCOIN_LIKE);
    restsign_signer *s = (restsign_signer *)1;
    /* No passphrase: refused, with its own status. */
    CHECK(restsign_signer_new_recipe(recipe, "k", 1, "s3cr3t", 6, NULL, &s) == RESTSIGN_ERR_PASSPHRASE_MISSING && s == NULL,
          "missing passphrase");
    restsign_signer_options *o = NULL;
    CHECK(restsign_signer_options_new(&o) == RESTSIGN_OK && o, "options");
    CHECK(restsign_signer_options_set_passphrase(o, "a\nb", 3) == RESTSIGN_OK, "set (checked when used)");
    CHECK(restsign_signer_new_recipe(recipe, "k", 1, "s3cr3t", 6, o, &s) == RESTSIGN_ERR_INVALID_PASSPHRASE, "LF in passphrase");
    CHECK(restsign_signer_options_set_base_url(o, "https://a.example/x", 19) == RESTSIGN_OK, "set base URL");
    CHECK(restsign_signer_options_set_passphrase(o, "my pass", 7) == RESTSIGN_OK, "passphrase");
    CHECK(restsign_signer_new_recipe(recipe, "k", 1, "s3cr3t", 6, o, &s) == RESTSIGN_ERR_INVALID_BASE_URL, "URL with a path");
    CHECK(restsign_signer_options_set_base_url(o, "http://127.0.0.1:9", 18) == RESTSIGN_OK, "base URL");
    CHECK(restsign_signer_new_recipe(recipe, "k", 1, "s3cr3t", 6, o, &s) == RESTSIGN_OK && s, "signer");
    restsign_signer_options_free(o);
    restsign_recipe_free(recipe); /* the signer keeps its own reference */

    /* The low-level call cannot sign a timestamp it does not know. */
    char buf[200];
    size_t len = 0;
    CHECK(restsign_signer_sign_into(s, "GET", "/x", 2, "", 0, 0, buf, sizeof buf, &len) == RESTSIGN_ERR_NEEDS_REQUEST,
          "sign_into on a clock recipe");

    restsign_request *r = NULL;
    CHECK(restsign_request_new(s, "GET", "/api/v1/accounts", 16, &r) == RESTSIGN_OK, "request");
    CHECK(restsign_request_add_param(r, "currency", 8, "BTC", 3) == RESTSIGN_OK, "param");
    CHECK(restsign_request_add_param(r, "type", 4, "main", 4) == RESTSIGN_OK, "param");
    CHECK(restsign_request_set_time(r, 1700000000456ULL) == RESTSIGN_OK, "time");
    CHECK(restsign_request_sign(r) == RESTSIGN_OK, "sign");
    const char *data;
    CHECK(restsign_request_url(r, &data, &len) == RESTSIGN_OK
              && same(data, len, "http://127.0.0.1:9/api/v1/accounts?currency=BTC&type=main"), "url %s", data);
    /* python3 -c "import hmac,hashlib,base64; print(base64.b64encode(hmac.new(b's3cr3t',
     *   b'1700000000456GET/api/v1/accounts?currency=BTC&type=main', hashlib.sha256).digest()))" */
    const char *v = header(r, "KC-API-SIGN", &len);
    CHECK(same(v, len, "5sYW2JMkTWd6GoezYyUQiRgZfWiUXRZO9Vs5BkOCK+U="), "signature %.*s", (int)len, v);
    v = header(r, "KC-API-TIMESTAMP", &len);
    CHECK(same(v, len, "1700000000456"), "timestamp %.*s", (int)len, v);
    /* base64(HMAC-SHA256(b's3cr3t', b'my pass')) */
    v = header(r, "KC-API-PASSPHRASE", &len);
    CHECK(same(v, len, "ru9FuFaJCEyOqqhCQ6boVprSfRb0eUxOR0Wi7KYoVoI="), "passphrase %.*s", (int)len, v);
    restsign_request_free(r);

    /* POST: a JSON body, Content-Type sent. */
    CHECK(restsign_request_new(s, "POST", "/api/v1/orders", 14, &r) == RESTSIGN_OK, "request");
    CHECK(restsign_request_add_param(r, "symbol", 6, "BTC-USDT", 8) == RESTSIGN_OK, "param");
    CHECK(restsign_request_add_param(r, "size", 4, "0.1 x", 5) == RESTSIGN_OK, "param");
    CHECK(restsign_request_set_time(r, 1700000000456ULL) == RESTSIGN_OK, "time");
    CHECK(restsign_request_sign_with_nonce(r, 5) == RESTSIGN_OK, "sign");
    CHECK(restsign_request_body(r, &data, &len) == RESTSIGN_OK && same(data, len, "{\"symbol\":\"BTC-USDT\",\"size\":\"0.1 x\"}"),
          "body %s", data);
    /* ... over b'1700000000456POST/api/v1/orders{"symbol":"BTC-USDT","size":"0.1 x"}' */
    v = header(r, "KC-API-SIGN", &len);
    CHECK(same(v, len, "GRVlzlD0VUR8gHMAvtIQuZcrZCywbOWx5HO1jj4j0AU="), "signature %.*s", (int)len, v);
    v = header(r, "Content-Type", &len);
    CHECK(same(v, len, "application/json"), "content type %.*s", (int)len, v);
    uint64_t nonce = 1;
    CHECK(restsign_request_nonce(r, &nonce) == RESTSIGN_ERR_NO_NONCE, "a clock recipe draws no nonce");
    /* A path a request line cannot carry. */
    restsign_request_free(r);
    CHECK(restsign_request_new(s, "GET", "/a b", 4, &r) == RESTSIGN_OK, "request");
    CHECK(restsign_request_sign(r) == RESTSIGN_ERR_INVALID_PATH, "space in the path");
    restsign_request_free(r);
    restsign_signer_free(s);
}

static void uuid_recipe(void) {
    restsign_recipe *recipe = parse(UUID_RECIPE);
    restsign_signer *s = NULL;
    CHECK(restsign_signer_new_recipe(recipe, "k", 1, "s3cr3t", 6, NULL, &s) == RESTSIGN_OK, "signer");
    restsign_request *r = NULL;
    CHECK(restsign_request_new(s, "GET", "/", 1, &r) == RESTSIGN_OK, "request");
    CHECK(restsign_request_set_uuid(r, "not-a-uuid", 10) == RESTSIGN_ERR_INVALID_UUID, "bad UUID");
    CHECK(restsign_request_set_uuid(r, "0F8E3C2A-1B2C-4D5E-8F90-A1B2C3D4E5F6", 36) == RESTSIGN_OK, "UUID (upper case)");
    CHECK(restsign_request_set_time(r, 1700000000456ULL) == RESTSIGN_OK, "time");
    CHECK(restsign_request_sign(r) == RESTSIGN_OK, "sign");
    size_t len;
    const char *v = header(r, "X-Nonce", &len);
    CHECK(same(v, len, "0f8e3c2a-1b2c-4d5e-8f90-a1b2c3d4e5f6"), "UUID sent in lower case: %.*s", (int)len, v);
    /* hmac.new(b's3cr3t', b'0f8e3c2a-1b2c-4d5e-8f90-a1b2c3d4e5f61700000000456', hashlib.sha256).hexdigest() */
    v = header(r, "X-Sign", &len);
    CHECK(same(v, len, "7402f052efb92f7a91986c61b07f231ad76dfd24bbbcb5ff7fa344266d9c91a3"), "signature %.*s", (int)len, v);
    /* Without a fixed UUID each signing draws a new one. */
    restsign_request_free(r);
    char first[40] = {0};
    for (int i = 0; i < 2; i++) {
        CHECK(restsign_request_new(s, "GET", "/", 1, &r) == RESTSIGN_OK && restsign_request_sign(r) == RESTSIGN_OK, "sign");
        v = header(r, "X-Nonce", &len);
        CHECK(len == 36 && v[14] == '4', "a version 4 UUID: %.*s", (int)len, v);
        if (i == 0) memcpy(first, v, len);
        else CHECK(memcmp(first, v, 36) != 0, "two draws differ");
        restsign_request_free(r);
    }
    restsign_signer_free(s);
    restsign_recipe_free(recipe);
}

static void header_injection_refused(void) {
    /* A header built from the decoded query could carry a line break: refused, not sent. */
    static const char text[] = "name = \"echo\"\nhash = \"sha256\"\nmessage = \"{query}\"\n"
                               "headers = { X-Echo = \"{query_raw}\", X-Sign = \"{signature}\" }\n";
    restsign_recipe *recipe = parse(text);
    restsign_signer *s = NULL;
    CHECK(restsign_signer_new_recipe(recipe, "k", 1, "s", 1, NULL, &s) == RESTSIGN_OK, "signer");
    restsign_request *r = NULL;
    CHECK(restsign_request_new(s, "GET", "/", 1, &r) == RESTSIGN_OK, "request");
    CHECK(restsign_request_add_param(r, "a", 1, "x\r\nEvil: 1", 11) == RESTSIGN_OK, "param");
    CHECK(restsign_request_sign(r) == RESTSIGN_ERR_INVALID_HEADER_VALUE, "CR LF in a header value");
    const char *data;
    size_t len;
    CHECK(restsign_request_url(r, &data, &len) == RESTSIGN_ERR_NOT_SIGNED, "nothing to read after a refusal");
    restsign_request_free(r);
    restsign_signer_free(s);
    restsign_recipe_free(recipe);
}

static void options_errors(void) {
    CHECK(restsign_signer_options_new(NULL) == RESTSIGN_ERR_NULL_ARGUMENT, "NULL out");
    CHECK(restsign_signer_options_set_passphrase(NULL, "p", 1) == RESTSIGN_ERR_NULL_HANDLE, "NULL options");
    CHECK(restsign_signer_options_set_nonce(NULL, NULL) == RESTSIGN_ERR_NULL_HANDLE, "NULL options");
    restsign_signer_options *o = NULL;
    CHECK(restsign_signer_options_new(&o) == RESTSIGN_OK, "options");
    CHECK(restsign_signer_options_set_passphrase(o, NULL, 2) == RESTSIGN_ERR_NULL_WITH_LENGTH, "NULL passphrase");
    CHECK(restsign_signer_options_set_base_url(o, "\xff", 1) == RESTSIGN_ERR_INVALID_BASE_URL, "not UTF-8");
    restsign_nonce *n = NULL;
    CHECK(restsign_nonce_new_memory(RESTSIGN_NONCE_UNIT_MILLIS, &n) == RESTSIGN_OK, "nonce");
    CHECK(restsign_signer_options_set_nonce(o, n) == RESTSIGN_OK, "set nonce");
    restsign_nonce_free(n); /* the options keep their reference */
    restsign_recipe *recipe = NULL;
    CHECK(restsign_recipe_preset("poloniex", 8, &recipe) == RESTSIGN_OK, "poloniex");
    restsign_signer *s = NULL;
    CHECK(restsign_signer_new_recipe(NULL, "k", 1, "s", 1, o, &s) == RESTSIGN_ERR_NULL_HANDLE, "NULL recipe");
    CHECK(restsign_signer_new_recipe(recipe, "k", 1, "s", 1, o, &s) == RESTSIGN_OK, "signer");
    uint64_t a = 0, b = 0;
    CHECK(restsign_signer_next_nonce(s, &a) == RESTSIGN_OK && restsign_signer_next_nonce(s, &b) == RESTSIGN_OK && b > a,
          "nonces from the options' source");
    restsign_signer_free(s);
    restsign_signer_options_free(o);
    restsign_signer_options_free(NULL);
    restsign_recipe_free(recipe);
    for (int st = 50; st <= 58; st++) {
        CHECK(strcmp(restsign_strerror(st), "unknown restsign status code") != 0, "status %d described", st);
    }
}

int main(void) {
    presets();
    parse_errors();
    passphrase_recipe();
    uuid_recipe();
    header_injection_refused();
    options_errors();
    return check_exit("test_recipe");
}
