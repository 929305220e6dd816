// Tests of include/restsign.hpp. Every signature is checked against OpenSSL's HMAC and base64
// (an independent implementation) or the published known answers (tests/c/known_answers.h),
// never against restsign itself. Compiled by scripts/test-cpp with g++ and clang++, -std=c++11
// and -std=c++17, with and without exceptions (without: the std::error_code API only), and
// under AddressSanitizer. Prints one line per failure and a summary; exits 1 on any failure.
#include "restsign.hpp"

#include "../c/known_answers.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <type_traits>
#include <unistd.h>
#include <vector>

// ---- checks ----

static int checks = 0, failures = 0;
#define CHECK(cond)                                                               \
    do {                                                                          \
        checks++;                                                                 \
        if (!(cond)) {                                                            \
            failures++;                                                           \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                         \
    } while (0)
#define CHECK_EQ(a, b) CHECK((a) == (b))
#define CHECK_CODE(ec, status) CHECK((ec).value() == (status) && &(ec).category() == &restsign::category())

// Move-only RAII: copies would free a handle twice.
template <typename T>
constexpr bool move_only() {
    return !std::is_copy_constructible<T>::value && !std::is_copy_assignable<T>::value &&
           std::is_nothrow_move_constructible<T>::value && std::is_nothrow_move_assignable<T>::value;
}
static_assert(move_only<restsign::signer>(), "signer is move-only");
static_assert(move_only<restsign::nonce>(), "nonce is move-only");
static_assert(move_only<restsign::request>(), "request is move-only");
static_assert(move_only<restsign::verifier>(), "verifier is move-only");
static_assert(move_only<restsign::verdict>(), "verdict is move-only");
static_assert(move_only<restsign::recipe>(), "recipe is move-only");

// ---- the independent reference: OpenSSL ----

static std::string hmac(const EVP_MD *md, const std::string &key, const std::string &msg) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char *>(msg.data()), msg.size(),
         out, &len);
    return std::string(reinterpret_cast<char *>(out), len);
}

