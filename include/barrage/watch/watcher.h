#pragma once
// Watches the target beside a load run (--watch-pid, --watch-cgroup,
// --watch-url): a thread of its own samples every target and scrapes the
// metrics endpoint once per interval, and when asked (tick, called at each
// interval's end so samples line up with the run's intervals). The load
// workers never wait for it.

#include <condition_variable>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/watch/growth.h"
#include "barrage/watch/metrics_scraper.h"
#include "barrage/watch/resource_sample.h"

namespace barrage::watch {

// Past this many samples a target keeps every other one (and samples on, at
// half the resolution): a day at 1 s intervals fits, and memory stays bounded.
inline constexpr std::size_t samples_per_target_max = 100'000;
// Scraped series beyond this many keys (label combinations) are not kept.
inline constexpr std::size_t scraped_series_max = 256;
// Past this many points a series keeps every other one, like the samples.
inline constexpr std::size_t points_per_series_max = 100'000;

struct WatchOptions {
    std::vector<int> pids;                // --watch-pid, in order
    std::string cgroup_path;              // --watch-cgroup; "" = none
    std::string url;                      // --watch-url; "" = none
    std::vector<std::string> series;      // --watch-series: metric names to keep from the url
    int64_t interval_ns = 1'000'000'000;  // the run's --interval
    LeakLimits limits;

    bool any() const { return !pids.empty() || !cgroup_path.empty() || !url.empty(); }
};

// One watched process or cgroup over the run.
struct TargetWatch {
    std::string name;                     // "pid 1234 (nginx)", "cgroup /sys/fs/cgroup/app"
    std::string kind;                     // "pid" or "cgroup"
    std::vector<ResourceSample> samples;  // in time order, warm-up samples first (t_s < 0)
    std::optional<double> exited_at_s;    // when it was first seen gone
    Growth growth;
};

// One scraped series: its key and its values over time.
struct ScrapedSeries {
    std::string key;
    std::vector<double> t_s;
    std::vector<double> values;
};

struct WatchResult {
    LeakLimits limits;
    std::vector<TargetWatch> targets;   // --watch-pid ones in order, then the cgroup
    std::string url;                    // "" = no --watch-url
    std::vector<ScrapedSeries> series;  // in the order first seen, at most scraped_series_max
    int64_t series_dropped = 0;         // values of keys past scraped_series_max, not kept
    int64_t scrapes = 0;
    int64_t scrape_failures = 0;
    std::string scrape_error_first;  // the first failure's reason

    bool empty() const { return targets.empty() && url.empty(); }
};

class Watcher {
public:
    // Opens every sampler and the scraper: a PID that does not exist, a
    // missing cgroup or a bad URL is an error here, before any traffic.
    static base::Result<std::unique_ptr<Watcher>> open(const WatchOptions& options);
    ~Watcher();
    Watcher(const Watcher&) = delete;
    Watcher& operator=(const Watcher&) = delete;

    // Starts the thread; it takes the first sample at once.
    void start();
    // Asks for a sample now (cheap; from the engine's coordinator at each interval's end).
    void tick();
    // Takes a last sample, joins the thread and returns what it saw, with
    // t_s counted from `measured_start_unix_ms` and the growth analysed over
    // the measured period (up to `measured_duration_s`: the last interval's
    // sample comes after the drain, when the load generator has closed its
    // connections, and would show the target's descriptors falling).
    WatchResult stop(int64_t measured_start_unix_ms,
                     double measured_duration_s = std::numeric_limits<double>::infinity());
    // While it runs: the latest few samples of the first target, oldest first,
    // with t_s counted from `measured_start_unix_ms` (for the CSV streamed during
    // the run). Empty when there is no target or no sample yet.
    std::vector<ResourceSample> recent_samples(int64_t measured_start_unix_ms) const;

private:
    struct Target;
    explicit Watcher(const WatchOptions& options);
    void run();
    void sample_all();

    WatchOptions options_;
    std::vector<Target> targets_;
    std::optional<MetricsScraper> scraper_;
    WatchResult scraped_;  // series and scrape counts, filled by the thread
    std::mutex mutex_;
    std::condition_variable wake_;
    bool tick_requested_ = false;  // guarded by mutex_
    bool stop_requested_ = false;  // guarded by mutex_
    // The first target's latest samples (at most recent_samples_max), guarded by
    // recent_mutex_: read by the coordinator while the thread samples.
    static constexpr std::size_t recent_samples_max = 4;
    mutable std::mutex recent_mutex_;
    std::vector<ResourceSample> recent_;
    std::thread thread_;
};

}  // namespace barrage::watch
