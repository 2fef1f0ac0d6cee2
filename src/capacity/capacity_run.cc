#include "barrage/capacity/capacity_run.h"

#include "barrage/gate/exit_code.h"

namespace barrage::capacity {

base::Result<CapacityOutcome> run_capacity(const CapacityPlan& plan, const StepRunner& run_step,
                                           const StepCallback& on_step) {
    CapacityOutcome outcome;
    outcome.kind = plan.level_rates_rps.empty() ? "find_max" : "profile_levels";
    outcome.slos = plan.slo_texts;
    outcome.precision = plan.limits.precision;
    CapacitySearch search(plan.limits);
    auto next = [&]() -> std::optional<double> {
        if (outcome.kind == "find_max") {
            return search.next_rate();
        }
        const std::size_t done = outcome.steps.size();
        const bool stopped = done > 0 && outcome.steps.back().verdict == StepVerdict::interrupted;
        return done < plan.level_rates_rps.size() && !stopped
                   ? std::optional<double>(plan.level_rates_rps[done])
                   : std::nullopt;
    };
    bool retried = false;
    while (const auto rate = next()) {
        auto result = run_step(*rate);
        if (!result) {
            return result.error();
        }
        StepReport step = judge_step(*rate, result.value(), plan.slos);
        // A saturated generator may be a passing hiccup of a busy machine: one more
        // try at the same rate before the search gives up on it.
        const bool retry = outcome.kind == "find_max" &&
                           step.verdict == StepVerdict::generator_saturated && !retried;
        retried = retry;
        if (!retry) {
            search.record(*rate, step.verdict);
        }
        if (on_step) {
            on_step(static_cast<int>(outcome.steps.size()) + 1, step);
        }
        outcome.steps.push_back(std::move(step));
    }
    if (outcome.kind == "find_max") {
        outcome.status = search.status();
        outcome.max_sustainable_rps = search.highest_passing_rps();
        outcome.first_failing_rps = search.lowest_failing_rps();
    }
    outcome.knee_rps = knee_rps(outcome.steps);
    return outcome;
}

int exit_code_for(const CapacityOutcome& outcome) {
    if (outcome.kind != "find_max") {
        return gate::exit_ok;
    }
    switch (outcome.status) {
        case SearchStatus::lowest_rate_fails:
            return gate::exit_thresholds_failed;
        case SearchStatus::generator_saturated:
            return gate::exit_run_failed;
        default:
            return gate::exit_ok;
    }
}

}  // namespace barrage::capacity
