#pragma once
// Counts every global operator new of the test executable, so a test can prove
// that a hot-path call never allocates:
//
//     const int64_t before = barrage::test::allocation_count();
//     parser.feed(bytes);
//     CHECK(barrage::test::allocation_count() == before);
//
// This header DEFINES the replacement operators new and delete: include it
// from exactly one file of a test executable (its <module>_test.cc); a second
// one fails to link with a multiple definition. Every form is replaced, plain,
// array and nothrow (simdjson allocates with nothrow new[]), so each new is
// paired with the delete from here (ASan checks the pairing).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

// GCC flags free() in the replaced delete once it inlines it next to a `new`;
// malloc/free is exactly the pairing here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace barrage::test::detail {
inline std::atomic<int64_t> allocations{0};
}  // namespace barrage::test::detail

namespace barrage::test {
// How many times operator new (any form) ran in this process so far.
inline int64_t allocation_count() { return detail::allocations.load(std::memory_order_relaxed); }
}  // namespace barrage::test

void* operator new(std::size_t size) {
    barrage::test::detail::allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) {
        return p;
    }
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    barrage::test::detail::allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
    return operator new(size, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
