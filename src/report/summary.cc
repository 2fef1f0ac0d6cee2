// The human outputs: the end-of-run summary and the per-interval progress
// line. Numbers carry units chosen for reading (850us, 1.23ms, 2.50s).

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <optional>
#include <string_view>

#include "barrage/base/ansi_color.h"
#include "barrage/gate/exit_code.h"
#include "barrage/report/generator_health.h"
#include "barrage/report/run_report.h"
#include "barrage/stats/judged_latency.h"
#include "report_impl.h"

namespace barrage::report {
namespace {

using detail::per_second;

constexpr int label_width = 13;  // "Service time" plus a space
constexpr int cell_width = 8;    // the widest cell, "99.9ms", plus two spaces

// Three significant digits with a unit: 1.23, 12.3, 123.
std::string three_digits(double value, std::string_view unit) {
    if (value < 9.995) {
        return fmt::format("{:.2f}{}", value, unit);
    }
    if (value < 99.95) {
        return fmt::format("{:.1f}{}", value, unit);
    }
    return fmt::format("{:.0f}{}", value, unit);
}

// Microseconds as "850us", "1.23ms" or "2.50s".
std::string format_time_us(double us) {
    if (us < 999.5) {
        return fmt::format("{:.0f}us", us);
    }
    if (us < 999'500.0) {
        return three_digits(us / 1e3, "ms");
    }
    return three_digits(us / 1e6, "s");
}

std::string format_time_s(double seconds) { return format_time_us(seconds * 1e6); }

// Bytes (decimal units, like a network rate): "512 B", "1.23 MB".
std::string format_bytes(double bytes) {
    constexpr std::array<std::string_view, 4> units{" KB", " MB", " GB", " TB"};
    if (bytes < 999.5) {
        return fmt::format("{:.0f} B", bytes);
    }
    std::size_t unit = 0;
    bytes /= 1e3;
    while (bytes >= 999.5 && unit + 1 < units.size()) {
        bytes /= 1e3;
        ++unit;
    }
    return three_digits(bytes, units[unit]);
}

// A planned duration as the user would write it: "10s", "1m30s", "250ms", "1.5s".
std::string format_duration_ns(int64_t ns) {
    constexpr int64_t ns_per_s = 1'000'000'000;
    if (ns > 0 && ns % ns_per_s == 0) {
        const int64_t s = ns / ns_per_s;
        std::string text;
        if (s >= 3600) {
            text += fmt::format("{}h", s / 3600);
        }
        if (s % 3600 >= 60) {
            text += fmt::format("{}m", s % 3600 / 60);
        }
        if (s % 60 != 0) {
            text += fmt::format("{}s", s % 60);
        }
        return text;
    }
    if (ns < ns_per_s && ns % 1'000'000 == 0) {
        return fmt::format("{}ms", ns / 1'000'000);
    }
    return fmt::format("{}s", detail::ns_to_s(ns));
}

std::string plural(int64_t count, std::string_view noun) {
    return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

void append_line(std::string& out, std::string_view label, std::string_view text) {
    fmt::format_to(std::back_inserter(out), "{:<{}}{}\n", label, label_width, text);
}

// "phases warmup (constant), main (ramp)" for a profile.
std::string phase_list(const plan::RunPlan& plan) {
    static constexpr const char* kinds[] = {"constant", "ramp", "step", "spike", "users"};
    std::string text = "phases";
    for (const plan::PhasePlan& phase : plan.phases) {
        fmt::format_to(std::back_inserter(text), "{} {} ({})", text.size() > 6 ? "," : "",
                       phase.name, kinds[static_cast<int>(phase.kind)]);
    }
    return text;
}

// What holds the load: a profile's users phases open a connection per user
// present (at most the most users of any phase), not `connections` of them.
std::string pool_text(const plan::RunPlan& plan) {
    if (!plan.scenarios.empty()) {
        return "up to " + plural(plan.connections, "connection");  // users and open-loop pools
    }
    int users_max = 0;
    for (const plan::PhasePlan& phase : plan.phases) {
        if (phase.kind == plan::PhaseKind::users) {
            users_max = std::max(users_max, phase.users);
        }
    }
    if (plan.profile_path.empty() || users_max == 0) {
        return plural(plan.connections, "connection");
    }
    return "up to " + plural(users_max, "user");
}

// "scenarios browse (open loop), shop (closed loop)" for a profile with [[scenario]].
std::string scenario_list(const plan::RunPlan& plan) {
    std::string text = "scenarios";
    for (const plan::ScenarioPlan& scenario : plan.scenarios) {
        fmt::format_to(std::back_inserter(text), "{} {} ({})", text.size() > 9 ? "," : "",
                       scenario.name, plan::is_open_loop(scenario) ? "open loop" : "closed loop");
    }
    return text;
}

// What a run sends to: a URL run's URL; a profile's name (its `name`, else its
// file name) and request count on the target's origin, since one templated path
// of one request would misname a profile ("shop (shop.toml): 3 requests to http://h:80").
std::string what_runs(const plan::RunPlan& plan) {
    if (plan.profile_path.empty()) {
        return detail::target_url(plan.target);
    }
    const std::string file = plan.profile_path.substr(plan.profile_path.rfind('/') + 1);
    std::string text =
        plan.profile_name.empty() ? file : fmt::format("{} ({})", plan.profile_name, file);
    fmt::format_to(std::back_inserter(text), ": {} to {}://{}",
                   plural(static_cast<int64_t>(plan.requests.size()), "request"),
                   plan.target.scheme, plan.target.host_header);
    if (!plan.more_targets.empty()) {
        fmt::format_to(std::back_inserter(text), " (+{} more)", plan.more_targets.size());
    }
    return text;
}

std::string headline(const plan::RunPlan& plan) {
    const std::optional<double> rate_per_s = plan::headline_rate_per_s(plan);
    std::string mode =
        rate_per_s ? fmt::format("open loop at {} req/s", *rate_per_s) : std::string("closed loop");
    if (!plan.profile_path.empty()) {
        mode = fmt::format("{} {}", rate_per_s ? "open loop," : "closed loop,", phase_list(plan));
    }
    // With scenarios, threads are per scenario; the run has one worker per CPU slot.
    int threads = plan.threads;
    if (!plan.scenarios.empty()) {
        mode = scenario_list(plan);
        threads = static_cast<int>(plan.cpus.size());
    }
    std::string text = fmt::format(
        "barrage {} — {} — {}, {}, {}, {}", BARRAGE_VERSION, what_runs(plan), mode, pool_text(plan),
        plural(threads, "thread"), format_duration_ns(plan::measured_ns(plan)));
    if (const int64_t warmup_ns = plan::warmup_ns(plan); warmup_ns > 0) {
        text += fmt::format(" (+{} warm-up)", format_duration_ns(warmup_ns));
    }
    if (plan.pipeline > 1) {
        text += fmt::format(", pipeline {}", plan.pipeline);
    }
    // The figures above are the whole test's; this process sends its slice.
    if (plan.shard.count > 1) {
        text += fmt::format(" — shard {}/{} ({})", plan.shard.index, plan.shard.count,
                            plan.shard.source);
    }
    return text + "\n";
}

void append_counts(std::string& out, const stats::RunResult& result, bool color) {
    const stats::Counters& c = result.totals.counters;
    // Written as the identity it keeps, so the counts add up on the page.
    append_line(out, "Requests",
                fmt::format("sent {} = completed {} + failed {} + unfinished {};  unsent {}  "
                            "late {}",
                            c.requests_sent, c.requests_completed, c.requests_errors,
                            c.requests_unfinished, c.requests_unsent, c.requests_late));
    // Both rates side by side: error_rate counts no answer only, failure_rate also the answers
    // that failed (status >= 400 unless a status check expects it, or a failed check).
    const int64_t responses_failed = stats::responses_failed_total(result.totals.by_name);
    append_line(
        out, "Failure rate",
        fmt::format("{:.2f}% ({} no answer + {} failed responses); error rate {:.2f}%",
                    stats::failure_rate(c, result.totals.by_name) * 100.0, c.requests_errors,
                    responses_failed,
                    stats::failure_rate(c.requests_errors, 0, c.requests_completed) * 100.0));
    std::string throughput =
        fmt::format("{:.1f} req/s", per_second(c.requests_completed, result.duration_s));
    if (result.asked_rate_rps) {
        throughput +=
            fmt::format(" (target {:.{}f} req/s, sent {:.1f} req/s)", *result.asked_rate_rps,
                        *result.asked_rate_rps == std::floor(*result.asked_rate_rps) ? 0 : 1,
                        per_second(c.requests_sent, result.duration_s));
    }
    throughput += fmt::format(" over {}, drain {}", format_time_s(result.duration_s),
                              format_time_s(result.drain_s));
    append_line(out, "Throughput", throughput);
    append_line(out, "Transfer",
                fmt::format("{}/s in, {}/s out",
                            format_bytes(per_second(c.bytes_received, result.duration_s)),
                            format_bytes(per_second(c.bytes_sent, result.duration_s))));
    append_line(out, "Connections",
                fmt::format("{} of {} open at most, {} opened, {}",
                            result.connections_established_max, result.connections_target,
                            c.connections_opened, plural(c.reconnects, "reconnect")) +
                    (c.requests_resent > 0 ? fmt::format(", {} re-sent after Connection: close",
                                                         plural(c.requests_resent, "request"))
                                           : std::string()));
    const GeneratorHealth health = judge_generator(result);
    append_line(out, "Generator",
                fmt::format("busiest worker {:.0f}% CPU, {} ({}), {} behind schedule{}",
                            health.cpu_share_max * 100.0, plural(c.stalls, "stall"),
                            format_time_s(static_cast<double>(c.stall_ns) / 1e9), c.requests_behind,
                            health.saturated
                                ? "  " + base::paint("SATURATED", base::AnsiColor::yellow, color)
                                : std::string()));
}

// Open loop: the timer slack the run paced with, and whether the default picked it.
void append_pacing(std::string& out, const plan::RunPlan& plan) {
    if (!plan::is_open_loop(plan)) {
        return;
    }
    const std::string slack = plan.timer_slack_ns == 0
                                  ? std::string("0, every arrival wakes the worker at its time")
                                  : format_time_us(static_cast<double>(plan.timer_slack_ns) / 1e3);
    append_line(out, "Pacing",
                fmt::format("timer slack {} ({})", slack,
                            plan.timer_slack_auto ? "auto, the default" : "--timer-slack"));
}

void append_time_header(std::string& out) {
    fmt::format_to(std::back_inserter(out), "{:<{}}{:>{}}{:>{}}", "", label_width, "min",
                   cell_width, "mean", cell_width);
    for (const auto& column : detail::percentile_columns) {
        if (column.in_summary) {
            fmt::format_to(std::back_inserter(out), "{:>{}}", column.label, cell_width);
        }
    }
    fmt::format_to(std::back_inserter(out), "{:>{}}\n", "max", cell_width);
}

// The cells min, mean, the percentile columns and max of `judged`; `unbounded`
// where a statistic falls on an unanswered request.
void append_cells(std::string& row, const stats::JudgedLatency& judged,
                  std::string_view unbounded) {
    const auto cell = [&](std::optional<double> us) {
        fmt::format_to(std::back_inserter(row), "{:>{}}",
                       us ? format_time_us(*us) : std::string(unbounded), cell_width);
    };
    const auto as_double = [](std::optional<int64_t> v) -> std::optional<double> {
        return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
    };
    cell(as_double(judged.min()));
    cell(judged.mean());
    for (const auto& column : detail::percentile_columns) {
        if (column.in_summary) {
            cell(as_double(judged.value_at_percentile(column.percentile)));
        }
    }
    cell(as_double(judged.max()));
}

void append_time_row(std::string& out, std::string_view label, const stats::Histogram& histogram,
                     std::string_view note) {
    if (histogram.total_count() == 0) {
        append_line(out, label, "no samples");
        return;
    }
    std::string row = fmt::format("{:<{}}", label, label_width);
    append_cells(row, stats::JudgedLatency(histogram, 0), "");  // nothing unanswered: all bounded
    fmt::format_to(std::back_inserter(row), "  {}", note);
    if (histogram.count_clamped() > 0) {
        fmt::format_to(std::back_inserter(row), ", {} clamped to 1h", histogram.count_clamped());
    }
    out += row + "\n";
}

// The judged latency (stats/judged_latency.h): every scheduled request, where
// a statistic that falls on an unanswered one reads ">=TIMEOUT" (it got no
// answer within the timeout, or was never sent).
void append_judged_row(std::string& out, const plan::RunPlan& plan, const stats::Snapshot& totals) {
    const stats::JudgedLatency judged(totals.latency_us, stats::unanswered_of(totals.counters));
    std::string row = fmt::format("{:<{}}", "Latency", label_width);
    append_cells(row, judged, ">=" + format_time_us(static_cast<double>(plan.timeout_ns) / 1e3));
    fmt::format_to(std::back_inserter(row), "  judged: {} of {} scheduled unanswered ({:.{}f}%)\n",
                   judged.unanswered_count(), judged.total_count(),
                   judged.unanswered_fraction() * 100.0,
                   judged.unanswered_fraction() < 0.001 ? 3 : 1);
    out += row;
}

void append_times(std::string& out, const plan::RunPlan& plan, const stats::Snapshot& totals) {
    append_time_header(out);
    const bool open_loop = plan::is_open_loop(plan);
    const char* from = open_loop ? "from intended send" : "from send";
    if (stats::unanswered_of(totals.counters) > 0) {
        append_judged_row(out, plan, totals);
        append_time_row(out, "  answered", totals.latency_us, from);
        if (totals.failure_time_us.total_count() > 0) {
            append_time_row(out, "  failed", totals.failure_time_us, "time to failure");
        }
    } else {
        append_time_row(out, "Latency", totals.latency_us, from);
    }
    append_time_row(out, "Service time", totals.service_time_us, "from actual send");
    if (open_loop) {
        append_time_row(out, "Schedule lag", totals.schedule_lag_us, "behind schedule");
    }
    append_time_row(out, "Connect time", totals.connect_time_us,
                    plural(totals.connect_time_us.total_count(), "connect"));
    if (plan.target.scheme == "https") {
        append_time_row(out, "Handshake", totals.tls_handshake_us,
                        fmt::format("TLS: {} full, {} resumed", totals.counters.tls_handshakes_full,
                                    totals.counters.tls_handshakes_resumed));
    }
}

void append_status(std::string& out, const stats::Counters& c) {
    std::string classes;
    for (std::size_t cls = 1; cls < c.status_class.size(); ++cls) {
        if (c.status_class[cls] != 0) {
            fmt::format_to(std::back_inserter(classes), "{}xx {}  ", cls, c.status_class[cls]);
        }
    }
    if (c.status_class[0] != 0) {
        fmt::format_to(std::back_inserter(classes), "other {}  ", c.status_class[0]);
    }
    std::string codes;
    for (std::size_t code = 0; code < c.status_code.size(); ++code) {
        if (c.status_code[code] != 0) {
            fmt::format_to(std::back_inserter(codes), "{}{} x{}", codes.empty() ? "" : ", ", code,
                           c.status_code[code]);
        }
    }
    if (classes.empty()) {
        append_line(out, "Status", "none");
        return;
    }
    append_line(out, "Status", codes.empty() ? classes : classes + "(codes: " + codes + ")");
}

// "timeout 3  reset 1  (total 4)" of the kinds counted in `counts`; "" when none.
std::string error_kinds_text(const std::array<int64_t, stats::error_kind_count>& counts) {
    std::string kinds;
    int64_t total = 0;
    for (int kind = 0; kind < stats::error_kind_count; ++kind) {
        const int64_t count = counts[static_cast<std::size_t>(kind)];
        if (count != 0) {
            fmt::format_to(std::back_inserter(kinds), "{} {}  ",
                           stats::error_kind_name(static_cast<stats::ErrorKind>(kind)), count);
            total += count;
        }
    }
    return kinds.empty() ? kinds : fmt::format("{}(total {})", kinds, total);
}

// Failed requests (the "failed" of the Requests line) apart from connections
// that failed to open, which are no request's failure.
void append_errors(std::string& out, const stats::RunResult& result) {
    const stats::Counters& c = result.totals.counters;
    std::array<int64_t, stats::error_kind_count> connection_errors{};
    for (std::size_t kind = 0; kind < connection_errors.size(); ++kind) {
        connection_errors[kind] = c.errors[kind] - c.request_failures[kind];
    }
    const std::string requests = error_kinds_text(c.request_failures);
    const std::string connections = error_kinds_text(connection_errors);
    if (requests.empty() && connections.empty()) {
        append_line(out, "Errors", "none");
    } else {
        std::string_view label = "Errors";
        if (!requests.empty()) {
            append_line(out, label, "requests: " + requests);
            label = "";
        }
        if (!connections.empty()) {
            append_line(out, label, "connections: " + connections);
        }
    }
    for (const std::string& detail : result.error_details) {
        append_line(out, "", "first: " + detail);
    }
}

void append_warnings(std::string& out, const stats::RunResult& result, bool color) {
    std::string_view label = "Warnings";
    for (const std::string& warning : result.warnings) {
        append_line(out, label, base::paint("- " + warning, base::AnsiColor::yellow, color));
        label = "";
    }
}

void append_thresholds(std::string& out, std::span<const gate::ThresholdOutcome> thresholds,
                       bool color) {
    std::string_view label = "Thresholds";
    for (const std::string& line : gate::format_threshold_lines(thresholds, color)) {
        append_line(out, label, line);
        label = "";
    }
    if (!thresholds.empty() && !gate::all_passed(thresholds)) {
        const auto failed =
            std::count_if(thresholds.begin(), thresholds.end(),
                          [](const gate::ThresholdOutcome& t) { return !t.passed; });
        append_line(out, "",
                    base::paint(fmt::format("FAILED: {} of {}", failed, thresholds.size()),
                                base::AnsiColor::red, color));
    }
}

// How the run ended early, if it did: interrupted, gave up, aborted (red with `color`).
void append_endings(std::string& out, const stats::RunResult& result, bool color) {
    const auto ending = [&](std::string_view word, std::string_view rest) {
        out += base::paint(word, base::AnsiColor::red, color);
        out += rest;
    };
    if (result.interrupted) {
        const std::string_view name = stop_signal_name(result.stop_signal);
        if (name.empty()) {
            ending("INTERRUPTED",
                   fmt::format(": stopped by signal after {}; results cover what ran\n",
                               format_time_s(result.duration_s)));
        } else {
            ending("INTERRUPTED",
                   fmt::format(": stopped by {} after {}; results cover what ran (exit {}: an "
                               "interrupted run does not pass)\n",
                               name, format_time_s(result.duration_s),
                               gate::exit_signal_base + result.stop_signal));
        }
    }
    if (!result.gave_up.empty()) {
        ending("GAVE UP",
               fmt::format(" after {}: {}\n", format_time_s(result.duration_s), result.gave_up));
    }
    if (!result.stopped_by.empty()) {
        ending("ABORTED", fmt::format(" after {}: {}; results cover what ran\n",
                                      format_time_s(result.duration_s), result.stopped_by));
    }
}

}  // namespace

std::string format_summary(const plan::RunPlan& plan, const stats::RunResult& result,
                           std::span<const gate::ThresholdOutcome> thresholds,
                           const watch::WatchResult* watch, bool color) {
    std::string out = headline(plan);
    append_counts(out, result, color);
    append_pacing(out, plan);
    append_times(out, plan, result.totals);
    detail::append_requests_by_name(out, result, format_time_us);
    detail::append_transactions_by_name(out, result, format_time_us);
    detail::append_phases(out, result, format_time_us);
    detail::append_scenarios(out, result, format_time_us);
    append_status(out, result.totals.counters);
    append_errors(out, result);
    if (watch != nullptr && !watch->empty()) {
        detail::append_watch(out, *watch, label_width);
    }
    std::string_view shards_label = "Shards";
    for (const std::string& line : detail::shard_lines(result)) {
        append_line(out, shards_label, line);
        shards_label = "";
    }
    append_warnings(out, result, color);
    append_thresholds(out, thresholds, color);
    append_endings(out, result, color);
    return out;
}

std::string format_progress_line(const stats::IntervalRow& row, double elapsed_s, double total_s,
                                 bool warmup) {
    return fmt::format(
        "[{:4.1f}s/{:.1f}s{}] {:.0f} req/s  errors {}  p99 {}", elapsed_s, total_s,
        warmup ? " warmup" : "", per_second(row.counters.requests_completed, row.length_s),
        row.counters.requests_errors, format_time_us(static_cast<double>(row.latency_p99_us)));
}

}  // namespace barrage::report
