#include "barrage/watch/process_sampler.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include "watch_impl.h"

namespace barrage::watch {

using base::make_error;
using base::Result;

Result<ProcStatus> parse_proc_status(std::string_view text) {
    ProcStatus status;
    const auto state = detail::line_value(text, "State:");
    if (!state || state->empty()) {
        return make_error("/proc status: no 'State:' line");
    }
    status.state = state->front();
    const auto threads = detail::line_value(text, "Threads:");
    const auto thread_count = threads ? detail::parse_integer(*threads) : std::nullopt;
    if (!thread_count) {
        return make_error("/proc status: no 'Threads:' line with a number");
    }
    status.threads = *thread_count;
    if (const auto rss = detail::line_value(text, "VmRSS:")) {
        // "12345 kB": the kernel always writes kB (KiB).
        const auto kib = detail::parse_integer(rss->substr(0, rss->find(' ')));
        if (!kib || !rss->ends_with("kB")) {
            return make_error(fmt::format("/proc status: VmRSS '{}' is not 'N kB'", *rss));
        }
        if (*kib < 0 || *kib > std::numeric_limits<int64_t>::max() / 1024) {  // watch_text_fuzz
            return make_error(fmt::format("/proc status: VmRSS '{}' is out of range", *rss));
        }
        status.rss_bytes = *kib * 1024;
    }
    return status;
}

Result<int64_t> parse_proc_stat_cpu_ticks(std::string_view text) {
    const auto paren = text.rfind(')');
    if (paren == std::string_view::npos) {
        return make_error("/proc stat: no ')' after the command name");
    }
    // After ") ": field 3 (state) is index 0, so utime (field 14) is 11 and stime 12.
    std::vector<std::string_view> fields;
    std::string_view rest = text.substr(paren + 1);
    while (!rest.empty() && fields.size() < 13) {
        const auto start = rest.find_first_not_of(" \n");
        if (start == std::string_view::npos) {
            break;
        }
        rest = rest.substr(start);
        const auto end = std::min(rest.find_first_of(" \n"), rest.size());
        fields.push_back(rest.substr(0, end));
        rest = rest.substr(end);
    }
    if (fields.size() < 13) {
        return make_error("/proc stat: fewer than 15 fields");
    }
    const auto utime = detail::parse_integer(fields[11]);
    const auto stime = detail::parse_integer(fields[12]);
    if (!utime || !stime) {
        return make_error("/proc stat: utime/stime are not numbers");
    }
    if (*utime < 0 || *stime < 0 || *utime > std::numeric_limits<int64_t>::max() - *stime) {
        return make_error("/proc stat: utime + stime is out of range");
    }
    return *utime + *stime;
}

Result<std::unique_ptr<ProcessSampler>> ProcessSampler::open(int pid, std::string_view proc_root) {
    const std::string directory = fmt::format("{}/{}", proc_root, pid);
    const auto status_file = detail::read_small_file(directory + "/status");
    if (status_file.error != 0) {
        return make_error(
            status_file.error == ENOENT
                ? fmt::format("--watch-pid {}: no process with this id (is the target running? "
                              "`ps -p {}` shows it)",
                              pid, pid)
                : fmt::format("--watch-pid {}: cannot read {}/status: {}", pid, directory,
                              std::strerror(status_file.error)));
    }
    auto status = parse_proc_status(status_file.text);
    if (!status) {
        return make_error(fmt::format("--watch-pid {}: {}", pid, status.error().message));
    }
    if (status.value().state == 'Z' || status.value().state == 'X') {
        return make_error(fmt::format("--watch-pid {}: the process has already exited", pid));
    }
    auto comm = detail::read_small_file(directory + "/comm");
    while (!comm.text.empty() && comm.text.back() == '\n') {
        comm.text.pop_back();
    }
    const std::string name =
        comm.text.empty() ? fmt::format("pid {}", pid) : fmt::format("pid {} ({})", pid, comm.text);
    std::unique_ptr<ProcessSampler> sampler(new ProcessSampler(pid, directory, name));
    const long ticks_per_s = ::sysconf(_SC_CLK_TCK);
    sampler->seconds_per_tick_ = ticks_per_s > 0 ? 1.0 / static_cast<double>(ticks_per_s) : 0.01;
    return sampler;
}

SampleStatus ProcessSampler::sample(ResourceSample& sample) {
    const auto status_file = detail::read_small_file(directory_ + "/status");
    auto status = status_file.error == 0 ? parse_proc_status(status_file.text)
                                         : Result<ProcStatus>(make_error("gone"));
    // A zombie keeps its /proc entry until reaped, but has no memory left to watch.
    if (!status || status.value().state == 'Z' || status.value().state == 'X') {
        return SampleStatus::exited;
    }
    sample.rss_bytes = status.value().rss_bytes.value_or(0);
    sample.threads = status.value().threads;
    const auto stat_file = detail::read_small_file(directory_ + "/stat");
    const auto ticks = stat_file.error == 0 ? parse_proc_stat_cpu_ticks(stat_file.text)
                                            : Result<int64_t>(make_error("gone"));
    if (!ticks) {
        return SampleStatus::exited;
    }
    sample.cpu_s = static_cast<double>(ticks.value()) * seconds_per_tick_;
    const auto fds = detail::count_directory_entries(directory_ + "/fd");
    if (fds.error == ENOENT) {
        return SampleStatus::exited;
    }
    // Another user's process: its fd directory is closed to us, the rest is not.
    sample.fds = fds.error == 0 ? fds.count : -1;
    return SampleStatus::ok;
}

}  // namespace barrage::watch
