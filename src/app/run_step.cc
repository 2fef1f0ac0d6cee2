// One step of a sweep of runs, shared by find-max and --levels (app_impl.h).

#include <fmt/format.h>

#include <string>

#include "app_impl.h"
#include "barrage/cli/command_line.h"
#include "barrage/engine/run.h"
#include "barrage/gate/exit_code.h"
#include "barrage/report/generator_health.h"

namespace barrage::app::detail {

base::Result<stats::RunResult> run_step(plan::RunPlan& plan, std::string_view what,
                                        std::string& target, int& stop_signal) {
    if (auto status = cli::resolve_targets(plan); !status.ok()) {
        return status.error();
    }
    if (auto status = cli::check_connection_limits(plan); !status.ok()) {
        return status.error();
    }
    const plan::Target& t = plan.target;
    target = t.scheme + "://" + t.host_header + t.path;
    auto result = engine::run_load(plan);
    if (result && result.value().interrupted) {
        stop_signal = result.value().stop_signal;
    }
    // Nothing completed: the target is unreachable, unless the generator starved.
    if (result && gate::exit_code_for(result.value()) == gate::exit_run_failed &&
        !result.value().interrupted && !report::judge_generator(result.value()).saturated) {
        return base::make_error(fmt::format("{} completed no request: {}", what,
                                            result.value().error_details.empty()
                                                ? std::string("see barrage run")
                                                : result.value().error_details.front()));
    }
    return result;
}

}  // namespace barrage::app::detail
