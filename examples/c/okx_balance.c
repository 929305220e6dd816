/*
 * OKX v5 (GET /api/v5/account/balance) in C with restsign's `okx` preset, a passphrase and libcurl.
 * restsign writes the OK-ACCESS-KEY, OK-ACCESS-SIGN (base64 of HMAC-SHA256 over timestamp + method
 * + request path with its query + body), OK-ACCESS-TIMESTAMP (ISO 8601 UTC with milliseconds) and
 * OK-ACCESS-PASSPHRASE headers, and the whole URL to send to (restsign_request_url).
 *
 *   okx_balance [CCY[,CCY...]]     prints the request it would send (default: BTC,USDT)
 *   OKX_BASE_URL=http://127.0.0.1:8080 okx_balance [CCY]
 *                                  sends it with libcurl and prints the response
 *
 * OKX_KEY, OKX_SECRET and OKX_PASSPHRASE hold the credential; the defaults are demo values.
 * OKX_BASE_URL (http(s)://host[:port]) replaces the preset's https://www.okx.com.
 *
 * Build: cc -std=c99 -Iinclude examples/c/okx_balance.c -lrestsign -lcurl
 */
#include "restsign.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *env_or(const char *name, const char *fallback) {
    const char *value = getenv(name);
    return value && *value ? value : fallback;
}

/* Fails with restsign's description of `st` and what was being done. */
static int failed(const char *what, restsign_status st) {
    fprintf(stderr, "okx_balance: %s: %s\n", what, restsign_strerror(st));
    return 0;
}

/* Sends the signed GET with libcurl: restsign's header lines, its URL. 1 on a 2xx answer. */
static int send_request(const restsign_request *req, const char *url) {
    struct curl_slist *list = NULL;
    size_t count = 0;
    int ok = 0;
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
    CURL *curl = curl_easy_init();
    if (curl) {
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "restsign okx_balance example");
        CURLcode rc = curl_easy_perform(curl); /* the response body goes to stdout */
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK) {
            fprintf(stderr, "okx_balance: %s: %s\n", url, curl_easy_strerror(rc));
        } else {
            printf("\nHTTP status %ld\n", status);
            ok = status >= 200 && status < 300;
        }
        curl_easy_cleanup(curl);
    }
    curl_slist_free_all(list);
    return ok;
}

int main(int argc, char **argv) {
    const char *key = env_or("OKX_KEY", "restsign-demo-okx-key");
    const char *secret = env_or("OKX_SECRET", "restsign demo secret, not a real one");
    const char *passphrase = env_or("OKX_PASSPHRASE", "restsign demo passphrase");
    const char *base_url = env_or("OKX_BASE_URL", NULL); /* set (and not empty): send the request */
    const char *ccy = argc > 1 ? argv[1] : "BTC,USDT";

    /* The preset, the options (passphrase, base URL), the signer; recipe and options may go once
     * the signer is made (it keeps what it needs, and the options' copy of the passphrase is wiped). */
    restsign_recipe *recipe = NULL;
    restsign_signer_options *options = NULL;
    restsign_signer *signer = NULL;
    restsign_request *req = NULL;
    int ok = 0;
    restsign_status st = restsign_recipe_preset("okx", 3, &recipe);
    if (st != RESTSIGN_OK) {
        failed("the okx preset", st);
        goto done;
    }
    st = restsign_signer_options_new(&options);
    if (st == RESTSIGN_OK) st = restsign_signer_options_set_passphrase(options, passphrase, strlen(passphrase));
    if (st != RESTSIGN_OK) {
        failed("OKX_PASSPHRASE", st);
        goto done;
    }
    if (base_url) {
        st = restsign_signer_options_set_base_url(options, base_url, strlen(base_url));
        if (st != RESTSIGN_OK) {
            failed("OKX_BASE_URL", st);
            goto done;
        }
    }
    st = restsign_signer_new_recipe(recipe, key, strlen(key), secret, strlen(secret), options, &signer);
    if (st != RESTSIGN_OK) {
        failed("the signer (OKX_KEY, OKX_SECRET, OKX_BASE_URL)", st);
        goto done;
    }

    /* GET /api/v5/account/balance?ccy=...: the query is part of what OKX signs. */
    static const char path[] = "/api/v5/account/balance";
    st = restsign_request_new(signer, "GET", path, strlen(path), &req);
    if (st == RESTSIGN_OK) st = restsign_request_add_param(req, "ccy", 3, ccy, strlen(ccy));
    if (st == RESTSIGN_OK) st = restsign_request_sign(req); /* reads the clock for the timestamp */
    const char *url = NULL;
    size_t url_len = 0, count = 0;
    if (st == RESTSIGN_OK) st = restsign_request_url(req, &url, &url_len);
    if (st == RESTSIGN_OK) st = restsign_request_header_count(req, &count);
    if (st != RESTSIGN_OK) {
        failed("GET /api/v5/account/balance", st);
        goto done;
    }

    /* The request line and the header lines (GET: no body). */
    printf("GET %s\n", url);
    for (size_t i = 0; i < count; i++) {
        const char *line;
        size_t len;
        if (restsign_request_header(req, i, &line, &len) == RESTSIGN_OK) printf("%s\n", line);
    }
    printf("\n");
    if (!base_url) {
        ok = 1;
    } else if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fputs("okx_balance: libcurl did not start\n", stderr);
    } else {
        ok = send_request(req, url);
        curl_global_cleanup();
    }

done:
    restsign_request_free(req);
    restsign_signer_free(signer);
    restsign_signer_options_free(options);
    restsign_recipe_free(recipe);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
