// Judging one metric of a comparison: the tolerance, the floor, and what the
// noise can explain (confidence intervals of one baseline, or the run-to-run
// spread of several). See compare.h.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <vector>

#include "barrage/base/assert.h"
#include "compare_impl.h"

namespace barrage::report::detail {
namespace {

std::optional<double> value_of(const JudgedRun& run, std::string_view metric) {
    for (const ResultMetric& entry : run.metrics) {
        if (entry.name == metric) {
            return entry.value;
        }
    }
    return std::nullopt;
}

// The metric's estimate with its 99 % interval, where the run has what it takes:
// a percentile needs the histogram, the mean only mean, stdev and count.
std::optional<PercentileBounds> bounds_of(const JudgedRun& run, std::string_view metric) {
    BARRAGE_ASSERT(run.latency != nullptr);
    const LatencySample& latency = *run.latency;
    if (metric == "mean") {
        return mean_bounds(latency.mean_us, latency.stdev_us, latency.count);
    }
    const std::optional<double> percentile = percentile_of(metric);
    if (!percentile || !latency.histogram) {
        return std::nullopt;
    }
    return percentile_bounds(*latency.histogram, latency.unanswered, *percentile);
}

// cur - base, where both may be unbounded: two unbounded values do not differ.
double worse_by(std::string_view metric, double base, double cur) {
    if (std::isinf(base) && std::isinf(cur)) {
        return 0;
    }
    return metric == "rps" ? base - cur : cur - base;  // the watched metrics: more is worse
}

// The verdict from the two intervals of one baseline and the current run
// (latency only: higher is worse).
void judge_by_intervals(MetricChange& change, double worse, const PercentileBounds& base,
                        const PercentileBounds& cur) {
    change.judgement = Judgement::intervals;
    change.baseline_interval = Interval{base.lower_us, base.upper_us};
    change.current_interval = Interval{cur.lower_us, cur.upper_us};
    const bool apart_worse = cur.lower_us > base.upper_us;
    const bool apart_better = base.lower_us > cur.upper_us;
    change.regression = worse > change.allowed && apart_worse;
    change.improvement = -worse > change.allowed && apart_better;
    change.within_noise = std::fabs(worse) > change.allowed && !apart_worse && !apart_better;
}

}  // namespace

std::optional<double> percentile_of(std::string_view metric) {
    constexpr std::pair<std::string_view, double> percentiles[] = {
        {"p50", 50.0}, {"p90", 90.0},  {"p95", 95.0},
        {"p99", 99.0}, {"p999", 99.9}, {"p9999", 99.99}};
    for (const auto& [name, percentile] : percentiles) {
        if (name == metric) {
            return percentile;
        }
    }
    // Any other percentile ("p75", "p99.5"), read from the histograms.
    double percentile = 0;
    const std::string_view digits = metric.substr(std::min<std::size_t>(1, metric.size()));
    const auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), percentile);
    if (!metric.starts_with('p') || digits.empty() || error != std::errc{} ||
        end != digits.data() + digits.size() || !(percentile > 0 && percentile < 100)) {
        return std::nullopt;
    }
    return percentile;
}

MetricChange judge_change(const Tolerance& tolerance, std::span<const JudgedRun> baselines,
                          const JudgedRun& current, double min_delta_us) {
    BARRAGE_ASSERT(!baselines.empty() && min_delta_us >= 0);
    const std::string_view metric = tolerance.metric;
    MetricChange change{std::string(metric), 0, 0, tolerance};
    // Every run's bounds, or none at all (a single older result makes it tolerance only).
    std::vector<PercentileBounds> base_bounds;
    const std::optional<PercentileBounds> cur_bounds = bounds_of(current, metric);
    for (const JudgedRun& run : baselines) {
        if (auto bounds = bounds_of(run, metric); bounds && cur_bounds) {
            base_bounds.push_back(*bounds);
        }
    }
    const bool bounded = cur_bounds && base_bounds.size() == baselines.size();
    std::vector<double> base_values;
    for (std::size_t i = 0; i < baselines.size(); ++i) {
        const auto value =
            bounded ? std::optional(base_bounds[i].estimate_us) : value_of(baselines[i], metric);
        change.baseline_absent = change.baseline_absent || !value;
        base_values.push_back(value.value_or(0));
    }
    const auto cur_value =
        bounded ? std::optional(cur_bounds->estimate_us) : value_of(current, metric);
    change.current_absent = !cur_value;
    change.current = cur_value.value_or(0);
    if (change.baseline_absent || change.current_absent) {
        change.judgement = Judgement::not_available;  // an older result, or no watched target
        change.baseline = change.baseline_absent ? 0 : run_spread(base_values).mean;
        return change;
    }
    const RunSpread spread = run_spread(base_values);
    change.baseline = baselines.size() == 1 ? base_values.front() : spread.mean;
    const bool enough = !bounded || (cur_bounds->enough_samples &&
                                     std::all_of(base_bounds.begin(), base_bounds.end(),
                                                 [](const auto& b) { return b.enough_samples; }));
    if (!enough || !tolerance.judged) {
        change.judgement = enough ? Judgement::not_judged : Judgement::not_enough_samples;
        return change;
    }
    change.noise_band = baselines.size() > 1 ? spread.noise_band : 0.0;
    change.allowed = std::max({tolerance.relative * std::fabs(change.baseline), tolerance.absolute,
                               is_latency_metric(metric) ? min_delta_us : 0.0, change.noise_band});
    const double worse = worse_by(metric, change.baseline, change.current);
    if (bounded && baselines.size() == 1) {
        judge_by_intervals(change, worse, base_bounds.front(), *cur_bounds);
        return change;
    }
    change.judgement = baselines.size() > 1 ? Judgement::run_spread : Judgement::tolerance_only;
    change.regression = worse > change.allowed;
    change.improvement = -worse > change.allowed;
    return change;
}

}  // namespace barrage::report::detail
