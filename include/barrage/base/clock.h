#pragma once
// The only place that reads the clock. Workers read it once per loop turn and
// pass `now` down; arithmetic modules take time as an argument.

#include <cstdint>

namespace barrage::base {

inline constexpr int64_t ns_per_us = 1'000;
inline constexpr int64_t ns_per_ms = 1'000'000;
inline constexpr int64_t ns_per_s = 1'000'000'000;

// CLOCK_MONOTONIC in nanoseconds.
int64_t now_ns();

// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID) in nanoseconds.
int64_t thread_cpu_ns();
// CLOCK_REALTIME in milliseconds since the Unix epoch (for timestamps in output files).
int64_t wall_clock_ms();
// CLOCK_REALTIME - CLOCK_MONOTONIC now: turns the kernel's socket timestamps
// (wall clock) into monotonic time. Both clocks are slewed alike; only a step
// of the wall clock changes it.
int64_t realtime_minus_monotonic_ns();

}  // namespace barrage::base
