#include "barrage/base/clock.h"

#include <ctime>

namespace barrage::base {

int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * ns_per_s + ts.tv_nsec;
}

int64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<int64_t>(ts.tv_sec) * ns_per_s + ts.tv_nsec;
}

int64_t wall_clock_ms() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / ns_per_ms;
}

int64_t realtime_minus_monotonic_ns() {
    timespec real{};
    timespec mono{};
    clock_gettime(CLOCK_REALTIME, &real);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    return (static_cast<int64_t>(real.tv_sec) - mono.tv_sec) * ns_per_s +
           (real.tv_nsec - mono.tv_nsec);
}

}  // namespace barrage::base
