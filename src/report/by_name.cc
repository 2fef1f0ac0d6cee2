// Results per request name (a profile's "login", "browse", ...), next to the
// totals: counts, errors, failed checks per check, latency percentiles.

#include <fmt/format.h>

#include <iterator>
#include <numeric>

#include "barrage/report/run_report.h"
#include "report_impl.h"

namespace barrage::report::detail {

namespace {

bool worth_a_table(const stats::RunResult& result) {
    if (result.requests.size() > 1) {
        return true;
    }
    return !result.requests.empty() &&
           (!result.requests[0].check_names.empty() || !result.requests[0].capture_names.empty());
}

}  // namespace

void write_requests_by_name(JsonWriter& json, const stats::RunResult& result) {
    json.key("requests_by_name");
    json.begin_object();
    const auto& by_name = result.totals.by_name;
    for (std::size_t i = 0; i < result.requests.size() && i < by_name.size(); ++i) {
        const stats::RequestInfo& info = result.requests[i];
        const stats::NameStats& stats = by_name[i];
        json.key(info.name);
        json.begin_object();
        json.key("sent");
        json.value(stats.sent);
        json.key("completed");
        json.value(stats.completed);
        json.key("errors");
        json.value(stats.errors);
        json.key("checks_failed");
        json.value(stats.checks_failed);
        json.key("responses_failed");
        json.value(stats.responses_failed);
        json.key("error_rate");
        json.value(stats::failure_rate(stats.errors, 0, stats.completed));
        json.key("failure_rate");
        json.value(stats::failure_rate(stats));
        json.key("captures_missed");
        json.value(stats.captures_missed);
        json.key("checks");
        json.begin_array();
        for (std::size_t c = 0; c < info.check_names.size(); ++c) {
            json.begin_object();
            json.key("name");
            json.value(info.check_names[c]);
            json.key("failed");
            json.value(c < stats.check_failures.size() ? stats.check_failures[c] : 0);
            json.end_object();
        }
        json.end_array();
        write_histogram_with_counts(json, "latency", stats.latency_us);
        json.end_object();
    }
    json.end_object();
}

void append_requests_by_name(std::string& out, const stats::RunResult& result,
                             std::string (*format_time_us)(double)) {
    if (!worth_a_table(result)) {
        return;
    }
    auto line = std::back_inserter(out);
    fmt::format_to(line, "{:<20}{:>10}{:>9}{:>9}{:>10}{:>10}{:>10}{:>10}\n", "By request",
                   "completed", "errors", "failed", "p50", "p90", "p99", "max");
    const auto& by_name = result.totals.by_name;
    for (std::size_t i = 0; i < result.requests.size() && i < by_name.size(); ++i) {
        const stats::RequestInfo& info = result.requests[i];
        const stats::NameStats& stats = by_name[i];
        const auto time = [&](double percentile) {
            return latency_cell(stats.latency_us, percentile, format_time_us);
        };
        fmt::format_to(line, "  {:<18}{:>10}{:>9}{:>9}{:>10}{:>10}{:>10}{:>10}\n", info.name,
                       stats.completed, stats.errors, stats.checks_failed, time(50), time(90),
                       time(99), time(100));
        for (std::size_t c = 0; c < info.check_names.size(); ++c) {
            if (c < stats.check_failures.size() && stats.check_failures[c] > 0) {
                fmt::format_to(line, "      check failed {} times: {}\n", stats.check_failures[c],
                               info.check_names[c]);
            }
        }
        if (stats.captures_missed > 0) {
            fmt::format_to(line, "      captures found nothing {} times\n", stats.captures_missed);
        }
    }
}

// Task groups: one object per transaction name, beside requests_by_name.
// Written only when the profile has [[tasks]].
void write_transactions_by_name(JsonWriter& json, const stats::RunResult& result) {
    std::vector<std::size_t> rows(result.transactions.size());
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    write_transactions_by_name(json, result, result.totals, rows);
}

void write_transactions_by_name(JsonWriter& json, const stats::RunResult& result,
                                const stats::Snapshot& totals, std::span<const std::size_t> rows) {
    const auto& by_transaction = totals.by_transaction;
    if (result.transactions.empty()) {
        return;
    }
    json.key("transactions_by_name");
    json.begin_object();
    for (const std::size_t i : rows) {
        if (i >= result.transactions.size() || i >= by_transaction.size()) {
            continue;  // a scenario that sent nothing has no rows
        }
        const stats::TransactionStats& stats = by_transaction[i];
        json.key(result.transactions[i].name);
        json.begin_object();
        const auto field = [&](std::string_view key, int64_t value) {
            json.key(key);
            json.value(value);
        };
        field("sent", stats.sent);
        field("completed", stats.completed);
        field("errors", stats.errors);
        field("unfinished", stats.unfinished());
        field("responses_failed", stats.responses_failed);
        field("tries_exhausted", stats.tries_exhausted);
        field("succeeded", stats.succeeded());
        json.key("failure_rate");
        json.value(stats::failure_rate(stats));
        field("repeat_tries", stats.repeat_tries);
        field("repeat_tries_max", stats.repeat_tries_max);
        json.key("repeats");
        json.begin_array();
        for (const std::string& repeat : result.transactions[i].repeats) {
            json.value(repeat);
        }
        json.end_array();
        write_histogram_with_counts(json, "latency", stats.latency_us);
        json.end_object();
    }
    json.end_object();
}

// Task groups' table in the summary: their latency is the successful ones'.
void append_transactions_by_name(std::string& out, const stats::RunResult& result,
                                 std::string (*format_time_us)(double)) {
    const auto& by_transaction = result.totals.by_transaction;
    if (result.transactions.empty()) {
        return;
    }
    auto line = std::back_inserter(out);
    fmt::format_to(line, "{:<20}{:>10}{:>9}{:>9}{:>10}{:>10}{:>10}{:>10}\n", "By transaction",
                   "succeeded", "errors", "failed", "p50", "p90", "p99", "max");
    for (std::size_t i = 0; i < result.transactions.size() && i < by_transaction.size(); ++i) {
        const stats::TransactionInfo& info = result.transactions[i];
        const stats::TransactionStats& stats = by_transaction[i];
        const auto time = [&](double percentile) {
            return latency_cell(stats.latency_us, percentile, format_time_us);
        };
        fmt::format_to(line, "  {:<18}{:>10}{:>9}{:>9}{:>10}{:>10}{:>10}{:>10}\n", info.name,
                       stats.succeeded(), stats.errors, stats.responses_failed, time(50), time(90),
                       time(99), time(100));
        if (stats.tries_exhausted > 0) {
            for (const std::string& repeat : info.repeats) {
                fmt::format_to(line, "      until not met after its tries {} times: {}\n",
                               stats.tries_exhausted, repeat);
            }
        }
        if (stats.unfinished() > 0) {
            fmt::format_to(line, "      unfinished at the end: {}\n", stats.unfinished());
        }
    }
}

}  // namespace barrage::report::detail

