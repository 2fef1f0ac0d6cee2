#include "barrage/watch/watcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

#include "barrage/base/assert.h"
#include "barrage/base/clock.h"
#include "barrage/base/cpu.h"
#include "barrage/watch/cgroup_sampler.h"
#include "barrage/watch/process_sampler.h"
#include "barrage/watch/prometheus_text.h"
#include "watch_impl.h"

namespace barrage::watch {

namespace {
// A scrape gets at most this long, and never more than an interval, so a hung
// endpoint cannot push the samples of the other targets far off their interval.
constexpr int64_t scrape_timeout_max_ns = 2 * base::ns_per_s;
}  // namespace

struct Watcher::Target {
    std::unique_ptr<Sampler> sampler;
    std::string kind;
    std::vector<ResourceSample> samples;
    std::optional<int64_t> exited_wall_ms;
};

Watcher::Watcher(const WatchOptions& options) : options_(options) {}

base::Result<std::unique_ptr<Watcher>> Watcher::open(const WatchOptions& options) {
    BARRAGE_ASSERT(options.interval_ns > 0);
    std::unique_ptr<Watcher> watcher(new Watcher(options));
    for (const int pid : options.pids) {
        auto sampler = ProcessSampler::open(pid);
        if (!sampler) {
            return sampler.error();
        }
        watcher->targets_.push_back(Target{std::move(sampler).value(), "pid", {}, {}});
    }
    if (!options.cgroup_path.empty()) {
        auto sampler = CgroupSampler::open(options.cgroup_path);
        if (!sampler) {
            return sampler.error();
        }
        watcher->targets_.push_back(Target{std::move(sampler).value(), "cgroup", {}, {}});
    }
    for (const std::string& name : options.series) {
        if (!is_metric_name(name)) {
            return base::make_error(fmt::format(
                "--watch-series '{}': not a metric name; give the name as the endpoint writes it, "
                "without labels (letters, digits, '_' and ':')",
                name));
        }
    }
    if (!options.url.empty()) {
        auto scraper =
            MetricsScraper::open(options.url, std::min(options.interval_ns, scrape_timeout_max_ns));
        if (!scraper) {
            return scraper.error();
        }
        watcher->scraper_ = std::move(scraper).value();
        watcher->scraped_.url = options.url;
    }
    for (Target& target : watcher->targets_) {
        target.samples.reserve(256);
    }
    return watcher;
}

Watcher::~Watcher() {
    if (thread_.joinable()) {
        {
            std::lock_guard lock(mutex_);
            stop_requested_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }
}

void Watcher::start() {
    BARRAGE_ASSERT(!thread_.joinable());
    thread_ = std::thread([this] { run(); });
}

void Watcher::tick() {
    {
        std::lock_guard lock(mutex_);
        tick_requested_ = true;
    }
    wake_.notify_one();
}

// Samples at start, at each tick, and after one and a half intervals without
// one (a run that is still connecting sends no ticks), until stopped. Not after
// exactly one interval: that timeout would race the next tick and sample twice.
void Watcher::run() {
    // SIGINT/SIGTERM/SIGHUP belong to the engine's coordinator (sigtimedwait); delivered
    // here between its waits they would kill the run instead of stopping it.
    base::block_stop_signals();
    std::unique_lock lock(mutex_);
    while (true) {
        lock.unlock();
        sample_all();
        lock.lock();
        if (stop_requested_) {
            return;
        }
        wake_.wait_for(lock,
                       std::chrono::nanoseconds(options_.interval_ns + options_.interval_ns / 2),
                       [this] { return tick_requested_ || stop_requested_; });
        tick_requested_ = false;
    }
}

void Watcher::sample_all() {
    const int64_t wall_ms = base::wall_clock_ms();
    for (Target& target : targets_) {
        if (target.exited_wall_ms) {
            continue;
        }
        ResourceSample sample;
        sample.wall_ms = wall_ms;
        if (target.sampler->sample(sample) == SampleStatus::exited) {
            target.exited_wall_ms = wall_ms;
        } else {
            if (target.samples.size() == samples_per_target_max) {
                detail::keep_every_other(target.samples);
            }
            target.samples.push_back(sample);
            if (&target == &targets_.front()) {
                std::lock_guard lock(recent_mutex_);
                if (recent_.size() == recent_samples_max) {
                    recent_.erase(recent_.begin());
                }
                recent_.push_back(sample);
            }
        }
    }
    if (!scraper_) {
        return;
    }
    ++scraped_.scrapes;
    auto body = scraper_->fetch();
    if (!body) {
        if (scraped_.scrape_failures++ == 0) {
            scraped_.scrape_error_first = body.error().message;
        }
        return;
    }
    for (SeriesValue& value : parse_prometheus_text(body.value(), options_.series)) {
        auto it = std::find_if(scraped_.series.begin(), scraped_.series.end(),
                               [&](const ScrapedSeries& s) { return s.key == value.key; });
        if (it == scraped_.series.end()) {
            if (scraped_.series.size() == scraped_series_max) {
                ++scraped_.series_dropped;
                continue;
            }
            it = scraped_.series.insert(scraped_.series.end(), ScrapedSeries{value.key, {}, {}});
        }
        if (it->values.size() == points_per_series_max) {
            detail::keep_every_other(it->t_s);
            detail::keep_every_other(it->values);
        }
        it->t_s.push_back(static_cast<double>(wall_ms));  // made relative in stop()
        it->values.push_back(value.value);
    }
}

std::vector<ResourceSample> Watcher::recent_samples(int64_t measured_start_unix_ms) const {
    std::vector<ResourceSample> samples;
    {
        std::lock_guard lock(recent_mutex_);
        samples = recent_;
    }
    for (ResourceSample& sample : samples) {
        sample.t_s = static_cast<double>(sample.wall_ms - measured_start_unix_ms) / 1000.0;
    }
    return samples;
}

WatchResult Watcher::stop(int64_t measured_start_unix_ms, double measured_duration_s) {
    if (thread_.joinable()) {
        {
            std::lock_guard lock(mutex_);
            stop_requested_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }
    const auto since_start_s = [&](int64_t wall_ms) {
        return static_cast<double>(wall_ms - measured_start_unix_ms) / 1000.0;
    };
    WatchResult result = std::move(scraped_);
    result.limits = options_.limits;
    for (ScrapedSeries& series : result.series) {
        for (double& t : series.t_s) {
            t = since_start_s(static_cast<int64_t>(t));
        }
    }
    for (Target& target : targets_) {
        TargetWatch watched{target.sampler->name(), target.kind, std::move(target.samples), {}, {}};
        for (ResourceSample& sample : watched.samples) {
            sample.t_s = since_start_s(sample.wall_ms);
        }
        if (target.exited_wall_ms) {
            watched.exited_at_s = since_start_s(*target.exited_wall_ms);
        }
        watched.growth = analyze_growth(watched.samples, options_.limits, measured_duration_s);
        result.targets.push_back(std::move(watched));
    }
    return result;
}

}  // namespace barrage::watch
