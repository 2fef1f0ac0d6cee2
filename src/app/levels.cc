// barrage run URL --levels c=1,10,25,50 (or r=100,200): the run at each level in
// turn, each step run as find-max runs its steps (run_step), then one table.

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "app_impl.h"
#include "barrage/app/commands.h"
#include "barrage/capacity/capacity_report.h"
#include "barrage/gate/exit_code.h"
#include "barrage/report/levels_report.h"
#include "barrage/report/run_report.h"

namespace barrage::app {
namespace {

// "level c=10: 8123.4 req/s, p99 1.23ms, errors 0" on stderr, unless -q.
void print_level(const cli::LevelsRequest& request, const report::LevelRow& row) {
    if (request.quiet) {
        return;
    }
    const bool connections = request.dimension == cli::LevelsRequest::Dimension::connections;
    const bool answered = row.latency_us.total_count() > 0;
    fmt::print(stderr, "level {}={:g}: {:.1f} req/s, p99 {}, errors {}{}\n",
               connections ? "c" : "r", row.level, row.rps,
               answered ? capacity::format_step_time(row.latency_us.value_at_percentile(99))
                        : std::string("-"),
               row.errors, row.interrupted ? " (interrupted)" : "");
    std::fflush(stderr);
}

// The table (stdout, or stderr when --json - takes stdout) and the --json file.
int write_levels_outputs(const cli::LevelsRequest& request,
                         const std::vector<report::LevelRow>& rows, const std::string& target,
                         int code) {
    const bool connections = request.dimension == cli::LevelsRequest::Dimension::connections;
    const bool stdout_taken = request.json_path == "-";
    fmt::print(stdout_taken ? stderr : stdout, "{}",
               report::format_levels_table(rows, connections));
    std::fflush(stdout);
    if (!request.json_path.empty()) {
        const std::string json = report::format_levels_json(rows, connections, target);
        if (auto status = report::write_file_atomically(request.json_path, json); !status.ok()) {
            code = fail(status.error().message, gate::exit_output_failed);
        }
    }
    return code;
}

}  // namespace

int levels_command(const cli::LevelsRequest& request) {
    if (auto status = report::check_writable(request.json_path, "--json file"); !status.ok()) {
        return fail(status.error().message, gate::exit_usage);
    }
    std::vector<report::LevelRow> rows;
    std::string target;
    int stop_signal = 0;
    int code = gate::exit_ok;
    for (const double level : request.levels) {
        auto plan = cli::levels_step_plan(request, level);
        if (!plan) {
            return fail(plan.error().message, gate::exit_usage);  // checked before: not expected
        }
        auto result = detail::run_step(plan.value(), fmt::format("the level {:g}", level), target,
                                       stop_signal);
        if (!result) {
            code = fail(result.error().message, gate::exit_run_failed);
            break;  // the levels so far are still reported
        }
        rows.push_back(report::level_row(level, result.value()));
        print_level(request, rows.back());
        if (stop_signal != 0) {
            code = gate::exit_signal_base + stop_signal;  // a stopped sweep does not pass
            break;
        }
    }
    return write_levels_outputs(request, rows, target, code);
}

}  // namespace barrage::app
