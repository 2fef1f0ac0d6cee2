// barrage suite: every profile was loaded and checked by the command line;
// here the gates and output files of every run are checked too, then the runs
// go in order with their cool-downs, and the table, the suite's JSON and the
// worst exit code come last — also when a signal stopped the suite.

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "app_impl.h"
#include "barrage/base/clock.h"
#include "barrage/base/cpu.h"
#include "barrage/base/excerpt.h"
#include "barrage/base/stop_signal.h"
#include "barrage/gate/exit_code.h"
#include "barrage/report/run_report.h"
#include "barrage/report/suite_report.h"

namespace barrage::app {
namespace {

// Every file the suite writes, each named once: a second run writing the
// same --json would overwrite the first's result.
base::Status check_suite_outputs(const cli::SuiteRequest& request) {
    std::vector<std::pair<std::string, std::string>> taken;  // path, who writes it
    if (!request.json_path.empty() && request.json_path != "-") {
        taken.emplace_back(request.json_path, "the suite's --json");
    }
    for (const profile::SuiteRun& run : request.suite.runs) {
        for (const plan::OutputFile& file : plan::output_files(run.plan.outputs)) {
            if (file.path.empty()) {
                continue;
            }
            const std::string who = fmt::format("run '{}'", base::excerpt(run.name));
            if (file.path == "-") {
                return base::make_error(
                    fmt::format("{}: a run of a suite writes files, not stdout ('-'); the suite's "
                                "--json - puts every run's result on stdout",
                                who));
            }
            for (const auto& [path, owner] : taken) {
                if (path == file.path) {
                    return base::make_error(
                        fmt::format("{} and {} both write '{}'; give each its own file", owner, who,
                                    base::excerpt(path)));
                }
            }
            taken.emplace_back(std::string(file.path), who);
            if (auto status = report::check_writable(std::string(file.path),
                                                     fmt::format("{} file", file.flag));
                !status.ok()) {
                return base::make_error(fmt::format("{}: {}", who, status.error().message));
            }
        }
    }
    return report::check_writable(request.json_path, "--json file");
}

// Thresholds of every run, parsed before the first run: a typo in the last
// profile's gate must not cost the runs before it.
base::Status check_suite_gates(const profile::SuitePlan& suite) {
    for (const profile::SuiteRun& run : suite.runs) {
        if (auto thresholds = detail::plan_thresholds(run.plan); !thresholds) {
            return base::make_error(
                fmt::format("run '{}': {}", base::excerpt(run.name), thresholds.error().message));
        }
    }
    return base::Ok{};
}

// With the suite's --json on stdout, the runs' summaries (printed on stdout by
// `barrage run`) go to stderr while they run, so stdout carries one document.
class StdoutToStderr {
public:
    explicit StdoutToStderr(bool active) : saved_(active ? ::dup(STDOUT_FILENO) : -1) {
        if (saved_ >= 0) {
            std::fflush(stdout);
            ::dup2(STDERR_FILENO, STDOUT_FILENO);
        }
    }
    ~StdoutToStderr() {
        if (saved_ >= 0) {
            std::fflush(stdout);
            ::dup2(saved_, STDOUT_FILENO);
            ::close(saved_);
        }
    }
    StdoutToStderr(const StdoutToStderr&) = delete;
    StdoutToStderr& operator=(const StdoutToStderr&) = delete;

private:
    int saved_;
};

report::SuiteRunOutcome skipped(const profile::SuiteRun& run, std::string because) {
    return report::SuiteRunOutcome{run.name, run.profile_path, false, 0, "", std::move(because)};
}

// The runs in order, with cool-downs; stops at a signal or a failed
// stop_on_fail run. Every [[run]] gets an outcome, skipped ones too.
void run_suite(cli::SuiteRequest& request, report::SuiteOutcome& outcome) {
    std::vector<profile::SuiteRun>& runs = request.suite.runs;
    std::string stopped_because;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        profile::SuiteRun& run = runs[i];
        if (stopped_because.empty()) {
            if (const int signal_number = base::wait_stop_signal(0); signal_number > 0) {
                outcome.stop_signal = signal_number;
                stopped_because = fmt::format("the suite was stopped by {}",
                                              report::stop_signal_name(signal_number));
            }
        }
        if (!stopped_because.empty()) {
            outcome.runs.push_back(skipped(run, stopped_because));
            continue;
        }
        if (!request.quiet) {
            fmt::print(stderr, "barrage suite {}: run {} of {}, '{}' ({})\n",
                       base::excerpt(outcome.name), i + 1, runs.size(), base::excerpt(run.name),
                       base::excerpt(run.profile_path));
        }
        report::SuiteRunOutcome ran{run.name, run.profile_path, true, 0, "", ""};
        {
            const StdoutToStderr redirect(request.json_path == "-");
            ran.exit_code = detail::run_recorded(run.plan, ran.json);
        }
        outcome.runs.push_back(std::move(ran));
        const int code = outcome.runs.back().exit_code;
        if (code >= gate::exit_signal_base) {
            outcome.stop_signal = code - gate::exit_signal_base;
            stopped_because = fmt::format("the suite was stopped by {}",
                                          report::stop_signal_name(outcome.stop_signal));
        } else if (code != gate::exit_ok && run.stop_on_fail) {
            stopped_because = fmt::format("stop_on_fail: '{}' failed", base::excerpt(run.name));
        } else if (i + 1 < runs.size() && run.cool_down_ns > 0) {
            if (!request.quiet) {
                fmt::print(stderr, "barrage suite {}: cool-down of {:.3g}s\n",
                           base::excerpt(outcome.name),
                           static_cast<double>(run.cool_down_ns) / 1e9);
            }
            if (const int signal_number = base::wait_stop_signal(run.cool_down_ns)) {
                outcome.stop_signal = signal_number;
                stopped_because = fmt::format("the suite was stopped by {}",
                                              report::stop_signal_name(signal_number));
            }
        }
    }
}

int exit_code_of(const report::SuiteOutcome& outcome) {
    int code = gate::exit_ok;
    for (const report::SuiteRunOutcome& run : outcome.runs) {
        code = run.ran ? gate::worst_exit_code(code, run.exit_code) : code;
    }
    // A signal in a cool-down interrupted no run, but the suite did not finish.
    return outcome.stop_signal > 0
               ? gate::worst_exit_code(code, gate::exit_signal_base + outcome.stop_signal)
               : code;
}

}  // namespace

int suite_command(cli::SuiteRequest& request) {
    if (auto status = check_suite_gates(request.suite); !status.ok()) {
        return fail(status.error().message, gate::exit_usage);
    }
    if (auto status = check_suite_outputs(request); !status.ok()) {
        return fail(status.error().message, gate::exit_usage);
    }
    // From here a stop signal is taken, never fatal: in a cool-down it ends
    // the wait, in a run the run (which takes it the same way).
    base::block_stop_signals();
    report::SuiteOutcome outcome{request.suite.name, request.suite.path, {}, 0, 0};
    run_suite(request, outcome);
    outcome.exit_code = exit_code_of(outcome);
    const bool json_on_stdout = request.json_path == "-";
    fmt::print(json_on_stdout ? stderr : stdout, "\n{}", report::format_suite_table(outcome));
    std::fflush(stdout);
    if (!request.json_path.empty()) {
        if (auto status = report::write_file_atomically(request.json_path,
                                                        report::format_suite_json(outcome));
            !status.ok()) {
            return fail(status.error().message,
                        gate::worst_exit_code(outcome.exit_code, gate::exit_output_failed));
        }
    }
    return outcome.exit_code;
}

}  // namespace barrage::app
