#include "barrage/stats/result_sum.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "barrage/base/assert.h"
#include "barrage/stats/hlog.h"

namespace barrage::stats {
namespace {

using base::make_error;

// "shard 2/4: " for a shard's sentences; nothing for a whole test.
std::string prefix_of(const RunResult& part) {
    return part.shard ? fmt::format("shard {}/{}: ", part.shard->index, part.shard->count) : "";
}

void add_once(std::vector<std::string>& into, const std::string& text) {
    if (std::find(into.begin(), into.end(), text) == into.end()) {
        into.push_back(text);
    }
}

// "a; b": a reason of each part that had one.
void join_reason(std::string& into, const RunResult& part, const std::string& reason) {
    if (!reason.empty()) {
        into += (into.empty() ? "" : "; ") + prefix_of(part) + reason;
    }
}

// An error detail reads "kind: what"; the sum keeps the first of each kind.
void add_error_detail(std::vector<std::string>& into, const std::string& detail) {
    const std::string kind = detail.substr(0, detail.find(':'));
    for (const std::string& kept : into) {
        if (kept.substr(0, kept.find(':')) == kind) {
            return;
        }
    }
    into.push_back(detail);
}

base::Status check_same_names(const RunResult& first, const RunResult& part) {
    bool same = first.requests.size() == part.requests.size() &&
                first.transactions.size() == part.transactions.size();
    for (std::size_t i = 0; same && i < first.requests.size(); ++i) {
        same = first.requests[i].name == part.requests[i].name &&
               first.requests[i].check_names == part.requests[i].check_names;
    }
    for (std::size_t i = 0; same && i < first.transactions.size(); ++i) {
        same = first.transactions[i].name == part.transactions[i].name;
    }
    if (!same) {
        return make_error(fmt::format(
            "{}its requests, checks or tasks differ from the first file's: not the same test",
            prefix_of(part)));
    }
    return base::Ok{};
}

void add_phases(RunResult& sum, const RunResult& part) {
    for (const PhaseResult& phase : part.phases) {
        auto it = std::find_if(sum.phases.begin(), sum.phases.end(),
                               [&](const PhaseResult& p) { return p.name == phase.name; });
        if (it == sum.phases.end()) {
            sum.phases.push_back(phase);
            continue;
        }
        it->counters.add(phase.counters);
        it->latency_us.add(phase.latency_us);
        it->end_s = std::max(it->end_s, phase.end_s);
    }
}

void add_scenarios(RunResult& sum, const RunResult& part) {
    for (const ScenarioResult& scenario : part.scenarios) {
        auto it = std::find_if(sum.scenarios.begin(), sum.scenarios.end(),
                               [&](const ScenarioResult& s) { return s.name == scenario.name; });
        if (it == sum.scenarios.end()) {
            sum.scenarios.push_back(scenario);
        } else {
            it->totals.add(scenario.totals);
        }
    }
}

// The run-level fields that are neither counts nor intervals.
void add_run_fields(RunResult& sum, const RunResult& part) {
    sum.drain_s = std::max(sum.drain_s, part.drain_s);
    sum.interrupted = sum.interrupted || part.interrupted;
    sum.stop_signal = sum.stop_signal != 0 ? sum.stop_signal : part.stop_signal;
    join_reason(sum.stopped_by, part, part.stopped_by);
    join_reason(sum.gave_up, part, part.gave_up);
    sum.connections_target += part.connections_target;
    sum.connections_established_max += part.connections_established_max;
    sum.threads += part.threads;
    sum.cpus.insert(sum.cpus.end(), part.cpus.begin(), part.cpus.end());
    sum.worker_cpu_s.insert(sum.worker_cpu_s.end(), part.worker_cpu_s.begin(),
                            part.worker_cpu_s.end());
    sum.behind_limit_us = std::max(sum.behind_limit_us, part.behind_limit_us);
    for (const std::string& warning : part.warnings) {
        add_once(sum.warnings, prefix_of(part) + warning);
    }
    for (const std::string& detail : part.error_details) {
        add_error_detail(sum.error_details, detail);
    }
}

// How long one row of `part` lasts: the interval, or several once a long run's
// rows merged (interval_rows.h).
int64_t row_ns_of(const RunResult& part, int64_t interval_ns) {
    if (part.intervals.size() < 2) {
        return interval_ns;
    }
    const auto first_ns = static_cast<double>(std::llround(part.intervals.front().length_s * 1e9));
    return interval_ns *
           std::max<int64_t>(1, std::llround(first_ns / static_cast<double>(interval_ns)));
}

struct PlacedRow {
    const IntervalRow* row;
    double shift_s;  // the part's start after the earliest, in whole rows
};

base::Result<IntervalRow> sum_rows(std::span<const PlacedRow> rows) {
    IntervalRow sum;
    Histogram latency_us = Histogram::for_latency_us();
    for (const PlacedRow& placed : rows) {
        const IntervalRow& row = *placed.row;
        if (row.latency_us_hlog.empty()) {
            return make_error(
                "an interval row has no latency histogram (written before archives "
                "kept one)");
        }
        auto histogram = decode_histogram_compressed_base64(row.latency_us_hlog);
        if (!histogram.ok()) {
            return make_error("an interval's latency histogram: " + histogram.error().message);
        }
        latency_us.add(histogram.value());
        sum.t_s = std::max(sum.t_s, row.t_s + placed.shift_s);
        sum.length_s = std::max(sum.length_s, row.length_s);
        sum.counters.add(row.counters);
        sum.generator_cpu_max = std::max(sum.generator_cpu_max, row.generator_cpu_max);
        sum.connections_open += row.connections_open;  // each shard's own connections
        if (row.target_rps) {  // each shard's slice of the schedule: the slices add up
            sum.target_rps = sum.target_rps.value_or(0) + *row.target_rps;
        }
    }
    sum.latency_p50_us = latency_us.value_at_percentile(50);
    sum.latency_p90_us = latency_us.value_at_percentile(90);
    sum.latency_p99_us = latency_us.value_at_percentile(99);
    sum.latency_p999_us = latency_us.value_at_percentile(99.9);
    sum.latency_max_us = latency_us.max();
    sum.latency_p95_us = latency_us.value_at_percentile(95);
    sum.latency_us_hlog = encode_histogram_compressed_base64(latency_us);
    return sum;
}

// Row by row, so one histogram at a time is decoded (rows can be thousands).
base::Status sum_intervals(RunResult& sum, std::span<const RunResult> parts, int64_t interval_ns,
                           int64_t earliest_ns) {
    std::vector<std::size_t> offsets;
    std::size_t rows = 0;
    for (const RunResult& part : parts) {
        const int64_t row_ns = row_ns_of(part, interval_ns);
        const auto late_ns = static_cast<double>(started_unix_ns(part) - earliest_ns);
        offsets.push_back(
            static_cast<std::size_t>(std::llround(late_ns / static_cast<double>(row_ns))));
        rows = std::max(rows, offsets.back() + part.intervals.size());
    }
    for (std::size_t i = 0; i < rows; ++i) {
        std::vector<PlacedRow> placed;
        for (std::size_t p = 0; p < parts.size(); ++p) {
            if (i >= offsets[p] && i - offsets[p] < parts[p].intervals.size()) {
                const double shift_s = static_cast<double>(offsets[p]) *
                                       static_cast<double>(row_ns_of(parts[p], interval_ns)) / 1e9;
                placed.push_back({&parts[p].intervals[i - offsets[p]], shift_s});
            }
        }
        auto row = sum_rows(placed);
        if (!row.ok()) {
            return row.error();
        }
        sum.intervals.push_back(std::move(row.value()));
    }
    return base::Ok{};
}

}  // namespace

int64_t started_unix_ns(const RunResult& part) {
    return part.shard ? part.shard->started_unix_ns : part.measured_start_unix_ms * 1'000'000;
}

base::Result<RunResult> sum_run_results(std::span<const RunResult> parts, int64_t interval_ns) {
    BARRAGE_ASSERT(!parts.empty() && interval_ns > 0);
    int64_t earliest_ns = INT64_MAX;
    for (const RunResult& part : parts) {
        earliest_ns = std::min(earliest_ns, started_unix_ns(part));
    }
    RunResult sum;
    sum.requests = parts.front().requests;
    sum.transactions = parts.front().transactions;
    sum.measured_start_unix_ms = INT64_MAX;
    bool every_rate = true;
    double asked_rate_rps = 0;
    for (const RunResult& part : parts) {
        if (auto same = check_same_names(parts.front(), part); !same.ok()) {
            return same.error();
        }
        sum.totals.add(part.totals);
        sum.measured_start_unix_ms =
            std::min(sum.measured_start_unix_ms, part.measured_start_unix_ms);
        add_phases(sum, part);
        add_scenarios(sum, part);
        add_run_fields(sum, part);
        const double late_s = static_cast<double>(started_unix_ns(part) - earliest_ns) / 1e9;
        sum.duration_s = std::max(sum.duration_s, late_s + part.duration_s);
        every_rate = every_rate && part.asked_rate_rps.has_value();
        asked_rate_rps += part.asked_rate_rps.value_or(0);
    }
    if (every_rate) {
        sum.asked_rate_rps = asked_rate_rps;
    }
    if (auto intervals = sum_intervals(sum, parts, interval_ns, earliest_ns); !intervals.ok()) {
        return intervals.error();
    }
    return sum;
}

}  // namespace barrage::stats