namespace barrage::report {

std::string format_requests_csv(const stats::RunResult& result) {
    std::string csv =
        "name,sent,completed,errors,checks_failed,rps,p50_us,p90_us,p99_us,p999_us,max_us,p95_us,"
        "responses_failed,failure_rate\n";
    const auto& by_name = result.totals.by_name;
    for (std::size_t i = 0; i < result.requests.size() && i < by_name.size(); ++i) {
        const stats::NameStats& stats = by_name[i];
        const stats::Histogram& latency = stats.latency_us;
        fmt::format_to(
            std::back_inserter(csv), "{},{},{},{},{},{:.3f},{},{},{},{},{},{},{},{:.6f}\n",
            detail::csv_field(result.requests[i].name), stats.sent, stats.completed, stats.errors,
            stats.checks_failed, detail::per_second(stats.completed, result.duration_s),
            latency.value_at_percentile(50), latency.value_at_percentile(90),
            latency.value_at_percentile(99), latency.value_at_percentile(99.9), latency.max(),
            latency.value_at_percentile(95), stats.responses_failed, stats::failure_rate(stats));
    }
    // Task groups after the requests, in the same columns: completed = ended with every
    // request answered, the percentiles over the successful ones (docs/output.md).
    const auto& by_transaction = result.totals.by_transaction;
    for (std::size_t i = 0; i < result.transactions.size() && i < by_transaction.size(); ++i) {
        const stats::TransactionStats& stats = by_transaction[i];
        const stats::Histogram& latency = stats.latency_us;
        fmt::format_to(
            std::back_inserter(csv), "{},{},{},{},{},{:.3f},{},{},{},{},{},{},{},{:.6f}\n",
            detail::csv_field(result.transactions[i].name), stats.sent, stats.completed,
            stats.errors, stats.tries_exhausted,
            detail::per_second(stats.succeeded(), result.duration_s),
            latency.value_at_percentile(50), latency.value_at_percentile(90),
            latency.value_at_percentile(99), latency.value_at_percentile(99.9), latency.max(),
            latency.value_at_percentile(95), stats.responses_failed, stats::failure_rate(stats));
    }
    return csv;
}

}  // namespace barrage::report
