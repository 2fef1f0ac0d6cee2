#include "barrage/plan/shard.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "barrage/base/assert.h"
#include "barrage/base/excerpt.h"

namespace barrage::plan {

using base::make_error;
using base::Ok;
using base::Status;

int64_t share_of(int64_t count, int64_t index, int64_t parts) {
    BARRAGE_ASSERT(count >= 0 && parts > 0 && index >= 0 && index < parts);
    return count / parts + (index < count % parts ? 1 : 0);
}

int64_t share_begin(int64_t count, int64_t index, int64_t parts) {
    BARRAGE_ASSERT(count >= 0 && parts > 0 && index >= 0 && index < parts);
    return index * (count / parts) + std::min(index, count % parts);
}

namespace {

void replace_all(std::string& text, std::string_view from, std::string_view to) {
    for (std::size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

// FNV-1a, 64 bits: stable across builds and machines (std::hash is neither).
// Each field is fed with its length first, so "ab","c" and "a","bc" differ.
class TestHash {
public:
    void add(std::string_view text) {
        add_bytes(std::to_string(text.size()));
        add_bytes(":");
        add_bytes(text);
    }
    void add(int64_t value) { add(std::string_view(std::to_string(value))); }
    void add(double value) { add(std::string_view(fmt::format("{}", value))); }
    void add(bool value) { add(std::string_view(value ? "true" : "false")); }
    std::string hex() const { return fmt::format("{:016x}", hash_); }

private:
    void add_bytes(std::string_view bytes) {
        for (const char c : bytes) {
            hash_ ^= static_cast<unsigned char>(c);
            hash_ *= 0x100000001b3ULL;
        }
    }
    uint64_t hash_ = 0xcbf29ce484222325ULL;
};

void add_target(TestHash& hash, const Target& target) {
    hash.add(target.scheme);
    hash.add(target.host);
    hash.add(int64_t{target.port});
    hash.add(target.path);
    hash.add(target.host_header);
}

void add_check(TestHash& hash, const http::CheckSpec& check) {
    hash.add(static_cast<int64_t>(check.kind));
    for (const int status : check.statuses) {
        hash.add(int64_t{status});
    }
    hash.add(int64_t{check.status_min});
    hash.add(int64_t{check.status_max});
    hash.add(check.text);
    hash.add(check.pointer);
    hash.add(check.number.value_or(0));
    hash.add(check.boolean.value_or(false));
    hash.add(check.number_min);
    hash.add(check.number_max);
    hash.add(static_cast<int64_t>(check.values.size()));
    hash.add(check.header);
}

void add_request(TestHash& hash, const NamedRequest& request) {
    hash.add(request.name);
    hash.add(request.method);
    hash.add(request.path);
    for (const Header& header : request.headers) {
        hash.add(header.name);
        hash.add(header.value);
    }
    hash.add(request.body_verbatim ? std::string_view(*request.body_verbatim)
                                   : std::string_view(request.body));
    hash.add(request.body_form_urlencoded);
    hash.add(request.weight);
    for (const http::CheckSpec& check : request.checks) {
        add_check(hash, check);
    }
    for (const http::CaptureSpec& capture : request.captures) {
        hash.add(capture.variable);
        hash.add(capture.json_pointer);
        hash.add(capture.header);
    }
}

void add_session(TestHash& hash, const SessionPlan& session) {
    for (const std::size_t index : session.setup) {
        hash.add(static_cast<int64_t>(index));
    }
    hash.add(static_cast<int64_t>(session.order));
    for (const std::size_t index : session.steps) {
        hash.add(static_cast<int64_t>(index));
    }
    for (const TaskPlan& task : session.tasks) {
        hash.add(task.name);
        hash.add(task.weight);
        for (const TaskStepPlan& step : task.steps) {
            hash.add(static_cast<int64_t>(step.request));
            hash.add(step.repeat.has_value());
        }
    }
}

void add_phase(TestHash& hash, const PhasePlan& phase) {
    hash.add(phase.name);
    hash.add(static_cast<int64_t>(phase.kind));
    hash.add(phase.warmup);
    for (const int64_t value :
         {phase.duration_ns, phase.step_duration_ns, int64_t{phase.steps}, phase.spike_at_ns,
          phase.spike_hold_ns, phase.spike_rise_ns, phase.spike_fall_ns, int64_t{phase.users},
          phase.think_min_ns, phase.think_max_ns, phase.iterations}) {
        hash.add(value);
    }
    for (const double value :
         {phase.rate_per_s, phase.rate_end_per_s, phase.step_per_s, phase.spawn_per_s}) {
        hash.add(value);
    }
}

void add_data_files(TestHash& hash, const std::vector<DataFilePlan>& files) {
    for (const DataFilePlan& file : files) {
        hash.add(file.path);
        hash.add(static_cast<int64_t>(file.order));
        hash.add(file.partition);
        hash.add(static_cast<int64_t>(file.file ? file.file->row_count() : 0));
    }
}

void add_scenario(TestHash& hash, const ScenarioPlan& scenario) {
    hash.add(scenario.name);
    add_session(hash, scenario.session);
    for (const PhasePlan& phase : scenario.phases) {
        add_phase(hash, phase);
    }
    hash.add(scenario.start_ns);
    add_data_files(hash, scenario.data_files);
    hash.add(int64_t{scenario.connections});
}

void add_limits(TestHash& hash, const RunPlan& plan) {
    hash.add(plan.new_connection_per_request);
    hash.add(int64_t{plan.connections});
    hash.add(int64_t{plan.pipeline});
    for (const int64_t value : {plan.timeout_ns, plan.connect_grace_ns, plan.interval_ns,
                                plan.timer_slack_ns, plan.response_header_bytes_max}) {
        hash.add(value);
    }
    hash.add(plan.tls.insecure);
    hash.add(plan.tls.sni);
    hash.add(int64_t{plan.tls.version_min});
    hash.add(plan.tls.resume);
    for (const ThresholdPlan& threshold : plan.outputs.thresholds) {
        hash.add(threshold.expression);
        hash.add(threshold.abort);
        hash.add(threshold.time_scale);
    }
    hash.add(plan.outputs.abort_grace_ns);
}

}  // namespace

std::string expand_shard_name(std::string_view path, const ShardPlan& shard) {
    std::string name(path);
    // {shards} first: "{shard}" is a prefix of "{shards}" but not the other way round.
    replace_all(name, "{shards}", std::to_string(shard.count));
    replace_all(name, "{shard}", std::to_string(shard.index));
    return name;
}

void expand_shard_names(OutputPlan& outputs, const ShardPlan& shard) {
    for (std::string* path : {&outputs.json_path, &outputs.csv_path, &outputs.csv_requests_path,
                              &outputs.hlog_path, &outputs.html_path, &outputs.history_path}) {
        *path = expand_shard_name(*path, shard);
    }
}

std::string test_id_of(const RunPlan& plan) {
    TestHash hash;
    add_target(hash, plan.target);
    for (const Target& target : plan.more_targets) {
        add_target(hash, target);
    }
    add_limits(hash, plan);
    hash.add(plan.profile_path);
    for (const NamedRequest& request : plan.requests) {
        add_request(hash, request);
    }
    add_session(hash, plan.session);
    add_data_files(hash, plan.data_files);
    for (const std::string& variable : plan.variables) {
        hash.add(variable);
    }
    for (const PhasePlan& phase : plan.phases) {
        add_phase(hash, phase);
    }
    hash.add(static_cast<int64_t>(plan.main_phase));
    hash.add(static_cast<int64_t>(plan.seed));
    for (const ScenarioPlan& scenario : plan.scenarios) {
        add_scenario(hash, scenario);
    }
    return hash.hex();
}

namespace {

// Each scenario's connections (or the run's) over the shards: none may be left without.
Status check_shard_connections(const ShardPlan& shard, int connections, int threads,
                               std::string_view what) {
    const int64_t mine = shard_share(connections, shard);
    if (mine == 0) {
        return make_error(fmt::format(
            "--shard {}/{}: {} {} connection{} over {} shards leave{} this shard none; give at "
            "least {} connections (one per shard) or use fewer shards",
            shard.index, shard.count, what, connections, connections == 1 ? "" : "s", shard.count,
            connections == 1 ? "s" : "", shard.count));
    }
    if (mine < threads) {
        return make_error(fmt::format(
            "--shard {}/{}: this shard gets {} of {} {} connections, fewer than -t/--threads {}; "
            "each worker needs a connection, so raise -c to at least {} or lower -t",
            shard.index, shard.count, mine, what, connections, threads,
            int64_t{threads} * shard.count));
    }
    return Ok{};
}

// A partitioned data file gives each shard rows of its own: it needs one per shard at least.
Status check_partitions(const ShardPlan& shard, const std::vector<DataFilePlan>& files) {
    for (const DataFilePlan& file : files) {
        const std::size_t rows = file.file ? file.file->row_count() : 0;
        if (file.partition && rows < static_cast<std::size_t>(shard.count)) {
            return make_error(fmt::format(
                "--shard {}/{}: data file '{}' has {} row{} for {} shards, and shard = "
                "\"partition\" gives each shard rows of its own; give it at least {} rows, use "
                "fewer shards, or shard = \"shared\"",
                shard.index, shard.count, base::excerpt(file.path), rows, rows == 1 ? "" : "s",
                shard.count, shard.count));
        }
    }
    return Ok{};
}

// A phase that ends on a count (--requests, iterations) must leave each shard a part of it:
// a shard with nothing to send would only report a failed run.
Status check_counts(const ShardPlan& shard, const std::vector<PhasePlan>& phases) {
    for (const PhasePlan& phase : phases) {
        if (phase.iterations > 0 && shard_share(phase.iterations, shard) == 0) {
            return make_error(fmt::format(
                "--shard {}/{}: phase '{}' sends {} request{} (--requests / iterations) over {} "
                "shards, which leaves this shard none; send at least {} or use fewer shards",
                shard.index, shard.count, base::excerpt(phase.name), phase.iterations,
                phase.iterations == 1 ? "" : "s", shard.count, shard.count));
        }
    }
    return Ok{};
}

}  // namespace

Status validate_shard(const RunPlan& plan) {
    const ShardPlan& shard = plan.shard;
    if (shard.count < 1 || shard.count > shards_max || shard.index < 1 ||
        shard.index > shard.count) {
        return make_error(
            fmt::format("--shard {}/{}: the index must be 1 to N and N 1 to {}; e.g. --shard 2/4",
                        shard.index, shard.count, shards_max));
    }
    if (shard.count == 1) {
        return Ok{};
    }
    if (auto status = check_partitions(shard, plan.data_files); !status) {
        return status;
    }
    if (auto status = check_counts(shard, plan.phases); !status) {
        return status;
    }
    if (plan.scenarios.empty()) {
        return check_shard_connections(shard, plan.connections, plan.threads, "the");
    }
    for (const ScenarioPlan& scenario : plan.scenarios) {
        const std::string what = fmt::format("scenario '{}': its", base::excerpt(scenario.name));
        if (auto status = check_shard_connections(shard, scenario.connections, 1, what); !status) {
            return status;
        }
        if (auto status = check_partitions(shard, scenario.data_files); !status) {
            return status;
        }
        if (auto status = check_counts(shard, scenario.phases); !status) {
            return status;
        }
    }
    return Ok{};
}

}  // namespace barrage::plan
