/*
 * A minimal check harness shared by the C test programs: CHECK records a failure with its
 * location and carries on, so one run reports every broken expectation; check_exit() turns the
 * count into the exit status.
 */
#ifndef RESTSIGN_TESTS_CHECK_H
#define RESTSIGN_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures;
static int check_count;

/* CHECK(condition, printf-format, args...): the format says what was expected. */
#define CHECK(cond, ...)                                                             \
    do {                                                                             \
        check_count++;                                                               \
        if (!(cond)) {                                                               \
            check_failures++;                                                        \
            fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #cond);        \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
        }                                                                            \
    } while (0)

/* Prints the tally and returns the process exit status. */
static inline int check_exit(const char *program) {
    printf("%s: %d checks, %d failed\n", program, check_count, check_failures);
    return check_failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif /* RESTSIGN_TESTS_CHECK_H */
