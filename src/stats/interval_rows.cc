#include "barrage/stats/interval_rows.h"

#include <algorithm>

#include "barrage/base/assert.h"
#include "barrage/stats/hlog.h"

namespace barrage::stats {

namespace {
constexpr int status_code_min = 100;
constexpr int status_code_max = 599;
// The histogram of both rows' spans; "" unless both kept theirs.
std::string merged_hlog(const std::string& earlier, const std::string& later) {
    if (earlier.empty() || later.empty()) {
        return "";
    }
    auto sum = decode_histogram_compressed_base64(later);
    auto other = decode_histogram_compressed_base64(earlier);
    BARRAGE_ASSERT_MSG(sum.ok() && other.ok(), "an interval row's own histogram did not decode");
    sum.value().add(other.value());
    return encode_histogram_compressed_base64(sum.value());
}

}  // namespace

IntervalCounts IntervalCounts::of(const Counters& counters) {
    IntervalCounts counts;
    counts.requests_sent = counters.requests_sent;
    counts.requests_completed = counters.requests_completed;
    counts.requests_errors = counters.requests_errors;
    counts.status_class = counters.status_class;
    counts.errors = counters.errors;
    return counts;
}

void IntervalCounts::count_status(int code) {
    const bool classified = code >= status_code_min && code <= status_code_max;
    ++status_class[classified ? static_cast<std::size_t>(code / 100) : 0];
}

void IntervalCounts::add(const IntervalCounts& other) {
    requests_sent += other.requests_sent;
    requests_completed += other.requests_completed;
    requests_errors += other.requests_errors;
    for (std::size_t i = 0; i < status_class.size(); ++i) {
        status_class[i] += other.status_class[i];
    }
    for (std::size_t i = 0; i < errors.size(); ++i) {
        errors[i] += other.errors[i];
    }
}

IntervalRow merge_rows(const IntervalRow& earlier, const IntervalRow& later) {
    BARRAGE_ASSERT(later.t_s >= earlier.t_s);
    IntervalRow row = later;
    row.length_s = earlier.length_s + later.length_s;
    row.counters.add(earlier.counters);
    row.latency_p50_us = std::max(earlier.latency_p50_us, later.latency_p50_us);
    row.latency_p90_us = std::max(earlier.latency_p90_us, later.latency_p90_us);
    row.latency_p99_us = std::max(earlier.latency_p99_us, later.latency_p99_us);
    row.latency_p999_us = std::max(earlier.latency_p999_us, later.latency_p999_us);
    row.latency_max_us = std::max(earlier.latency_max_us, later.latency_max_us);
    row.latency_p95_us = std::max(earlier.latency_p95_us, later.latency_p95_us);
    row.latency_us_hlog = merged_hlog(earlier.latency_us_hlog, later.latency_us_hlog);
    // A share of the time: weighted by length, so the merged row says the same of its span.
    if (row.length_s > 0) {
        row.generator_cpu_max = (earlier.generator_cpu_max * earlier.length_s +
                                 later.generator_cpu_max * later.length_s) /
                                row.length_s;
        if (earlier.target_rps && later.target_rps) {
            row.target_rps =
                (*earlier.target_rps * earlier.length_s + *later.target_rps * later.length_s) /
                row.length_s;
        }
    }
    return row;
}

IntervalRowSeries::IntervalRowSeries(std::size_t rows_max) : rows_max_(rows_max) {
    BARRAGE_ASSERT(rows_max >= 2 && rows_max % 2 == 0);
}

void IntervalRowSeries::add(const IntervalRow& row, std::vector<IntervalRow>& rows) {
    BARRAGE_ASSERT(rows.size() <= rows_max_);
    if (!rows.empty() && intervals_in_last_ < intervals_per_row_) {
        rows.back() = merge_rows(rows.back(), row);
        ++intervals_in_last_;
        return;
    }
    if (rows.size() == rows_max_) {
        // Every row is full here: pairs make rows of twice as many intervals.
        for (std::size_t i = 0; i < rows_max_ / 2; ++i) {
            rows[i] = merge_rows(rows[2 * i], rows[2 * i + 1]);
        }
        rows.resize(rows_max_ / 2);
        intervals_per_row_ *= 2;
    }
    rows.push_back(row);
    intervals_in_last_ = 1;
}

}  // namespace barrage::stats
