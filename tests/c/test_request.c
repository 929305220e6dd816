/*
 * The request API end to end, as a C caller uses it: parameters in, then every view of the signed
 * request (body, query, target, signature, header block, header lines, nonce).
 *
 * Checked here: payloads derived by hand from SCHEMES.md's form-encoding rule (order kept, nonce
 * last, '+' for space, %XX upper case) and its JSON rule, signatures against known answers that
 * restsign did not produce (tests/c/known_answers.h), and every error status (NULL handles and
 * out-pointers included). With `--dump PATH` every signed request is also written there as one
 * JSON object per line, for tests/request_crosscheck.py to re-derive with Python's hmac, base64,
 * urllib and json. Run under valgrind and the sanitizers too: the request keeps its signer alive.
 */
#include "restsign.h"
#include "check.h"
#include "known_answers.h"

#include <stdint.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static FILE *dump; /* --dump PATH, or NULL */
static size_t dumped;

/* One parameter; names and values may hold NUL bytes. */
struct param {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};
#define P(n, v) {n, sizeof(n) - 1, v, sizeof(v) - 1}

/* What a request carries besides its path: parameters, a raw body or a JSON object. */
enum kind { PARAMS, RAW, JSON };

struct request_case {
    const char *scheme, *key, *secret, *method, *path;
    enum kind kind;
    const struct param *params;
    size_t n_params;
    const char *body; /* RAW or JSON */
    size_t body_len;
};

static const char *key_for(const char *scheme) { return strcmp(scheme, "mtgox-stream") == 0 ? MTGOX_KEY : "key-1"; }
static const char *secret_for(const char *scheme) {
    return strncmp(scheme, "mtgox", 5) == 0 ? MTGOX_SECRET : "secret, with bytes: \x01\xff";
}

/* ---- JSON lines for the Python checker ---- */

static void put_hex(const char *bytes, size_t len) {
    fputc('"', dump);
    for (size_t i = 0; i < len; i++) fprintf(dump, "%02x", (unsigned char)bytes[i]);
    fputc('"', dump);
}

/* A JSON string of ASCII text (what restsign returns for signatures and header lines). */
static void put_text(const char *s, size_t len) {
    fputc('"', dump);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(dump, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f) fprintf(dump, "\\u%04x", c);
        else fputc(c, dump);
    }
    fputc('"', dump);
}

/* ---- reading the views ---- */

typedef restsign_status (*view_fn)(const restsign_request *, const char **, size_t *);

struct views {
    const char *body, *query, *target, *signature, *header_block;
    size_t body_len, query_len, target_len, signature_len, header_block_len;
    size_t header_count;
    int has_nonce;
    uint64_t nonce;
};

static const char *read_view(const restsign_request *req, view_fn fn, const char *name, size_t *len) {
    const char *data = NULL;
    *len = (size_t)-1;
    restsign_status st = fn(req, &data, len);
    CHECK(st == RESTSIGN_OK && data != NULL, "%s -> %d (%s)", name, st, restsign_strerror(st));
    if (st != RESTSIGN_OK || data == NULL) {
        *len = 0;
        return "";
    }
    CHECK(data[*len] == '\0', "%s is not NUL-terminated at its length %zu", name, *len);
    return data;
}

static int same(const char *a, size_t a_len, const char *b, size_t b_len) {
    return a_len == b_len && memcmp(a, b, a_len) == 0;
}

/*
 * Reads every view of a signed request, and checks what holds for every scheme: each header line
 * is one line, the block is the lines each followed by CR LF, the index past the end is refused.
 */
static struct views read_views(const restsign_request *req, const char *what) {
    struct views v;
    v.body = read_view(req, restsign_request_body, "body", &v.body_len);
    v.query = read_view(req, restsign_request_query, "query", &v.query_len);
    v.target = read_view(req, restsign_request_target, "target", &v.target_len);
    v.signature = read_view(req, restsign_request_signature, "signature", &v.signature_len);
    v.header_block = read_view(req, restsign_request_header_block, "header_block", &v.header_block_len);
    v.header_count = 0;
    restsign_status st = restsign_request_header_count(req, &v.header_count);
    CHECK(st == RESTSIGN_OK, "%s: header_count -> %d", what, st);

    size_t at = 0;
    for (size_t i = 0; i < v.header_count; i++) {
        const char *line = NULL;
        size_t len = 0;
        st = restsign_request_header(req, i, &line, &len);
        CHECK(st == RESTSIGN_OK && line != NULL, "%s: header %zu -> %d", what, i, st);
        if (st != RESTSIGN_OK || line == NULL) continue;
        CHECK(line[len] == '\0' && strlen(line) == len && !strchr(line, '\r') && !strchr(line, '\n'),
              "%s: header %zu is not one NUL-terminated line", what, i);
        CHECK(at + len + 2 <= v.header_block_len && memcmp(v.header_block + at, line, len) == 0 &&
                  memcmp(v.header_block + at + len, "\r\n", 2) == 0,
              "%s: header %zu (%s) is not line %zu of the block", what, i, line, i);
        at += len + 2;
    }
    CHECK(at == v.header_block_len, "%s: the block has more than its %zu lines", what, v.header_count);