static std::string hex(const std::string &s, bool upper = false) {
    static const char *lower = "0123456789abcdef", *up = "0123456789ABCDEF";
    const char *digits = upper ? up : lower;
    std::string out;
    for (unsigned char c : s) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

static std::string b64(const std::string &s) {
    std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(&out[0]), reinterpret_cast<const unsigned char *>(s.data()),
                            static_cast<int>(s.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

static std::string unb64(const std::string &s) {
    std::string out(s.size(), '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(&out[0]), reinterpret_cast<const unsigned char *>(s.data()),
                            static_cast<int>(s.size()));
    out.resize(static_cast<std::size_t>(n) - (s.size() >= 2 && s[s.size() - 2] == '=' ? 2 : s.back() == '=' ? 1 : 0));
    return out;
}

// The signature text of docs/SCHEMES.md for the header schemes and mtgox-stream.
static std::string reference(const std::string &scheme, const std::string &key, const std::string &secret,
                             const std::string &path, const std::string &payload, uint64_t nonce) {
    if (scheme == "apiauth") return hex(hmac(EVP_sha256(), secret, std::to_string(nonce) + key + path + payload), true);
    if (scheme == "poloniex" || scheme == "coinpayments") return hex(hmac(EVP_sha512(), secret, payload));
    if (scheme == "viabtc") return hex(hmac(EVP_sha256(), secret, payload));
    if (scheme == "mtgox-v1") return b64(hmac(EVP_sha512(), unb64(secret), payload));
    if (scheme == "mtgox-v2") return b64(hmac(EVP_sha512(), unb64(secret), path + std::string(1, '\0') + payload));
    std::string id;  // mtgox-stream: the UUID's 16 bytes, the tag, the payload
    for (std::size_t i = 0; i < key.size(); i++) {
        if (key[i] == '-') continue;
        id += static_cast<char>(std::strtol(key.substr(i, 2).c_str(), nullptr, 16));
        i++;
    }
    return b64(id + hmac(EVP_sha512(), unb64(secret), payload) + payload);
}

static const char *const SCHEMES[] = {"apiauth", "poloniex", "mtgox-v1", "mtgox-v2", "mtgox-stream", "coinpayments", "viabtc"};

static std::string key_for(const std::string &scheme) { return scheme == "mtgox-stream" ? MTGOX_KEY : "my-key"; }
static std::string secret_for(const std::string &scheme) {
    return scheme.compare(0, 5, "mtgox") == 0 ? MTGOX_SECRET : "a secret, \x01\xff and all";
}

// ---- tests with the std::error_code API (built with and without exceptions) ----

static void test_published_vectors() {
    for (const vector &v : PUBLISHED) {
        std::error_code ec;
        restsign::signer s = restsign::signer::create(v.scheme, v.key, v.secret, ec);
        CHECK(!ec && s);
        std::string sig = s.sign(v.method, v.path, restsign::bytes(v.payload, v.payload_len), v.nonce, ec);
        CHECK(!ec);
        CHECK_EQ(sig, v.signature);
    }
    for (const vector &v : INDEPENDENT) {
        std::error_code ec;
        restsign::signer s = restsign::signer::create(v.scheme, v.key, v.secret, ec);
        CHECK_EQ(s.sign(v.method, v.path, restsign::bytes(v.payload, v.payload_len), v.nonce, ec), v.signature);
    }
}

static void test_against_openssl() {
    unsigned seed = 20130427;
    auto next = [&seed]() { return seed = seed * 1103515245u + 12345u; };
    for (const char *scheme : SCHEMES) {
        for (int i = 0; i < 60; i++) {
            std::string key = key_for(scheme), secret = secret_for(scheme), path = "/api/", payload;
            std::size_t n = (next() >> 8) % 300;
            for (std::size_t j = 0; j < n; j++) payload += static_cast<char>(next() >> 16);  // NUL bytes included
            if (scheme[0] != 'm') secret += std::string(i, static_cast<char>('a' + i % 26));  // up to past a block
            // apiauth signs its nonce and refuses 0 (RESTSIGN_ERR_NONCE_OUT_OF_RANGE): the smallest is 1.
            uint64_t nonce = i == 0 ? 1 : i == 1 ? (uint64_t(1) << 63) - 1 : (uint64_t(next()) << 20) + i;
            std::error_code ec;
            restsign::signer s = restsign::signer::create(scheme, key, secret, ec);
            std::string want = reference(scheme, key, secret, path, payload, nonce);
            CHECK_EQ(s.sign("POST", path, payload, nonce, ec), want);
            CHECK(!ec);
            CHECK_EQ(s.signature_length(payload.size(), ec), want.size());
            if (std::string(scheme) == "poloniex") {
                CHECK_EQ(s.headers("POST", path, payload, nonce, ec), "Key: my-key\r\nSign: " + want + "\r\n");
            }
            if (std::string(scheme) == "apiauth") {
                CHECK_EQ(s.headers("GET", path, payload, nonce, ec),
                         "Apiauth-Key: my-key\r\nApiauth-Nonce: " + std::to_string(nonce) + "\r\nApiauth-Signature: " + want + "\r\n");
            }
        }
    }
    // A signed call longer than the first buffer: the result grows to fit.
    std::error_code ec;
    restsign::signer stream = restsign::signer::create("mtgox-stream", MTGOX_KEY, MTGOX_SECRET, ec);
    std::string big = "{\"call\":\"private/info\",\"nonce\":1,\"params\":{\"x\":\"" + std::string(5000, 'y') + "\"}}";
    CHECK_EQ(stream.sign("GET", "", big, ec), reference("mtgox-stream", MTGOX_KEY, MTGOX_SECRET, "", big, 0));
#if __cplusplus >= 201703L
    std::string_view method = "POSTED", path = "/api/wallet/xyz";  // not NUL-terminated where cut
    restsign::signer a = restsign::signer::create(std::string_view("apiauth"), "k", "s", ec);
    CHECK_EQ(a.sign(method.substr(0, 4), path.substr(0, 12), std::string_view("a=1"), 9, ec),
             reference("apiauth", "k", "s", "/api/wallet/", "a=1", 9));
    CHECK(!ec);
#endif
}

static void test_request() {
    std::error_code ec;
    restsign::nonce ms = restsign::nonce::memory(RESTSIGN_NONCE_UNIT_MILLIS, ec);
    restsign::signer s = restsign::signer::create("poloniex", "K", "S", ms, ec);
    CHECK(!ec);
    restsign::request r = s.request("POST", "/tradingApi", ec);
    r.param("command", "returnBalances", ec).sign(ec);
    CHECK(!ec);
    uint64_t n = r.nonce(ec);
    std::string body = "command=returnBalances&nonce=" + std::to_string(n);
    CHECK_EQ(r.body(ec), body);
    CHECK_EQ(r.query(ec), "");
    CHECK_EQ(r.target(ec), "/tradingApi");
    std::string sig = hex(hmac(EVP_sha512(), "S", body));
    CHECK_EQ(r.signature(ec), sig);
    CHECK(r.headers(ec) == (std::vector<std::string>{"Key: K", "Sign: " + sig}));
    CHECK_EQ(r.header_block(ec), "Key: K\r\nSign: " + sig + "\r\n");
    CHECK(!ec);
    CHECK(r.sign(ec).nonce(ec) > n);

    restsign::signer g = restsign::signer::create("apiauth", "k", "s", ec);
    restsign::request q = g.request("GET", "/api/wallet/", ec);
    q.param("a b", std::string("c\0d", 3), ec).sign_with_nonce(42, ec);
    CHECK_EQ(q.query(ec), "a+b=c%00d");
    CHECK_EQ(q.target(ec), "/api/wallet/?a+b=c%00d");
    CHECK_EQ(q.signature(ec), reference("apiauth", "k", "s", "/api/wallet/", "a+b=c%00d", 42));

    // The request keeps its signer alive.
    restsign::request orphan;
    {
        restsign::signer gone = restsign::signer::create("viabtc", "k", "s", ec);
        orphan = gone.request("POST", "/x", ec);
    }
    orphan.set_json("{\"coin\":\"BTC\"}", ec).sign_with_nonce(7, ec);
    CHECK_EQ(orphan.body(ec), "{\"coin\":\"BTC\",\"tonce\":7}");
    CHECK_EQ(orphan.signature(ec), hex(hmac(EVP_sha256(), "s", "{\"coin\":\"BTC\",\"tonce\":7}")));
    CHECK(!ec);
}

static void test_errors() {
    std::error_code ec;
    restsign::signer bad = restsign::signer::create("nope", "k", "s", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_UNKNOWN_SCHEME);
    CHECK(!bad);
    CHECK_EQ(ec.message(), restsign_strerror(RESTSIGN_ERR_UNKNOWN_SCHEME));
    CHECK_EQ(std::string(ec.category().name()), "restsign");
    restsign::signer::create(std::string("viabtc\0x", 8), "k", "s", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_UNKNOWN_SCHEME);  // not cut short at the NUL into "viabtc"
    restsign::signer::create("poloniex", "k", "", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_EMPTY_SECRET);
    restsign::signer::create(static_cast<const char *>(nullptr), "k", "s", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NULL_ARGUMENT);
    restsign::signer::create("poloniex", restsign::bytes(nullptr, 3), "s", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NULL_WITH_LENGTH);
    restsign::signer::create("mtgox-v1", "k", "not base64!", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_SECRET_NOT_BASE64);
    restsign::signer::create("mtgox-stream", "k", MTGOX_SECRET, ec);
    CHECK_CODE(ec, RESTSIGN_ERR_KEY_NOT_UUID);
    restsign::signer::create("poloniex", "a\nb", "s", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_INVALID_KEY);

    restsign::signer s = restsign::signer::create("poloniex", "k", "s", ec);
    CHECK(!ec);
    CHECK_EQ(s.sign(std::string("GET\0", 4), "", "x", ec), "");
    CHECK_CODE(ec, RESTSIGN_ERR_INVALID_METHOD);
    s.sign("G T", "", "x", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_INVALID_METHOD);
    s.sign("POST", "", "x", ec);
    CHECK(!ec);  // a success clears the code
    restsign::signer stream = restsign::signer::create("mtgox-stream", MTGOX_KEY, MTGOX_SECRET, ec);
    stream.headers("GET", "", "{}", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NO_HEADERS);

    restsign::request r = s.request("POST", "/x", ec);
    r.body(ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NOT_SIGNED);
    CHECK(r.headers(ec).empty());
    CHECK_CODE(ec, RESTSIGN_ERR_NOT_SIGNED);
    r.param("a", "1", ec).set_body("b=2", ec).sign(ec);
    CHECK_CODE(ec, RESTSIGN_ERR_PARAMS_AND_BODY);
    r = s.request("POST", "/x", ec);
    r.sign_with_nonce(0, ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NONCE_OUT_OF_RANGE);
    r.set_body("nonce=5", ec).sign(ec);
    r.nonce(ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NO_NONCE);
    s.request(std::string("P\0ST", 4), "/x", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_INVALID_METHOD);

    // Moved-from and default objects are empty: their calls report a NULL handle, never crash.
    restsign::signer moved = std::move(s);
    CHECK(moved && !s);
    s.sign("POST", "", "x", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NULL_HANDLE);
    restsign::request none;
    none.sign(ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NULL_HANDLE);
    restsign::nonce no_source;
    no_source.next(ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NULL_HANDLE);
    restsign::signer::create("poloniex", "k", "s", no_source, ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NULL_HANDLE);
    restsign::nonce::memory(0, ec);
    CHECK_CODE(ec, RESTSIGN_ERR_INVALID_UNIT);
    restsign::nonce::scheme_unit("nope", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_UNKNOWN_SCHEME);
    CHECK_EQ(restsign::nonce::scheme_unit("mtgox-v1", ec), RESTSIGN_NONCE_UNIT_MICROS);
    restsign::nonce::file(std::string("/tmp/a\0b", 8), "k", RESTSIGN_NONCE_UNIT_MILLIS, ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NONCE_STATE_IO);
    restsign::signer::shared("poloniex", "k", "s", "/proc/no/such/dir/state", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NONCE_STATE_IO);
    CHECK(restsign::make_error_code(RESTSIGN_OK) == std::error_code() || !restsign::make_error_code(RESTSIGN_OK));
}

static void test_nonces(const std::string &dir) {
    std::error_code ec;
    std::string path = dir + "/state";
    restsign::nonce a = restsign::nonce::file(path, "shared-key", RESTSIGN_NONCE_UNIT_MILLIS, ec);
    restsign::nonce b = restsign::nonce::file(path, "shared-key", RESTSIGN_NONCE_UNIT_MILLIS, ec);
    CHECK(!ec);
    uint64_t last = 0;
    bool increasing = true;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = (i % 2 ? a : b).next(ec);
        increasing = increasing && x > last;
        last = x;
    }
    CHECK(increasing && !ec);
    restsign::nonce::file(path, "another key", RESTSIGN_NONCE_UNIT_MILLIS, ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NONCE_STATE_FOREIGN);
    // A signer keeps its source alive; shared signers continue the same file.
    restsign::signer s = restsign::signer::create("poloniex", "shared-key", "s", a, ec);
    a = restsign::nonce();
    CHECK(s.next_nonce(ec) > last && !ec);
    restsign::signer t = restsign::signer::shared("poloniex", "shared-key", "s", path, ec);
    CHECK(t.request("POST", "/tradingApi", ec).sign(ec).nonce(ec) > last && !ec);
}

static void test_verifier(const std::string &dir) {
    std::error_code ec;
    restsign::signer s = restsign::signer::create("poloniex", "K", "S", ec);
    restsign::request r = s.request("POST", "/tradingApi", ec);
    r.param("command", "returnBalances", ec).sign_with_nonce(5, ec);
    restsign::verifier v = restsign::verifier::create("poloniex", "K", "S", ec);
    restsign::verdict d = restsign::verdict::create(ec);
    CHECK(!ec);
    CHECK_EQ(d.status(), RESTSIGN_ERR_NOT_CHECKED);
    std::string headers = r.header_block(ec), body = r.body(ec);
    v.check("POST", "/tradingApi", headers, body + "&x=1", d, ec);
    CHECK_CODE(ec, RESTSIGN_ERR_BAD_SIGNATURE);
    CHECK(restsign::is_rejection(d.status()) && !d.ok());
    CHECK_EQ(d.expected_message(ec), body + "&x=1");
    CHECK_EQ(d.expected_signature(ec), hex(hmac(EVP_sha512(), "S", body + "&x=1")));
    v.check("POST", "/tradingApi", headers, body, d, ec);
    CHECK(!ec && d.ok());
    CHECK_EQ(d.key(ec), "K");
    CHECK_EQ(d.nonce(ec), 5u);
    d.expected_message(ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NO_EXPECTED);
    v.check("POST", "/tradingApi", headers, body, d, ec);
    CHECK_CODE(ec, RESTSIGN_ERR_STALE_NONCE);
    v.check("POST", "/tradingApi", "", body, d, ec);
    CHECK_CODE(ec, RESTSIGN_ERR_MALFORMED);
    d.key(ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NO_KEY);
    restsign::verifier other = restsign::verifier::create("poloniex", "other", "x", ec);
    other.check("POST", "/tradingApi", headers, body, d, ec);
    CHECK_CODE(ec, RESTSIGN_ERR_UNKNOWN_KEY);
    other.add_key("K", "S", ec);
    other.check("POST", "/tradingApi", headers, body, d, ec);
    CHECK(!ec);
    // Shared replay state: a second verifier on the same directory refuses the replay.
    restsign::verifier one = restsign::verifier::shared("poloniex", "K", "S", dir, ec);
    restsign::verifier two = restsign::verifier::shared("poloniex", "K", "S", dir, ec);
    one.check("POST", "/tradingApi", headers, body, d, ec);
    CHECK(!ec);
    two.check("POST", "/tradingApi", headers, body, d, ec);
    CHECK_CODE(ec, RESTSIGN_ERR_STALE_NONCE);
}

// ---- the throwing API ----

// ---- recipes (std::error_code API) ----

// KuCoin's scheme (API key version 2) as a user would write it: the passphrase HMAC-ed too.
static const char *const PASSPHRASED =
    "name = \"kc-style\"\n"
    "hash = \"sha256\"\n"
    "passphrase = true\n"
    "query_methods = [\"GET\", \"DELETE\"]\n"
    "body = \"json\"\n"
    "message = \"{ts}{method}{path}{?query}{body}\"\n"
    "signature = \"base64\"\n"
    "\n"
    "[values]\n"
    "signed_passphrase = { base64 = { hmac = \"{passphrase}\" } }\n"
    "\n"
    "[headers]\n"
    "KC-API-KEY = \"{key}\"\n"
    "KC-API-SIGN = \"{signature}\"\n"
    "KC-API-TIMESTAMP = \"{ts}\"\n"
    "KC-API-PASSPHRASE = \"{signed_passphrase}\"\n"
    "KC-API-KEY-VERSION = \"2\"\n";
static const uint64_t TIME = 1700000000123u;

static std::map<std::string, std::string> header_map(const std::vector<std::string> &lines) {
    std::map<std::string, std::string> m;
    for (const std::string &line : lines) {
        std::size_t colon = line.find(": ");
        if (colon != std::string::npos) m[line.substr(0, colon)] = line.substr(colon + 2);
    }
    return m;
}

static void test_recipes() {
    std::error_code ec;
    std::string err;
    restsign::recipe r = restsign::recipe::parse(PASSPHRASED, err, ec);
    CHECK(!ec && r && err.empty());
    CHECK_EQ(r.name(), "kc-style");

    // Signed as documented: base64(HMAC-SHA256(secret, ts + method + path + ?query + body)), the
    // passphrase as base64(HMAC-SHA256(secret, passphrase)); recomputed with OpenSSL.
    const std::string secret = "kc secret \x01\xff", passphrase = "my passphrase", base = "http://127.0.0.1:8123";
    restsign::signer s = restsign::signer::from_recipe(
        r, "kc-key", secret, restsign::signer_options().passphrase(passphrase).base_url(base), ec);
    CHECK(!ec && s);
    for (const char *method : {"GET", "POST"}) {
        restsign::request q = s.request(method, "/api/v1/orders", ec);
        q.param("currency", "USDT", ec).param("note", "a b&c", ec).set_time(TIME, ec).sign(ec);
        CHECK(!ec);
        std::string query = q.query(ec), body = q.body(ec);
        CHECK(!ec);
        if (std::string(method) == "GET") {
            CHECK(!query.empty() && body.empty());
        } else {
            CHECK(query.empty() && body.size() > 2 && body[0] == '{' && body.find("\"USDT\"") != std::string::npos);
        }
        std::string target = std::string("/api/v1/orders") + (query.empty() ? "" : "?" + query);
        CHECK_EQ(q.url(ec), base + target);
        std::string message = std::to_string(TIME) + method + target + body;
        std::map<std::string, std::string> h = header_map(q.headers(ec));
        CHECK(!ec);
        CHECK_EQ(h["KC-API-KEY"], "kc-key");
        CHECK_EQ(h["KC-API-TIMESTAMP"], std::to_string(TIME));
        CHECK_EQ(h["KC-API-SIGN"], b64(hmac(EVP_sha256(), secret, message)));
        CHECK_EQ(h["KC-API-PASSPHRASE"], b64(hmac(EVP_sha256(), secret, passphrase)));
        CHECK_EQ(h["KC-API-KEY-VERSION"], "2");
    }

    // A passphrase recipe without one; a bad passphrase; a bad base URL; an empty nonce source.
    restsign::signer none = restsign::signer::from_recipe(r, "k", "s", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_PASSPHRASE_MISSING);
    CHECK(!none);
    restsign::nonce source = restsign::nonce::memory(RESTSIGN_NONCE_UNIT_MILLIS, ec);
    CHECK(!ec);
    restsign::signer::from_recipe(r, "k", "s", restsign::signer_options().nonce_source(source), ec);
    CHECK_CODE(ec, RESTSIGN_ERR_PASSPHRASE_MISSING);
    restsign::signer::from_recipe(r, "k", "s", restsign::signer_options().passphrase("two\nlines"), ec);
    CHECK_CODE(ec, RESTSIGN_ERR_INVALID_PASSPHRASE);
    restsign::signer::from_recipe("poloniex", "k", "s", restsign::signer_options().base_url("not a url"), ec);
    CHECK_CODE(ec, RESTSIGN_ERR_INVALID_BASE_URL);
    restsign::nonce empty;
    restsign::signer::from_recipe("poloniex", "k", "s", restsign::signer_options().nonce_source(empty), ec);
    CHECK_CODE(ec, RESTSIGN_ERR_NULL_HANDLE);

    // Presets by name and alias, and a preset signer drawing from a given source.
    restsign::recipe polo = restsign::recipe::preset("poloniex", ec);
    CHECK(!ec && polo.name() == "poloniex");
    CHECK(!restsign::recipe::preset("no-such-exchange", ec));
    CHECK_CODE(ec, RESTSIGN_ERR_UNKNOWN_SCHEME);
    restsign::signer::from_recipe("no-such-exchange", "k", "s", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_UNKNOWN_SCHEME);
    CHECK(restsign::recipe::presets().size() > 7);
    restsign::signer ps = restsign::signer::from_recipe(polo, "my-key", "s3", restsign::signer_options().nonce_source(source), ec);
    CHECK(!ec);
    restsign::request pr = ps.request("POST", "/tradingApi", ec);
    pr.param("command", "returnBalances", ec).sign(ec);
    CHECK(!ec);
    std::string body = pr.body(ec);
    CHECK(body.compare(0, 29, "command=returnBalances&nonce=") == 0);
    CHECK_EQ(header_map(pr.headers(ec))["Sign"], hex(hmac(EVP_sha512(), "s3", body)));

    // The request's URL needs a signed request; UUIDs are checked.
    restsign::request u = s.request("GET", "/x", ec);
    CHECK(u.url(ec).empty());
    CHECK_CODE(ec, RESTSIGN_ERR_NOT_SIGNED);
    u.set_uuid("not-a-uuid", ec);
    CHECK_CODE(ec, RESTSIGN_ERR_INVALID_UUID);
    u.set_uuid("0b7a0d8e-5c3f-4c2a-9d1e-6f7a8b9c0d1e", ec);
    CHECK(!ec);

    // A refused recipe: the status, and the parser's message saying where and what.
    const std::string bad = "name = \"x\"\nhash = \"sha256\"\nmessage = \"{payload}\"\n[headers]\nX-SIGN = \"{sig}\"\n";
    CHECK(!restsign::recipe::parse(bad, err, ec));
    CHECK_CODE(ec, RESTSIGN_ERR_INVALID_RECIPE);
    CHECK(err.compare(0, 19, "line 5, column 11: ") == 0);
    CHECK(err.find("headers.X-SIGN") != std::string::npos && err.find("{sig}") != std::string::npos);
    CHECK(!restsign::recipe::parse("name = \"x\"\nhash = sha256\nmessage = \"{payload}\"\n", err, ec));
    CHECK_CODE(ec, RESTSIGN_ERR_INVALID_RECIPE);
    CHECK(err.compare(0, 17, "line 2, column 8:") == 0);
    restsign::recipe::parse(PASSPHRASED, err, ec);
    CHECK(!ec && err.empty());
}

// ---- check_request: any recipe, the whole request as received ----

// Kraken's published example (docs.kraken.com, REST API "Authentication"): secret, request and
// API-Sign as Kraken gives them, checked without restsign having signed anything.
static const char *const KRAKEN_SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
static const char *const KRAKEN_BODY = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25";
static const std::string KRAKEN_SIGN = "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==";

static restsign_status check_kraken(const std::string &sign, restsign::verdict &d) {
    std::error_code ec;
    restsign::verifier v = restsign::verifier::create("kraken", "kraken-key", KRAKEN_SECRET, ec);  // fresh: a new nonce to it
    const std::vector<std::pair<std::string, std::string>> headers = {{"API-Key", "kraken-key"}, {"API-Sign", sign}};
    v.check_request("POST", "/0/private/AddOrder", headers, KRAKEN_BODY, d, ec);
    return static_cast<restsign_status>(ec.value());
}

static void test_check_request() {
    std::error_code ec;
    restsign::verdict d = restsign::verdict::create(ec);
    const std::string key = "my-key", secret = "a secret of some length";
    struct { const char *preset, *path, *removed; bool hex; } cases[] = {
        {"binance", "/api/v3/order", "X-MBX-APIKEY", true}, {"okx", "/api/v5/trade/order", "OK-ACCESS-TIMESTAMP", false}};
    for (const auto &c : cases) {
        const bool okx = std::string(c.preset) == "okx";
        restsign::signer s = okx ? restsign::signer::from_recipe(c.preset, key, secret, restsign::signer_options().passphrase("okx pass"), ec)
                                 : restsign::signer::from_recipe(c.preset, key, secret, ec);
        restsign::request r = s.request("POST", c.path, ec);
        if (okx) {
            r.set_json("{\"instId\":\"BTC-USDT\"}", ec);
        } else {
            r.param("symbol", "BTCUSDT", ec).param("side", "BUY", ec);
        }
        r.sign(ec);
        CHECK(!ec);
        restsign::verifier v = restsign::verifier::create(c.preset, key, secret, ec);
        if (okx) v.add_key_with_passphrase(key, secret, "okx pass", ec);
        v.set_window_ms(30000, ec);
        CHECK(!ec);
        const std::string target = r.target(ec), body = r.body(ec), block = r.header_block(ec);
        std::map<std::string, std::string> headers = header_map(r.headers(ec));

        v.check_request("POST", target, headers, body, d, ec);
        CHECK(!ec && d.ok() && d.key(ec) == key);
        d.part(ec);
        CHECK_CODE(ec, RESTSIGN_ERR_NO_PART);
        v.check_request("POST", target, block, body, d, ec);
        CHECK_CODE(ec, RESTSIGN_ERR_REPLAYED);
        CHECK(restsign::is_rejection(d.status()));

        std::string changed = body;
        changed[changed.find("USDT") + 3] = 'C';  // one byte
        v.check_request("POST", target, block, changed, d, ec);
        CHECK_CODE(ec, RESTSIGN_ERR_BAD_SIGNATURE);
        CHECK_EQ(d.received_signature(ec), r.signature(ec));
        const std::string message = d.expected_message(ec);
        CHECK(message.find("USDC") != std::string::npos);
        const std::string tag = hmac(EVP_sha256(), secret, message);  // recomputed with OpenSSL
        CHECK_EQ(d.expected_signature(ec), c.hex ? hex(tag) : b64(tag));

        headers.erase(c.removed);
        v.check_request("POST", target, headers, body, d, ec);
        CHECK_CODE(ec, RESTSIGN_ERR_MALFORMED);
        CHECK_EQ(d.part(ec), std::string("header ") + c.removed);
    }

    CHECK(check_kraken(KRAKEN_SIGN, d) == RESTSIGN_OK && d.nonce(ec) == 1616492376594u);
    // Folded after 76 characters: unfolded to a space, which base64 decoding forgives.
    CHECK_EQ(check_kraken(KRAKEN_SIGN.substr(0, 76) + "\n " + KRAKEN_SIGN.substr(76), d), RESTSIGN_OK);
    const std::string changed = "5" + KRAKEN_SIGN.substr(1);
    CHECK_EQ(check_kraken(changed, d), RESTSIGN_ERR_BAD_SIGNATURE);
    CHECK_EQ(d.received_signature(ec), changed);

    // A header name that is no token; check refuses recipes it cannot follow.
    restsign::verifier v = restsign::verifier::create("kraken", "k", KRAKEN_SECRET, ec);
    v.check_request("POST", "/", std::map<std::string, std::string>{{"API:Key", "k"}}, "", d, ec);
    CHECK(ec == std::errc::invalid_argument);
    restsign::verifier::create("okx", "k", "s", ec).check("POST", "/", "", "", d, ec);
    CHECK_CODE(ec, RESTSIGN_ERR_VERIFY_UNSUPPORTED);
    CHECK(!restsign::is_rejection(RESTSIGN_ERR_REPLAY_MEMORY_FULL));
}

#if RESTSIGN_HPP_EXCEPTIONS
template <typename F>
static restsign_status thrown(F f) {
    try {
        f();
    } catch (const restsign::recipe_error &e) {
        CHECK_EQ(std::string(e.what()), std::string(restsign_strerror(e.status())) + ": " + e.detail());
        CHECK(e.code() == restsign::make_error_code(e.status()) && !e.detail().empty());
        return e.status();
    } catch (const restsign::error &e) {
        CHECK_EQ(std::string(e.what()), restsign_strerror(e.status()));
        CHECK(e.code() == restsign::make_error_code(e.status()));
        return e.status();
    }
    return RESTSIGN_OK;
}

static void test_exceptions() {
    const vector &v = PUBLISHED[1];
    restsign::signer s(v.scheme, v.key, v.secret);
    CHECK_EQ(s.sign(v.method, v.path, std::string(v.payload, v.payload_len), v.nonce), v.signature);
    CHECK_EQ(s.headers("GET", "", "a=1"),
             std::string("X-API-KEY: ") + v.key + "\r\nX-SIGNATURE: " + hex(hmac(EVP_sha256(), v.secret, "a=1")) + "\r\n");
    CHECK(s.next_nonce() > 0);
    CHECK_EQ(s.signature_length(10), 64u);

    restsign::signer p("poloniex", "K", "S", restsign::nonce::memory(RESTSIGN_NONCE_UNIT_MILLIS));
    restsign::request r = p.request("POST", "/tradingApi");
    r.param("command", "returnBalances").sign();
    std::string body = r.body();
    CHECK_EQ(body, "command=returnBalances&nonce=" + std::to_string(r.nonce()));
    CHECK(r.headers() == (std::vector<std::string>{"Key: K", "Sign: " + hex(hmac(EVP_sha512(), "S", body))}));
    CHECK_EQ(r.header_block(), "Key: K\r\nSign: " + hex(hmac(EVP_sha512(), "S", body)) + "\r\n");
    CHECK_EQ(r.target() + r.query(), "/tradingApi");
    CHECK_EQ(r.signature(), hex(hmac(EVP_sha512(), "S", body)));

    CHECK_EQ(thrown([] { restsign::signer("nope", "k", "s"); }), RESTSIGN_ERR_UNKNOWN_SCHEME);
    CHECK_EQ(thrown([&] { s.sign("G T", "", ""); }), RESTSIGN_ERR_INVALID_METHOD);
    CHECK_EQ(thrown([&] { p.request("POST", "/x").body(); }), RESTSIGN_ERR_NOT_SIGNED);
    CHECK_EQ(thrown([&] { p.request("POST", "/x").param("a", "b").set_body("c").sign(); }), RESTSIGN_ERR_PARAMS_AND_BODY);
    CHECK_EQ(thrown([] { restsign::signer("viabtc", "k", "s").request("POST", "/x").set_json("[1]").sign(); }), RESTSIGN_ERR_JSON_NOT_OBJECT);
    CHECK_EQ(thrown([&] { p.request("POST", "/x").sign_with_nonce(0); }), RESTSIGN_ERR_NONCE_OUT_OF_RANGE);
    CHECK_EQ(thrown([] { restsign::nonce::memory(99); }), RESTSIGN_ERR_INVALID_UNIT);
    CHECK_EQ(thrown([] { restsign::nonce().next(); }), RESTSIGN_ERR_NULL_HANDLE);
    CHECK_EQ(thrown([] { restsign::nonce::scheme_unit("nope"); }), RESTSIGN_ERR_UNKNOWN_SCHEME);
    CHECK_EQ(thrown([] { restsign::signer::shared("poloniex", "k", "s", "/proc/no/such"); }), RESTSIGN_ERR_NONCE_STATE_IO);

    restsign::verifier ver("poloniex", "K", "S");
    restsign::verdict d;
    ver.check("POST", "/tradingApi", r.header_block(), body, d);
    CHECK(d.ok() && d.key() == "K" && d.nonce() == r.nonce());
    CHECK_EQ(thrown([&] { ver.check("POST", "/tradingApi", r.header_block(), body, d); }), RESTSIGN_ERR_STALE_NONCE);
    CHECK_EQ(d.status(), RESTSIGN_ERR_STALE_NONCE);
    CHECK_EQ(thrown([&] { ver.check("POST", "/tradingApi", r.header_block(), body + "x", d); }), RESTSIGN_ERR_BAD_SIGNATURE);
    CHECK_EQ(d.expected_message(), body + "x");
    CHECK_EQ(thrown([&] { d.key(); ver.check("POST", "/x", "", "", d); d.key(); }), RESTSIGN_ERR_MALFORMED);
    ver.add_key("L", "T");
    restsign::verifier kraken("kraken", "kraken-key", KRAKEN_SECRET);
    kraken.set_window_ms(1000);
    kraken.check_request("POST", "/0/private/AddOrder", "API-Key: kraken-key\r\nAPI-Sign: " + KRAKEN_SIGN + "\r\n", KRAKEN_BODY, d);
    CHECK(d.ok() && d.nonce() == 1616492376594u);
    CHECK_EQ(thrown([&] { kraken.check_request("POST", "/0/private/AddOrder", std::map<std::string, std::string>{{"API-Key", "kraken-key"}}, KRAKEN_BODY, d); }),
             RESTSIGN_ERR_MALFORMED);
    CHECK_EQ(d.part(), "header API-Sign");
    kraken.add_key_with_passphrase("other", "c2VjcmV0", "ignored here");
    CHECK_EQ(thrown([] { restsign::verifier("poloniex", "", "s"); }), RESTSIGN_ERR_INVALID_KEY);
    // The seven seed schemes come first, in order; the presets (recipes) follow.
    const std::vector<std::string> seeds = {"apiauth", "poloniex", "mtgox-v1", "mtgox-v2", "mtgox-stream", "coinpayments", "viabtc"};
    std::vector<std::string> schemes = restsign::signer::schemes();
    CHECK(schemes.size() > seeds.size());
    CHECK(std::vector<std::string>(schemes.begin(), schemes.begin() + 7) == seeds);

    // Recipes, throwing: the parser's message in the exception; the options; the request's extras.
    try {
        restsign::recipe::parse("name = \"x\"\nhash = \"md5\"\nmessage = \"{payload}\"\n");
        CHECK(false);
    } catch (const restsign::recipe_error &e) {
        CHECK_EQ(e.status(), RESTSIGN_ERR_INVALID_RECIPE);
        CHECK(e.detail().compare(0, 18, "line 2, column 8: ") == 0 && e.detail().find("md5") != std::string::npos);
        CHECK_EQ(std::string(e.what()), std::string(restsign_strerror(RESTSIGN_ERR_INVALID_RECIPE)) + ": " + e.detail());
    }
    CHECK_EQ(thrown([] { restsign::recipe::parse("{\"name\": 1}"); }), RESTSIGN_ERR_INVALID_RECIPE);
    CHECK_EQ(thrown([] { restsign::recipe::preset("no-such-exchange"); }), RESTSIGN_ERR_UNKNOWN_SCHEME);
    restsign::recipe kc = restsign::recipe::parse(PASSPHRASED);
    CHECK_EQ(thrown([&] { restsign::signer::from_recipe(kc, "k", "s"); }), RESTSIGN_ERR_PASSPHRASE_MISSING);
    CHECK_EQ(thrown([] { restsign::signer::from_recipe("poloniex", "k", "s", restsign::signer_options().base_url("http://h/p")); }),
             RESTSIGN_ERR_INVALID_BASE_URL);
    const std::string secret = "thrown secret", passphrase = "p4ss";
    restsign::signer ks = restsign::signer::from_recipe(kc, "kk", secret, restsign::signer_options().passphrase(passphrase));
    restsign::request kr = ks.request("DELETE", "/api/v1/orders/1");
    CHECK_EQ(thrown([&] { kr.url(); }), RESTSIGN_ERR_NOT_SIGNED);
    CHECK_EQ(thrown([&] { kr.set_uuid("0b7a0d8e"); }), RESTSIGN_ERR_INVALID_UUID);
    kr.set_uuid("0b7a0d8e-5c3f-4c2a-9d1e-6f7a8b9c0d1e").set_time(TIME + 1).sign();
    std::map<std::string, std::string> h = header_map(kr.headers());
    CHECK(kr.body().empty() && kr.query().empty());
    CHECK_EQ(h["KC-API-TIMESTAMP"], std::to_string(TIME + 1));
    CHECK_EQ(h["KC-API-SIGN"], b64(hmac(EVP_sha256(), secret, std::to_string(TIME + 1) + "DELETE/api/v1/orders/1")));
    CHECK_EQ(h["KC-API-PASSPHRASE"], b64(hmac(EVP_sha256(), secret, passphrase)));
}
#endif

int main() {
    char dir[] = "/tmp/restsign-hpp-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    test_published_vectors();
    test_against_openssl();
    test_request();
    test_errors();
    test_nonces(dir);
    test_verifier(dir);
    test_check_request();
    test_recipes();
#if RESTSIGN_HPP_EXCEPTIONS
    test_exceptions();
    const char *mode = "exceptions";
#else
    const char *mode = "no exceptions";
#endif
    std::string rm = std::string("rm -rf ") + dir;
    if (std::system(rm.c_str()) != 0) return 2;
    std::printf("test_restsign_hpp (C++ %ld, %s): %d checks, %d failed\n", static_cast<long>(__cplusplus), mode, checks, failures);
    return failures ? 1 : 0;
}
