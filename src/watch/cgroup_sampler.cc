#include "barrage/watch/cgroup_sampler.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "watch_impl.h"

namespace barrage::watch {

using base::make_error;
using base::Result;

Result<int64_t> parse_cgroup_cpu_usage_us(std::string_view cpu_stat_text) {
    const auto usage = detail::line_value(cpu_stat_text, "usage_usec ");
    const auto value = usage ? detail::parse_integer(*usage) : std::nullopt;
    if (!value) {
        return make_error("cpu.stat: no 'usage_usec N' line");
    }
    return *value;
}

Result<std::unique_ptr<CgroupSampler>> CgroupSampler::open(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        return make_error(
            fmt::format("--watch-cgroup {}: {}; give a cgroup v2 directory, e.g. "
                        "/sys/fs/cgroup/system.slice/nginx.service (see `systemctl status` or "
                        "/proc/PID/cgroup)",
                        path, errno == ENOENT ? "no such directory" : std::strerror(errno)));
    }
    if (!S_ISDIR(info.st_mode)) {
        return make_error(
            fmt::format("--watch-cgroup {}: not a directory; give the cgroup's "
                        "directory under /sys/fs/cgroup",
                        path));
    }
    for (const char* file : {"memory.current", "cpu.stat"}) {
        const auto text = detail::read_small_file(path + "/" + file);
        if (text.error != 0) {
            return make_error(fmt::format(
                "--watch-cgroup {}: cannot read {}: {}; is it a cgroup v2 directory with the "
                "memory controller enabled (cgroup.controllers)?",
                path, file, std::strerror(text.error)));
        }
    }
    std::unique_ptr<CgroupSampler> sampler(new CgroupSampler(path, "cgroup " + path));
    ResourceSample probe;
    if (sampler->sample(probe) != SampleStatus::ok) {
        return make_error(fmt::format(
            "--watch-cgroup {}: memory.current or cpu.stat does not hold what cgroup v2 writes "
            "there",
            path));
    }
    return sampler;
}

SampleStatus CgroupSampler::sample(ResourceSample& sample) {
    const auto memory = detail::read_small_file(path_ + "/memory.current");
    const auto bytes = memory.error == 0 ? detail::parse_integer(memory.text) : std::nullopt;
    const auto cpu = detail::read_small_file(path_ + "/cpu.stat");
    const auto usage_us =
        cpu.error == 0 ? parse_cgroup_cpu_usage_us(cpu.text) : Result<int64_t>(make_error("gone"));
    if (!bytes || !usage_us) {
        return SampleStatus::exited;
    }
    sample.rss_bytes = *bytes;
    sample.cpu_s = static_cast<double>(usage_us.value()) / 1e6;
    const auto pids = detail::read_small_file(path_ + "/pids.current");
    sample.threads = pids.error == 0 ? detail::parse_integer(pids.text).value_or(-1) : -1;
    sample.fds = -1;
    return SampleStatus::ok;
}

}  // namespace barrage::watch
