/*
 * examples/c/mtgox_query.c in C++ with restsign.hpp: MtGox's HTTP API the way the wiki's PHP
 * `mtgox_query($path, $req)` calls it. The parameters go in, restsign appends the microtime
 * `nonce` last, builds the POST body, signs it and hands back the body and the Rest-Key /
 * Rest-Sign header lines. API 0/1 paths sign the body alone (scheme mtgox-v1); API 2 paths
 * ("2/BTCUSD/money/info") sign the path after "2/", a NUL byte, then the body (mtgox-v2).
 *
 *   mtgox_query                 prints each request it would send (URL, headers, body)
 *   MTGOX_BASE_URL=http://127.0.0.1:8080/api/ mtgox_query
 *                               sends them with libcurl and prints the responses
 *
 * MTGOX_KEY and MTGOX_SECRET (base64, as MtGox gave it) hold the credential; the defaults are demo
 * values. Nonces come from a state file shared by every process on this host that signs with the
 * key: RESTSIGN_NONCE_FILE, or restsign's per-key default ($XDG_RUNTIME_DIR/restsign/, else
 * /tmp/restsign-<uid>/).
 *
 * Build: c++ -std=c++11 -Iinclude examples/cpp/mtgox_query.cpp -lrestsign -lcurl
 */
#include "restsign.hpp"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

const char DEFAULT_BASE_URL[] = "https://data.mtgox.com/api/";
const char DEMO_KEY[] = "12345678-abcd-1234-abcd-50286e649d5c";
const char DEMO_SECRET[] = "cmVzdHNpZ24gZGVtbyBzZWNyZXQsIG5vdCBhIHJlYWwga2V5";  // "restsign demo secret, not a real key"

using params = std::vector<std::pair<std::string, std::string>>;

struct curl_list_free {
    void operator()(curl_slist *list) const { curl_slist_free_all(list); }
};

class client {
public:
    client(restsign::signer v1, restsign::signer v2, std::string base_url, CURL *curl)
        : v1_(std::move(v1)), v2_(std::move(v2)), base_url_(std::move(base_url)), curl_(curl) {}

    /** mtgox_query($path, $req): `path` relative to the API root ("1/generic/private/info"). */
    bool query(const std::string &path, const params &req) {
        std::string url = base_url_ + path;
        // API 2 signs the path after /api/2/; restsign strips that prefix itself.
        const restsign::signer &signer = path.compare(0, 2, "2/") == 0 ? v2_ : v1_;
        restsign::request r = signer.request("POST", "/api/" + path);  // the path on data.mtgox.com
        for (const auto &p : req) r.param(p.first, p.second);
        r.sign();  // draws the nonce and appends it last

        std::string body = r.body();
        std::vector<std::string> headers = r.headers();
        std::printf("POST %s\n", url.c_str());
        for (const std::string &line : headers) std::printf("%s\n", line.c_str());
        std::printf("\n%s\n", body.c_str());
        bool ok = curl_ ? send(url, headers, body) : true;
        std::printf("\n");
        return ok;
    }

private:
    /** POSTs the signed request with libcurl: the body bytes exactly as signed, restsign's header lines. */
    bool send(const std::string &url, const std::vector<std::string> &headers, const std::string &body) {
        std::unique_ptr<curl_slist, curl_list_free> list;
        for (const std::string &line : headers) {
            curl_slist *grown = curl_slist_append(list.get(), line.c_str());
            if (!grown) return false;
            list.release();
            list.reset(grown);
        }
        curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list.get());
        curl_easy_setopt(curl_, CURLOPT_USERAGENT, "restsign mtgox_query C++ example");
        CURLcode rc = curl_easy_perform(curl_);  // the response body goes to stdout
        long status = 0;
        curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, static_cast<curl_slist *>(nullptr));
        if (rc != CURLE_OK) {
            std::fprintf(stderr, "mtgox_query: %s: %s\n", url.c_str(), curl_easy_strerror(rc));
            return false;
        }
        std::printf("\nHTTP status %ld\n", status);
        return status >= 200 && status < 300;
    }

    restsign::signer v1_, v2_;
    std::string base_url_;
    CURL *curl_;
};

const char *env_or(const char *name, const char *fallback) {
    const char *value = std::getenv(name);
    return value && *value ? value : fallback;
}

}  // namespace

int main() {
    const char *key = env_or("MTGOX_KEY", DEMO_KEY);
    const char *secret = env_or("MTGOX_SECRET", DEMO_SECRET);
    const char *state = env_or("RESTSIGN_NONCE_FILE", nullptr);  // null: restsign's per-key default
    const char *base_url = env_or("MTGOX_BASE_URL", nullptr);    // set (and not empty): send the requests

    restsign::signer v1, v2;
    try {
        // One key, one nonce sequence: API 1 and API 2 share the state file (both count microseconds).
        v1 = state ? restsign::signer::shared("mtgox-v1", key, secret, state) : restsign::signer::shared("mtgox-v1", key, secret);
        v2 = state ? restsign::signer::shared("mtgox-v2", key, secret, state) : restsign::signer::shared("mtgox-v2", key, secret);
    } catch (const restsign::error &e) {
        std::fprintf(stderr, "mtgox_query: %s (credential from MTGOX_KEY / MTGOX_SECRET, nonce state file %s)\n", e.what(),
                     state ? state : "at restsign's default path");
        return EXIT_FAILURE;
    }

    CURL *curl = nullptr;
    if (base_url) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (curl = curl_easy_init()) == nullptr) {
            std::fputs("mtgox_query: libcurl did not start\n", stderr);
            return EXIT_FAILURE;
        }
    }
    bool ok = true;
    {
        client c(std::move(v1), std::move(v2), base_url ? base_url : DEFAULT_BASE_URL, curl);
        const std::pair<const char *, params> calls[] = {
            {"1/generic/private/info", {}},
            {"2/BTCUSD/money/info", {}},
            {"2/BTCUSD/money/order/quote", {{"type", "bid"}, {"amount", "100000000"}}},
        };
        for (const auto &call : calls) {
            try {
                ok = c.query(call.first, call.second) && ok;
            } catch (const restsign::error &e) {
                std::fprintf(stderr, "mtgox_query: %s: %s\n", call.first, e.what());
                ok = false;
            }
        }
    }
    if (curl) {
        curl_easy_cleanup(curl);
        curl_global_cleanup();
    }
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
