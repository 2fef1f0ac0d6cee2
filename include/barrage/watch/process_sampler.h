#pragma once
// Samples one process from /proc/PID: VmRSS and Threads from `status`, utime +
// stime from `stat` (in clock ticks, sysconf(_SC_CLK_TCK)), open descriptors
// as the entries of `fd`. The parsers take the files' text so tests feed them.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "barrage/base/result.h"
#include "barrage/watch/resource_sample.h"

namespace barrage::watch {

// The fields of /proc/PID/status a sample needs.
struct ProcStatus {
    char state = '?';                  // 'R', 'S', 'Z' (zombie), 'X' (dead), ...
    std::optional<int64_t> rss_bytes;  // VmRSS (absent for zombies and kernel threads)
    int64_t threads = 0;
};

// Errors: no "State:" or "Threads:" line, or a number that does not parse.
base::Result<ProcStatus> parse_proc_status(std::string_view text);

// utime + stime, in clock ticks, from /proc/PID/stat. The command name in
// parentheses may hold spaces and ')' itself, so fields count from the last ')'.
// Errors: fewer than 15 fields, or utime/stime not numbers.
base::Result<int64_t> parse_proc_stat_cpu_ticks(std::string_view text);

class ProcessSampler final : public Sampler {
public:
    // Checks that the process exists and its /proc files can be read.
    // Errors: "--watch-pid 1234: no process with this id (is the target running?)".
    static base::Result<std::unique_ptr<ProcessSampler>> open(int pid,
                                                              std::string_view proc_root = "/proc");

    const std::string& name() const override { return name_; }
    // `exited` once /proc/PID is gone or the process is a zombie.
    SampleStatus sample(ResourceSample& sample) override;

    int pid() const { return pid_; }

private:
    ProcessSampler(int pid, std::string directory, std::string name)
        : pid_(pid), directory_(std::move(directory)), name_(std::move(name)) {}

    int pid_;
    std::string directory_;  // "/proc/1234"
    std::string name_;
    double seconds_per_tick_ = 0;
};

}  // namespace barrage::watch
