// The run history (JSON Lines) and the trend table.

#include "barrage/report/history.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iterator>

#include "barrage/base/assert.h"
#include "barrage/report/json_writer.h"
#include "barrage/watch/resource_figures.h"
#include "report_impl.h"

namespace barrage::report {
namespace {

using base::make_error;
using base::Result;

std::string iso8601_utc(int64_t unix_ms) {
    const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                       utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

// Rounded like the JSON result: three decimals are all that mean anything.
double round3(double value) { return std::round(value * 1000.0) / 1000.0; }

std::string get_string(simdjson::dom::object line, std::string_view key) {
    std::string_view text;
    return line[key].get_string().get(text) == simdjson::SUCCESS ? std::string(text)
                                                                 : std::string();
}

double get_number(simdjson::dom::object line, std::string_view key) {
    double number = 0;
    return line[key].get_double().get(number) == simdjson::SUCCESS ? number : 0.0;
}

// Absent, null or not a number: none.
std::optional<double> get_optional_number(simdjson::dom::object line, std::string_view key) {
    double number = 0;
    return line[key].get_double().get(number) == simdjson::SUCCESS ? std::optional(number)
                                                                   : std::nullopt;
}

std::optional<bool> get_optional_bool(simdjson::dom::object line, std::string_view key) {
    bool flag = false;
    return line[key].get_bool().get(flag) == simdjson::SUCCESS ? std::optional(flag) : std::nullopt;
}

std::string json_number_or_null(const std::optional<double>& value) {
    return value ? fmt::format("{}", *value) : std::string("null");
}

// Per value the largest over the targets, like the growth thresholds
// (RunResultMetrics::growth_value): the worst target decides.
void record_growth(HistoryEntry& entry, const watch::WatchResult& watch) {
    const auto largest = [](std::optional<double>& into, const std::optional<double>& slope) {
        if (slope && (!into || *slope > *into)) {
            into = round3(*slope);
        }
    };
    entry.leak_suspected = false;
    for (const watch::TargetWatch& target : watch.targets) {
        largest(entry.rss_mb_per_min, target.growth.rss_mb_per_min);
        largest(entry.fds_per_min, target.growth.fds_per_min);
        largest(entry.threads_per_min, target.growth.threads_per_min);
        entry.leak_suspected = *entry.leak_suspected || target.growth.leak_suspected;
    }
}

void record_resources(HistoryEntry& entry, const watch::WatchResult& watch, double duration_s) {
    const watch::ResourceFigures figures = watch::largest_resource_figures(watch, duration_s);
    const auto rounded = [](const std::optional<double>& value) {
        return value ? std::optional(round3(*value)) : std::nullopt;
    };
    entry.rss_max_mb = rounded(figures.rss_max_mb);
    entry.rss_initial_mb = rounded(figures.rss_initial_mb);
    entry.target_cpu = rounded(figures.cpu_share);
}

HistoryEntry entry_from(simdjson::dom::object line) {
    HistoryEntry entry;
    entry.time = get_string(line, "time");
    entry.label = get_string(line, "label");
    entry.target = get_string(line, "target");
    entry.mode = get_string(line, "mode");
    entry.duration_s = get_number(line, "duration_s");
    entry.requests = static_cast<int64_t>(get_number(line, "requests"));
    entry.rps = get_number(line, "rps");
    entry.error_rate = get_number(line, "error_rate");
    entry.failure_rate = get_optional_number(line, "failure_rate").value_or(entry.error_rate);
    entry.p50_us = static_cast<int64_t>(get_number(line, "p50_us"));
    entry.p90_us = static_cast<int64_t>(get_number(line, "p90_us"));
    entry.p95_us = static_cast<int64_t>(get_number(line, "p95_us"));
    entry.p99_us = static_cast<int64_t>(get_number(line, "p99_us"));
    entry.p999_us = static_cast<int64_t>(get_number(line, "p999_us"));
    entry.max_us = static_cast<int64_t>(get_number(line, "max_us"));
    const std::string thresholds = get_string(line, "thresholds");
    if (!thresholds.empty()) {
        entry.thresholds_passed = thresholds == "pass";
    }
    entry.rss_mb_per_min = get_optional_number(line, "rss_mb_per_min");
    entry.fds_per_min = get_optional_number(line, "fds_per_min");
    entry.threads_per_min = get_optional_number(line, "threads_per_min");
    entry.leak_suspected = get_optional_bool(line, "leak_suspected");
    entry.rss_max_mb = get_optional_number(line, "rss_max_mb");
    entry.rss_initial_mb = get_optional_number(line, "rss_initial_mb");
    entry.target_cpu = get_optional_number(line, "target_cpu");
    return entry;
}

std::string format_us(int64_t us) {
    return us >= 1000 ? fmt::format("{:.2f}ms", static_cast<double>(us) / 1e3)
                      : fmt::format("{}us", us);
}

std::string growth_text(const std::optional<double>& slope, std::string_view unit) {
    return slope ? fmt::format("{:+.1f}{}", *slope, unit) : std::string("-");
}

std::string relative_change(double before, double after) {
    if (before == 0) {
        return "";
    }
    return fmt::format(" ({:+.0f}%)", (after - before) / before * 100.0);
}

// "260.0MB (+30%)", "80% (+60%)": a resource figure with the change from the previous run that
// has one; "-" without.
std::string resource_text(const std::optional<double>& value, const std::optional<double>& before,
                          bool cpu) {
    if (!value) {
        return "-";
    }
    return (cpu ? fmt::format("{:.0f}%", *value * 100.0) : fmt::format("{:.1f}MB", *value)) +
           (before ? relative_change(*before, *value) : "");
}

}  // namespace

HistoryEntry make_history_entry(const plan::RunPlan& plan, const stats::RunResult& result,
                                std::span<const gate::ThresholdOutcome> thresholds, int64_t unix_ms,
                                const watch::WatchResult* watch) {
    const stats::Counters& counters = result.totals.counters;
    const stats::Histogram& latency = result.totals.latency_us;
    const int64_t attempts = counters.requests_completed + counters.requests_errors;
    HistoryEntry entry;
    entry.time = iso8601_utc(unix_ms);
    entry.label = plan.outputs.label;
    entry.target = detail::target_url(plan.target);
    entry.mode = plan::is_open_loop(plan) ? "open_loop" : "closed_loop";
    entry.duration_s = round3(result.duration_s);
    entry.requests = counters.requests_completed;
    entry.rps = round3(detail::per_second(counters.requests_completed, result.duration_s));
    entry.error_rate =
        attempts > 0 ? static_cast<double>(counters.requests_errors) / static_cast<double>(attempts)
                     : 0.0;
    entry.p50_us = latency.value_at_percentile(50);
    entry.failure_rate = stats::failure_rate(counters, result.totals.by_name);
    entry.p90_us = latency.value_at_percentile(90);
    entry.p95_us = latency.value_at_percentile(95);
    entry.p99_us = latency.value_at_percentile(99);
    entry.p999_us = latency.value_at_percentile(99.9);
    entry.max_us = latency.max();
    if (!thresholds.empty()) {
        entry.thresholds_passed = gate::all_passed(thresholds);
    }
    if (watch != nullptr && !watch->targets.empty()) {
        record_growth(entry, *watch);
        record_resources(entry, *watch, result.duration_s);
    }
    return entry;
}

std::string format_history_line(const HistoryEntry& e) {
    // Flat scalars only, so a compact line is written by hand; strings go through json_quote.
    std::string line = fmt::format(
        "{{\"time\":{},\"label\":{},\"target\":{},\"mode\":{},\"duration_s\":{},\"requests\":{},"
        "\"rps\":{},\"error_rate\":{},\"failure_rate\":{},\"p50_us\":{},\"p90_us\":{},"
        "\"p95_us\":{},\"p99_us\":{},\"p999_us\":{},\"max_us\":{},\"thresholds\":{},"
        "\"rss_mb_per_min\":{},\"fds_per_min\":{},\"threads_per_min\":{},\"leak_suspected\":{},"
        "\"rss_max_mb\":{},\"rss_initial_mb\":{},\"target_cpu\":{}}}\n",
        json_quote(e.time), json_quote(e.label), json_quote(e.target), json_quote(e.mode),
        e.duration_s, e.requests, e.rps, e.error_rate, e.failure_rate, e.p50_us, e.p90_us, e.p95_us,
        e.p99_us, e.p999_us, e.max_us,
        e.thresholds_passed ? json_quote(*e.thresholds_passed ? "pass" : "fail")
                            : std::string("null"),
        json_number_or_null(e.rss_mb_per_min), json_number_or_null(e.fds_per_min),
        json_number_or_null(e.threads_per_min),
        e.leak_suspected ? (*e.leak_suspected ? "true" : "false") : "null",
        json_number_or_null(e.rss_max_mb), json_number_or_null(e.rss_initial_mb),
        json_number_or_null(e.target_cpu));
    return line;
}

base::Status append_history_line(const std::string& path, std::string_view line) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        return make_error(
            fmt::format("cannot write --history file '{}': {}", path, std::strerror(errno)));
    }
    const ssize_t written = ::write(fd, line.data(), line.size());
    const int write_errno = errno;
    ::close(fd);
    if (written != static_cast<ssize_t>(line.size())) {
        return make_error(fmt::format("cannot write --history file '{}': {}", path,
                                      written < 0 ? std::strerror(write_errno) : "short write"));
    }
    return base::Ok{};
}