    const char *line = "untouched";
    size_t len = 12345;
    st = restsign_request_header(req, v.header_count, &line, &len);
    CHECK(st == RESTSIGN_ERR_INDEX_OUT_OF_RANGE, "%s: header %zu of %zu -> %d", what, v.header_count,
          v.header_count, st);
    CHECK(strcmp(line, "untouched") == 0 && len == 12345, "%s: a refused index wrote its outputs", what);
    st = restsign_request_header(req, SIZE_MAX, &line, &len);
    CHECK(st == RESTSIGN_ERR_INDEX_OUT_OF_RANGE, "%s: header SIZE_MAX -> %d", what, st);

    v.nonce = 0;
    st = restsign_request_nonce(req, &v.nonce);
    CHECK(st == RESTSIGN_OK || st == RESTSIGN_ERR_NO_NONCE, "%s: nonce -> %d", what, st);
    v.has_nonce = st == RESTSIGN_OK;
    return v;
}

/* One JSON line: what went in and everything that came out. */
static void dump_request(const struct request_case *c, const struct views *v) {
    if (!dump) return;
    fprintf(dump, "{\"scheme\":\"%s\",\"method\":\"%s\",\"path\":", c->scheme, c->method);
    put_text(c->path, strlen(c->path));
    fputs(",\"key\":", dump);
    put_hex(c->key, strlen(c->key));
    fputs(",\"secret\":", dump);
    put_hex(c->secret, strlen(c->secret));
    if (c->kind == PARAMS) {
        fputs(",\"params\":[", dump);
        for (size_t i = 0; i < c->n_params; i++) {
            fputs(i ? ",[" : "[", dump);
            put_hex(c->params[i].name, c->params[i].name_len);
            fputc(',', dump);
            put_hex(c->params[i].value, c->params[i].value_len);
            fputc(']', dump);
        }
        fputc(']', dump);
    } else {
        fputs(c->kind == RAW ? ",\"raw\":" : ",\"json\":", dump);
        put_hex(c->body, c->body_len);
    }
    fputs(",\"query\":", dump);
    put_hex(v->query, v->query_len);
    fputs(",\"body\":", dump);
    put_hex(v->body, v->body_len);
    fputs(",\"target\":", dump);
    put_hex(v->target, v->target_len);
    fputs(",\"header_block\":", dump);
    put_hex(v->header_block, v->header_block_len);
    if (v->has_nonce) fprintf(dump, ",\"nonce\":%llu", (unsigned long long)v->nonce);
    else fputs(",\"nonce\":null", dump);
    fputs(",\"signature\":", dump);
    put_text(v->signature, v->signature_len);
    fputs(",\"headers\":[", dump);
    for (size_t i = 0, at = 0; i < v->header_count; i++) {
        const char *end = strstr(v->header_block + at, "\r\n");
        if (!end) break;
        fputs(i ? "," : "", dump);
        put_text(v->header_block + at, (size_t)(end - v->header_block - at));
        at = (size_t)(end - v->header_block) + 2;
    }
    fputs("]}\n", dump);
    dumped++;
}

/* ---- building and signing ---- */

static restsign_signer *new_signer(const char *scheme, const char *key, const char *secret) {
    restsign_signer *s = NULL;
    restsign_status st = restsign_signer_new(scheme, key, strlen(key), secret, strlen(secret), &s);
    CHECK(st == RESTSIGN_OK && s != NULL, "signer_new(%s) -> %d (%s)", scheme, st, restsign_strerror(st));
    return s;
}

/* A request of `c` for `signer`, not yet signed; NULL (after a failed CHECK) if it could not be built. */
static restsign_request *build(const restsign_signer *signer, const struct request_case *c) {
    restsign_request *req = NULL;
    restsign_status st = restsign_request_new(signer, c->method, c->path, strlen(c->path), &req);
    CHECK(st == RESTSIGN_OK && req != NULL, "%s %s %s: request_new -> %d", c->scheme, c->method, c->path, st);
    if (st != RESTSIGN_OK) return NULL;
    for (size_t i = 0; i < c->n_params; i++) {
        const struct param *p = &c->params[i];
        st = restsign_request_add_param(req, p->name, p->name_len, p->value, p->value_len);
        CHECK(st == RESTSIGN_OK, "%s: add_param %zu -> %d", c->scheme, i, st);
    }
    if (c->kind == RAW) {
        st = restsign_request_set_body(req, c->body, c->body_len);
        CHECK(st == RESTSIGN_OK, "%s: set_body -> %d", c->scheme, st);
    } else if (c->kind == JSON) {
        st = restsign_request_set_json(req, c->body, c->body_len);
        CHECK(st == RESTSIGN_OK, "%s: set_json -> %d", c->scheme, st);
    }
    return req;
}

