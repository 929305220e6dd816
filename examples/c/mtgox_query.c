/*
 * MtGox's HTTP API the way the wiki's PHP `mtgox_query($path, $req)` calls it, in C with restsign's
 * request builder: the parameters go in, restsign appends the microtime `nonce` last (as the PHP
 * does with `$req['nonce'] = ...; http_build_query($req)`), builds the POST body, signs it and
 * hands back the body and the Rest-Key / Rest-Sign header lines. API 0/1 paths sign the body alone
 * (scheme mtgox-v1); API 2 paths ("2/BTCUSD/money/info") sign the path after "2/", a NUL byte,
 * then the body (mtgox-v2).
 *
 *   mtgox_query                 prints each request it would send (URL, headers, body)
 *   MTGOX_BASE_URL=http://127.0.0.1:8080/api/ mtgox_query
 *                               sends them with libcurl and prints the responses
 *
 * MTGOX_KEY and MTGOX_SECRET (base64, as MtGox gave it) hold the credential; the defaults are demo
 * values. Nonces come from a state file shared by every process on this host that signs with the
 * key, so two programs (or two copies of this one) never send the same nonce: RESTSIGN_NONCE_FILE,
 * or restsign's per-key default ($XDG_STATE_HOME/restsign/, default ~/.local/state/restsign/).
 *
 * Build: cc -std=c99 -Iinclude -Itests/c examples/c/mtgox_query.c -lrestsign -lcurl
 */
#include "restsign.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BASE_URL "https://data.mtgox.com/api/"
#define DEMO_KEY "12345678-abcd-1234-abcd-50286e649d5c"
#define DEMO_SECRET "cmVzdHNpZ24gZGVtbyBzZWNyZXQsIG5vdCBhIHJlYWwga2V5" /* "restsign demo secret, not a real key" */

struct client {
    restsign_signer *v1, *v2;
    const char *base_url;
    int send; /* 0: print the requests only */
    CURL *curl;
};

static void report(const char *what, restsign_status st) {
    fprintf(stderr, "mtgox_query: %s: %s\n", what, restsign_strerror(st));
}

/* POSTs the signed request with libcurl: the body bytes exactly as signed, restsign's header lines. */
static int send_request(struct client *c, const char *url, const restsign_request *req, const char *body,
                        size_t body_len) {
    struct curl_slist *list = NULL;
    size_t count = 0;
    if (restsign_request_header_count(req, &count) != RESTSIGN_OK) return 0;
    for (size_t i = 0; i < count; i++) {
        const char *line;
        size_t len;
        struct curl_slist *grown = NULL;
        if (restsign_request_header(req, i, &line, &len) == RESTSIGN_OK) grown = curl_slist_append(list, line);
        if (!grown) {
            curl_slist_free_all(list);
            return 0;
        }
        list = grown;
    }
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)body_len);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "restsign mtgox_query example");
    CURLcode rc = curl_easy_perform(c->curl); /* the response body goes to stdout */
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(list);
    if (rc != CURLE_OK) {
        fprintf(stderr, "mtgox_query: %s: %s\n", url, curl_easy_strerror(rc));
        return 0;
    }
    printf("\nHTTP status %ld\n", status);
    return status >= 200 && status < 300;
}

/*
 * mtgox_query($path, $req): `path` relative to the API root ("1/generic/private/info"), then the
 * parameters as name, value, ..., NULL. Returns 1 on success.
 */
static int mtgox_query(struct client *c, const char *path, ...) {
    char url[1024], request_path[512];
    int m = snprintf(url, sizeof url, "%s%s", c->base_url, path);
    int n = snprintf(request_path, sizeof request_path, "/api/%s", path); /* the path on data.mtgox.com */
    if (m < 0 || (size_t)m >= sizeof url || n < 0 || (size_t)n >= sizeof request_path) {
        fputs("mtgox_query: path too long for this example\n", stderr);
        return 0;
    }
    /* API 2 signs the path after /api/2/; restsign strips that prefix itself. */
    const restsign_signer *signer = strncmp(path, "2/", 2) == 0 ? c->v2 : c->v1;
    restsign_request *req = NULL;
    restsign_status st = restsign_request_new(signer, "POST", request_path, (size_t)n, &req);

    va_list params;
    va_start(params, path);
    for (const char *name; st == RESTSIGN_OK && (name = va_arg(params, const char *)) != NULL;) {
        const char *value = va_arg(params, const char *);
        st = restsign_request_add_param(req, name, strlen(name), value, strlen(value));
    }
    va_end(params);
    if (st == RESTSIGN_OK) st = restsign_request_sign(req); /* draws the nonce and appends it last */

    const char *body = NULL;
    size_t body_len = 0, count = 0;
    if (st == RESTSIGN_OK) st = restsign_request_body(req, &body, &body_len);
    if (st == RESTSIGN_OK) st = restsign_request_header_count(req, &count);
    if (st != RESTSIGN_OK) {
        report(path, st);
        restsign_request_free(req);
        return 0;
    }

    printf("POST %s\n", url);
    for (size_t i = 0; i < count; i++) {
        const char *line;
        size_t len;
        if (restsign_request_header(req, i, &line, &len) == RESTSIGN_OK) printf("%s\n", line);
    }
    printf("\n%s\n", body);
    int ok = c->send ? send_request(c, url, req, body, body_len) : 1;
    printf("\n");
    restsign_request_free(req);
    return ok;
}

static const char *env_or(const char *name, const char *fallback) {
    const char *value = getenv(name);
    return value && *value ? value : fallback;
}

int main(void) {
    const char *key = env_or("MTGOX_KEY", DEMO_KEY);
    const char *secret = env_or("MTGOX_SECRET", DEMO_SECRET);
    const char *state = env_or("RESTSIGN_NONCE_FILE", NULL); /* NULL: restsign's per-key default */
    const char *base_url = env_or("MTGOX_BASE_URL", NULL); /* set (and not empty): send the requests */
    struct client c = {NULL, NULL, base_url ? base_url : DEFAULT_BASE_URL, base_url != NULL, NULL};

    /* One key, one nonce sequence: API 1 and API 2 share the state file (both count microseconds). */
    restsign_status st =
        restsign_signer_new_shared("mtgox-v1", key, strlen(key), secret, strlen(secret), state, &c.v1);
    if (st == RESTSIGN_OK)
        st = restsign_signer_new_shared("mtgox-v2", key, strlen(key), secret, strlen(secret), state, &c.v2);
    if (st != RESTSIGN_OK) {
        fprintf(stderr, "mtgox_query: %s (credential from MTGOX_KEY / MTGOX_SECRET, nonce state file %s)\n",
                restsign_strerror(st), state ? state : "at restsign's default path");
        restsign_signer_free(c.v1);
        return EXIT_FAILURE;
    }

    if (c.send) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (c.curl = curl_easy_init()) == NULL) {
            fputs("mtgox_query: libcurl did not start\n", stderr);
            restsign_signer_free(c.v1);
            restsign_signer_free(c.v2);
            return EXIT_FAILURE;
        }
    }
    int ok = mtgox_query(&c, "1/generic/private/info", (const char *)NULL);
    ok = mtgox_query(&c, "2/BTCUSD/money/info", (const char *)NULL) && ok;
    ok = mtgox_query(&c, "2/BTCUSD/money/order/quote", "type", "bid", "amount", "100000000", (const char *)NULL) && ok;

    if (c.curl) {
        curl_easy_cleanup(c.curl);
        curl_global_cleanup();
    }
    restsign_signer_free(c.v1);
    restsign_signer_free(c.v2);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
