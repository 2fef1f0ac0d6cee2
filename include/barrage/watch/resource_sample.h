#pragma once
// One reading of a watched target's resources (a process or a cgroup), and
// the interface both samplers share. Values a source cannot give are -1.

#include <cstdint>
#include <string>

namespace barrage::watch {

struct ResourceSample {
    int64_t wall_ms = 0;     // when it was taken, CLOCK_REALTIME ms (see Watcher::stop)
    double t_s = 0;          // seconds since the measured start; negative during warm-up
    int64_t rss_bytes = -1;  // process: VmRSS; cgroup: memory.current
    double cpu_s = -1;       // user + system CPU time consumed so far
    int64_t fds = -1;        // open file descriptors; -1 for a cgroup or an unreadable fd dir
    int64_t threads = -1;    // process: Threads; cgroup: pids.current
};

enum class SampleStatus : uint8_t {
    ok,      // `sample` was filled
    exited,  // the target is gone (process exited or became a zombie, cgroup removed)
};

// A source of ResourceSamples. Each sample() reads the kernel's files once;
// control plane only (it allocates and makes system calls).
class Sampler {
public:
    virtual ~Sampler() = default;
    // "pid 1234 (nginx)" or "cgroup /sys/fs/cgroup/app.slice".
    virtual const std::string& name() const = 0;
    // Fills every field but wall_ms and t_s.
    virtual SampleStatus sample(ResourceSample& sample) = 0;
};

}  // namespace barrage::watch
