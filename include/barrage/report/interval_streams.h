#pragma once
// The per-interval outputs of `barrage run`, --csv and --hlog, written as the
// run goes (see streamed_file.h): their headers when the schedule starts, then
// each measured interval's CSV row and .hlog lines as the interval ends. Memory
// stays flat however long the run; after SIGKILL the files hold every interval
// so far. With a watched process or cgroup a CSV row waits one interval for its
// rss_mb,fds,threads sample (taken as the interval ends, on the watcher's thread).

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"
#include "barrage/report/streamed_file.h"
#include "barrage/stats/histogram.h"
#include "barrage/stats/run_result.h"
#include "barrage/watch/watcher.h"

namespace barrage::report {

class IntervalStreams {
public:
    // The first watched target's latest samples, t_s from the measured start.
    using RecentSamples = std::function<std::vector<watch::ResourceSample>()>;

    // hlog_tags: one per request name, in order (hlog_tags_for); recent_samples:
    // set when a process or cgroup is watched (adds the CSV's watch columns).
    IntervalStreams(const plan::RunPlan& plan, std::vector<std::string> hlog_tags,
                    RecentSamples recent_samples);

    // Creates the files and writes their headers (an error is kept for finish()).
    void start(int64_t measured_start_unix_ms);
    // A measured interval's row, for the CSV.
    void add_row(const stats::IntervalRow& row);
    // A measured interval's histograms, for the .hlog: the whole run untagged and,
    // with several request names, one tagged line per name.
    void add_histograms(const stats::IntervalRow& row, const stats::Histogram& latency_us,
                        std::span<const stats::Histogram> latency_us_by_name);
    // Writes the row still waiting for its sample (from `watch`, the watcher's
    // final result), then syncs and closes. One error per file that failed.
    std::vector<base::Error> finish(const watch::WatchResult* watch);

private:
    void write_row(const stats::IntervalRow& row, const watch::WatchResult* watch);

    std::string csv_path_;
    std::string hlog_path_;
    std::vector<std::string> hlog_tags_;
    RecentSamples recent_samples_;
    std::optional<StreamedFile> csv_;
    std::optional<StreamedFile> hlog_;
    std::vector<base::Error> open_errors_;
    std::optional<stats::IntervalRow> waiting_row_;  // watched: the row before the latest
};

}  // namespace barrage::report
