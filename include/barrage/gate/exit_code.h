#pragma once
// barrage's exit codes, the one home of the numbers docs/output.md "Exit codes"
// and the README document. Every command returns one of these; scripts and CI
// depend on them, so a number never changes meaning.

#include <span>

#include "barrage/gate/evaluation.h"
#include "barrage/stats/run_result.h"

namespace barrage::gate {

// The command did its job (run: at least one request completed).
inline constexpr int exit_ok = 0;
// A --threshold failed, compare found a regression, find-max's lowest rate broke the SLO.
inline constexpr int exit_thresholds_failed = 1;
// Usage or configuration error, found before anything was sent.
inline constexpr int exit_usage = 2;
// The run could not do its job (target unresolvable or unreachable, nothing
// completed); find-max: the generator saturated first, or a step could not run.
inline constexpr int exit_run_failed = 3;
// The run happened but an output file (--json, --csv, --hlog, ...) could not be written.
inline constexpr int exit_output_failed = 4;
// A stop signal interrupted the run: 128 + the signal, the shell's convention
// (SIGHUP 129, SIGINT 130, SIGTERM 143).
inline constexpr int exit_signal_base = 128;

// The worse of two exit codes, for a command of several runs (barrage suite):
// a signal's (128 + n) is worst, then 4, 3, 2, 1, and 0 is best.
int worst_exit_code(int a, int b);

// 0 when the run did its job; 3 when nothing completed (every request failed
// or the target was unreachable).
int exit_code_for(const stats::RunResult& result);
// Same, and 1 when the run did its job but a threshold failed (3 wins over 1:
// a run that measured nothing says so rather than "thresholds failed"). A run a
// signal interrupted did not pass, whatever its thresholds say: 128 + the signal.
int exit_code_for(const stats::RunResult& result, std::span<const ThresholdOutcome> thresholds);

}  // namespace barrage::gate
