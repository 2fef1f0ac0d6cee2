#pragma once
// CPU topology and pinning. Only CPUs in the process's allowed set are used,
// so `taskset` and cgroup cpusets are respected.

#include <vector>

namespace barrage::base {

// CPUs this process may run on (sched_getaffinity), ascending.
std::vector<int> allowed_cpus();

// Pins the calling thread to `cpu`. Returns false if the kernel refused.
bool pin_current_thread(int cpu);

// Blocks SIGINT/SIGTERM/SIGHUP/SIGPIPE in the calling thread (workers call this so
// that only the coordinator sees signals).
void block_stop_signals();

// Raises RLIMIT_NOFILE's soft limit to its hard limit. Returns the new soft limit.
long raise_fd_limit();

}  // namespace barrage::base
