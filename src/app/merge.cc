// barrage merge: the shards' result archives summed into the whole test's
// result, judged and written as `barrage run` writes its own. Every check that
// the files belong together comes first: a wrong merge is exit 2, never a
// plausible-looking sum.

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "app_impl.h"
#include "barrage/gate/exit_code.h"
#include "barrage/report/generator_health.h"
#include "barrage/report/result_archive.h"
#include "barrage/report/result_reader.h"
#include "barrage/report/run_report.h"
#include "barrage/report/watch_report.h"
#include "barrage/stats/hlog.h"
#include "barrage/stats/result_sum.h"

namespace barrage::app {
namespace {

using base::make_error;

// Shards more than this far apart started too far apart for their intervals to
// be "the same second": said in the summary and the JSON.
constexpr double start_skew_warning_ms = 5;

struct Input {
    std::string path;
    report::ArchivedRun run;
    std::string watch_json;  // its `watch` section (report::format_watch_json); "" = none
};

// The `watch` section of a shard's file: not in the archive (it is no count to
// sum), read from the document as `barrage report` reads it.
base::Result<std::string> watch_json_of(std::string_view text, const std::string& path) {
    auto document = report::read_result_document(text, path);
    if (!document.ok()) {
        return document.error();
    }
    const std::optional<watch::WatchResult>& watch = document.value().watch;
    return watch ? report::format_watch_json(*watch) : std::string();
}

base::Result<std::vector<Input>> read_inputs(const cli::MergeRequest& request) {
    std::vector<Input> inputs;
    for (const std::string& path : request.paths) {
        auto text = report::read_text_file(path);
        if (!text.ok()) {
            return text.error();
        }
        auto run = report::read_archive(text.value(), path);
        if (!run.ok()) {
            return run.error();
        }
        auto watch_json = watch_json_of(text.value(), path);
        if (!watch_json.ok()) {
            return watch_json.error();
        }
        inputs.push_back({path, std::move(run).value(), std::move(watch_json).value()});
    }
    return inputs;
}

// A whole test (no shard object) merges alone; shards must be of one test,
// each once. Returns the indices missing of 1..N.
base::Result<std::vector<int>> check_shards(const std::vector<Input>& inputs) {
    for (const Input& input : inputs) {
        if (!input.run.result.shard && inputs.size() > 1) {
            return make_error(fmt::format(
                "{}: a whole test (no 'shard' object: not run with --shard I/N) merges only "
                "alone; merge the results of one sharded test",
                input.path));
        }
    }
    if (!inputs.front().run.result.shard) {
        return std::vector<int>{};
    }
    const stats::ShardInfo& first = *inputs.front().run.result.shard;
    std::set<int> seen;
    for (const Input& input : inputs) {
        const stats::ShardInfo& shard = *input.run.result.shard;
        if (shard.test_id != first.test_id || shard.count != first.count) {
            return make_error(fmt::format(
                "{} is shard {}/{} of test {}, but {} is shard {}/{} of test {}: files of "
                "different tests do not merge",
                input.path, shard.index, shard.count, shard.test_id, inputs.front().path,
                first.index, first.count, first.test_id));
        }
        if (!seen.insert(shard.index).second) {
            return make_error(fmt::format(
                "shard {}/{} is given twice ({} is the second): give each shard's file once",
                shard.index, shard.count, input.path));
        }
    }
    std::vector<int> missing;
    for (int index = 1; index <= first.count; ++index) {
        if (seen.count(index) == 0) {
            missing.push_back(index);
        }
    }
    return missing;
}

std::string index_list(const std::vector<int>& indices) {
    std::string out;
    for (const int index : indices) {
        out += fmt::format("{}{}", out.empty() ? "" : ", ", index);
    }
    return out;
}

// The shards' generator health, by shard, and the warnings of the merge itself.
void describe_shards(stats::RunResult& merged, const std::vector<Input>& inputs,
                     const std::vector<int>& missing) {
    for (const Input& input : inputs) {
        const report::GeneratorHealth health = report::judge_generator(input.run.result);
        merged.merged_from.push_back(
            {input.run.result.shard.value_or(
                 stats::ShardInfo{.started_unix_ns = stats::started_unix_ns(input.run.result)}),
             input.path, health.saturated, health.evidence, input.watch_json});
    }
    merged.shards_missing = missing;
    const int count = merged.merged_from.front().info.count;
    if (!missing.empty()) {
        merged.warnings.push_back(fmt::format(
            "INCOMPLETE: shards {} of {} are missing (--allow-missing): these figures cover {} "
            "of {} shards, not the whole test",
            index_list(missing), count, count - static_cast<int>(missing.size()), count));
    }
    int64_t earliest = INT64_MAX;
    int64_t latest = INT64_MIN;
    for (const stats::MergedShard& shard : merged.merged_from) {
        earliest = std::min(earliest, shard.info.started_unix_ns);
        latest = std::max(latest, shard.info.started_unix_ns);
    }
    const double skew_ms = static_cast<double>(latest - earliest) / 1e6;
    if (skew_ms > start_skew_warning_ms) {
        merged.warnings.push_back(fmt::format(
            "shards started {:.3f} ms apart (more than {} ms): intervals are aligned to the "
            "nearest whole interval, and the load of the whole was not applied at once; start "
            "them with --start-at and synchronized clocks (NTP/PTP)",
            skew_ms, start_skew_warning_ms));
    }
}

// The first shard's plan, with merge's outputs and its --threshold after the shards' own.
plan::RunPlan merged_plan(const cli::MergeRequest& request, const plan::RunPlan& shard_plan) {
    plan::RunPlan plan = shard_plan;
    plan.outputs.json_path = request.json_path;
    plan.outputs.csv_path = request.csv_path;
    plan.outputs.csv_requests_path = request.csv_requests_path;
    plan.outputs.html_path = request.html_path;
    plan.outputs.history_path = request.history_path;
    plan.outputs.label = request.label;
    plan.outputs.quiet = request.quiet;
    for (const std::string& expression : request.thresholds) {
        plan.outputs.thresholds.push_back({.expression = expression, .origin = "--threshold"});
    }
    return plan;
}

// The windowed and sustained thresholds, judged over the merged intervals.
base::Status feed_windows(gate::WindowGates& windows, const stats::RunResult& merged) {
    for (const stats::IntervalRow& row : merged.intervals) {
        stats::Counters counters;
        counters.requests_sent = row.counters.requests_sent;
        counters.requests_completed = row.counters.requests_completed;
        counters.requests_errors = row.counters.requests_errors;
        counters.status_class = row.counters.status_class;
        auto latency_us = stats::decode_histogram_compressed_base64(row.latency_us_hlog);
        if (!latency_us.ok()) {
            return latency_us.error();
        }
        windows.add_interval(row.t_s, row.length_s, counters, latency_us.value());
    }
    windows.finish();
    return base::Ok{};
}

// Every output file can be written, checked before anything is read: exit 2, not 4.
base::Status check_outputs(const plan::OutputPlan& outputs) {
    for (const plan::OutputFile& file : plan::output_files(outputs)) {
        const std::string what = std::string(file.flag) + " file";
        if (auto status = report::check_writable(std::string(file.path), what); !status.ok()) {
            return status;
        }
    }
    return base::Ok{};
}

int write_merged(const plan::RunPlan& plan, const stats::RunResult& merged) {
    auto specs = detail::plan_thresholds(plan);
    if (!specs.ok()) {
        return fail(specs.error().message, gate::exit_usage);
    }
    auto windows = detail::window_gates(plan, specs.value());
    if (windows) {
        if (auto fed = feed_windows(*windows, merged); !fed.ok()) {
            return fail(fed.error().message, gate::exit_usage);
        }
    }
    int code =
        detail::write_outputs(plan, merged, specs.value(), watch::WatchResult{}, windows.get());
    if (!plan.outputs.csv_path.empty()) {
        auto written =
            report::write_file_atomically(plan.outputs.csv_path, report::format_csv(merged));
        if (!written.ok()) {
            code = fail(written.error().message, gate::exit_output_failed);
        }
    }
    return code;
}

}  // namespace

int merge_command(const cli::MergeRequest& request) {
    if (auto writable = check_outputs(merged_plan(request, {}).outputs); !writable.ok()) {
        return fail(writable.error().message, gate::exit_usage);
    }
    auto inputs = read_inputs(request);
    if (!inputs.ok()) {
        return fail(inputs.error().message, gate::exit_usage);
    }
    std::vector<Input>& files = inputs.value();
    auto missing = check_shards(files);
    if (!missing.ok()) {
        return fail(missing.error().message, gate::exit_usage);
    }
    if (!missing.value().empty() && !request.allow_missing) {
        return fail(fmt::format("shards {} of {} are missing; give every shard's file, or "
                                "--allow-missing to merge without them (every output then "
                                "says so)",
                                index_list(missing.value()), files.front().run.result.shard->count),
                    gate::exit_usage);
    }
    std::sort(files.begin(), files.end(), [](const Input& a, const Input& b) {
        return a.run.result.shard.value_or(stats::ShardInfo{}).index <
               b.run.result.shard.value_or(stats::ShardInfo{}).index;
    });
    std::vector<stats::RunResult> parts;
    for (const Input& input : files) {
        parts.push_back(input.run.result);
    }
    plan::RunPlan plan = merged_plan(request, files.front().run.plan);
    auto merged = stats::sum_run_results(parts, plan.interval_ns);
    if (!merged.ok()) {
        return fail(fmt::format("cannot merge: {}", merged.error().message), gate::exit_usage);
    }
    // The whole test ran on every shard's workers (with scenarios `threads` is per scenario).
    plan.cpus = merged.value().cpus;
    if (plan.scenarios.empty()) {
        plan.threads = merged.value().threads;
    }
    describe_shards(merged.value(), files, missing.value());
    return write_merged(plan, merged.value());
}

}  // namespace barrage::app
