// The header must compile as C++11 with strict warnings and link with C linkage: a C++ caller
// signs the published ViaBTC GET vector.
#include "restsign.h"

#include <cstdio>
#include <cstring>
#include <type_traits>

static_assert(std::is_same<restsign_status, int32_t>::value, "restsign_status is int32_t");
static_assert(RESTSIGN_MAX_TAG_LEN == 128, "SHA-512 hex");

int main() {
    static const char key[] = "16289e05354c3c3814b8f3045950395f";
    static const char secret[] = "d186ababcb0eb1f6af5c1519424f462b84c631f86c06309992ae1f15604668b0";
    static const char query[] = "coin=BTC&amount=1.0&tonce=1513746038205";
    static const char published[] = "4a1c9e4c73629b62fd999cbbcd2bc8b87a07f1791ae61ba576427f820dd3bc59";

    restsign_signer *signer = nullptr;
    if (restsign_signer_new("viabtc", key, sizeof key - 1, secret, sizeof secret - 1, &signer) != RESTSIGN_OK) {
        std::fprintf(stderr, "header_cxx: signer_new failed\n");
        return 1;
    }
    char sig[RESTSIGN_MAX_TAG_LEN + 1];
    size_t len = 0;
    restsign_status st = restsign_signer_sign_into(signer, "GET", nullptr, 0, query, sizeof query - 1,
                                                   1513746038205u, sig, sizeof sig, &len);
    restsign_signer_free(signer);
    bool ok = st == RESTSIGN_OK && len == sizeof published - 1 && std::strcmp(sig, published) == 0;
    std::printf("header_cxx: %s (restsign %s)\n", ok ? "ok" : "FAILED", restsign_version());
    return ok ? 0 : 1;
}