/*
 * Builds, signs (with `nonce`, or drawing one when `nonce` is 0), reads every view, dumps them
 * and returns them; the views stay valid until *req_out is freed.
 */
static struct views sign_case(const struct request_case *c, uint64_t nonce, restsign_request **req_out) {
    struct views v;
    memset(&v, 0, sizeof v);
    v.body = v.query = v.target = v.signature = v.header_block = "";
    *req_out = NULL;
    restsign_signer *signer = new_signer(c->scheme, c->key, c->secret);
    restsign_request *req = signer ? build(signer, c) : NULL;
    restsign_signer_free(signer); /* the request keeps its own reference */
    if (!req) return v;
    restsign_status st = nonce ? restsign_request_sign_with_nonce(req, nonce) : restsign_request_sign(req);
    CHECK(st == RESTSIGN_OK, "%s %s %s: sign -> %d (%s)", c->scheme, c->method, c->path, st, restsign_strerror(st));
    if (st == RESTSIGN_OK) {
        v = read_views(req, c->scheme);
        dump_request(c, &v);
    }
    *req_out = req;
    return v;
}

#define EXPECT_VIEW(what, data, len, want)                                                                  \
    CHECK(same(data, len, want, sizeof(want) - 1), "%s: %s is \"%.*s\", want \"%s\"", what, #data, (int)(len), \
          data, want)

/* ---- known answers through the builder ---- */

static const struct vector *find_vector(const struct vector *vs, size_t n, const char *scheme, const char *method) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(vs[i].scheme, scheme) == 0 && strcmp(vs[i].method, method) == 0) return &vs[i];
    return NULL;
}

/*
 * Each row: the parameters (or raw body) whose payload, by SCHEMES.md's rules, is exactly the
 * known answer's payload; the builder must produce that payload, that signature and that nonce.
 */
static void test_known_answers(void) {
    static const struct param apiauth[] = {P("foo", "bar"), P("baz", "quux")};
    static const struct param poloniex[] = {P("command", "returnBalances")};
    static const struct param stream[] = {P("id", "1"), P("call", "private/info")};
    static const struct param viabtc_get[] = {P("coin", "BTC"), P("amount", "1.0")};
    static const struct {
        const struct vector *table;
        size_t n;
        const char *scheme, *method, *path;
        enum kind kind;
        const struct param *params;
        size_t n_params;
        uint64_t nonce; /* the one in the known payload or header (raw bodies: any) */
    } rows[] = {
        {INDEPENDENT, ARRAY_LEN(INDEPENDENT), "apiauth", "GET", "/api/wallet/", PARAMS, apiauth, 2, 1513746038205u},
        {INDEPENDENT, ARRAY_LEN(INDEPENDENT), "poloniex", "POST", "/tradingApi", PARAMS, poloniex, 1, 1513746038205u},
        {INDEPENDENT, ARRAY_LEN(INDEPENDENT), "mtgox-v1", "POST", "/api/1/generic/private/info", PARAMS, NULL, 0,
         1366815234000000u},
        {INDEPENDENT, ARRAY_LEN(INDEPENDENT), "mtgox-v2", "POST", "/api/2/BTCUSD/money/info", PARAMS, NULL, 0,
         1366815234000000u},
        {INDEPENDENT, ARRAY_LEN(INDEPENDENT), "mtgox-stream", "POST", "/", PARAMS, stream, 2, 1366815234000000u},
        {PUBLISHED, ARRAY_LEN(PUBLISHED), "viabtc", "GET", "/res/openapi/v1/hashrate", PARAMS, viabtc_get, 2,
         1513746038205u},
        /* Raw bodies: signed as given (the ViaBTC one is not even valid JSON); restsign drew no nonce. */
        {PUBLISHED, ARRAY_LEN(PUBLISHED), "viabtc", "POST", "/res/openapi/v1/hashrate", RAW, NULL, 0, 1},
        {PUBLISHED, ARRAY_LEN(PUBLISHED), "coinpayments", "POST", "/api.php", RAW, NULL, 0, 1},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        const struct vector *kv = find_vector(rows[i].table, rows[i].n, rows[i].scheme, rows[i].method);
        CHECK(kv != NULL, "no known answer for %s %s", rows[i].scheme, rows[i].method);
        if (!kv) continue;
        uint64_t nonce = rows[i].nonce;
        struct request_case c = {kv->scheme, kv->key, kv->secret, rows[i].method, rows[i].path, rows[i].kind,
                                 rows[i].params, rows[i].n_params, kv->payload, kv->payload_len};
        restsign_request *req;
        struct views v = sign_case(&c, nonce, &req);
        const char *payload = v.query_len ? v.query : v.body;
        size_t payload_len = v.query_len ? v.query_len : v.body_len;
        CHECK(same(payload, payload_len, kv->payload, kv->payload_len), "%s %s: payload \"%.*s\", want \"%s\"",
              kv->scheme, kv->method, (int)payload_len, payload, kv->payload);
        CHECK(strcmp(v.signature, kv->signature) == 0, "%s %s: signature %s, want %s", kv->scheme, kv->method,
              v.signature, kv->signature);
        if (rows[i].kind == RAW) {
            uint64_t n = 777;
            restsign_status st = restsign_request_nonce(req, &n);
            CHECK(st == RESTSIGN_ERR_NO_NONCE && n == 777, "%s raw body: nonce -> %d (%llu)", kv->scheme, st,
                  (unsigned long long)n);
        } else {
            CHECK(v.has_nonce && v.nonce == nonce, "%s: nonce %llu, want %llu", kv->scheme,
                  (unsigned long long)v.nonce, (unsigned long long)nonce);
        }
        restsign_request_free(req);
    }
}

