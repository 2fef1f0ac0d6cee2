// The table and JSON of a --levels sweep (barrage/report/levels_report.h).

#include "barrage/report/levels_report.h"

#include <fmt/format.h>

#include <iterator>

#include "barrage/report/json_writer.h"
#include "barrage/stats/name_stats.h"
#include "report_impl.h"

namespace barrage::report {
namespace {

// Microseconds as "850us", "1.23ms", "2.50s", as the summary's time table shows them.
std::string time_text(double us) {
    const auto three_digits = [](double value, std::string_view unit) {
        const int decimals = value < 9.995 ? 2 : value < 99.95 ? 1 : 0;
        return fmt::format("{:.{}f}{}", value, decimals, unit);
    };
    if (us < 999.5) {
        return fmt::format("{:.0f}us", us);
    }
    return us < 999'500.0 ? three_digits(us / 1e3, "ms") : three_digits(us / 1e6, "s");
}

std::string level_text(double level, bool connections) {
    return connections ? fmt::format("{:.0f}", level) : fmt::format("{:g}/s", level);
}

}  // namespace

LevelRow level_row(double level, const stats::RunResult& result) {
    const stats::Counters& c = result.totals.counters;
    LevelRow row;
    row.level = level;
    row.duration_s = result.duration_s;
    row.sent = c.requests_sent;
    row.completed = c.requests_completed;
    row.errors = c.requests_errors;
    row.unfinished = c.requests_unfinished;
    row.unsent = c.requests_unsent;
    row.responses_failed = stats::responses_failed_total(result.totals.by_name);
    row.rps = detail::per_second(c.requests_completed, result.duration_s);
    row.latency_us = result.totals.latency_us;
    row.interrupted = result.interrupted;
    return row;
}

std::string format_levels_table(std::span<const LevelRow> rows, bool connections) {
    std::string out;
    auto line = std::back_inserter(out);
    fmt::format_to(line, "{:>12}{:>11}{:>10}{:>10}{:>10}{:>9}{:>9}\n",
                   connections ? "connections" : "rate", "req/s", "p50", "p95", "p99", "errors",
                   "failed");
    for (const LevelRow& row : rows) {
        const auto cell = [&](double percentile) {
            return detail::latency_cell(row.latency_us, percentile, time_text);
        };
        fmt::format_to(line, "{:>12}{:>11.1f}{:>10}{:>10}{:>10}{:>9}{:>9}{}\n",
                       level_text(row.level, connections), row.rps, cell(50), cell(95), cell(99),
                       row.errors, row.responses_failed, row.interrupted ? "  interrupted" : "");
    }
    return out;
}

std::string format_levels_json(std::span<const LevelRow> rows, bool connections,
                               std::string_view target) {
    JsonWriter json;
    json.begin_object();
    json.key("levels");
    json.begin_object();
    json.key("dimension");
    json.value(connections ? "connections" : "rate");
    json.key("target");
    json.value(target);
    json.key("rows");
    json.begin_array();
    for (const LevelRow& row : rows) {
        json.begin_object();
        json.key(connections ? "connections" : "rate_rps");
        if (connections) {
            json.value(static_cast<int64_t>(row.level));
        } else {
            json.value(row.level);
        }
        json.key("duration_s");
        json.value(row.duration_s);
        json.key("sent");
        json.value(row.sent);
        json.key("completed");
        json.value(row.completed);
        json.key("errors");
        json.value(row.errors);
        json.key("unfinished");
        json.value(row.unfinished);
        json.key("unsent");
        json.value(row.unsent);
        json.key("responses_failed");
        json.value(row.responses_failed);
        json.key("rps");
        json.value(row.rps);
        json.key("interrupted");
        json.value(row.interrupted);
        detail::write_histogram(json, "latency", row.latency_us);
        json.end_object();
    }
    json.end_array();
    json.end_object();
    json.end_object();
    return json.text() + "\n";
}

}  // namespace barrage::report
