// barrage find-max: the capacity search (or --profile-levels), each step a run
// of the typed plan at the step's rate; the table, JSON, CSV and page after.
// Exit codes: see capacity::exit_code_for; 2 for bad SLOs or outputs, 3 when a step cannot run.

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <utility>

#include "app_impl.h"
#include "barrage/app/commands.h"
#include "barrage/base/ansi_color.h"
#include "barrage/capacity/capacity_html.h"
#include "barrage/capacity/capacity_run.h"
#include "barrage/engine/run.h"
#include "barrage/gate/exit_code.h"
#include "barrage/report/generator_health.h"
#include "barrage/report/run_report.h"

namespace barrage::app {
namespace {

// What the steps learn for the outputs: the target as shown, and the signal
// that interrupted a step (and so the search), 0 when none did.
struct SearchState {
    std::string target;
    int stop_signal = 0;
};

base::Result<capacity::CapacityPlan> capacity_plan_of(const cli::FindMaxRequest& request) {
    capacity::CapacityPlan plan;
    plan.slo_texts = request.slos;
    auto slos = gate::parse_thresholds(request.slos);
    if (!slos) {
        return base::make_error("--slo: " + slos.error().message);
    }
    if (auto status = gate::check_whole_forms(slos.value()); !status) {
        return base::make_error("--slo: " + status.error().message);
    }
    plan.slos = std::move(slos).value();
    for (const gate::ThresholdSpec& slo : plan.slos) {
        // A step is judged on its requests; the watched target is not sampled per step.
        if (slo.metric.is_watched()) {
            return base::make_error(
                fmt::format("--slo: threshold '{}': {} is a metric of the watched target, not "
                            "of a step; find-max judges latency, rates and rps (use it as a "
                            "--threshold of barrage run with --watch-pid)",
                            slo.expression, gate::metric_name(slo.metric)));
        }
    }
    plan.limits.start_rps = request.start_rps;
    plan.limits.max_rps = request.max_rps;
    plan.limits.precision = request.precision;
    for (const double level : request.levels) {
        plan.level_rates_rps.push_back(level * request.level_base_rps);
    }
    return plan;
}

base::Status check_outputs_writable(const cli::FindMaxRequest& request) {
    for (const auto& [path, what] :
         {std::pair{&request.json_path, "--json file"}, std::pair{&request.csv_path, "--csv file"},
          std::pair{&request.html_path, "--html file"}}) {
        if (auto status = report::check_writable(*path, what); !status.ok()) {
            return status;
        }
    }
    return base::Ok{};
}

// One step: the plan at `rate`, its target resolved, run to the end.
capacity::StepRunner step_runner(const cli::FindMaxRequest& request, SearchState& state) {
    return [&request, &state](double rate) -> base::Result<stats::RunResult> {
        auto step_plan = cli::find_max_step_plan(request, rate);
        if (!step_plan) {
            return step_plan.error();
        }
        return detail::run_step(step_plan.value(), fmt::format("the step at {:.1f} req/s", rate),
                                state.target, state.stop_signal);
    };
}

// "pass", "FAIL (...)", ...; with `color` the verdict green, red or yellow (--color).
std::string verdict_text(const capacity::StepReport& step, bool color) {
    using base::AnsiColor;
    std::string verdict = step.verdict == capacity::StepVerdict::pass
                              ? base::paint("pass", AnsiColor::green, color)
                          : step.verdict == capacity::StepVerdict::slo_failed
                              ? base::paint("FAIL", AnsiColor::red, color)
                          : step.verdict == capacity::StepVerdict::interrupted
                              ? std::string("interrupted")
                              : base::paint("GENERATOR SATURATED", AnsiColor::yellow, color);
    for (const std::string& evidence : step.evidence) {
        verdict += " (" + evidence + ")";
    }
    return verdict;
}

// One line per step on stderr, unless -q.
capacity::StepCallback step_printer(const cli::FindMaxRequest& request) {
    if (request.quiet) {
        return {};
    }
    const bool color = detail::use_color(request.run_plan.outputs.color, stderr);
    return [color](int index, const capacity::StepReport& step) {
        fmt::print(stderr,
                   "step {}: asked {:.1f} req/s, got {:.1f}, p99 {}, errors {:.2f}%, failures "
                   "{:.2f}%: {}\n",
                   index, step.rate_asked_rps, step.rate_achieved_rps,
                   capacity::format_step_time(step.p99_us), step.error_rate * 100.0,
                   step.failure_rate * 100.0, verdict_text(step, color));
    };
}

// The table (stdout unless --json - or --csv - takes it) and the files. A file
// that cannot be written is exit 2 (find-max's code for outputs).
int write_search_outputs(const cli::FindMaxRequest& request,
                         const capacity::CapacityOutcome& outcome, const std::string& target,
                         int code) {
    const bool stdout_taken = request.json_path == "-" || request.csv_path == "-";
    fmt::print(stdout_taken ? stderr : stdout, "{}", capacity::format_capacity_table(outcome));
    std::fflush(stdout);
    for (const auto& [path, text] :
         {std::pair{request.json_path, capacity::format_capacity_json(outcome, target)},
          std::pair{request.csv_path, capacity::format_capacity_csv(outcome)},
          std::pair{request.html_path, capacity::format_capacity_html(outcome, target)}}) {
        if (path.empty()) {
            continue;
        }
        if (auto status = report::write_file_atomically(path, text); !status.ok()) {
            code = fail(status.error().message, gate::exit_usage);
        }
    }
    return code;
}

}  // namespace

int find_max_command(const cli::FindMaxRequest& request) {
    auto plan = capacity_plan_of(request);
    if (!plan) {
        return fail(plan.error().message, gate::exit_usage);
    }
    if (auto status = check_outputs_writable(request); !status.ok()) {
        return fail(status.error().message, gate::exit_usage);
    }
    SearchState state;
    auto outcome =
        capacity::run_capacity(plan.value(), step_runner(request, state), step_printer(request));
    if (!outcome) {
        return fail(outcome.error().message, gate::exit_run_failed);
    }
    int code = capacity::exit_code_for(outcome.value());
    if (state.stop_signal != 0) {
        code = gate::exit_signal_base + state.stop_signal;  // an interrupted search does not pass
    }
    return write_search_outputs(request, outcome.value(), state.target, code);
}

}  // namespace barrage::app
