#pragma once
// Drives the steps of `barrage find-max`: asks the search for a rate, has the
// caller run it (the engine lives above this module), judges the step on its
// own results, and stops when the search is over. A step whose generator
// saturated is run once more before that ends the search (a busy machine's
// hiccup should not). --profile-levels runs a fixed list of rates instead.

#include <functional>
#include <optional>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/capacity/capacity_report.h"
#include "barrage/capacity/capacity_search.h"
#include "barrage/gate/threshold.h"
#include "barrage/stats/run_result.h"

namespace barrage::capacity {

struct CapacityPlan {
    std::vector<std::string> slo_texts;     // as written, for the outputs
    std::vector<gate::ThresholdSpec> slos;  // parsed
    SearchLimits limits;
    std::vector<double> level_rates_rps;  // --profile-levels x --rate; empty = search
};

// Runs one step at the rate; an error ends the whole search (exit 3).
using StepRunner = std::function<base::Result<stats::RunResult>(double rate_rps)>;
// Told about each step once judged (progress lines).
using StepCallback = std::function<void(int index, const StepReport& step)>;

base::Result<CapacityOutcome> run_capacity(const CapacityPlan& plan, const StepRunner& run_step,
                                           const StepCallback& on_step = {});

// 0: an answer (found, --max held, levels done, interrupted, steps exhausted);
// 1: the lowest rate already breaks the SLO; 3: the generator saturated first.
// (`barrage find-max` exits 128 + the signal instead when a signal interrupted it.)
int exit_code_for(const CapacityOutcome& outcome);

}  // namespace barrage::capacity
