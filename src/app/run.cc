// barrage run: check everything a typo can break, run the load while streaming
// the per-interval outputs, then write the rest and pick the exit code.

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app_impl.h"
#include "barrage/gate/exit_code.h"
#include "barrage/report/generator_health.h"
#include "barrage/report/interval_streams.h"
#include "barrage/report/run_report.h"
#include "barrage/report/watch_report.h"

namespace barrage::app {
namespace {

// What a run holds from before its first request to its last output.
struct RunSetup {
    std::vector<gate::ThresholdSpec> thresholds;
    std::unique_ptr<gate::WindowGates> windows;    // null: no threshold judged over time
    std::unique_ptr<watch::Watcher> watcher;       // null: nothing watched
    std::unique_ptr<detail::LiveMetrics> live;     // null: no --metrics-listen
    std::unique_ptr<detail::Dashboard> dashboard;  // null: no --dashboard
};

// Everything checked before any traffic: thresholds, output files, the watcher
// (exit 2), then the target's address (exit 3). exit_ok when all is well.
// The command line checked the outputs against each other (cli check_outputs).
int prepare_run(plan::RunPlan& plan, RunSetup& setup) {
    auto thresholds = detail::plan_thresholds(plan);
    if (!thresholds) {
        return fail(thresholds.error().message, gate::exit_usage);
    }
    setup.thresholds = std::move(thresholds).value();
    setup.windows = detail::window_gates(plan, setup.thresholds);
    for (const plan::OutputFile& file : plan::output_files(plan.outputs)) {
        if (auto status =
                report::check_writable(std::string(file.path), fmt::format("{} file", file.flag));
            !status.ok()) {
            return fail(status.error().message, gate::exit_usage);
        }
    }
    auto watcher = detail::open_watcher(plan);
    if (!watcher) {
        return fail(watcher.error().message, gate::exit_usage);
    }
    setup.watcher = std::move(watcher).value();
    auto live = detail::LiveMetrics::open(plan);
    if (!live) {
        return fail(live.error().message, gate::exit_usage);
    }
    setup.live = std::move(live).value();
    auto dashboard = detail::Dashboard::open(plan);
    if (!dashboard) {
        return fail(dashboard.error().message, gate::exit_usage);
    }
    setup.dashboard = std::move(dashboard).value();
    if (auto status = cli::resolve_targets(plan); !status.ok()) {
        return fail(status.error().message, gate::exit_run_failed);
    }
    if (auto status = cli::check_connection_limits(plan); !status.ok()) {
        return fail(status.error().message, gate::exit_usage);
    }
    return gate::exit_ok;
}

// The watched processes' samples since the measured start, for the streamed CSV;
// empty without --watch-pid/--watch-cgroup.
report::IntervalStreams::RecentSamples recent_samples_of(const plan::RunPlan& plan,
                                                         watch::Watcher* watcher,
                                                         const int64_t& measured_start_unix_ms) {
    if (watcher == nullptr || (plan.watch.pids.empty() && plan.watch.cgroup_path.empty())) {
        return {};
    }
    return [watcher, &measured_start_unix_ms] {
        return watcher->recent_samples(measured_start_unix_ms);
    };
}

// Each interval ticks the watcher (a sample at the interval's end, for its CSV
// row), streams the measured rows to --csv/--hlog and prints progress; the
// abort thresholds may stop the run.
engine::RunHooks run_hooks(const plan::RunPlan& plan, const RunSetup& setup,
                           report::IntervalStreams& streams, int64_t& measured_start_unix_ms) {
    engine::RunHooks hooks;
    hooks.on_start = [&streams, &measured_start_unix_ms](int64_t start_unix_ms) {
        measured_start_unix_ms = start_unix_ms;
        streams.start(start_unix_ms);
    };
    hooks.on_interval =
        [watcher = setup.watcher.get(), &streams, progress = detail::progress_printer(plan)](
            const stats::IntervalRow& row, double elapsed_s, double total_s, bool warmup) {
            if (watcher != nullptr) {
                watcher->tick();
            }
            if (!warmup) {
                streams.add_row(row);
            }
            if (progress) {
                progress(row, elapsed_s, total_s, warmup);
            }
        };
    if (!plan.outputs.hlog_path.empty()) {
        hooks.on_interval_histograms = [&streams](const stats::IntervalRow& row,
                                                  const stats::Histogram& latency_us,
                                                  std::span<const stats::Histogram> by_name) {
            streams.add_histograms(row, latency_us, by_name);
        };
    }
    if (gate::WindowGates* windows = setup.windows.get()) {
        hooks.on_interval_totals = [windows](const stats::IntervalRow& row,
                                             const stats::Counters& counters,
                                             const stats::Histogram& latency_us) {
            windows->add_interval(row.t_s, row.length_s, counters, latency_us);
        };
    }
    if (setup.live) {
        hooks.on_live = setup.live->hook();
    }
    hooks.stop_check = detail::abort_check(plan, setup.thresholds, setup.windows.get());
    if (setup.dashboard) {
        hooks.on_result_so_far = setup.dashboard->hook(setup.thresholds, setup.windows.get());
    }
    return hooks;
}

// After the run: warnings, the watcher's verdict, every output, and why a run
// that measured nothing failed (exit 3 says why on stderr, even with -q or
// with the summary on stdout).
int finish_run(const plan::RunPlan& plan, const RunSetup& setup, report::IntervalStreams& streams,
               stats::RunResult& result, std::string* json_out) {
    report::add_generator_warnings(result);
    watch::WatchResult watched;
    if (setup.watcher) {
        watched = setup.watcher->stop(result.measured_start_unix_ms, result.duration_s);
        for (std::string& warning : report::watch_warnings(watched)) {
            result.warnings.push_back(std::move(warning));
        }
    }
    if (setup.windows) {
        setup.windows->finish();
    }
    std::string json;  // the dashboard's final page is drawn from it, as --html's
    int code = detail::write_outputs(plan, result, setup.thresholds, watched, setup.windows.get(),
                                     json_out != nullptr ? json_out : &json);
    for (const base::Error& error : streams.finish(&watched)) {
        code = fail(error.message, gate::exit_output_failed);
    }
    if (const std::string reason = report::run_failure_reason(result); !reason.empty()) {
        fail(reason, gate::exit_run_failed);
    }
    if (setup.live) {
        setup.live->finish(result);
    }
    if (setup.dashboard) {
        int ignored = code;  // a history that cannot be read was reported above
        auto page = detail::html_page(plan, json_out != nullptr ? *json_out : json, ignored);
        setup.dashboard->finish(page.ok() ? std::move(page).value() : page.error().message);
    }
    detail::linger_after_run(plan);  // after every output: the files exist while it lingers
    return code;
}

int run_and_report(plan::RunPlan& plan, std::string* json_out) {
    if (plan.run_id.empty()) {
        plan.run_id = detail::new_run_id();
    }
    RunSetup setup;
    if (const int code = prepare_run(plan, setup); code != gate::exit_ok) {
        return code;
    }
    int64_t measured_start_unix_ms = 0;
    report::IntervalStreams streams(
        plan, detail::hlog_tags(plan),
        recent_samples_of(plan, setup.watcher.get(), measured_start_unix_ms));
    const engine::RunHooks hooks = run_hooks(plan, setup, streams, measured_start_unix_ms);
    if (setup.watcher) {
        setup.watcher->start();
    }
    auto result = engine::run_load(plan, hooks);
    if (!plan.outputs.quiet && isatty(STDERR_FILENO) != 0) {
        fmt::print(stderr, "\n");  // ends the rewritten progress line
    }
    if (!result.ok()) {
        return fail(result.error().message, gate::exit_run_failed);
    }
    return finish_run(plan, setup, streams, result.value(), json_out);
}

}  // namespace

int run_command(plan::RunPlan& plan) { return run_and_report(plan, nullptr); }

int detail::run_recorded(plan::RunPlan& plan, std::string& json_out) {
    json_out.clear();
    return run_and_report(plan, &json_out);
}

}  // namespace barrage::app
