#pragma once
// Assertions that stay on in every build (NDEBUG included): a broken invariant
// stops the program with file:line instead of producing a wrong number.

namespace barrage::base::detail {
[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const char* msg);
}

#define BARRAGE_ASSERT(cond)                                                          \
    do {                                                                              \
        if (!(cond)) [[unlikely]] {                                                   \
            ::barrage::base::detail::assert_fail(#cond, __FILE__, __LINE__, nullptr); \
        }                                                                             \
    } while (0)

#define BARRAGE_ASSERT_MSG(cond, msg)                                               \
    do {                                                                            \
        if (!(cond)) [[unlikely]] {                                                 \
            ::barrage::base::detail::assert_fail(#cond, __FILE__, __LINE__, (msg)); \
        }                                                                           \
    } while (0)
