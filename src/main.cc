// parse -> plan -> run -> report -> exit code.

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "barrage/base/clock.h"
#include "barrage/capacity/capacity_html.h"
#include "barrage/capacity/capacity_run.h"
#include "barrage/cli/command_line.h"
#include "barrage/engine/run.h"
#include "barrage/report/compare.h"
#include "barrage/report/generator_health.h"
#include "barrage/report/history.h"
#include "barrage/report/hlog.h"
#include "barrage/report/html_report.h"
#include "barrage/report/interval_streams.h"
#include "barrage/report/run_report.h"
#include "barrage/report/threshold.h"
#include "barrage/report/watch_report.h"
#include "barrage/serve/server.h"
#include "barrage/watch/watcher.h"

namespace {

using namespace barrage;

int fail(const std::string& message, int code) {
    fmt::print(stderr, "barrage: {}\n", message);
    return code;
}

// Progress goes to stderr: a rewritten line on a terminal, plain lines otherwise.
engine::IntervalCallback progress_printer(const plan::RunPlan& plan) {
    if (plan.outputs.quiet) {
        return {};
    }
    const bool tty = isatty(STDERR_FILENO) != 0;
    return [tty](const stats::IntervalRow& row, double elapsed_s, double total_s, bool warmup) {
        const std::string line = report::format_progress_line(row, elapsed_s, total_s, warmup);
        if (tty) {
            fmt::print(stderr, "\r\033[K{}", line);
        } else {
            fmt::print(stderr, "{}\n", line);
        }
        std::fflush(stderr);
    };
}

// The end-of-run outputs (--csv and --hlog were streamed during the run). A file
// that cannot be written is exit 4: the run happened, its results are incomplete.
int write_outputs(const plan::RunPlan& plan, const stats::RunResult& result,
                  std::span<const report::ThresholdSpec> thresholds,
                  const watch::WatchResult& watched) {
    const auto outcomes =
        report::evaluate_thresholds(thresholds, report::RunResultMetrics(result, &watched));
    int code = report::exit_code_for(result, outcomes);
    // With `--json -` or `--csv -` stdout carries only that document, so it pipes into jq.
    const bool stdout_taken = plan.outputs.json_path == "-" || plan.outputs.csv_path == "-";
    if (!plan.outputs.quiet || !stdout_taken) {
        fmt::print(stdout_taken ? stderr : stdout, "{}",
                   report::format_summary(plan, result, outcomes, &watched));
    }
    std::fflush(stdout);
    if (!plan.outputs.json_path.empty()) {
        auto status = report::write_file_atomically(
            plan.outputs.json_path, report::format_json(plan, result, outcomes, &watched));
        if (!status.ok()) {
            code = fail(status.error().message, report::exit_output_failed);
        }
    }
    if (!plan.outputs.csv_requests_path.empty()) {
        auto status = report::write_file_atomically(plan.outputs.csv_requests_path,
                                                    report::format_requests_csv(result));
        if (!status.ok()) {
            code = fail(status.error().message, report::exit_output_failed);
        }
    }
    if (!plan.outputs.history_path.empty()) {
        const auto entry =
            report::make_history_entry(plan, result, outcomes, base::wall_clock_ms(), &watched);
        auto status = report::append_history_line(plan.outputs.history_path,
                                                  report::format_history_line(entry));
        if (!status.ok()) {
            code = fail(status.error().message, report::exit_output_failed);
        }
    }
    if (!plan.outputs.html_path.empty()) {
        // Built from the JSON text, so --html and `barrage report` draw the same page;
        // with --history, after this run's line, so its trend ends with this run.
        const std::string json = report::format_json(plan, result, outcomes, &watched);
        base::Result<std::string> page = base::make_error("");
        if (plan.outputs.history_path.empty()) {
            page = report::html_report_from_json(json);
        } else if (auto history = report::read_history_file(plan.outputs.history_path)) {
            page = report::html_report_from_json(json, {}, history.value(),
                                                 plan.outputs.history_path);
        } else {
            code = fail(history.error().message, report::exit_output_failed);
            page = report::html_report_from_json(json);  // the run's page all the same
        }
        auto status = page.ok()
                          ? report::write_file_atomically(plan.outputs.html_path, page.value())
                          : base::Status(page.error());
        if (!status.ok()) {
            code = fail(status.error().message, report::exit_output_failed);
        }
    }
    return code;
}

// Thresholds are checked before any traffic: a typo must not cost a run.
// Errors start with where the threshold was written ("--threshold", "x.toml:3:5").
base::Result<std::vector<report::ThresholdSpec>> plan_thresholds(const plan::RunPlan& plan) {
    std::vector<std::string> request_names;  // none for a URL run: names are a profile's
    if (!plan.profile_path.empty()) {
        for (const auto& request : plan.requests) {
            request_names.push_back(request.name);
        }
    }
    std::vector<report::ThresholdSpec> specs;
    for (const plan::ThresholdPlan& threshold : plan.outputs.thresholds) {
        auto spec = report::parse_threshold(threshold.expression);
        if (!spec) {
            return base::make_error(threshold.origin + ": " + spec.error().message);
        }
        spec.value().abort_on_fail = threshold.abort;
        if (auto status = report::check_request_names(std::span(&spec.value(), 1), request_names);
            !status) {
            return base::make_error(threshold.origin + ": " + status.error().message);
        }
        specs.push_back(std::move(spec).value());
    }
    const bool targets_watched = !plan.watch.pids.empty() || !plan.watch.cgroup_path.empty();
    if (auto status = report::check_growth_sources(specs, targets_watched); !status) {
        return base::make_error("--threshold: " + status.error().message);
    }
    return specs;
}

// Abort thresholds judge the results so far, once the grace period has passed.
// A threshold without a value yet (no request of that name so far) waits.
engine::StopCheck abort_check(const plan::RunPlan& plan,
                              std::span<const report::ThresholdSpec> specs) {
    std::vector<report::ThresholdSpec> aborting;
    for (const report::ThresholdSpec& spec : specs) {
        if (spec.abort_on_fail) {
            aborting.push_back(spec);
        }
    }
    if (aborting.empty()) {
        return {};
    }
    const double grace_s = static_cast<double>(plan.outputs.abort_grace_ns) / 1e9;
    return [aborting = std::move(aborting),
            grace_s](const stats::RunResult& so_far) -> std::optional<std::string> {
        if (so_far.duration_s < grace_s) {
            return std::nullopt;
        }
        const auto outcomes =
            report::evaluate_thresholds(aborting, report::RunResultMetrics(so_far));
        for (const report::ThresholdOutcome& outcome : outcomes) {
            if (!outcome.passed && outcome.value) {
                return fmt::format("abort threshold '{}' failed over the first {:.0f}s ({})",
                                   outcome.spec.expression, so_far.duration_s,
                                   report::format_metric_value(*outcome.value, outcome.spec));
            }
        }
        return std::nullopt;
    };
}

// --hlog: the whole run untagged, and with several request names (profiles)
// one Tag=NAME line per name and interval as well: their tags, one per name.
std::vector<std::string> hlog_tags(const plan::RunPlan& plan) {
    if (plan.outputs.hlog_path.empty()) {
        return {};
    }
    std::vector<std::string> names;
    if (!plan.profile_path.empty()) {
        for (const plan::NamedRequest& request : plan.requests) {
            names.push_back(request.name);
        }
    }
    std::vector<std::string> tags = report::hlog_tags_for(names);
    for (std::size_t i = 0; i < tags.size(); ++i) {
        if (const std::string plain = report::sanitize_hlog_tag(names[i]); tags[i] != plain) {
            fmt::print(stderr, "barrage: --hlog: request '{}' is tagged '{}' (its plain tag '{}' "
                               "belongs to an earlier request)\n",
                       names[i], tags[i], plain);
        }
    }
    return tags;
}

// The watcher opens its PIDs, cgroup and URL here, before any traffic: a typo is exit 2.
base::Result<std::unique_ptr<watch::Watcher>> open_watcher(const plan::RunPlan& plan) {
    if (!plan.watch.any()) {
        return std::unique_ptr<watch::Watcher>();
    }
    watch::WatchOptions options;
    options.pids = plan.watch.pids;
    options.cgroup_path = plan.watch.cgroup_path;
    options.url = plan.watch.url;
    options.series = plan.watch.series;
    options.interval_ns = plan.interval_ns;
    options.limits = {plan.watch.leak_rss_mb_per_min, plan.watch.leak_fds_per_min,
                      plan.watch.leak_threads_per_min};
    return watch::Watcher::open(options);
}

// The command line checked the outputs against each other (cli check_outputs).
int run_command(plan::RunPlan& plan) {
    auto thresholds = plan_thresholds(plan);
    if (!thresholds) {
        return fail(thresholds.error().message, report::exit_usage);
    }
    for (const plan::OutputFile& file : plan::output_files(plan.outputs)) {
        if (auto status =
                report::check_writable(std::string(file.path), fmt::format("{} file", file.flag));
            !status.ok()) {
            return fail(status.error().message, report::exit_usage);
        }
    }
    auto watcher = open_watcher(plan);
    if (!watcher) {
        return fail(watcher.error().message, report::exit_usage);
    }
    if (auto status = cli::resolve_target(plan.target); !status.ok()) {
        return fail(status.error().message, report::exit_run_failed);
    }
    const auto progress = progress_printer(plan);
    int64_t measured_start_unix_ms = 0;
    report::IntervalStreams::RecentSamples recent_samples;
    if (watcher.value() && (!plan.watch.pids.empty() || !plan.watch.cgroup_path.empty())) {
        recent_samples = [&watcher, &measured_start_unix_ms] {
            return watcher.value()->recent_samples(measured_start_unix_ms);
        };
    }
    report::IntervalStreams streams(plan, hlog_tags(plan), recent_samples);
    engine::IntervalCallback on_interval = [&](const stats::IntervalRow& row, double elapsed_s,
                                               double total_s, bool warmup) {
        if (watcher.value()) {
            watcher.value()->tick();  // a sample at each interval's end, for its CSV row
        }
        if (!warmup) {
            streams.add_row(row);
        }
        if (progress) {
            progress(row, elapsed_s, total_s, warmup);
        }
    };
    if (watcher.value()) {
        watcher.value()->start();
    }
    engine::RunHooks hooks;
    hooks.on_start = [&](int64_t start_unix_ms) {
        measured_start_unix_ms = start_unix_ms;
        streams.start(start_unix_ms);
    };
    hooks.on_interval = on_interval;
    if (!plan.outputs.hlog_path.empty()) {
        hooks.on_interval_histograms = [&streams](const stats::IntervalRow& row,
                                                  const stats::Histogram& latency_us,
                                                  std::span<const stats::Histogram> by_name) {
            streams.add_histograms(row, latency_us, by_name);
        };
    }
    hooks.stop_check = abort_check(plan, thresholds.value());
    auto result = engine::run_load(plan, hooks);
    if (!plan.outputs.quiet && isatty(STDERR_FILENO) != 0) {
        fmt::print(stderr, "\n");
    }
    if (!result.ok()) {
        return fail(result.error().message, report::exit_run_failed);
    }
    report::add_generator_warnings(result.value());
    watch::WatchResult watched;
    if (watcher.value()) {
        watched =
            watcher.value()->stop(result.value().measured_start_unix_ms, result.value().duration_s);
        for (std::string& warning : report::watch_warnings(watched)) {
            result.value().warnings.push_back(std::move(warning));
        }
    }
    int code = write_outputs(plan, result.value(), thresholds.value(), watched);
    for (const base::Error& error : streams.finish(&watched)) {
        code = fail(error.message, report::exit_output_failed);
    }
    // Exit 3 says why on stderr, even with -q or with the summary on stdout.
    if (const std::string reason = report::run_failure_reason(result.value()); !reason.empty()) {
        fail(reason, report::exit_run_failed);
    }
    return code;
}

// Exit codes: see capacity::exit_code_for; 2 for bad SLOs or outputs, 3 when a step cannot run.
int find_max_command(const cli::FindMaxRequest& request) {
    capacity::CapacityPlan plan;
    plan.slo_texts = request.slos;
    auto slos = report::parse_thresholds(request.slos);
    if (!slos) {
        return fail("--slo: " + slos.error().message, report::exit_usage);
    }
    plan.slos = std::move(slos).value();
    plan.limits.start_rps = request.start_rps;
    plan.limits.max_rps = request.max_rps;
    plan.limits.precision = request.precision;
    for (const double level : request.levels) {
        plan.level_rates_rps.push_back(level * request.level_base_rps);
    }
    for (const auto& [path, what] : {std::pair{&request.json_path, "--json file"},
                                     std::pair{&request.csv_path, "--csv file"},
                                     std::pair{&request.html_path, "--html file"}}) {
        if (auto status = report::check_writable(*path, what); !status.ok()) {
            return fail(status.error().message, report::exit_usage);
        }
    }
    std::string target;
    int stop_signal = 0;  // set when a signal interrupted a step (and so the search)
    const auto run_step = [&](double rate) -> base::Result<stats::RunResult> {
        auto step_plan = cli::find_max_step_plan(request, rate);
        if (!step_plan) {
            return step_plan.error();
        }
        if (auto status = cli::resolve_target(step_plan.value().target); !status.ok()) {
            return status.error();
        }
        const plan::Target& t = step_plan.value().target;
        target = t.scheme + "://" + t.host_header + t.path;
        auto result = engine::run_load(step_plan.value());
        if (result && result.value().interrupted) {
            stop_signal = result.value().stop_signal;
        }
        // Nothing completed: the target is unreachable, unless the generator starved.
        if (result && report::exit_code_for(result.value()) == report::exit_run_failed &&
            !result.value().interrupted && !report::judge_generator(result.value()).saturated) {
            return base::make_error(fmt::format(
                "the step at {:.1f} req/s completed no request: {}", rate,
                result.value().error_details.empty() ? std::string("see barrage run")
                                                     : result.value().error_details.front()));
        }
        return result;
    };
    const auto on_step = [&](int index, const capacity::StepReport& step) {
        if (request.quiet) {
            return;
        }
        std::string verdict = step.verdict == capacity::StepVerdict::pass ? "pass"
                              : step.verdict == capacity::StepVerdict::slo_failed ? "FAIL"
                              : step.verdict == capacity::StepVerdict::interrupted
                                  ? "interrupted"
                                  : "GENERATOR SATURATED";
        for (const std::string& evidence : step.evidence) {
            verdict += " (" + evidence + ")";
        }
        fmt::print(stderr, "step {}: asked {:.1f} req/s, got {:.1f}, p99 {}us, errors {:.2f}%: {}\n",
                   index, step.rate_asked_rps, step.rate_achieved_rps, step.p99_us,
                   step.error_rate * 100.0, verdict);
    };
    auto outcome = capacity::run_capacity(plan, run_step, on_step);
    if (!outcome) {
        return fail(outcome.error().message, report::exit_run_failed);
    }
    const bool stdout_taken = request.json_path == "-" || request.csv_path == "-";
    fmt::print(stdout_taken ? stderr : stdout, "{}",
               capacity::format_capacity_table(outcome.value()));
    std::fflush(stdout);
    int code = capacity::exit_code_for(outcome.value());
    if (stop_signal != 0) {
        code = report::exit_signal_base + stop_signal;  // an interrupted search does not pass
    }
    for (const auto& [path, text] :
         {std::pair{request.json_path, capacity::format_capacity_json(outcome.value(), target)},
          std::pair{request.csv_path, capacity::format_capacity_csv(outcome.value())},
          std::pair{request.html_path, capacity::format_capacity_html(outcome.value(), target)}}) {
        if (path.empty()) {
            continue;
        }
        if (auto status = report::write_file_atomically(path, text); !status.ok()) {
            code = fail(status.error().message, report::exit_usage);
        }
    }
    return code;
}

// Exit 0: printed (and the page written); 2: the history is unreadable or the page failed.
int trend_command(const cli::TrendRequest& request) {
    if (auto status = report::check_writable(request.html_path, "--html file"); !status.ok()) {
        return fail(status.error().message, report::exit_usage);
    }
    auto entries = report::read_history_file(request.history_path);
    if (!entries) {
        return fail(entries.error().message, report::exit_usage);
    }
    // With --html - the page owns stdout.
    fmt::print(request.html_path == "-" ? stderr : stdout, "{}",
               report::format_trend(entries.value()));
    if (!request.html_path.empty()) {
        const std::string page = report::format_trend_html(entries.value(), request.history_path);
        if (auto status = report::write_file_atomically(request.html_path, page); !status.ok()) {
            return fail(status.error().message, report::exit_usage);
        }
    }
    return report::exit_ok;
}

// Exit 0: the page was written; 2: an input is unreadable or not a result, or the output failed.
int report_command(const cli::ReportRequest& request) {
    if (auto status = report::check_writable(request.output_path, "-o file"); !status.ok()) {
        return fail(status.error().message, report::exit_usage);
    }
    auto result = report::read_result_document_file(request.result_path);
    if (!result) {
        return fail(result.error().message, report::exit_usage);
    }
    if (!request.hlog_path.empty()) {
        auto hlog_text = report::read_text_file(request.hlog_path);
        if (!hlog_text) {
            return fail(hlog_text.error().message, report::exit_usage);
        }
        auto spectrum = report::spectrum_from_hlog(hlog_text.value(), request.hlog_path);
        if (!spectrum) {
            return fail(spectrum.error().message, report::exit_usage);
        }
        result.value().spectrum = std::move(spectrum.value());
    }
    std::vector<report::HistoryEntry> history;
    if (!request.history_path.empty()) {
        auto entries = report::read_history_file(request.history_path);
        if (!entries) {
            return fail(entries.error().message, report::exit_usage);
        }
        history = std::move(entries.value());
    }
    const std::string page = request.history_path.empty()
                                 ? report::format_html_report(result.value(), request.result_path)
                                 : report::format_html_report(result.value(), request.result_path,
                                                              history, request.history_path);
    if (auto status = report::write_file_atomically(request.output_path, page); !status.ok()) {
        return fail(status.error().message, report::exit_usage);
    }
    return report::exit_ok;
}

// Exit 0: no regression, 1: a regression, 2: an input is not a comparable result
// or --json cannot be written.
int compare_command(const cli::CompareRequest& request) {
    if (auto status = report::check_writable(request.json_path, "--json file"); !status.ok()) {
        return fail(status.error().message, report::exit_usage);
    }
    std::vector<report::ResultDigest> baselines;
    for (const std::string& path : request.baseline_paths) {
        auto baseline = report::read_result_file(path);
        if (!baseline) {
            return fail(baseline.error().message, report::exit_usage);
        }
        baselines.push_back(std::move(baseline.value()));
    }
    auto current = report::read_result_file(request.current_path);
    if (!current) {
        return fail(current.error().message, report::exit_usage);
    }
    report::CompareOptions options{request.max_regressions};
    if (request.min_delta_ns) {
        options.min_delta_us = static_cast<double>(*request.min_delta_ns) / 1e3;
    }
    options.allow_different_config = request.allow_different_config;
    auto compared = report::compare_results(baselines, current.value(), options);
    if (!compared) {
        return fail(compared.error().message, report::exit_usage);
    }
    // With --json - the JSON owns stdout, as with barrage run.
    fmt::print(request.json_path == "-" ? stderr : stdout, "{}",
               report::format_compare_report(compared.value()));
    if (!request.json_path.empty()) {
        auto status = report::write_file_atomically(request.json_path,
                                                    report::format_compare_json(compared.value()));
        if (!status.ok()) {
            return fail(status.error().message, report::exit_usage);
        }
    }
    return compared.value().has_regression() ? report::exit_thresholds_failed : report::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    auto command = cli::parse_command_line(argc, argv);
    if (!command.ok()) {
        return fail(command.error().message, report::exit_usage);
    }
    auto& value = command.value();
    if (auto* help = std::get_if<cli::HelpRequest>(&value)) {
        fmt::print("{}", help->text);
        return report::exit_ok;
    }
    if (std::holds_alternative<cli::VersionRequest>(value)) {
        fmt::print("barrage {}\n", BARRAGE_VERSION);
        return report::exit_ok;
    }
    if (auto* serve_plan = std::get_if<plan::ServePlan>(&value)) {
        auto status = serve::run_server(*serve_plan);
        return status.ok() ? report::exit_ok
                           : fail(status.error().message, report::exit_run_failed);
    }
    if (auto* compare = std::get_if<cli::CompareRequest>(&value)) {
        return compare_command(*compare);
    }
    if (auto* trend = std::get_if<cli::TrendRequest>(&value)) {
        return trend_command(*trend);
    }
    if (auto* report_request = std::get_if<cli::ReportRequest>(&value)) {
        return report_command(*report_request);
    }
    if (auto* find_max = std::get_if<cli::FindMaxRequest>(&value)) {
        return find_max_command(*find_max);
    }
    return run_command(std::get<plan::RunPlan>(value));
}
