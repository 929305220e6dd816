/*
 * Stopgap: the five request view functions are exported by librestsign but missing from
 * include/restsign.h, because src/ffi/request.rs defines them through a macro_rules! macro and
 * cbindgen does not expand macros. These are the prototypes cbindgen would write. Delete this file
 * (and its #include lines) once the generated header declares them; until then they are
 * compatible redeclarations, so both can coexist.
 */
#ifndef RESTSIGN_REQUEST_VIEWS_H
#define RESTSIGN_REQUEST_VIEWS_H

#include "restsign.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The body to send (empty when the parameters travel in the query). */
RESTSIGN_MUST_USE restsign_status restsign_request_body(const restsign_request *req, const char **data, size_t *len);
/* The query string without '?' (empty when the parameters travel in the body). */
RESTSIGN_MUST_USE restsign_status restsign_request_query(const restsign_request *req, const char **data, size_t *len);
/* The request target: the path, plus '?' and the query string when there is one. */
RESTSIGN_MUST_USE restsign_status restsign_request_target(const restsign_request *req, const char **data, size_t *len);
/* The signature text (for mtgox-stream, the whole signed call to send). */
RESTSIGN_MUST_USE restsign_status restsign_request_signature(const restsign_request *req, const char **data,
                                                             size_t *len);
/* Every header as "Name: value\r\n" lines (empty for mtgox-stream). */
RESTSIGN_MUST_USE restsign_status restsign_request_header_block(const restsign_request *req, const char **data,
                                                                size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* RESTSIGN_REQUEST_VIEWS_H */
