/*
 * Known answers shared by the C tests: the vectors the seed documents publish and, for the schemes
 * without one, signatures computed with Python (hmac, hashlib, base64) and checked with openssl.
 * None of them was produced by restsign.
 */
#ifndef RESTSIGN_TESTS_KNOWN_ANSWERS_H
#define RESTSIGN_TESTS_KNOWN_ANSWERS_H

#include <stddef.h>
#include <stdint.h>

/* A request and the signature text it must get. */
struct vector {
    const char *scheme, *key, *secret, *method, *path, *payload;
    size_t payload_len; /* payloads may hold NUL bytes */
    uint64_t nonce;
    const char *signature;
};

#define TEXT(s) s, sizeof(s) - 1
#define MTGOX_KEY "12345678-abcd-1234-abcd-50286e649d5c"
/* base64("restsign known-answer secret for MtGox schemes, 0123456789") */
#define MTGOX_SECRET "cmVzdHNpZ24ga25vd24tYW5zd2VyIHNlY3JldCBmb3IgTXRHb3ggc2NoZW1lcywgMDEyMzQ1Njc4OQ=="
#define VIABTC_KEY "16289e05354c3c3814b8f3045950395f"
#define VIABTC_SECRET "d186ababcb0eb1f6af5c1519424f462b84c631f86c06309992ae1f15604668b0"

/* The three vectors published in the seed documents (tests/vectors/seed-vectors.json). */
static const struct vector PUBLISHED[] = {
    {"coinpayments", "your_api_public_key", "test", "POST", "",
     TEXT("currency=BTC&version=1&cmd=get_callback_address&key=your_api_public_key&format=json"), 0,
     "5590eac015e7692902e1a9cd5464f1d305a4b593d2f1343d826ac5affc5ac6f9"
     "60a5167284f9bf31295cba0e04df9d8f7087935b5344c468ccf2dd036e159102"},
    {"viabtc", VIABTC_KEY, VIABTC_SECRET, "GET", "/res/openapi/v1/hashrate",
     TEXT("coin=BTC&amount=1.0&tonce=1513746038205"), 1513746038205u,
     "4a1c9e4c73629b62fd999cbbcd2bc8b87a07f1791ae61ba576427f820dd3bc59"},
    {"viabtc", VIABTC_KEY, VIABTC_SECRET, "POST", "/res/openapi/v1/hashrate",
     TEXT("{\"coin\": \"BTC\", \"amount\": \"1.0\", tonce: 1513746038205}"), 1513746038205u,
     "2dd2cc09cb5b11c7f24d457b1c01e46f2f2b17f06a62bf29eda35b5fb45ce354"},
};

/*
 * Schemes without a published vector, computed with Python (hmac, hashlib, base64); the HMACs
 * were also checked with openssl, e.g. for apiauth:
 *   printf '%s' '1513746038205apiauth-demo-key/api/wallet/foo=bar&baz=quux' \
 *     | openssl dgst -sha256 -hmac apiauth-demo-secret        (then upper-cased)
 * and for mtgox-v2 (the secret's decoded bytes as the key, NUL between path and body):
 *   printf 'BTCUSD/money/info\0nonce=1366815234000000' | openssl dgst -sha512 -mac HMAC \
 *     -macopt hexkey:<hex of the decoded secret> -binary | base64 -w0
 */
static const struct vector INDEPENDENT[] = {
    {"apiauth", "apiauth-demo-key", "apiauth-demo-secret", "GET", "/api/wallet/",
     TEXT("foo=bar&baz=quux"), 1513746038205u,
     "6A77248729B606B9886298C0EF816D86886B699619C03314F64EDA94BC5E8AD0"},
    {"poloniex", "POLO-DEMO-KEY", "poloniex-demo-secret", "POST", "",
     TEXT("command=returnBalances&nonce=1513746038205"), 0,
     "2da5d97537e425607b1feabe1ac2d79229bad878bf96aabd30fbf6a4718cd323"
     "30fd67e68b93f1bf4393b61c94e0bacd782dc9869a376472938618cd35516411"},
    {"mtgox-v1", MTGOX_KEY, MTGOX_SECRET, "POST", "", TEXT("nonce=1366815234000000"), 0,
     "QDAFo7Bx2/3TaJggIU3TA3TJRds8dQUM00OeUcBnI2eyn0OoahnN/dFDlKM1NJasfEYXauapEfuGfJSWQRkmOw=="},
    {"mtgox-v2", MTGOX_KEY, MTGOX_SECRET, "POST", "BTCUSD/money/info", TEXT("nonce=1366815234000000"), 0,
     "XitPlBnuRGKUBekGNycEwgYeCVhD6+F7fDHc+D+LFpzXIEvBbzF2Mly8myYlZrtnBOlkY5DbEEhoA9bygJ0rAw=="},
    {"mtgox-stream", MTGOX_KEY, MTGOX_SECRET, "POST", "",
     TEXT("{\"id\":\"1\",\"call\":\"private/info\",\"nonce\":1366815234000000}"), 0,
     "EjRWeKvNEjSrzVAobmSdXDC0CSo4se8Nt1T1njlyWt2Bxe3knbSmlEDcOphnQqNHWplir12hBqgc2Z86TdsBvpSaRIeYz6TP"
     "EhGH5XLrXYF7ImlkIjoiMSIsImNhbGwiOiJwcml2YXRlL2luZm8iLCJub25jZSI6MTM2NjgxNTIzNDAwMDAwMH0="},
};

#endif /* RESTSIGN_TESTS_KNOWN_ANSWERS_H */
