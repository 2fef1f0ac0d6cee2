#include "barrage/gate/exit_code.h"

namespace barrage::gate {

int exit_code_for(const stats::RunResult& result) {
    return result.totals.counters.requests_completed == 0 ? exit_run_failed : exit_ok;
}

int exit_code_for(const stats::RunResult& result, std::span<const ThresholdOutcome> thresholds) {
    if (result.interrupted && result.stop_signal > 0) {
        return exit_signal_base + result.stop_signal;
    }
    const int code = exit_code_for(result);
    return code == exit_ok && !all_passed(thresholds) ? exit_thresholds_failed : code;
}

}  // namespace barrage::gate
