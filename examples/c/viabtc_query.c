/*
 * ViaBTC's pool API (its "API Authentication" page) in C with restsign's request builder and
 * libcurl: a GET whose parameters travel in the query string and a POST with a JSON body. restsign
 * adds `tonce` (milliseconds) where the request carries it (last query field, or a member added
 * before the JSON object's closing brace), signs exactly those bytes with HMAC-SHA256, and hands
 * back the X-API-KEY / X-SIGNATURE lines (plus Content-Type: application/json for the POST).
 *
 *   viabtc_query                prints each request it would send (request line, headers, body)
 *   VIABTC_BASE_URL=http://127.0.0.1:8080 viabtc_query
 *                               sends them with libcurl and prints the responses
 *
 * VIABTC_KEY and VIABTC_SECRET hold the credential; the defaults are the sample key and secret
 * published on ViaBTC's page (they do not work against the real service). Nonces come from a
 * state file shared by every process on this host that signs with the key: RESTSIGN_NONCE_FILE,
 * or restsign's per-key default.
 *
 * Build: cc -std=c99 -Iinclude -Itests/c examples/c/viabtc_query.c -lrestsign -lcurl
 */
#include "restsign.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BASE_URL "https://www.viabtc.net"
#define SAMPLE_KEY "16289e05354c3c3814b8f3045950395f"
#define SAMPLE_SECRET "d186ababcb0eb1f6af5c1519424f462b84c631f86c06309992ae1f15604668b0"

struct client {
    restsign_signer *signer;
    const char *base_url;
    int send; /* 0: print the requests only */
    CURL *curl;
};

/* Sends the signed request with libcurl: restsign's header lines, the body bytes exactly as signed. */
static int send_request(struct client *c, const char *method, const char *url, const restsign_request *req,
                        const char *body, size_t body_len) {
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
    curl_easy_reset(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)body_len);
        curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "restsign viabtc_query example");
    CURLcode rc = curl_easy_perform(c->curl); /* the response body goes to stdout */
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(list);
    if (rc != CURLE_OK) {
        fprintf(stderr, "viabtc_query: %s: %s\n", url, curl_easy_strerror(rc));
        return 0;
    }
    printf("\nHTTP status %ld\n", status);
    return status >= 200 && status < 300;
}

/*
 * One call: `method` on `path` with a JSON object `json` as the body, or (json NULL) the
 * parameters name, value, ..., NULL. Prints the request, sends it in send mode; 1 on success.
 */
static int viabtc_query(struct client *c, const char *method, const char *path, const char *json, ...) {
    restsign_request *req = NULL;
    restsign_status st = restsign_request_new(c->signer, method, path, strlen(path), &req);
    if (st == RESTSIGN_OK && json) st = restsign_request_set_json(req, json, strlen(json));
    va_list params;
    va_start(params, json);
    for (const char *name; st == RESTSIGN_OK && (name = va_arg(params, const char *)) != NULL;) {
        const char *value = va_arg(params, const char *);
        st = restsign_request_add_param(req, name, strlen(name), value, strlen(value));
    }
    va_end(params);
    if (st == RESTSIGN_OK) st = restsign_request_sign(req); /* draws tonce and places it */

    const char *target = NULL, *body = NULL;
    size_t target_len = 0, body_len = 0, count = 0;
    if (st == RESTSIGN_OK) st = restsign_request_target(req, &target, &target_len); /* path?query */
    if (st == RESTSIGN_OK) st = restsign_request_body(req, &body, &body_len);
    if (st == RESTSIGN_OK) st = restsign_request_header_count(req, &count);
    char url[2048];
    int n = st == RESTSIGN_OK ? snprintf(url, sizeof url, "%s%s", c->base_url, target) : 0;
    if (st != RESTSIGN_OK || n < 0 || (size_t)n >= sizeof url) {
        fprintf(stderr, "viabtc_query: %s %s: %s\n", method, path,
                st != RESTSIGN_OK ? restsign_strerror(st) : "URL too long for this example");
        restsign_request_free(req);
        return 0;
    }

    /* The request line, the header lines, a blank line, then the body if there is one. */
    printf("%s %s\n", method, url);
    for (size_t i = 0; i < count; i++) {
        const char *line;
        size_t len;
        if (restsign_request_header(req, i, &line, &len) == RESTSIGN_OK) printf("%s\n", line);
    }
    printf("\n");
    if (body_len) printf("%s\n", body);
    int ok = c->send ? send_request(c, method, url, req, body, body_len) : 1;
    printf("\n");
    restsign_request_free(req);
    return ok;
}

static const char *env_or(const char *name, const char *fallback) {
    const char *value = getenv(name);
    return value && *value ? value : fallback;
}

int main(void) {
    const char *key = env_or("VIABTC_KEY", SAMPLE_KEY);
    const char *secret = env_or("VIABTC_SECRET", SAMPLE_SECRET);
    const char *state = env_or("RESTSIGN_NONCE_FILE", NULL); /* NULL: restsign's per-key default */
    const char *base_url = env_or("VIABTC_BASE_URL", NULL); /* set (and not empty): send the requests */
    struct client c = {NULL, base_url ? base_url : DEFAULT_BASE_URL, base_url != NULL, NULL};

    restsign_status st = restsign_signer_new_shared("viabtc", key, strlen(key), secret, strlen(secret), state, &c.signer);
    if (st != RESTSIGN_OK) {
        fprintf(stderr, "viabtc_query: %s (credential from VIABTC_KEY / VIABTC_SECRET, nonce state file %s)\n",
                restsign_strerror(st), state ? state : "at restsign's default path");
        return EXIT_FAILURE;
    }
    if (c.send) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (c.curl = curl_easy_init()) == NULL) {
            fputs("viabtc_query: libcurl did not start\n", stderr);
            restsign_signer_free(c.signer);
            return EXIT_FAILURE;
        }
    }

    /* The page's two examples: the hashrate as a GET with coin=BTC, and as a POST with a JSON body. */
    int ok = viabtc_query(&c, "GET", "/res/openapi/v1/hashrate", NULL, "coin", "BTC", (const char *)NULL);
    ok = viabtc_query(&c, "POST", "/res/openapi/v1/hashrate", "{\"coin\": \"BTC\", \"amount\": \"1.0\"}",
                      (const char *)NULL) && ok;

    if (c.curl) {
        curl_easy_cleanup(c.curl);
        curl_global_cleanup();
    }
    restsign_signer_free(c.signer);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
