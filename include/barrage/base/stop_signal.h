#pragma once
// Waiting for a stop signal (SIGINT, SIGTERM, SIGHUP) in the thread that takes
// them: the run's coordinator, a suite between runs, the dashboard's linger.

#include <cstdint>

namespace barrage::base {

// Waits up to `timeout_ns` (>= 0) for SIGINT, SIGTERM or SIGHUP, which the
// calling thread must have blocked (block_stop_signals in cpu.h), and takes it.
// Returns the signal number, or 0 when the time passed without one; 0 ns only
// takes one already pending. Other signals (EINTR) do not end the wait early.
int wait_stop_signal(int64_t timeout_ns);

}  // namespace barrage::base