Result<std::vector<HistoryEntry>> read_history(std::string_view text, std::string_view source) {
    std::vector<HistoryEntry> entries;
    simdjson::dom::parser parser;
    int line_number = 0;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        const std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        ++line_number;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
            continue;
        }
        simdjson::dom::object object;
        const simdjson::padded_string padded(line);
        if (const auto error = parser.parse(padded).get(object); error != simdjson::SUCCESS) {
            return make_error(fmt::format("{}:{}: not a history line ({})", source, line_number,
                                          simdjson::error_message(error)));
        }
        if (get_string(object, "time").empty()) {
            return make_error(
                fmt::format("{}:{}: not a history line (no \"time\"); write it "
                            "with barrage run --history",
                            source, line_number));
        }
        entries.push_back(entry_from(object));
    }
    return entries;
}

Result<std::vector<HistoryEntry>> read_history_file(const std::string& path) {
    simdjson::padded_string text;
    if (simdjson::padded_string::load(path).get(text) != simdjson::SUCCESS) {
        return make_error(fmt::format("cannot read history file '{}'", path));
    }
    return read_history(std::string_view(text.data(), text.size()), path);
}

std::vector<std::vector<std::string>> trend_table(std::span<const HistoryEntry> entries) {
    std::vector<std::vector<std::string>> rows{
        {"time", "label", "rps", "errors", "p50", "p99", "max", "gates"}};
    const bool any_watched = std::any_of(entries.begin(), entries.end(),
                                         [](const HistoryEntry& e) { return e.watched(); });
    if (any_watched) {
        rows[0].insert(rows[0].end(),
                       {"rss/min", "fds/min", "threads/min", "leak", "rss max", "cpu"});
    }
    const HistoryEntry* previous = nullptr;
    const HistoryEntry* previous_watched = nullptr;  // the change of a resource is run to run
    for (const HistoryEntry& e : entries) {
        const std::string rps =
            fmt::format("{:.1f}", e.rps) + (previous ? relative_change(previous->rps, e.rps) : "");
        const std::string p99 =
            format_us(e.p99_us) + (previous ? relative_change(static_cast<double>(previous->p99_us),
                                                              static_cast<double>(e.p99_us))
                                            : "");
        rows.push_back({e.time, e.label.empty() ? "-" : e.label, rps,
                        fmt::format("{:.2f}%", e.error_rate * 100.0), format_us(e.p50_us), p99,
                        format_us(e.max_us),
                        e.thresholds_passed ? (*e.thresholds_passed ? "pass" : "FAIL") : "-"});
        if (any_watched) {
            rows.back().insert(
                rows.back().end(),
                {growth_text(e.rss_mb_per_min, "MB"), growth_text(e.fds_per_min, ""),
                 growth_text(e.threads_per_min, ""),
                 e.leak_suspected ? (*e.leak_suspected ? "LEAK" : "no") : "-",
                 resource_text(e.rss_max_mb,
                               previous_watched ? previous_watched->rss_max_mb : std::nullopt,
                               false),
                 resource_text(e.target_cpu,
                               previous_watched ? previous_watched->target_cpu : std::nullopt,
                               true)});
        }
        previous = &e;
        previous_watched = e.watched() ? &e : previous_watched;
    }
    return rows;
}

std::string format_trend(std::span<const HistoryEntry> entries) {
    std::string out;
    for (const std::vector<std::string>& row : trend_table(entries)) {
        BARRAGE_ASSERT(row.size() == 8 || row.size() == 14);
        // A label is cut to its column; the HTML table shows it whole.
        fmt::format_to(std::back_inserter(out), "{:<21}{:<16}{:>18}{:>10}{:>10}{:>18}{:>10}{:>7}",
                       row[0], row[1].substr(0, 15), row[2], row[3], row[4], row[5], row[6],
                       row[7]);
        if (row.size() == 14) {
            fmt::format_to(std::back_inserter(out), "{:>11}{:>9}{:>13}{:>6}{:>18}{:>12}", row[8],
                           row[9], row[10], row[11], row[12], row[13]);
        }
        out += '\n';
    }
    out += fmt::format("{} run{}\n", entries.size(), entries.size() == 1 ? "" : "s");
    return out;
}

}  // namespace barrage::report
