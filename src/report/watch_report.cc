// The watched target in the outputs: JSON `watch`, the summary's Watch lines,
// the CSV's rss_mb/fds/threads columns and the warnings. docs/output.md
// describes each; keep the two in step.

#include "barrage/report/watch_report.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <optional>

#include "report_impl.h"

namespace barrage::report {
namespace {

constexpr double bytes_per_mb = 1024.0 * 1024.0;

double round3(double value) { return std::round(value * 1000.0) / 1000.0; }

void optional_number(JsonWriter& json, std::string_view name, const std::optional<double>& value) {
    json.key(name);
    if (value) {
        json.value(round3(*value));
    } else {
        json.null();
    }
}

// -1 (the source cannot tell) is written as null.
void count_or_null(JsonWriter& json, std::string_view name, int64_t value) {
    json.key(name);
    if (value >= 0) {
        json.value(value);
    } else {
        json.null();
    }
}

void write_sample(JsonWriter& json, const watch::ResourceSample& sample) {
    json.begin_object();
    json.key("t_s");
    json.value(round3(sample.t_s));
    count_or_null(json, "rss_bytes", sample.rss_bytes);
    json.key("cpu_s");
    json.value(round3(sample.cpu_s));
    count_or_null(json, "fds", sample.fds);
    count_or_null(json, "threads", sample.threads);
    json.end_object();
}

void write_target(JsonWriter& json, const watch::TargetWatch& target) {
    json.begin_object();
    json.key("name");
    json.value(target.name);
    json.key("kind");
    json.value(target.kind);
    json.key("growth");
    json.begin_object();
    optional_number(json, "rss_mb_per_min", target.growth.rss_mb_per_min);
    optional_number(json, "fds_per_min", target.growth.fds_per_min);
    optional_number(json, "threads_per_min", target.growth.threads_per_min);
    json.end_object();
    json.key("still_climbing");
    json.value(target.growth.still_climbing);
    json.key("leak_suspected");
    json.value(target.growth.leak_suspected);
    optional_number(json, "exited_at_s", target.exited_at_s);
    json.key("samples");
    json.begin_array();
    for (const watch::ResourceSample& sample : target.samples) {
        write_sample(json, sample);
    }
    json.end_array();
    json.end_object();
}

void write_series(JsonWriter& json, const watch::WatchResult& watch) {
    json.key("scrape");
    json.begin_object();
    json.key("url");
    json.value(watch.url);
    json.key("scrapes");
    json.value(watch.scrapes);
    json.key("failures");
    json.value(watch.scrape_failures);
    json.key("series_dropped");
    json.value(watch.series_dropped);
    json.key("first_error");
    if (watch.scrape_error_first.empty()) {
        json.null();
    } else {
        json.value(watch.scrape_error_first);
    }
    json.key("series");
    json.begin_array();
    for (const watch::ScrapedSeries& series : watch.series) {
        json.begin_object();
        json.key("key");
        json.value(series.key);
        json.key("points");
        json.begin_array();
        for (std::size_t i = 0; i < series.values.size(); ++i) {
            json.begin_array();
            json.value(round3(series.t_s[i]));
            json.value(series.values[i]);  // NaN and infinities become null
            json.end_array();
        }
        json.end_array();
        json.end_object();
    }
    json.end_array();
    json.end_object();
}

std::string format_mb(int64_t bytes) {
    return fmt::format("{:.1f} MB", static_cast<double>(bytes) / bytes_per_mb);
}

std::string format_slope(const std::optional<double>& slope, std::string_view unit) {
    return slope ? fmt::format("{:+.1f}{}", *slope, unit) : std::string("growth n/a");
}

// "RSS 12.3 MB -> 45.6 MB (+120.5 MB/min), fds 12 (+0.0/min), threads 2 (+0.0/min), CPU 1.23s".
std::string target_line(const watch::TargetWatch& target) {
    const watch::ResourceSample& first = target.samples.front();
    const watch::ResourceSample& last = target.samples.back();
    std::string line = fmt::format("{}: RSS {} -> {} ({})", target.name, format_mb(first.rss_bytes),
                                   format_mb(last.rss_bytes),
                                   format_slope(target.growth.rss_mb_per_min, " MB/min"));
    if (last.fds >= 0) {
        line +=
            fmt::format(", fds {} ({})", last.fds, format_slope(target.growth.fds_per_min, "/min"));
    }
    if (last.threads >= 0) {
        line += fmt::format(", threads {} ({})", last.threads,
                            format_slope(target.growth.threads_per_min, "/min"));
    }
    line += fmt::format(", CPU {:.2f}s", last.cpu_s - first.cpu_s);
    return line;
}

// Why a leak is suspected: the slopes above their limits, and "still climbing".
std::string leak_reasons(const watch::TargetWatch& target, const watch::LeakLimits& limits) {
    const auto& growth = target.growth;
    std::string reasons;
    const auto add = [&](const std::optional<double>& slope, double limit, std::string_view what,
                         std::string_view unit) {
        if (slope && *slope > limit) {
            reasons += fmt::format("{}{} grows {:.1f}{} after warm-up (limit {:g}{})",
                                   reasons.empty() ? "" : ", ", what, *slope, unit, limit, unit);
        }
    };
    add(growth.rss_mb_per_min, limits.rss_mb_per_min, "RSS", " MB/min");
    add(growth.fds_per_min, limits.fds_per_min, "open fds", "/min");
    add(growth.threads_per_min, limits.threads_per_min, "threads", "/min");
    if (growth.still_climbing) {
        reasons += reasons.empty() ? "still climbing at the end" : ", still climbing at the end";
    }
    return reasons;
}

}  // namespace

std::vector<std::string> watch_warnings(const watch::WatchResult& watch) {
    std::vector<std::string> warnings;
    for (const watch::TargetWatch& target : watch.targets) {
        if (target.growth.leak_suspected) {
            warnings.push_back(fmt::format("{}: leak suspected: {}", target.name,
                                           leak_reasons(target, watch.limits)));
        }
        if (target.exited_at_s) {
            warnings.push_back(fmt::format(
                "{} exited {:.1f}s {} the measured start; its samples stop there", target.name,
                std::fabs(*target.exited_at_s), *target.exited_at_s < 0 ? "before" : "after"));
        }
    }
    if (watch.series_dropped > 0) {
        warnings.push_back(fmt::format(
            "--watch-url {}: more than {} series match --watch-series; {} values of the others "
            "were not kept",
            watch.url, watch::scraped_series_max, watch.series_dropped));
    }
    if (watch.scrape_failures > 0) {
        warnings.push_back(fmt::format("--watch-url {}: {} of {} scrapes failed (first: {})",
                                       watch.url, watch.scrape_failures, watch.scrapes,
                                       watch.scrape_error_first));
    }
    return warnings;
}

namespace {

// The `watch` section's object: limits, targets and the scrape.
void write_watch_object(JsonWriter& json, const watch::WatchResult& watch) {
    json.begin_object();
    json.key("limits");
    json.begin_object();
    json.key("rss_mb_per_min");
    json.value(watch.limits.rss_mb_per_min);
    json.key("fds_per_min");
    json.value(watch.limits.fds_per_min);
    json.key("threads_per_min");
    json.value(watch.limits.threads_per_min);
    json.end_object();
    json.key("targets");
    json.begin_array();
    for (const watch::TargetWatch& target : watch.targets) {
        write_target(json, target);
    }
    json.end_array();
    if (!watch.url.empty()) {
        write_series(json, watch);
    }
    json.end_object();
}

}  // namespace

void detail::write_watch(JsonWriter& json, const watch::WatchResult& watch) {
    json.key("watch");
    write_watch_object(json, watch);
}

std::string format_watch_json(const watch::WatchResult& watch) {
    JsonWriter json;
    write_watch_object(json, watch);
    return json.text();
}

void detail::append_watch(std::string& out, const watch::WatchResult& watch, int label_width) {
    std::string_view label = "Watch";
    for (const watch::TargetWatch& target : watch.targets) {
        const std::string line =
            target.samples.empty() ? target.name + ": no samples" : target_line(target);
        std::string verdict = target.growth.leak_suspected ? "  LEAK SUSPECTED" : "";
        fmt::format_to(std::back_inserter(out), "{:<{}}{}{}\n", label, label_width, line, verdict);
        label = "";
    }
    if (!watch.url.empty()) {
        fmt::format_to(std::back_inserter(out), "{:<{}}{}: {} series, {} scrapes, {} failed\n",
                       label, label_width, watch.url, watch.series.size(), watch.scrapes,
                       watch.scrape_failures);
    }
}

std::string detail::watch_csv_header(const watch::WatchResult& watch) {
    return watch.targets.empty() ? std::string() : std::string(",rss_mb,fds,threads");
}

// The sample of the first target nearest to the interval's end, within half an
// interval; empty fields when there is none (the process had exited).
std::string detail::watch_csv_fields(const watch::WatchResult& watch,
                                     const stats::IntervalRow& row) {
    if (watch.targets.empty()) {
        return {};
    }
    const watch::ResourceSample* nearest = nullptr;
    for (const watch::ResourceSample& sample : watch.targets.front().samples) {
        if (std::fabs(sample.t_s - row.t_s) <= row.length_s / 2 + 0.05 &&
            (nearest == nullptr ||
             std::fabs(sample.t_s - row.t_s) < std::fabs(nearest->t_s - row.t_s))) {
            nearest = &sample;
        }
    }
    if (nearest == nullptr) {
        return ",,,";
    }
    const auto count = [](int64_t value) {
        return value >= 0 ? std::to_string(value) : std::string();
    };
    return fmt::format(",{:.2f},{},{}", static_cast<double>(nearest->rss_bytes) / bytes_per_mb,
                       count(nearest->fds), count(nearest->threads));
}

}  // namespace barrage::report
