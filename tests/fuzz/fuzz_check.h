#pragma once
// FUZZ_CHECK(cond): a property a fuzz target asserts about its input. Unlike
// assert() it stays on in every build, and abort() is what libFuzzer reports
// as a crash, with the input that caused it saved.

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                 \
        }                                                                                 \
    } while (0)
