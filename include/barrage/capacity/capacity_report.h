#pragma once
// The steps of `barrage find-max` (or of --profile-levels) and what they add
// up to: one row per step (rate asked and achieved, percentiles, errors,
// verdict), the answer (max sustainable rate, knee, first failing rate), as
// a table, JSON and CSV. Documented in docs/output.md ("find-max").

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "barrage/capacity/capacity_search.h"
#include "barrage/gate/threshold.h"
#include "barrage/stats/run_result.h"

namespace barrage::capacity {

struct StepReport {
    double rate_asked_rps = 0;
    double rate_achieved_rps = 0;  // completed / measured duration
    int64_t sent = 0;
    int64_t completed = 0;
    int64_t errors = 0;
    double error_rate = 0;  // errors / (completed + errors)
    // (errors + responses failed) / (completed + errors), as Locust and k6 count failures
    // (stats::failure_rate): a step whose target answered 500s has error_rate 0 but not this.
    double failure_rate = 0;
    int64_t p50_us = 0;
    int64_t p90_us = 0;
    int64_t p99_us = 0;
    int64_t p999_us = 0;
    int64_t max_us = 0;
    StepVerdict verdict = StepVerdict::pass;
    std::vector<std::string> failed;    // the SLO expressions it broke, with their values
    std::vector<std::string> evidence;  // why the generator was saturated
};

// Judges one step's own results against the SLOs, and against its rate: a
// step that sent less than 99.9 % of the asked requests did not sustain it
// (the latency of what was never sent is nowhere). A step that broke an SLO
// while the generator was saturated is the generator's (the target is not
// blamed for it); one that met them passed.
StepReport judge_step(double rate_asked_rps, const stats::RunResult& result,
                      std::span<const gate::ThresholdSpec> slos);

// The knee, from the whole curve: the low-load p99 is the lowest p99 of the
// lowest third of the steps by rate (1 to 3 steps); the knee is the rate of the
// highest step below the steps, up to the highest rate, whose p99 are all above
// twice it (strictly below their lowest rate: a rate run twice is one point).
// nullopt when the highest step is not above (p99 never stays doubled), when
// every step is, or with fewer than two steps.
std::optional<double> knee_rps(std::span<const StepReport> steps);

struct CapacityOutcome {
    std::string kind;  // "find_max" or "profile_levels"
    std::vector<std::string> slos;
    std::vector<StepReport> steps;                  // in the order they ran
    SearchStatus status = SearchStatus::searching;  // find_max only
    std::optional<double> max_sustainable_rps;
    std::optional<double> first_failing_rps;
    std::optional<double> knee_rps;
    double precision = 0;
};

// Rows sorted by rate, then the answer; ends with a newline.
std::string format_capacity_table(const CapacityOutcome& outcome);

// A step's latency as the table shows it: "850us", "1.23ms", "2.50s" (also
// find-max's per-step lines on stderr, so both read in the same units).
std::string format_step_time(int64_t us);
std::string format_capacity_json(const CapacityOutcome& outcome, const std::string& target);
std::string format_capacity_csv(const CapacityOutcome& outcome);

}  // namespace barrage::capacity
