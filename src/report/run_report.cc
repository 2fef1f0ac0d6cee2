// The machine-readable outputs (JSON, CSV) and the exit code. The field list
// is documented in docs/output.md; keep the two in step.

#include "barrage/report/run_report.h"

#include <fmt/format.h>
#include <signal.h>

#include <cmath>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/gate/exit_code.h"
#include "barrage/report/generator_health.h"
#include "barrage/report/json_writer.h"
#include "barrage/report/result_archive.h"
#include "barrage/stats/hlog.h"
#include "barrage/stats/judged_latency.h"
#include "barrage/stats/percentile_spectrum.h"
#include "json_field_impl.h"
#include "report_impl.h"

namespace barrage::report {

namespace {

using detail::array_field;
using detail::field;
using detail::per_second;

// Derived numbers (means, rates) keep three decimals: finer digits are noise
// and make the file harder to read.
double round3(double value) { return std::round(value * 1000.0) / 1000.0; }

void optional_field(JsonWriter& json, std::string_view name, const std::optional<double>& value) {
    json.key(name);
    if (value) {
        json.value(*value);
    } else {
        json.null();
    }
}

// `text`, or null when it is empty (no such reason, no such signal).
void string_or_null_field(JsonWriter& json, std::string_view name, std::string_view text) {
    json.key(name);
    if (text.empty()) {
        json.null();
    } else {
        json.value(text);
    }
}

// HdrHistogram's percentile spectrum, so a reader can plot the distribution
// from the JSON alone (see percentile_spectrum).
void write_spectrum(JsonWriter& json, const stats::Histogram& histogram) {
    json.key("spectrum");
    json.begin_array();
    for (const stats::SpectrumPoint& point : stats::percentile_spectrum(histogram)) {
        json.begin_object();
        field(json, "percentile", point.percentile);
        field(json, "value_us", point.value_us);
        json.end_object();
    }
    json.end_array();
}

// with_counts: also the whole histogram ("histogram": V2 compressed, base64, as an
// .hlog line carries it), so compare can bound percentiles by order statistics.
void write_histogram_json(JsonWriter& json, std::string_view name,
                          const stats::Histogram& histogram, bool with_spectrum = false,
                          bool with_counts = false) {
    json.key(name);
    json.begin_object();
    field(json, "min", histogram.min());
    field(json, "mean", round3(histogram.mean()));
    field(json, "stdev", round3(histogram.stdev()));
    for (const auto& column : detail::percentile_columns) {
        field(json, column.json_key, histogram.value_at_percentile(column.percentile));
    }
    field(json, "max", histogram.max());
    field(json, "count", histogram.total_count());
    field(json, "clamped", histogram.count_clamped());
    if (with_spectrum) {
        write_spectrum(json, histogram);
    }
    if (with_counts) {
        field(json, "histogram", stats::encode_histogram_compressed_base64(histogram));
    }
    json.end_object();
}

// Requests of the measured window without an answer, by why: failed (by kind),
// unfinished when the run ended, never sent.
void write_unanswered(JsonWriter& json, const stats::Counters& counters) {
    json.key("unanswered");
    json.begin_object();
    field(json, "total", stats::unanswered_of(counters));
    json.key("failed");
    json.begin_object();
    for (int kind = 0; kind < stats::error_kind_count; ++kind) {
        field(json, stats::error_kind_name(static_cast<stats::ErrorKind>(kind)),
              counters.request_failures[static_cast<std::size_t>(kind)]);
    }
    json.end_object();
    field(json, "unfinished", counters.requests_unfinished);
    field(json, "unsent", counters.requests_unsent);
    json.end_object();
}

void write_requests(JsonWriter& json, const stats::Counters& counters,
                    std::span<const stats::NameStats> by_name) {
    json.key("requests");
    json.begin_object();
    field(json, "sent", counters.requests_sent);
    field(json, "completed", counters.requests_completed);
    field(json, "errors", counters.requests_errors);
    field(json, "responses_failed", stats::responses_failed_total(by_name));
    field(json, "error_rate",
          stats::failure_rate(counters.requests_errors, 0, counters.requests_completed));
    field(json, "failure_rate", stats::failure_rate(counters, by_name));
    field(json, "late", counters.requests_late);
    field(json, "behind", counters.requests_behind);
    field(json, "unsent", counters.requests_unsent);
    field(json, "unfinished", counters.requests_unfinished);
    field(json, "scheduled", counters.requests_sent + counters.requests_unsent);
    field(json, "resent", counters.requests_resent);
    write_unanswered(json, counters);
    json.end_object();
}

// The latency that verdicts judge: every scheduled request, the unanswered ones
// as infinitely slow (stats/judged_latency.h); null where a statistic falls on one.
void write_judged_latency(JsonWriter& json, const stats::Histogram& answered_us,
                          const stats::Counters& counters) {
    const stats::JudgedLatency judged(answered_us, stats::unanswered_of(counters));
    const auto optional_int = [&](std::string_view name, std::optional<int64_t> value) {
        json.key(name);
        if (value) {
            json.value(*value);
        } else {
            json.null();
        }
    };
    json.key("latency_judged");
    json.begin_object();
    field(json, "count", judged.total_count());
    field(json, "answered", judged.answered_count());
    field(json, "unanswered", judged.unanswered_count());
    field(json, "unanswered_ratio", judged.unanswered_fraction());
    optional_int("min", judged.min());
    const std::optional<double> mean = judged.mean();
    optional_field(json, "mean", mean ? std::optional<double>(round3(*mean)) : std::nullopt);
    for (const auto& column : detail::percentile_columns) {
        optional_int(column.json_key, judged.value_at_percentile(column.percentile));
    }
    optional_int("max", judged.max());
    json.end_object();
}

void write_status(JsonWriter& json, const stats::Counters& counters) {
    json.key("status");
    json.begin_object();
    for (std::size_t cls = 1; cls < counters.status_class.size(); ++cls) {
        field(json, fmt::format("{}xx", cls), counters.status_class[cls]);
    }
    field(json, "other", counters.status_class[0]);
    detail::status_code_field(json, "codes", counters);
    json.end_object();
}

void write_errors(JsonWriter& json, const stats::Counters& counters) {
    json.key("errors");
    json.begin_object();
    for (int kind = 0; kind < stats::error_kind_count; ++kind) {
        field(json, stats::error_kind_name(static_cast<stats::ErrorKind>(kind)),
              counters.errors[static_cast<std::size_t>(kind)]);
    }
    field(json, "total", counters.errors_total());
    json.end_object();
}

void write_connections(JsonWriter& json, const stats::RunResult& result) {
    json.key("connections");
    json.begin_object();
    field(json, "target", result.connections_target);
    field(json, "established_max", result.connections_established_max);
    field(json, "opened", result.totals.counters.connections_opened);
    field(json, "reconnects", result.totals.counters.reconnects);
    json.end_object();
    json.key("bytes");
    json.begin_object();
    field(json, "sent", result.totals.counters.bytes_sent);
    field(json, "received", result.totals.counters.bytes_received);
    json.end_object();
}

void write_tls(JsonWriter& json, const plan::RunPlan& plan, const stats::Counters& counters) {
    json.key("tls");
    json.begin_object();
    field(json, "enabled", plan.target.scheme == "https");
    field(json, "handshakes", counters.tls_handshakes_full + counters.tls_handshakes_resumed);
    field(json, "full", counters.tls_handshakes_full);
    field(json, "resumed", counters.tls_handshakes_resumed);
    json.end_object();
}

void write_workers(JsonWriter& json, const stats::RunResult& result) {
    json.key("workers");
    json.begin_object();
    field(json, "count", result.threads);
    array_field(json, "cpus", result.cpus);
    json.end_object();
}

void write_headers(JsonWriter& json, const std::vector<plan::Header>& headers) {
    json.key("headers");
    json.begin_array();
    for (const plan::Header& header : headers) {
        json.begin_array();
        json.value(header.name);
        json.value(header.value);
        json.end_array();
    }
    json.end_array();
}

void write_config(JsonWriter& json, const plan::RunPlan& plan) {
    json.key("config");
    json.begin_object();
    field(json, "url", detail::target_url(plan.target));
    const plan::NamedRequest& request = plan::first_request(plan);
    field(json, "method", request.method);
    field(json, "connections", plan.connections);
    field(json, "threads", plan.threads);
    field(json, "pin", plan.pin);
    field(json, "new_conn", plan.new_connection_per_request);
    field(json, "pipeline", plan.pipeline);
    array_field(json, "cpus", plan.cpus);
    optional_field(json, "rate_rps", plan::headline_rate_per_s(plan));
    field(json, "duration_s", detail::ns_to_s(plan::measured_ns(plan)));
    field(json, "warmup_s", detail::ns_to_s(plan::warmup_ns(plan)));
    field(json, "timeout_s", detail::ns_to_s(plan.timeout_ns));
    field(json, "interval_s", detail::ns_to_s(plan.interval_ns));
    field(json, "timer_slack_us", plan.timer_slack_ns / 1000);
    field(json, "timer_slack_mode", plan.timer_slack_auto ? "auto" : "fixed");
    optional_field(
        json, "connect_rate_per_s",
        plan.connect_rate_per_s > 0 ? std::optional(plan.connect_rate_per_s) : std::nullopt);
    field(json, "sources", static_cast<int64_t>(plan.sources.size()));
    field(json, "response_header_bytes_max", plan.response_header_bytes_max);
    write_headers(json, request.headers);
    field(json, "body_bytes", static_cast<int64_t>(request.body_bytes()));
    field(json, "command_line", plan.command_line);
    // Every request of a profile as written (the url and method above are the first's only),
    // for the HTML report's configuration panel.
    json.key("requests");
    json.begin_array();
    for (const plan::NamedRequest& named : plan.requests) {
        json.begin_object();
        field(json, "name", named.name);
        field(json, "method", named.method);
        field(json, "url", plan.target.scheme + "://" + plan.target.host_header + named.path);
        json.end_object();
    }
    json.end_array();
    if (!plan.run_id.empty()) {
        field(json, "run_id", plan.run_id);
    }
    json.end_object();
}

void write_interval(JsonWriter& json, const stats::IntervalRow& row) {
    json.begin_object();
    field(json, "t_s", round3(row.t_s));
    field(json, "requests", row.counters.requests_completed);
    field(json, "sent", row.counters.requests_sent);  // the achieved send rate's chart
    field(json, "errors", row.counters.requests_errors);
    field(json, "rps", round3(per_second(row.counters.requests_completed, row.length_s)));
    field(json, "p50_us", row.latency_p50_us);
    field(json, "p90_us", row.latency_p90_us);
    field(json, "p99_us", row.latency_p99_us);
    field(json, "p999_us", row.latency_p999_us);
    field(json, "max_us", row.latency_max_us);
    field(json, "p95_us", row.latency_p95_us);
    field(json, "generator_cpu", round3(row.generator_cpu_max));
    field(json, "connections", row.connections_open);
    if (row.target_rps) {  // open loop: the schedule's rate over this interval
        field(json, "target_rps", round3(*row.target_rps));
    }
    json.key("status");  // status classes of the interval, for the HTML report's chart
    json.begin_object();
    for (std::size_t cls = 1; cls < row.counters.status_class.size(); ++cls) {
        field(json, fmt::format("{}xx", cls), row.counters.status_class[cls]);
    }
    field(json, "other", row.counters.status_class[0]);
    json.end_object();
    json.key("errors_by_kind");  // the kinds that occurred in the interval, for the HTML report
    json.begin_object();
    for (std::size_t kind = 0; kind < row.counters.errors.size(); ++kind) {
        if (row.counters.errors[kind] != 0) {
            field(json, stats::error_kind_name(static_cast<stats::ErrorKind>(kind)),
                  row.counters.errors[kind]);
        }
    }
    json.end_object();
    json.end_object();
}

void write_head(JsonWriter& json, const plan::RunPlan& plan) {
    field(json, "tool", "barrage");
    field(json, "version", BARRAGE_VERSION);
    field(json, "schema_version", json_schema_version);
    json.key("target");
    json.begin_object();
    field(json, "url", detail::target_url(plan.target));
    field(json, "address", plan.target.address_text);
    if (!plan.more_targets.empty()) {  // [target] urls: every target, the first included
        json.key("all");
        json.begin_array();
        for (std::size_t i = 0; i < plan::target_count(plan); ++i) {
            json.begin_object();
            field(json, "url", detail::target_url(plan::target_of(plan, i)));
            field(json, "address", plan::target_of(plan, i).address_text);
            json.end_object();
        }
        json.end_array();
    }
    json.end_object();
    field(json, "mode", plan::is_open_loop(plan) ? "open_loop" : "closed_loop");
}

// --shard I/N (or --start-at): which slice of which test, and when it started.
void write_shard(JsonWriter& json, const std::optional<stats::ShardInfo>& shard) {
    if (!shard) {
        return;
    }
    json.key("shard");
    json.begin_object();
    field(json, "index", shard->index);
    field(json, "count", shard->count);
    field(json, "test_id", shard->test_id);
    field(json, "source", shard->source);
    field(json, "start_at_unix_ns", shard->start_at_unix_ns);
    field(json, "started_unix_ns", shard->started_unix_ns);
    json.end_object();
}

void write_rates(JsonWriter& json, const stats::RunResult& result) {
    const stats::Counters& counters = result.totals.counters;
    field(json, "duration_s", result.duration_s);
    field(json, "drain_s", result.drain_s);
    field(json, "interrupted", result.interrupted);
    string_or_null_field(json, "signal", stop_signal_name(result.stop_signal));
    string_or_null_field(json, "aborted_by", result.stopped_by);
    string_or_null_field(json, "gave_up", result.gave_up);
    field(json, "throughput_rps",
          round3(per_second(counters.requests_completed, result.duration_s)));
    optional_field(json, "target_rate_rps", result.asked_rate_rps);
    field(json, "achieved_send_rate_rps",
          round3(per_second(counters.requests_sent, result.duration_s)));
}

// The generator's own health (see generator_health.h): was it the bottleneck?
void write_generator(JsonWriter& json, const stats::RunResult& result) {
    const GeneratorHealth health = judge_generator(result);
    json.key("generator");
    json.begin_object();
    field(json, "saturated", health.saturated);
    array_field(json, "evidence", health.evidence);
    field(json, "cpu_share_max", round3(health.cpu_share_max));
    json.key("worker_cpu_s");
    json.begin_array();
    for (const double seconds : result.worker_cpu_s) {
        json.value(round3(seconds));
    }
    json.end_array();
    field(json, "behind", result.totals.counters.requests_behind);
    field(json, "stalls", result.totals.counters.stalls);
    field(json, "stall_ms", round3(static_cast<double>(result.totals.counters.stall_ns) / 1e6));
    field(json, "behind_limit_us", result.behind_limit_us);
    field(json, "responses_timed_on_arrival", result.totals.counters.responses_timed_on_arrival);
    const int connections = suggested_connections(result);
    if (connections > 0 && !health.saturated) {
        field(json, "connections_suggested", connections);
    } else {
        json.key("connections_suggested");
        json.null();
    }
    json.end_object();
}

// Where in time a threshold judged: `window_s` (windowed, drift), `for_s` and
// `held_s` (sustained), `window_start_s` (the worst window, the last drift window,
// the longest sustained stretch); null where they do not apply.
void write_threshold_time(JsonWriter& json, const gate::ThresholdOutcome& outcome) {
    const gate::ThresholdSpec& spec = outcome.spec;
    const bool windowed = spec.form == gate::Form::windowed || spec.form == gate::Form::drift;
    const bool sustained = spec.form == gate::Form::sustained;
    optional_field(json, "window_s",
                   windowed ? std::optional<double>(outcome.window_s) : std::nullopt);
    optional_field(json, "for_s",
                   sustained ? std::optional<double>(static_cast<double>(spec.sustained_ns) / 1e9)
                             : std::nullopt);
    // Sums of interval lengths: microseconds are all they resolve.
    const auto us_rounded = [](double s) { return std::round(s * 1e6) / 1e6; };
    optional_field(json, "held_s",
                   sustained ? std::optional<double>(us_rounded(outcome.held_s)) : std::nullopt);
    optional_field(json, "window_start_s",
                   outcome.window_start_s
                       ? std::optional<double>(us_rounded(*outcome.window_start_s))
                       : std::nullopt);
}

// Limits and values in the metric's base unit: microseconds, a fraction, requests/s.
void write_thresholds(JsonWriter& json, std::span<const gate::ThresholdOutcome> thresholds) {
    json.key("thresholds");
    json.begin_array();
    for (const gate::ThresholdOutcome& outcome : thresholds) {
        const gate::ThresholdSpec& spec = outcome.spec;
        json.begin_object();
        field(json, "expression", spec.expression);
        // An unresolved NAME: (find-max's SLOs) reads the request of that name first.
        const bool request =
            spec.scope.kind == gate::ScopeKind::request || spec.scope.kind == gate::ScopeKind::name;
        field(json, "scope",
              request ? std::string_view("request") : gate::scope_kind_text(spec.scope.kind));
        for (const auto& [key, named] :
             {std::pair{"request", request},
              std::pair{"phase", spec.scope.kind == gate::ScopeKind::phase}}) {
            json.key(key);
            if (named) {
                json.value(spec.scope.name);
            } else {
                json.null();
            }
        }
        field(json, "metric", gate::term_name(spec));
        field(json, "operator", gate::comparison_text(spec.comparison));
        field(json, "limit", spec.limit);
        // A latency that falls on an unanswered request has no finite value.
        const bool unanswered = outcome.value && std::isinf(*outcome.value);
        optional_field(json, "value", unanswered ? std::nullopt : outcome.value);
        field(json, "unanswered", unanswered);
        field(json, "unit",
              spec.is_ratio() ? std::string_view("factor") : gate::metric_unit(spec.metric));
        field(json, "pass", outcome.passed);
        field(json, "abort", outcome.spec.abort_on_fail);
        write_threshold_time(json, outcome);
        json.end_object();
    }
    json.end_array();
}

}  // namespace

void detail::write_histogram(JsonWriter& json, std::string_view name,
                             const stats::Histogram& histogram) {
    write_histogram_json(json, name, histogram, false);
}

void detail::write_histogram_with_counts(JsonWriter& json, std::string_view name,
                                         const stats::Histogram& histogram) {
    write_histogram_json(json, name, histogram, false, true);
}

std::string format_json(const plan::RunPlan& plan, const stats::RunResult& result,
                        std::span<const gate::ThresholdOutcome> thresholds,
                        const watch::WatchResult* watch) {
    const stats::Snapshot& totals = result.totals;
    JsonWriter json;
    json.begin_object();
    write_head(json, plan);
    write_shard(json, result.shard);
    write_requests(json, totals.counters, totals.by_name);
    write_rates(json, result);
    write_judged_latency(json, totals.latency_us, totals.counters);
    write_histogram_json(json, "latency", totals.latency_us, true, true);
    write_histogram_json(json, "failure_time", totals.failure_time_us);
    write_histogram_json(json, "service_time", totals.service_time_us);
    write_histogram_json(json, "schedule_lag", totals.schedule_lag_us);
    write_histogram_json(json, "connect_time", totals.connect_time_us);
    write_histogram_json(json, "tls_handshake", totals.tls_handshake_us);
    write_tls(json, plan, totals.counters);
    detail::write_requests_by_name(json, result);
    detail::write_transactions_by_name(json, result);
    detail::write_phases(json, result);
    detail::write_scenarios(json, plan, result);
    write_status(json, totals.counters);
    write_errors(json, totals.counters);
    array_field(json, "error_details", result.error_details);
    write_generator(json, result);
    array_field(json, "warnings", result.warnings);
    write_connections(json, result);
    write_workers(json, result);
    write_config(json, plan);
    write_thresholds(json, thresholds);
    if (watch != nullptr && !watch->empty()) {
        detail::write_watch(json, *watch);
    }
    json.key("intervals");
    json.begin_array();
    for (const stats::IntervalRow& row : result.intervals) {
        write_interval(json, row);
    }
    json.end_array();
    detail::write_shards(json, result);
    write_archive(json, plan, result);
    json.end_object();
    std::string document = json.text();
    document += '\n';
    return document;
}

std::string format_csv(const stats::RunResult& result, const watch::WatchResult* watch) {
    const watch::WatchResult none;
    const watch::WatchResult& watched = watch != nullptr ? *watch : none;
    std::string csv = format_csv_header(!watched.targets.empty());
    for (const stats::IntervalRow& row : result.intervals) {
        csv += format_csv_row(row, &watched);
    }
    return csv;
}

std::string format_csv_header(bool watched) {
    return std::string("t_s,requests,errors,rps,p50_us,p90_us,p99_us,p999_us,max_us,p95_us") +
           (watched ? ",rss_mb,fds,threads" : "") + "\n";
}

std::string format_csv_row(const stats::IntervalRow& row, const watch::WatchResult* watch) {
    const int64_t completed = row.counters.requests_completed;
    return fmt::format("{:.3f},{},{},{:.2f},{},{},{},{},{},{}{}\n", row.t_s, completed,
                       row.counters.requests_errors, per_second(completed, row.length_s),
                       row.latency_p50_us, row.latency_p90_us, row.latency_p99_us,
                       row.latency_p999_us, row.latency_max_us, row.latency_p95_us,
                       watch != nullptr ? detail::watch_csv_fields(*watch, row) : std::string());
}

namespace {

// The first error detail of `kind` without its "kind: " prefix; "" when none.
std::string first_detail_of(const stats::RunResult& result, stats::ErrorKind kind) {
    const std::string prefix = std::string(stats::error_kind_name(kind)) + ": ";
    for (const std::string& detail : result.error_details) {
        if (detail.rfind(prefix, 0) == 0) {
            return detail.substr(prefix.size());
        }
    }
    return "";
}

std::string with_detail(std::string reason, const std::string& detail) {
    return detail.empty() ? reason : reason + ": " + detail;
}

}  // namespace

std::string run_failure_reason(const stats::RunResult& result) {
    if (gate::exit_code_for(result) != gate::exit_run_failed) {
        return "";
    }
    const stats::Counters& c = result.totals.counters;
    const std::string first = result.error_details.empty() ? "" : result.error_details.front();
    if (c.errors[static_cast<std::size_t>(stats::ErrorKind::tls)] > 0 &&
        c.tls_handshakes_full + c.tls_handshakes_resumed == 0) {
        return with_detail("every TLS handshake failed",
                           first_detail_of(result, stats::ErrorKind::tls));
    }
    if (!result.gave_up.empty() || result.connections_established_max == 0) {
        return with_detail(
            result.gave_up.empty() ? "no connection could be opened" : result.gave_up, first);
    }
    if (result.interrupted || !result.stopped_by.empty()) {
        return "stopped before any request completed";
    }
    return with_detail("no request completed", first);
}

std::string_view stop_signal_name(int signal_number) {
    switch (signal_number) {
        case SIGINT:
            return "SIGINT";
        case SIGTERM:
            return "SIGTERM";
        case SIGHUP:
            return "SIGHUP";
        default:
            return "";
    }
}

}  // namespace barrage::report