/* ---- payload text derived by hand ---- */

/* Every byte class of the form encoding, a NUL inside a value, UTF-8 and non-UTF-8 bytes. */
static const struct param FORM_PARAMS[] = {
    P("command", "returnBalances"), P("a b", "x&y=z"), P("nul", "a\0b"), P("sym", "~-._*+%/?#"),
    P("utf8", "\xc3\xa9\xe2\x82\xac"), P("raw\xff", "\x01\x7f"), P("empty", ""),
};
#define FORM_TEXT                                                                                        \
    "command=returnBalances&a+b=x%26y%3Dz&nul=a%00b&sym=~-._%2A%2B%25%2F%3F%23&utf8=%C3%A9%E2%82%AC&raw%FF=" \
    "%01%7F&empty="

/* JSON strings: quotes, backslashes, control bytes (a NUL among them) and non-ASCII text. */
static const struct param JSON_PARAMS[] = {
    P("coin", "BTC"), P("quote\"", "back\\slash"), P("ctl", "nl\n tab\t nul\0 us\x1f"), P("utf8", "\xc3\xa9\xe2\x82\xac"),
};
#define JSON_TEXT "{\"coin\":\"BTC\",\"quote\\\"\":\"back\\\\slash\",\"ctl\":\"nl\\n tab\\t nul\\u0000 us\\u001f\",\"utf8\":\"\xc3\xa9\xe2\x82\xac\""

