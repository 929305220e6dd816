/*
 * A program outside the restsign tree, built against an installed restsign: signs the ViaBTC GET
 * vector published in ViaBTC's documentation and checks the published signature. Written in C89,
 * as consume.sh also builds it with -std=c89 -pedantic.
 */
#include <restsign.h>

#include <stdio.h>
#include <string.h>

int main(void) {
    static const char key[] = "16289e05354c3c3814b8f3045950395f";
    static const char secret[] = "d186ababcb0eb1f6af5c1519424f462b84c631f86c06309992ae1f15604668b0";
    static const char query[] = "coin=BTC&amount=1.0&tonce=1513746038205";
    static const char published[] = "4a1c9e4c73629b62fd999cbbcd2bc8b87a07f1791ae61ba576427f820dd3bc59";
    char sig[RESTSIGN_MAX_TAG_LEN + 1];
    size_t len = 0;
    restsign_signer *signer = NULL;
    restsign_status st = restsign_signer_new("viabtc", key, strlen(key), secret, strlen(secret), &signer);
    if (st != RESTSIGN_OK) {
        fprintf(stderr, "consumer: %s\n", restsign_strerror(st));
        return 1;
    }
    st = restsign_signer_sign_into(signer, "GET", "/res/openapi/v1/hashrate", 24, query, strlen(query),
                                   1513746038205u, sig, sizeof sig, &len);
    restsign_signer_free(signer);
    if (st != RESTSIGN_OK || strcmp(sig, published) != 0) {
        fprintf(stderr, "consumer: got %s (status %d), published %s\n", st == RESTSIGN_OK ? sig : "-", st, published);
        return 1;
    }
    printf("consumer: restsign %s signs the published ViaBTC vector: %s\n", restsign_version(), sig);
    return 0;
}
