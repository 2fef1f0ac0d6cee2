#include "barrage/gate/exit_code.h"

#include <algorithm>

namespace barrage::gate {

int worst_exit_code(int a, int b) {
    const bool a_signal = a >= exit_signal_base;
    const bool b_signal = b >= exit_signal_base;
    if (a_signal != b_signal) {
        return a_signal ? a : b;  // an interrupted suite did not pass, whatever else failed
    }
    return a_signal ? a : std::max(a, b);  // the first signal is the one that stopped it
}

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