static void test_payload_text(void) {
    restsign_request *req;
    struct views v;
    struct request_case c = {"poloniex", "k", "s", "POST", "/tradingApi", PARAMS, FORM_PARAMS,
                             ARRAY_LEN(FORM_PARAMS), NULL, 0};
    /* Form bodies: order kept, nonce last. */
    static const char *const form_schemes[] = {"poloniex", "mtgox-v1", "mtgox-v2", "coinpayments"};
    for (size_t i = 0; i < ARRAY_LEN(form_schemes); i++) {
        c.scheme = form_schemes[i];
        c.key = key_for(c.scheme);
        c.secret = secret_for(c.scheme);
        c.path = strcmp(c.scheme, "mtgox-v2") == 0 ? "/api/2/BTCUSD/money/order/add" : "/tradingApi";
        v = sign_case(&c, 42, &req);
        EXPECT_VIEW(c.scheme, v.body, v.body_len, FORM_TEXT "&nonce=42");
        EXPECT_VIEW(c.scheme, v.query, v.query_len, "");
        CHECK(same(v.target, v.target_len, c.path, strlen(c.path)), "%s: target %s", c.scheme, v.target);
        restsign_request_free(req);
    }

    /* apiauth: the nonce travels in a header, not in the payload; GET puts the parameters in the query. */
    c.scheme = "apiauth";
    c.key = "apiauth-key";
    c.secret = "apiauth-secret";
    c.path = "/api/wallet/";
    c.method = "GET";
    v = sign_case(&c, 42, &req);
    EXPECT_VIEW("apiauth GET", v.query, v.query_len, FORM_TEXT);
    EXPECT_VIEW("apiauth GET", v.body, v.body_len, "");
    EXPECT_VIEW("apiauth GET", v.target, v.target_len, "/api/wallet/?" FORM_TEXT);
    CHECK(v.header_count == 3 && strstr(v.header_block, "\r\nApiauth-Nonce: 42\r\n") != NULL,
          "apiauth: header block %s", v.header_block);
    restsign_request_free(req);
    c.method = "POST";
    v = sign_case(&c, 42, &req);
    EXPECT_VIEW("apiauth POST", v.body, v.body_len, FORM_TEXT);
    EXPECT_VIEW("apiauth POST", v.target, v.target_len, "/api/wallet/");
    restsign_request_free(req);

    /* ViaBTC: GET in the query with tonce last, POST as JSON with tonce a number, and Content-Type. */
    c.scheme = "viabtc";
    c.key = VIABTC_KEY;
    c.secret = VIABTC_SECRET;
    c.path = "/res/openapi/v1/hashrate";
    c.method = "GET";
    v = sign_case(&c, 7, &req);
    EXPECT_VIEW("viabtc GET", v.query, v.query_len, FORM_TEXT "&tonce=7");
    EXPECT_VIEW("viabtc GET", v.target, v.target_len, "/res/openapi/v1/hashrate?" FORM_TEXT "&tonce=7");
    CHECK(v.header_count == 2, "viabtc GET: %zu headers", v.header_count);
    restsign_request_free(req);
    c.method = "POST";
    c.params = JSON_PARAMS;
    c.n_params = ARRAY_LEN(JSON_PARAMS);
    v = sign_case(&c, 7, &req);
    EXPECT_VIEW("viabtc POST", v.body, v.body_len, JSON_TEXT ",\"tonce\":7}");
    EXPECT_VIEW("viabtc POST", v.query, v.query_len, "");
    CHECK(v.header_count == 3 && strstr(v.header_block, "Content-Type: application/json\r\n") != NULL,
          "viabtc POST: header block %s", v.header_block);
    restsign_request_free(req);

    /* mtgox-stream: a JSON call with "nonce", no headers at all. */
    c.scheme = "mtgox-stream";
    c.key = MTGOX_KEY;
    c.secret = MTGOX_SECRET;
    c.path = "/";
    v = sign_case(&c, 9, &req);
    EXPECT_VIEW("mtgox-stream", v.body, v.body_len, JSON_TEXT ",\"nonce\":9}");
    CHECK(v.header_count == 0 && v.header_block_len == 0, "mtgox-stream: %zu headers", v.header_count);
    restsign_request_free(req);

    /* JSON objects: the caller's bytes kept, the nonce member added before the closing brace. */
    static const struct {
        const char *json, *want;
        int has_nonce;
    } objects[] = {
        {"{\"coin\": \"BTC\", \"n\": {\"a\": [1, 2]}}  \n", "{\"coin\": \"BTC\", \"n\": {\"a\": [1, 2]},\"tonce\":5}", 1},
        {"{}", "{\"tonce\":5}", 1},
        {" { } ", " { \"tonce\":5}", 1},
        {"{\"tonce\": 3}", "{\"tonce\": 3}", 0}, /* the caller's own tonce: kept, none drawn */
    };
    c.scheme = "viabtc";
    c.key = VIABTC_KEY;
    c.secret = VIABTC_SECRET;
    c.path = "/res/openapi/v1/hashrate";
    c.kind = JSON;
    c.params = NULL;
    c.n_params = 0;
    for (size_t i = 0; i < ARRAY_LEN(objects); i++) {
        c.body = objects[i].json;
        c.body_len = strlen(c.body);
        v = sign_case(&c, 5, &req);
        CHECK(same(v.body, v.body_len, objects[i].want, strlen(objects[i].want)), "set_json(%s): body %s, want %s",
              objects[i].json, v.body, objects[i].want);
        CHECK(v.has_nonce == objects[i].has_nonce && (!v.has_nonce || v.nonce == 5), "set_json(%s): nonce %d %llu",
              objects[i].json, v.has_nonce, (unsigned long long)v.nonce);
        restsign_request_free(req);
    }

    /* A nonce the caller placed among the parameters stays where it is, and none is drawn. */
    static const struct param own_nonce[] = {P("nonce", "7"), P("command", "x")};
    struct request_case own = {"poloniex", "k", "s", "POST", "/tradingApi", PARAMS, own_nonce, 2, NULL, 0};
    v = sign_case(&own, 0, &req);
    EXPECT_VIEW("caller's nonce", v.body, v.body_len, "nonce=7&command=x");
    CHECK(!v.has_nonce, "caller's nonce: restsign reports nonce %llu", (unsigned long long)v.nonce);
    restsign_request_free(req);
}

/* ---- every scheme, every method, and drawn nonces, for the Python checker ---- */

