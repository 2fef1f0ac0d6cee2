// The result archive's reader (result_archive.h): strict, since a sum is only
// exact when every count is there. The first missing or mistyped field fails
// the whole read, naming where it is.

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <optional>
#include <vector>

#include "archive_impl.h"
#include "barrage/report/result_archive.h"
#include "barrage/stats/hlog.h"

namespace barrage::report {
namespace {

using namespace detail;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Reads fields and keeps the first problem, with the path to it, so the
// readers below stay straight-line code.
// "{}", parsed once: what a missing object reads as.
object empty_object() {
    static simdjson::dom::parser parser;
    static const object empty = parser.parse(std::string_view("{}")).get_object().value();
    return empty;
}

class Fields {
public:
    explicit Fields(std::string_view source) : source_(source) {}

    int64_t integer(const object& parent, std::string_view key) {
        int64_t value = 0;
        if (parent[key].get_int64().get(value) != simdjson::SUCCESS) {
            problem(key, "an integer");
        }
        return value;
    }
    // A key that archives written before it was added lack: `absent` then.
    int64_t integer_or(const object& parent, std::string_view key, int64_t absent) {
        int64_t value = absent;
        if (auto found = parent[key]; found.error() != simdjson::NO_SUCH_FIELD) {
            value = integer(parent, key);
        }
        return value;
    }
    double number(const object& parent, std::string_view key) {
        element value;
        if (parent[key].get(value) == simdjson::SUCCESS) {
            if (value.is_int64()) {
                return static_cast<double>(int64_t(value));
            }
            if (value.is_double()) {
                return double(value);
            }
        }
        problem(key, "a number");
        return 0;
    }
    bool flag(const object& parent, std::string_view key) {
        bool value = false;
        if (parent[key].get_bool().get(value) != simdjson::SUCCESS) {
            problem(key, "true or false");
        }
        return value;
    }
    std::string text(const object& parent, std::string_view key) {
        std::string_view value;
        if (parent[key].get_string().get(value) != simdjson::SUCCESS) {
            problem(key, "a string");
        }
        return std::string(value);
    }
    // A missing object reads as an empty one (its fields then report themselves
    // missing): a default-constructed simdjson object has no document behind it.
    object child(const object& parent, std::string_view key) {
        object value;
        if (parent[key].get_object().get(value) != simdjson::SUCCESS) {
            problem(key, "an object");
            return empty_object();
        }
        return value;
    }
    // The elements, copied out (they are handles): a missing array reads as none.
    std::vector<element> items(const object& parent, std::string_view key) {
        array value;
        if (parent[key].get_array().get(value) != simdjson::SUCCESS) {
            problem(key, "an array");
            return {};
        }
        return {value.begin(), value.end()};
    }
    // Objects of an array, each read with `read(object)` inside path "KEY/i".
    template <typename Read>
    void each(const object& parent, std::string_view key, Read read) {
        std::size_t i = 0;
        for (element item : items(parent, key)) {
            object entry;
            path_.push_back(fmt::format("{}/{}", key, i++));
            if (item.get_object().get(entry) != simdjson::SUCCESS) {
                problem("", "an object");
            } else {
                read(entry);
            }
            path_.pop_back();
        }
    }
    template <typename T>
    std::vector<T> list(const object& parent, std::string_view key) {
        std::vector<T> out;
        for (element item : items(parent, key)) {
            if constexpr (std::is_same_v<T, std::string>) {
                std::string_view text;
                ok(item.get_string().get(text) == simdjson::SUCCESS, key, "strings");
                out.emplace_back(text);
            } else if constexpr (std::is_same_v<T, double>) {
                ok(item.is_double() || item.is_int64(), key, "numbers");
                out.push_back(item.is_int64() ? static_cast<double>(int64_t(item)) : double(item));
            } else {
                int64_t number = 0;
                ok(item.get_int64().get(number) == simdjson::SUCCESS, key, "integers");
                out.push_back(static_cast<T>(number));
            }
        }
        return out;
    }
    void ok(bool good, std::string_view key, std::string_view expected) {
        if (!good) {
            problem(key, expected);
        }
    }
    void enter(std::string_view part) { path_.emplace_back(part); }
    void leave() { path_.pop_back(); }
    const std::optional<base::Error>& error() const { return error_; }
    void fail(std::string message) {
        if (!error_) {
            error_ = base::make_error(fmt::format("{}: {}: {}", source_, where(), message));
        }
    }

private:
    std::string where() const {
        std::string out = "archive";
        for (const std::string& part : path_) {
            out += "/" + part;
        }
        return out;
    }
    void problem(std::string_view key, std::string_view expected) {
        fail(key.empty() ? fmt::format("expected {}", expected)
                         : fmt::format("'{}' is missing or not {}", key, expected));
    }
    std::string source_;
    std::vector<std::string> path_;
    std::optional<base::Error> error_;
};

stats::Histogram histogram_of(Fields& f, const object& parent, std::string_view key,
                              stats::Histogram empty) {
    const object entry = f.child(parent, key);
    if (f.error()) {
        return empty;
    }
    auto decoded = stats::decode_histogram_compressed_base64(f.text(entry, "hlog"));
    const int64_t clamped = f.integer(entry, "clamped");
    if (!decoded.ok()) {
        f.fail(fmt::format("'{}': {}", key, decoded.error().message));
        return empty;
    }
    stats::Histogram& histogram = decoded.value();
    if (histogram.lowest_discernible() != empty.lowest_discernible() ||
        histogram.highest_trackable() != empty.highest_trackable() ||
        histogram.significant_figures() != empty.significant_figures()) {
        f.fail(fmt::format("'{}': not barrage's histogram layout", key));
        return empty;
    }
    if (clamped < 0 || clamped > histogram.count_at_value(histogram.highest_trackable())) {
        f.fail(fmt::format("'{}': 'clamped' is more than the histogram's top bucket holds", key));
        return empty;
    }
    empty.add(histogram);
    empty.mark_clamped(clamped);
    return empty;
}

template <std::size_t N>
void read_array(Fields& f, const object& parent, std::string_view key,
                std::array<int64_t, N>& into) {
    const auto numbers = f.list<int64_t>(parent, key);
    f.ok(numbers.size() == N, key, fmt::format("{} integers", N));
    for (std::size_t i = 0; i < std::min(N, numbers.size()); ++i) {
        into[i] = numbers[i];
    }
}

stats::Counters counters_of(Fields& f, const object& parent) {
    stats::Counters counters;
    const object entry = f.child(parent, "counters");
    if (f.error()) {
        return counters;
    }
    f.enter("counters");
    for (const auto& [key, member] : counter_fields) {
        // "resent" came with --pipeline: older archives read it as 0.
        counters.*member = key == "resent" ? f.integer_or(entry, key, 0) : f.integer(entry, key);
    }
    read_array(f, entry, "errors_by_kind", counters.errors);
    read_array(f, entry, "request_failures", counters.request_failures);
    read_array(f, entry, "status_class", counters.status_class);
    for (auto [code_text, count] : f.child(entry, "status_code")) {
        int code = -1;
        std::from_chars(code_text.data(), code_text.data() + code_text.size(), code);
        int64_t number = 0;
        f.ok(code >= 0 && code < static_cast<int>(counters.status_code.size()) &&
                 count.get_int64().get(number) == simdjson::SUCCESS,
             "status_code", "codes 0..599 with integer counts");
        if (code >= 0 && code < static_cast<int>(counters.status_code.size())) {
            counters.status_code[static_cast<std::size_t>(code)] = number;
        }
    }
    f.leave();
    return counters;
}

void read_by_name(Fields& f, const object& entry, stats::Snapshot& snapshot) {
    f.each(entry, "by_name", [&](const object& item) {
        const auto checks = f.list<int64_t>(item, "check_failures");
        stats::NameStats& name =
            snapshot.by_name.emplace_back(checks.size(), snapshot.by_name.size());
        for (const auto& [key, member] : name_fields) {
            name.*member = f.integer(item, key);
        }
        name.check_failures = checks;
        name.latency_us =
            histogram_of(f, item, "latency",
                         stats::NameStats::latency_histogram_for(snapshot.by_name.size() - 1));
    });
    f.each(entry, "by_transaction", [&](const object& item) {
        const std::size_t index = snapshot.by_transaction.size();
        stats::TransactionStats& transaction = snapshot.by_transaction.emplace_back(index);
        for (const auto& [key, member] : transaction_fields) {
            transaction.*member = f.integer(item, key);
        }
        transaction.latency_us =
            histogram_of(f, item, "latency", stats::NameStats::latency_histogram_for(index));
    });
}

stats::Snapshot snapshot_of(Fields& f, const object& parent, std::string_view key) {
    stats::Snapshot snapshot;
    const object entry = f.child(parent, key);
    if (f.error()) {
        return snapshot;
    }
    f.enter(key);
    snapshot.counters = counters_of(f, entry);
    for (const auto& [name, member] : snapshot_histograms) {
        snapshot.*member = histogram_of(f, entry, name, stats::Histogram::for_latency_us());
    }
    read_by_name(f, entry, snapshot);
    f.leave();
    return snapshot;
}

void read_run(Fields& f, const object& archive, stats::RunResult& result) {
    const object run = f.child(archive, "run");
    if (f.error()) {
        return;
    }
    f.enter("run");
    result.duration_s = f.number(run, "duration_s");
    result.drain_s = f.number(run, "drain_s");
    element rate;
    if (run["asked_rate_rps"].get(rate) == simdjson::SUCCESS && !rate.is_null()) {
        result.asked_rate_rps = f.number(run, "asked_rate_rps");
    }
    result.measured_start_unix_ms = f.integer(run, "measured_start_unix_ms");
    result.interrupted = f.flag(run, "interrupted");
    result.stop_signal = static_cast<int>(f.integer(run, "stop_signal"));
    result.stopped_by = f.text(run, "stopped_by");
    result.gave_up = f.text(run, "gave_up");
    result.connections_target = static_cast<int>(f.integer(run, "connections_target"));
    result.connections_established_max =
        static_cast<int>(f.integer(run, "connections_established_max"));
    result.threads = static_cast<int>(f.integer(run, "threads"));
    result.cpus = f.list<int>(run, "cpus");
    result.worker_cpu_s = f.list<double>(run, "worker_cpu_s");
    result.behind_limit_us = f.integer(run, "behind_limit_us");
    result.warnings = f.list<std::string>(run, "warnings");
    result.error_details = f.list<std::string>(run, "error_details");
    f.leave();
}

void read_names(Fields& f, const object& archive, stats::RunResult& result) {
    f.each(archive, "requests", [&](const object& item) {
        result.requests.push_back({f.text(item, "name"), f.list<std::string>(item, "checks"),
                                   f.list<std::string>(item, "captures")});
    });
    f.each(archive, "transactions", [&](const object& item) {
        result.transactions.push_back({f.text(item, "name"), f.list<std::string>(item, "repeats")});
    });
}

void read_parts(Fields& f, const object& archive, stats::RunResult& result) {
    f.each(archive, "phases", [&](const object& item) {
        stats::PhaseResult phase;
        phase.name = f.text(item, "name");
        phase.start_s = f.number(item, "start_s");
        phase.end_s = f.number(item, "end_s");
        phase.counters = counters_of(f, item);
        phase.latency_us = histogram_of(f, item, "latency", stats::Histogram::for_latency_us());
        result.phases.push_back(std::move(phase));
    });
    f.each(archive, "scenarios", [&](const object& item) {
        stats::ScenarioResult scenario;
        scenario.name = f.text(item, "name");
        scenario.tags = f.list<std::string>(item, "tags");
        scenario.totals = snapshot_of(f, item, "totals");
        result.scenarios.push_back(std::move(scenario));
    });
}

void read_intervals(Fields& f, const object& archive, stats::RunResult& result) {
    f.each(archive, "intervals", [&](const object& item) {
        stats::IntervalRow row;
        row.t_s = f.number(item, "t_s");
        row.length_s = f.number(item, "length_s");
        row.counters.requests_sent = f.integer(item, "sent");
        row.counters.requests_completed = f.integer(item, "completed");
        row.counters.requests_errors = f.integer(item, "errors");
        read_array(f, item, "status_class", row.counters.status_class);
        read_array(f, item, "errors_by_kind", row.counters.errors);
        row.generator_cpu_max = f.number(item, "generator_cpu_max");
        // Archives written before it have none: 0, as the run's JSON then said nothing.
        int64_t connections = 0;
        double target_rps = 0;
        if (item["target_rps"].get_double().get(target_rps) == simdjson::SUCCESS) {
            row.target_rps = target_rps;  // absent: closed loop, or an older archive
        }
        if (item["connections"].get_int64().get(connections) == simdjson::SUCCESS) {
            row.connections_open = connections;
        }
        row.latency_us_hlog = f.text(item, "latency");
        if (row.latency_us_hlog.empty()) {  // not kept: merge refuses to sum this row
            result.intervals.push_back(std::move(row));
            return;
        }
        auto histogram = stats::decode_histogram_compressed_base64(row.latency_us_hlog);
        if (!histogram.ok()) {
            f.fail("'latency': " + histogram.error().message);
            return;
        }
        const stats::Histogram& latency_us = histogram.value();
        row.latency_p50_us = latency_us.value_at_percentile(50);
        row.latency_p90_us = latency_us.value_at_percentile(90);
        row.latency_p99_us = latency_us.value_at_percentile(99);
        row.latency_p999_us = latency_us.value_at_percentile(99.9);
        row.latency_max_us = latency_us.max();
        row.latency_p95_us = latency_us.value_at_percentile(95);
        result.intervals.push_back(std::move(row));
    });
}

plan::Target target_of(Fields& f, const object& item) {
    plan::Target target;
    target.scheme = f.text(item, "scheme");
    target.host = f.text(item, "host");
    target.port = static_cast<uint16_t>(f.integer(item, "port"));
    target.path = f.text(item, "path");
    target.host_header = f.text(item, "host_header");
    target.address_text = f.text(item, "address");
    return target;
}

std::vector<plan::PhasePlan> phases_of(Fields& f, const object& parent) {
    std::vector<plan::PhasePlan> phases;
    f.each(parent, "phases", [&](const object& item) {
        plan::PhasePlan& phase = phases.emplace_back();
        phase.name = f.text(item, "name");
        const std::string kind = f.text(item, "kind");
        const auto* known = std::find(phase_kind_names.begin(), phase_kind_names.end(), kind);
        f.ok(known != phase_kind_names.end(), "kind", "a phase kind");
        if (known != phase_kind_names.end()) {
            phase.kind = static_cast<plan::PhaseKind>(known - phase_kind_names.begin());
        }
        phase.warmup = f.flag(item, "warmup");
        for (const auto& [key, member] : phase_int64_fields) {
            phase.*member = f.integer(item, key);
        }
        for (const auto& [key, member] : phase_double_fields) {
            phase.*member = f.number(item, key);
        }
        for (const auto& [key, member] : phase_int_fields) {
            phase.*member = static_cast<int>(f.integer(item, key));
        }
    });
    return phases;
}

std::vector<plan::TaskPlan> tasks_of(Fields& f, const object& parent, std::string_view key) {
    std::vector<plan::TaskPlan> tasks;
    for (std::string& name : f.list<std::string>(parent, key)) {
        tasks.push_back({.name = std::move(name)});
    }
    return tasks;
}

// The first request as the reports show it; the others by name only.
void read_requests(Fields& f, const object& entry, plan::RunPlan& plan) {
    plan.requests.clear();
    for (std::string& name : f.list<std::string>(entry, "requests")) {
        plan.requests.push_back({.name = std::move(name)});
    }
    const auto methods = f.list<std::string>(entry, "request_methods");
    const auto paths = f.list<std::string>(entry, "request_paths");
    f.ok(methods.size() == plan.requests.size() && paths.size() == plan.requests.size(),
         "request_methods", "one method and one path per request");
    for (std::size_t i = 0; i < plan.requests.size() && i < methods.size() && i < paths.size();
         ++i) {
        plan.requests[i].method = methods[i];
        plan.requests[i].path = paths[i];
    }
    const auto first = static_cast<std::size_t>(f.integer(entry, "first_step"));
    f.ok(first < plan.requests.size(), "first_step", "the index of a request");
    if (first >= plan.requests.size()) {
        return;
    }
    plan.session.steps = {first};
    plan::NamedRequest& request = plan.requests[first];
    request.method = f.text(entry, "method");
    for (element pair : f.items(entry, "headers")) {
        std::string_view name;
        std::string_view value;
        f.ok(pair.at(0).get_string().get(name) == simdjson::SUCCESS &&
                 pair.at(1).get_string().get(value) == simdjson::SUCCESS,
             "headers", "[name, value] pairs");
        request.headers.push_back({std::string(name), std::string(value)});
    }
    // Only its size is reported: a body of that many bytes stands for it.
    const int64_t body_bytes = f.integer(entry, "body_bytes");
    f.ok(body_bytes >= 0 && body_bytes <= (int64_t{1} << 32), "body_bytes", "a body size");
    request.body_verbatim = std::make_shared<const std::string>(
        static_cast<std::size_t>(std::clamp<int64_t>(body_bytes, 0, int64_t{1} << 32)), ' ');
}

void read_load(Fields& f, const object& entry, plan::RunPlan& plan) {
    read_requests(f, entry, plan);
    plan.phases = phases_of(f, entry);
    plan.main_phase = static_cast<std::size_t>(f.integer(entry, "main_phase"));
    plan.session.tasks = tasks_of(f, entry, "session_tasks");
    plan.tasks = tasks_of(f, entry, "tasks");
    f.each(entry, "scenarios", [&](const object& item) {
        plan::ScenarioPlan& scenario = plan.scenarios.emplace_back();
        scenario.name = f.text(item, "name");
        scenario.tags = f.list<std::string>(item, "tags");
        scenario.phases = phases_of(f, item);
        scenario.start_ns = f.integer(item, "start_ns");
        scenario.connections = static_cast<int>(f.integer(item, "connections"));
        scenario.session.tasks = tasks_of(f, item, "tasks");
        scenario.session.steps = plan.session.steps;
    });
}

void read_plan(Fields& f, const object& archive, plan::RunPlan& plan) {
    const object entry = f.child(archive, "plan");
    if (f.error()) {
        return;
    }
    f.enter("plan");
    plan.target = target_of(f, f.child(entry, "target"));
    f.each(entry, "more_targets",
           [&](const object& item) { plan.more_targets.push_back(target_of(f, item)); });
    plan.connections = static_cast<int>(f.integer(entry, "connections"));
    plan.threads = static_cast<int>(f.integer(entry, "threads"));
    plan.pin = f.flag(entry, "pin");
    plan.new_connection_per_request = f.flag(entry, "new_conn");
    plan.pipeline = static_cast<int>(f.integer_or(entry, "pipeline", 1));
    plan.cpus = f.list<int>(entry, "cpus");
    plan.timeout_ns = f.integer(entry, "timeout_ns");
    plan.interval_ns = f.integer(entry, "interval_ns");
    f.ok(plan.interval_ns > 0, "interval_ns", "a positive interval");
    plan.timer_slack_ns = f.integer(entry, "timer_slack_ns");
    // Absent from archives written before --timer-slack auto: their slack was given, or 0.
    bool slack_auto = false;
    plan.timer_slack_auto =
        entry["timer_slack_auto"].get_bool().get(slack_auto) == simdjson::SUCCESS && slack_auto;
    plan.response_header_bytes_max = f.integer(entry, "response_header_bytes_max");
    plan.command_line = f.text(entry, "command_line");
    plan.run_id = f.text(entry, "run_id");
    plan.profile_path = f.text(entry, "profile_path");
    read_load(f, entry, plan);
    f.each(entry, "thresholds", [&](const object& item) {
        plan.outputs.thresholds.push_back({.expression = f.text(item, "expression"),
                                           .abort = f.flag(item, "abort"),
                                           .origin = f.text(item, "origin"),
                                           .time_scale = f.number(item, "time_scale")});
    });
    f.leave();
}

// The document's top-level "shard" object (`barrage run --shard I/N`); none: a whole test.
std::optional<stats::ShardInfo> shard_of(Fields& f, const object& root) {
    object entry;
    if (root["shard"].get_object().get(entry) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    f.enter("../shard");
    stats::ShardInfo shard;
    shard.index = static_cast<int>(f.integer(entry, "index"));
    shard.count = static_cast<int>(f.integer(entry, "count"));
    shard.test_id = f.text(entry, "test_id");
    shard.source = f.text(entry, "source");
    shard.start_at_unix_ns = f.integer(entry, "start_at_unix_ns");
    shard.started_unix_ns = f.integer(entry, "started_unix_ns");
    f.ok(shard.count >= 1 && shard.index >= 1 && shard.index <= shard.count, "index",
         "within 1..count");
    f.leave();
    return shard;
}

base::Result<object> archive_object(const object& root, std::string_view source) {
    std::string_view tool;
    if (root["tool"].get_string().get(tool) != simdjson::SUCCESS || tool != "barrage") {
        return base::make_error(
            fmt::format("{}: not a barrage result ('tool' is not \"barrage\")", source));
    }
    object archive;
    if (root["archive"].get_object().get(archive) != simdjson::SUCCESS) {
        std::string_view version;
        if (root["version"].get_string().get(version) != simdjson::SUCCESS) {
            version = "an older version";
        }
        return base::make_error(fmt::format(
            "{}: has no 'archive' (the lossless result that merge sums): it was written by "
            "barrage {}; rerun it with this barrage (" BARRAGE_VERSION ")",
            source, version));
    }
    int64_t format = 0;
    if (archive["format"].get_int64().get(format) != simdjson::SUCCESS || format < 1 ||
        format > archive_format) {
        return base::make_error(fmt::format(
            "{}: archive format {} is not one this barrage reads (1..{}): merge it with the "
            "barrage that wrote it",
            source, format, archive_format));
    }
    return archive;
}

}  // namespace

base::Result<ArchivedRun> read_archive(std::string_view text, std::string_view source) {
    simdjson::dom::parser parser;
    object root;
    if (const auto error = parser.parse(text.data(), text.size()).get_object().get(root);
        error != simdjson::SUCCESS) {
        return base::make_error(fmt::format("{}: not a barrage result: not a JSON object ({})",
                                            source, simdjson::error_message(error)));
    }
    auto archive = archive_object(root, source);
    if (!archive.ok()) {
        return archive.error();
    }
    Fields f(source);
    ArchivedRun run;
    run.version = f.text(root, "version");
    read_run(f, archive.value(), run.result);
    read_names(f, archive.value(), run.result);
    run.result.totals = snapshot_of(f, archive.value(), "totals");
    read_parts(f, archive.value(), run.result);
    read_intervals(f, archive.value(), run.result);
    read_plan(f, archive.value(), run.plan);
    run.result.shard = shard_of(f, root);
    if (f.error()) {
        return *f.error();
    }
    return run;
}

}  // namespace barrage::report
