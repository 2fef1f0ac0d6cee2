// The result archive's writer (result_archive.h; read back by archive_reader.cc).
// Every number is written exactly: integers as they are, doubles as the
// shortest text that reads back as the same double.

#include "archive_impl.h"
#include "barrage/report/result_archive.h"
#include "barrage/stats/hlog.h"
#include "json_field_impl.h"

namespace barrage::report {
namespace {

using namespace detail;

void write_histogram(JsonWriter& json, std::string_view key, const Histogram& histogram) {
    json.key(key);
    json.begin_object();
    field(json, "hlog", stats::encode_histogram_compressed_base64(histogram));
    field(json, "clamped", histogram.count_clamped());
    json.end_object();
}

void write_counters(JsonWriter& json, std::string_view key, const Counters& counters) {
    json.key(key);
    json.begin_object();
    for (const auto& [name, member] : counter_fields) {
        field(json, name, counters.*member);
    }
    array_field(json, "errors_by_kind", counters.errors);
    array_field(json, "request_failures", counters.request_failures);
    array_field(json, "status_class", counters.status_class);
    status_code_field(json, "status_code", counters);
    json.end_object();
}

void write_by_name(JsonWriter& json, const Snapshot& snapshot) {
    json.key("by_name");
    json.begin_array();
    for (const NameStats& name : snapshot.by_name) {
        json.begin_object();
        for (const auto& [key, member] : name_fields) {
            field(json, key, name.*member);
        }
        array_field(json, "check_failures", name.check_failures);
        write_histogram(json, "latency", name.latency_us);
        json.end_object();
    }
    json.end_array();
    json.key("by_transaction");
    json.begin_array();
    for (const TransactionStats& transaction : snapshot.by_transaction) {
        json.begin_object();
        for (const auto& [key, member] : transaction_fields) {
            field(json, key, transaction.*member);
        }
        write_histogram(json, "latency", transaction.latency_us);
        json.end_object();
    }
    json.end_array();
}

void write_snapshot(JsonWriter& json, std::string_view key, const Snapshot& snapshot) {
    json.key(key);
    json.begin_object();
    write_counters(json, "counters", snapshot.counters);
    for (const auto& [name, member] : snapshot_histograms) {
        write_histogram(json, name, snapshot.*member);
    }
    write_by_name(json, snapshot);
    json.end_object();
}

void write_intervals(JsonWriter& json, const stats::RunResult& result) {
    json.key("intervals");
    json.begin_array();
    for (const stats::IntervalRow& row : result.intervals) {
        json.begin_object();
        field(json, "t_s", row.t_s);
        field(json, "length_s", row.length_s);
        field(json, "sent", row.counters.requests_sent);
        field(json, "completed", row.counters.requests_completed);
        field(json, "errors", row.counters.requests_errors);
        array_field(json, "status_class", row.counters.status_class);
        array_field(json, "errors_by_kind", row.counters.errors);
        field(json, "generator_cpu_max", row.generator_cpu_max);
        field(json, "connections", row.connections_open);
        if (row.target_rps) {
            field(json, "target_rps", *row.target_rps);
        }
        field(json, "latency", row.latency_us_hlog);
        json.end_object();
    }
    json.end_array();
}

void write_names(JsonWriter& json, const stats::RunResult& result) {
    json.key("requests");
    json.begin_array();
    for (const stats::RequestInfo& request : result.requests) {
        json.begin_object();
        field(json, "name", request.name);
        array_field(json, "checks", request.check_names);
        array_field(json, "captures", request.capture_names);
        json.end_object();
    }
    json.end_array();
    json.key("transactions");
    json.begin_array();
    for (const stats::TransactionInfo& transaction : result.transactions) {
        json.begin_object();
        field(json, "name", transaction.name);
        array_field(json, "repeats", transaction.repeats);
        json.end_object();
    }
    json.end_array();
}

void write_parts(JsonWriter& json, const stats::RunResult& result) {
    json.key("phases");
    json.begin_array();
    for (const stats::PhaseResult& phase : result.phases) {
        json.begin_object();
        field(json, "name", phase.name);
        field(json, "start_s", phase.start_s);
        field(json, "end_s", phase.end_s);
        write_counters(json, "counters", phase.counters);
        write_histogram(json, "latency", phase.latency_us);
        json.end_object();
    }
    json.end_array();
    json.key("scenarios");
    json.begin_array();
    for (const stats::ScenarioResult& scenario : result.scenarios) {
        json.begin_object();
        field(json, "name", scenario.name);
        array_field(json, "tags", scenario.tags);
        write_snapshot(json, "totals", scenario.totals);
        json.end_object();
    }
    json.end_array();
}

void write_run(JsonWriter& json, const stats::RunResult& result) {
    json.key("run");
    json.begin_object();
    field(json, "duration_s", result.duration_s);
    field(json, "drain_s", result.drain_s);
    json.key("asked_rate_rps");
    result.asked_rate_rps ? json.value(*result.asked_rate_rps) : json.null();
    field(json, "measured_start_unix_ms", result.measured_start_unix_ms);
    field(json, "interrupted", result.interrupted);
    field(json, "stop_signal", result.stop_signal);
    field(json, "stopped_by", result.stopped_by);
    field(json, "gave_up", result.gave_up);
    field(json, "connections_target", result.connections_target);
    field(json, "connections_established_max", result.connections_established_max);
    field(json, "threads", result.threads);
    array_field(json, "cpus", result.cpus);
    array_field(json, "worker_cpu_s", result.worker_cpu_s);
    field(json, "behind_limit_us", result.behind_limit_us);
    array_field(json, "warnings", result.warnings);
    array_field(json, "error_details", result.error_details);
    json.end_object();
}

void write_target(JsonWriter& json, const plan::Target& target) {
    json.begin_object();
    field(json, "scheme", target.scheme);
    field(json, "host", target.host);
    field(json, "port", static_cast<int>(target.port));
    field(json, "path", target.path);
    field(json, "host_header", target.host_header);
    field(json, "address", target.address_text);
    json.end_object();
}

void write_phase(JsonWriter& json, const plan::PhasePlan& phase) {
    json.begin_object();
    field(json, "name", phase.name);
    field(json, "kind", phase_kind_names[static_cast<std::size_t>(phase.kind)]);
    field(json, "warmup", phase.warmup);
    for (const auto& [key, member] : phase_int64_fields) {
        field(json, key, phase.*member);
    }
    for (const auto& [key, member] : phase_double_fields) {
        field(json, key, phase.*member);
    }
    for (const auto& [key, member] : phase_int_fields) {
        field(json, key, phase.*member);
    }
    json.end_object();
}

void write_phases(JsonWriter& json, const std::vector<plan::PhasePlan>& phases) {
    json.key("phases");
    json.begin_array();
    for (const plan::PhasePlan& phase : phases) {
        write_phase(json, phase);
    }
    json.end_array();
}

void task_names(JsonWriter& json, std::string_view key, const std::vector<plan::TaskPlan>& tasks) {
    json.key(key);
    json.begin_array();
    for (const plan::TaskPlan& task : tasks) {
        json.value(task.name);
    }
    json.end_array();
}

void write_plan_load(JsonWriter& json, const plan::RunPlan& plan) {
    const plan::NamedRequest& request = plan::first_request(plan);
    field(json, "method", request.method);
    json.key("headers");
    json.begin_array();
    for (const plan::Header& header : request.headers) {
        json.begin_array();
        json.value(header.name);
        json.value(header.value);
        json.end_array();
    }
    json.end_array();
    field(json, "body_bytes", static_cast<int64_t>(request.body_bytes()));
    json.key("requests");
    json.begin_array();
    for (const plan::NamedRequest& named : plan.requests) {
        json.value(named.name);
    }
    json.end_array();
    // Each request's method and path template, for the report's configuration panel.
    json.key("request_methods");
    json.begin_array();
    for (const plan::NamedRequest& named : plan.requests) {
        json.value(named.method);
    }
    json.end_array();
    json.key("request_paths");
    json.begin_array();
    for (const plan::NamedRequest& named : plan.requests) {
        json.value(named.path);
    }
    json.end_array();
    field(json, "first_step", static_cast<int64_t>(plan.session.steps.front()));
    write_phases(json, plan.phases);
    field(json, "main_phase", static_cast<int64_t>(plan.main_phase));
    task_names(json, "session_tasks", plan.session.tasks);
    task_names(json, "tasks", plan.tasks);
    json.key("scenarios");
    json.begin_array();
    for (const plan::ScenarioPlan& scenario : plan.scenarios) {
        json.begin_object();
        field(json, "name", scenario.name);
        array_field(json, "tags", scenario.tags);
        write_phases(json, scenario.phases);
        field(json, "start_ns", scenario.start_ns);
        field(json, "connections", scenario.connections);
        task_names(json, "tasks", scenario.session.tasks);
        json.end_object();
    }
    json.end_array();
}

void write_plan(JsonWriter& json, const plan::RunPlan& plan) {
    json.key("plan");
    json.begin_object();
    json.key("target");
    write_target(json, plan.target);
    json.key("more_targets");
    json.begin_array();
    for (const plan::Target& target : plan.more_targets) {
        write_target(json, target);
    }
    json.end_array();
    field(json, "connections", plan.connections);
    field(json, "threads", plan.threads);
    field(json, "pin", plan.pin);
    field(json, "new_conn", plan.new_connection_per_request);
    field(json, "pipeline", plan.pipeline);
    array_field(json, "cpus", plan.cpus);
    field(json, "timeout_ns", plan.timeout_ns);
    field(json, "interval_ns", plan.interval_ns);
    field(json, "timer_slack_ns", plan.timer_slack_ns);
    field(json, "timer_slack_auto", plan.timer_slack_auto);
    field(json, "response_header_bytes_max", plan.response_header_bytes_max);
    field(json, "command_line", plan.command_line);
    field(json, "run_id", plan.run_id);
    field(json, "profile_path", plan.profile_path);
    write_plan_load(json, plan);
    json.key("thresholds");
    json.begin_array();
    for (const plan::ThresholdPlan& threshold : plan.outputs.thresholds) {
        json.begin_object();
        field(json, "expression", threshold.expression);
        field(json, "abort", threshold.abort);
        field(json, "origin", threshold.origin);
        field(json, "time_scale", threshold.time_scale);
        json.end_object();
    }
    json.end_array();
    json.end_object();
}

}  // namespace

void write_archive(JsonWriter& json, const plan::RunPlan& plan, const stats::RunResult& result) {
    json.key("archive");
    json.begin_object();
    field(json, "format", archive_format);
    write_run(json, result);
    write_names(json, result);
    write_snapshot(json, "totals", result.totals);
    write_parts(json, result);
    write_intervals(json, result);
    write_plan(json, plan);
    json.end_object();
}

}  // namespace barrage::report