static void test_all_schemes(void) {
    static const char *const methods[] = {"GET", "POST", "DELETE", "PUT"};
    static const char *const raw_bodies[] = {"", "nonce=1&a=b", "{\"x\":\"\\u0000\"}\n\x01\xff"};
    /* The seed schemes (request_crosscheck.py knows them); the exchange presets have their own
       oracle in tests/ccxt. */
    static const char *const seeds[] = {"apiauth", "poloniex", "mtgox-v1", "mtgox-v2", "mtgox-stream",
                                        "coinpayments", "viabtc"};
    for (size_t s = 0; s < ARRAY_LEN(seeds); s++) {
        const char *scheme = seeds[s];
        int json = strcmp(scheme, "viabtc") == 0 || strcmp(scheme, "mtgox-stream") == 0;
        struct request_case c = {scheme, key_for(scheme), secret_for(scheme), "GET", "/api/2/BTCUSD/money/x",
                                 PARAMS, NULL, 0, NULL, 0};
        restsign_request *req;
        for (size_t m = 0; m < ARRAY_LEN(methods); m++) {
            c.method = methods[m];
            /* Without parameters, then with every awkward byte the payload format can carry. */
            c.params = NULL;
            c.n_params = 0;
            sign_case(&c, 1 + m, &req);
            restsign_request_free(req);
            c.params = json ? JSON_PARAMS : FORM_PARAMS;
            c.n_params = json ? ARRAY_LEN(JSON_PARAMS) : ARRAY_LEN(FORM_PARAMS);
            sign_case(&c, UINT64_C(9223372036854775807) - m, &req);
            restsign_request_free(req);
        }
        /* Raw bodies, sent and signed as given. */
        c.kind = RAW;
        c.method = "POST";
        c.params = NULL;
        c.n_params = 0;
        for (size_t b = 0; b < ARRAY_LEN(raw_bodies); b++) {
            c.body = raw_bodies[b];
            c.body_len = strlen(raw_bodies[b]) + (b == 2); /* the last one ends in a NUL byte */
            sign_case(&c, 11, &req);
            restsign_request_free(req);
        }
        /* Drawn nonces: increasing, one per signing, the same one in the payload (Python checks). */
        c.kind = PARAMS;
        c.params = FORM_PARAMS;
        c.n_params = 1;
        restsign_signer *signer = new_signer(scheme, c.key, c.secret);
        req = signer ? build(signer, &c) : NULL;
        uint64_t last = 0;
        for (int i = 0; req && i < 3; i++) {
            restsign_status st = restsign_request_sign(req);
            CHECK(st == RESTSIGN_OK, "%s: sign -> %d", scheme, st);
            struct views v = read_views(req, scheme);
            CHECK(v.has_nonce && v.nonce > last, "%s: drawn nonce %llu after %llu", scheme,
                  (unsigned long long)v.nonce, (unsigned long long)last);
            last = v.nonce;
            dump_request(&c, &v);
        }
        restsign_request_free(req);
        restsign_signer_free(signer);
    }
}

/* ---- errors ---- */

static void check_not_signed(const restsign_request *req, const char *when) {
    static const struct {
        const char *name;
        view_fn fn;
    } views[] = {{"body", restsign_request_body},         {"query", restsign_request_query},
                 {"target", restsign_request_target},     {"signature", restsign_request_signature},
                 {"header_block", restsign_request_header_block}};
    for (size_t i = 0; i < ARRAY_LEN(views); i++) {
        const char *data = "untouched";
        size_t len = 7;
        restsign_status st = views[i].fn(req, &data, &len);
        CHECK(st == RESTSIGN_ERR_NOT_SIGNED, "%s: %s -> %d", when, views[i].name, st);
        CHECK(strcmp(data, "untouched") == 0 && len == 7, "%s: %s wrote its outputs", when, views[i].name);
    }
    size_t count = 7;
    const char *line = NULL;
    uint64_t nonce = 7;
    CHECK(restsign_request_header_count(req, &count) == RESTSIGN_ERR_NOT_SIGNED && count == 7, "%s: header_count",
          when);
    CHECK(restsign_request_header(req, 0, &line, &count) == RESTSIGN_ERR_NOT_SIGNED && line == NULL, "%s: header",
          when);
    CHECK(restsign_request_nonce(req, &nonce) == RESTSIGN_ERR_NOT_SIGNED && nonce == 7, "%s: nonce", when);
}

static void expect(restsign_status got, restsign_status want, const char *what) {
    CHECK(got == want, "%s -> %d (%s), want %d (%s)", what, got, restsign_strerror(got), want, restsign_strerror(want));
}

