/*
 * MtGox's HTTP API the way the wiki's PHP `mtgox_query($path, $req)` calls it, in C with restsign:
 * a microtime nonce, the POST body `nonce=...`, and the Rest-Key / Rest-Sign headers from
 * restsign_signer_headers_into. API 0/1 paths sign the body alone (scheme mtgox-v1); API 2 paths
 * ("2/BTCUSD/money/info") sign the path after "2/", a NUL byte, then the body (mtgox-v2).
 *
 *   mtgox_query                 prints each request it would send (URL, headers, body)
 *   MTGOX_BASE_URL=http://127.0.0.1:8080/api/ mtgox_query
 *                               sends them with libcurl and prints the responses
 *
 * MTGOX_KEY and MTGOX_SECRET (base64, as MtGox gave it) hold the credential; the defaults are
 * demo values.
 */
#define _POSIX_C_SOURCE 200809L /* gettimeofday */

#include "restsign.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define DEFAULT_BASE_URL "https://data.mtgox.com/api/"
#define DEMO_KEY "12345678-abcd-1234-abcd-50286e649d5c"
#define DEMO_SECRET "cmVzdHNpZ24gZGVtbyBzZWNyZXQsIG5vdCBhIHJlYWwga2V5" /* "restsign demo secret, not a real key" */

struct client {
    restsign_signer *v1, *v2;
    const char *base_url;
    int send; /* 0: print the requests only */
    CURL *curl;
};

/*
 * PHP's microtime as the wiki builds it: seconds, then six digits of microseconds. The nonce must
 * always increase, so two calls within one microsecond still get different values.
 */
static uint64_t next_nonce(void) {
    static uint64_t last;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    uint64_t now = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
    last = now > last ? now : last + 1;
    return last;
}

static void fail(const char *what, restsign_status st) {
    fprintf(stderr, "mtgox_query: %s: %s\n", what, restsign_strerror(st));
    exit(EXIT_FAILURE);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n);
    if (!p) {
        fputs("mtgox_query: out of memory\n", stderr);
        exit(EXIT_FAILURE);
    }
    return p;
}

/* The Rest-Key and Rest-Sign lines ("Name: value\r\n" each), in a buffer of exactly the size needed. */
static char *sign_headers(const restsign_signer *signer, const char *signed_path, const char *body) {
    size_t need = 0, len = 0;
    restsign_status st = restsign_signer_headers_into(signer, "POST", signed_path, strlen(signed_path), body,
                                                      strlen(body), 0, NULL, 0, &need);
    if (st != RESTSIGN_ERR_BUFFER_TOO_SMALL) fail("sizing the headers", st);
    char *headers = xmalloc(need);
    st = restsign_signer_headers_into(signer, "POST", signed_path, strlen(signed_path), body, strlen(body), 0,
                                      headers, need, &len);
    if (st != RESTSIGN_OK) fail("signing", st);
    return headers;
}

/* POSTs the request with libcurl: the body bytes exactly as signed, one header per line. */
static int send_request(struct client *c, const char *url, char *headers, const char *body) {
    struct curl_slist *list = NULL;
    for (char *line = headers, *end; (end = strstr(line, "\r\n")) != NULL; line = end + 2) {
        *end = '\0';
        struct curl_slist *grown = curl_slist_append(list, line);
        if (!grown) {
            curl_slist_free_all(list);
            return 0;
        }
        list = grown;
    }
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
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

/* mtgox_query($path, $req): `params` is the rest of the form body, already encoded ("" for none). */
static int mtgox_query(struct client *c, const char *path, const char *params) {
    int v2 = strncmp(path, "2/", 2) == 0;
    const char *signed_path = v2 ? path + 2 : "";

    char body[256];
    int n = snprintf(body, sizeof body, "nonce=%" PRIu64 "%s%s", next_nonce(), *params ? "&" : "", params);
    char url[1024];
    int m = snprintf(url, sizeof url, "%s%s", c->base_url, path);
    if (n < 0 || (size_t)n >= sizeof body || m < 0 || (size_t)m >= sizeof url) {
        fputs("mtgox_query: request too long for this example\n", stderr);
        return 0;
    }

    char *headers = sign_headers(v2 ? c->v2 : c->v1, signed_path, body);
    printf("POST %s\n", url);
    for (const char *p = headers; *p; p++)
        if (*p != '\r') putchar(*p);
    printf("\n%s\n", body);
    int ok = c->send ? send_request(c, url, headers, body) : 1;
    printf("\n");
    free(headers);
    return ok;
}

static const char *env_or(const char *name, const char *fallback) {
    const char *value = getenv(name);
    return value && *value ? value : fallback;
}

int main(void) {
    const char *key = env_or("MTGOX_KEY", DEMO_KEY);
    const char *secret = env_or("MTGOX_SECRET", DEMO_SECRET);
    struct client c = {NULL, NULL, env_or("MTGOX_BASE_URL", DEFAULT_BASE_URL), getenv("MTGOX_BASE_URL") != NULL, NULL};

    restsign_status st = restsign_signer_new("mtgox-v1", key, strlen(key), secret, strlen(secret), &c.v1);
    if (st != RESTSIGN_OK) fail("MTGOX_KEY / MTGOX_SECRET", st);
    st = restsign_signer_new("mtgox-v2", key, strlen(key), secret, strlen(secret), &c.v2);
    if (st != RESTSIGN_OK) fail("MTGOX_KEY / MTGOX_SECRET", st);

    if (c.send) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (c.curl = curl_easy_init()) == NULL) {
            fputs("mtgox_query: libcurl did not start\n", stderr);
            return EXIT_FAILURE;
        }
    }
    int ok = mtgox_query(&c, "1/generic/private/info", "");
    ok = mtgox_query(&c, "2/BTCUSD/money/info", "") && ok;

    if (c.curl) {
        curl_easy_cleanup(c.curl);
        curl_global_cleanup();
    }
    restsign_signer_free(c.v1);
    restsign_signer_free(c.v2);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
