#pragma once
// Samples a cgroup v2 directory: memory.current (bytes), cpu.stat usage_usec,
// pids.current (tasks, i.e. threads). A cgroup has no single fd count, so
// fds stays -1. The parsers take the files' text so tests feed them.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "barrage/base/result.h"
#include "barrage/watch/resource_sample.h"

namespace barrage::watch {

// The usage_usec line of cpu.stat. Errors: no such line, or not a number.
base::Result<int64_t> parse_cgroup_cpu_usage_us(std::string_view cpu_stat_text);

class CgroupSampler final : public Sampler {
public:
    // Checks that `path` is a directory holding memory.current and cpu.stat
    // (pids.current is optional: the pids controller may be off).
    // Errors: "--watch-cgroup /sys/fs/cgroup/x: no such directory; ...".
    static base::Result<std::unique_ptr<CgroupSampler>> open(const std::string& path);

    const std::string& name() const override { return name_; }
    // `exited` once the directory is gone (the cgroup was removed).
    SampleStatus sample(ResourceSample& sample) override;

private:
    CgroupSampler(std::string path, std::string name)
        : path_(std::move(path)), name_(std::move(name)) {}

    std::string path_;
    std::string name_;
};

}  // namespace barrage::watch