static void test_errors(void) {
    restsign_signer *signer = new_signer("poloniex", "k", "s");
    restsign_request *req = NULL;
    expect(restsign_request_new(signer, "POST", "/x", 2, &req), RESTSIGN_OK, "request_new");
    if (!signer || !req) return;

    check_not_signed(req, "before signing");
    expect(restsign_request_sign_with_nonce(req, 1), RESTSIGN_OK, "sign");
    expect(restsign_request_add_param(req, "a", 1, "b", 1), RESTSIGN_OK, "add_param after signing");
    check_not_signed(req, "changed after signing");

    /* A chosen nonce must be a 63-bit positive integer. */
    expect(restsign_request_sign_with_nonce(req, 0), RESTSIGN_ERR_NONCE_OUT_OF_RANGE, "nonce 0");
    expect(restsign_request_sign_with_nonce(req, UINT64_C(9223372036854775808)), RESTSIGN_ERR_NONCE_OUT_OF_RANGE,
           "nonce 2^63");
    check_not_signed(req, "after an out-of-range nonce");
    expect(restsign_request_sign_with_nonce(req, UINT64_C(9223372036854775807)), RESTSIGN_OK, "nonce 2^63-1");

    /* Parameters and a body: refused at signing, whichever came first; no views afterwards. */
    expect(restsign_request_set_body(req, "c", 1), RESTSIGN_OK, "set_body");
    expect(restsign_request_sign_with_nonce(req, 1), RESTSIGN_ERR_PARAMS_AND_BODY, "params then body");
    check_not_signed(req, "after a failed signing");
    restsign_request_free(req);
    expect(restsign_request_new(signer, "POST", "/x", 2, &req), RESTSIGN_OK, "request_new");
    expect(restsign_request_set_json(req, "{}", 2), RESTSIGN_OK, "set_json");
    expect(restsign_request_add_param(req, "a", 1, "b", 1), RESTSIGN_OK, "add_param");
    expect(restsign_request_sign(req), RESTSIGN_ERR_PARAMS_AND_BODY, "json then params");
    restsign_request_free(req);

    /* JSON that is not an object; a JSON parameter that is not UTF-8. */
    restsign_signer *viabtc = new_signer("viabtc", "k", "s");
    static const char *const bad_json[] = {"[1]", "{", "", "{\"a\":1} x", "\"s\"", "null", "{\"a\":}"};
    for (size_t i = 0; viabtc && i < ARRAY_LEN(bad_json); i++) {
        expect(restsign_request_new(viabtc, "POST", "/x", 2, &req), RESTSIGN_OK, "request_new");
        expect(restsign_request_set_json(req, bad_json[i], strlen(bad_json[i])), RESTSIGN_OK, "set_json");
        expect(restsign_request_sign_with_nonce(req, 1), RESTSIGN_ERR_JSON_NOT_OBJECT, bad_json[i]);
        check_not_signed(req, bad_json[i]);
        restsign_request_free(req);
    }
    expect(restsign_request_new(viabtc, "POST", "/x", 2, &req), RESTSIGN_OK, "request_new");
    expect(restsign_request_add_param(req, "coin", 4, "\xff", 1), RESTSIGN_OK, "add_param");
    expect(restsign_request_sign_with_nonce(req, 1), RESTSIGN_ERR_JSON_NOT_UTF8, "JSON parameter not UTF-8");
    restsign_request_free(req);
    restsign_signer_free(viabtc);

    /* NULL handles and arguments: their statuses, and *out NULL after a failed request_new. */
    req = (restsign_request *)&req; /* not NULL, so that clearing it shows */
    expect(restsign_request_new(NULL, "POST", "/x", 2, &req), RESTSIGN_ERR_NULL_HANDLE, "request_new(NULL signer)");
    CHECK(req == NULL, "request_new failed but left *out set");
    expect(restsign_request_new(signer, NULL, "/x", 2, &req), RESTSIGN_ERR_NULL_ARGUMENT, "request_new(NULL method)");
    expect(restsign_request_new(signer, "", "/x", 2, &req), RESTSIGN_ERR_INVALID_METHOD, "request_new(empty method)");
    expect(restsign_request_new(signer, "GE T", "/x", 2, &req), RESTSIGN_ERR_INVALID_METHOD, "request_new(GE T)");
    expect(restsign_request_new(signer, "POST", NULL, 2, &req), RESTSIGN_ERR_NULL_WITH_LENGTH,
           "request_new(NULL path, 2)");
    expect(restsign_request_new(signer, "POST", "/x", 2, NULL), RESTSIGN_ERR_NULL_ARGUMENT, "request_new(NULL out)");
    CHECK(req == NULL, "a failed request_new left *out set");

    const char *data = NULL;
    size_t len = 0, count = 0;
    uint64_t nonce = 0;
    expect(restsign_request_add_param(NULL, "a", 1, "b", 1), RESTSIGN_ERR_NULL_HANDLE, "add_param(NULL)");
    expect(restsign_request_set_body(NULL, "a", 1), RESTSIGN_ERR_NULL_HANDLE, "set_body(NULL)");
    expect(restsign_request_set_json(NULL, "{}", 2), RESTSIGN_ERR_NULL_HANDLE, "set_json(NULL)");
    expect(restsign_request_sign(NULL), RESTSIGN_ERR_NULL_HANDLE, "sign(NULL)");
    expect(restsign_request_sign_with_nonce(NULL, 1), RESTSIGN_ERR_NULL_HANDLE, "sign_with_nonce(NULL)");
    expect(restsign_request_body(NULL, &data, &len), RESTSIGN_ERR_NULL_HANDLE, "body(NULL)");
    expect(restsign_request_query(NULL, &data, &len), RESTSIGN_ERR_NULL_HANDLE, "query(NULL)");
    expect(restsign_request_target(NULL, &data, &len), RESTSIGN_ERR_NULL_HANDLE, "target(NULL)");
    expect(restsign_request_signature(NULL, &data, &len), RESTSIGN_ERR_NULL_HANDLE, "signature(NULL)");
    expect(restsign_request_header_block(NULL, &data, &len), RESTSIGN_ERR_NULL_HANDLE, "header_block(NULL)");
    expect(restsign_request_header_count(NULL, &count), RESTSIGN_ERR_NULL_HANDLE, "header_count(NULL)");
    expect(restsign_request_header(NULL, 0, &data, &len), RESTSIGN_ERR_NULL_HANDLE, "header(NULL)");
    expect(restsign_request_nonce(NULL, &nonce), RESTSIGN_ERR_NULL_HANDLE, "nonce(NULL)");
    restsign_request_free(NULL);

    expect(restsign_request_new(signer, "POST", "/x", 2, &req), RESTSIGN_OK, "request_new");
    expect(restsign_request_add_param(req, NULL, 1, "b", 1), RESTSIGN_ERR_NULL_WITH_LENGTH, "add_param(NULL name, 1)");
    expect(restsign_request_add_param(req, "a", 1, NULL, 1), RESTSIGN_ERR_NULL_WITH_LENGTH,
           "add_param(NULL value, 1)");
    expect(restsign_request_set_body(req, NULL, 1), RESTSIGN_ERR_NULL_WITH_LENGTH, "set_body(NULL, 1)");
    expect(restsign_request_set_json(req, NULL, 1), RESTSIGN_ERR_NULL_WITH_LENGTH, "set_json(NULL, 1)");
    expect(restsign_request_add_param(req, NULL, 0, NULL, 0), RESTSIGN_OK, "add_param(NULL, 0, NULL, 0)");
    expect(restsign_request_sign_with_nonce(req, 3), RESTSIGN_OK, "sign");
    expect(restsign_request_body(req, NULL, &len), RESTSIGN_ERR_NULL_ARGUMENT, "body(NULL data)");
    expect(restsign_request_body(req, &data, NULL), RESTSIGN_ERR_NULL_ARGUMENT, "body(NULL len)");
    expect(restsign_request_query(req, NULL, &len), RESTSIGN_ERR_NULL_ARGUMENT, "query(NULL data)");
    expect(restsign_request_target(req, &data, NULL), RESTSIGN_ERR_NULL_ARGUMENT, "target(NULL len)");
    expect(restsign_request_signature(req, NULL, NULL), RESTSIGN_ERR_NULL_ARGUMENT, "signature(NULL, NULL)");
    expect(restsign_request_header_block(req, NULL, &len), RESTSIGN_ERR_NULL_ARGUMENT, "header_block(NULL data)");
    expect(restsign_request_header_count(req, NULL), RESTSIGN_ERR_NULL_ARGUMENT, "header_count(NULL)");
    expect(restsign_request_header(req, 0, NULL, &len), RESTSIGN_ERR_NULL_ARGUMENT, "header(NULL line)");
    expect(restsign_request_header(req, 0, &data, NULL), RESTSIGN_ERR_NULL_ARGUMENT, "header(NULL len)");
    expect(restsign_request_nonce(req, NULL), RESTSIGN_ERR_NULL_ARGUMENT, "nonce(NULL)");
    expect(restsign_request_body(req, &data, &len), RESTSIGN_OK, "body");
    CHECK(same(data, len, "=&nonce=3", 9), "empty name and value: body %s", data);
    restsign_request_free(req);
    restsign_signer_free(signer);
}

