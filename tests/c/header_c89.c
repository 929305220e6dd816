/*
 * The header as C89 with -pedantic -Werror (CMake's test header_c89): older embedded and trading
 * toolchains still build as C89. It also calls into the library, so the declarations link.
 */
#include <restsign.h>

#include <stdio.h>
#include <string.h>

int main(void) {
    char sig[RESTSIGN_MAX_TAG_LEN + 1];
    size_t len = 0;
    restsign_signer *signer = NULL;
    restsign_status st = restsign_signer_new("poloniex", "k", 1, "s", 1, &signer);
    if (st == RESTSIGN_OK) {
        st = restsign_signer_sign_into(signer, "POST", NULL, 0, "a=1", 3, 0, sig, sizeof sig, &len);
    }
    restsign_signer_free(signer);
    if (st != RESTSIGN_OK || len != strlen(sig)) {
        fprintf(stderr, "header_c89: %s\n", restsign_strerror(st));
        return 1;
    }
    printf("header_c89: restsign %s, a %lu-character signature\n", restsign_version(), (unsigned long)len);
    return 0;
}