/* The signer goes first; the request still signs with it (valgrind and ASan watch the memory). */
static void test_signer_freed_first(void) {
    static const char *const schemes[] = {"apiauth", "mtgox-v2", "mtgox-stream", "viabtc"};
    for (size_t i = 0; i < ARRAY_LEN(schemes); i++) {
        struct request_case c = {schemes[i], key_for(schemes[i]), secret_for(schemes[i]), "POST",
                                 "/api/2/BTCUSD/money/info", PARAMS, NULL, 0, NULL, 0};
        restsign_signer *signer = new_signer(c.scheme, c.key, c.secret);
        restsign_request *req = signer ? build(signer, &c) : NULL;
        restsign_signer_free(signer);
        if (!req) continue;
        expect(restsign_request_add_param(req, "after", 5, "free", 4), RESTSIGN_OK, "add_param, signer freed");
        expect(restsign_request_sign(req), RESTSIGN_OK, "sign (drawn nonce), signer freed");
        struct views v = read_views(req, c.scheme);
        static const struct param after[] = {P("after", "free")};
        c.params = after;
        c.n_params = 1;
        dump_request(&c, &v);
        expect(restsign_request_sign_with_nonce(req, 99), RESTSIGN_OK, "sign again, signer freed");
        v = read_views(req, c.scheme);
        dump_request(&c, &v);
        restsign_request_free(req);
    }
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--dump") == 0) {
        dump = fopen(argv[2], "w");
        if (!dump) {
            perror(argv[2]);
            return 2;
        }
    } else if (argc != 1) {
        fprintf(stderr, "usage: %s [--dump PATH]\n", argv[0]);
        return 2;
    }
    test_known_answers();
    test_payload_text();
    test_all_schemes();
    test_errors();
    test_signer_freed_first();
    if (dump) {
        CHECK(fclose(dump) == 0, "writing the dump failed");
        printf("test_request: %zu signed requests dumped to %s\n", dumped, argv[2]);
    }
    return check_exit("test_request");
}
