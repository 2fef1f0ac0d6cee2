#pragma once
// The search of `barrage find-max`: which rate to try next, from the verdicts
// so far. Geometric growth from the start rate until a step fails its SLO,
// then bisection between the last passing and the first failing rate until
// they are within the precision. A failing step that directly follows a passing
// one within a growth step is run once more before the search moves down, so
// one noisy step (a briefly busy machine) does not end the search low. No
// clock, no I/O: the caller runs each step and records its verdict.

#include <cstdint>
#include <optional>
#include <string_view>

namespace barrage::capacity {

struct SearchLimits {
    double start_rps = 100;   // first rate tried
    double max_rps = 1e6;     // never ask for more
    double precision = 0.05;  // stop when (first failing - last passing) <= precision x passing
    double growth = 2.0;      // factor between rates while nothing failed
    int steps_max = 40;       // a bound on the search, whatever happens
};

enum class StepVerdict : uint8_t {
    pass,                 // the step met every SLO
    slo_failed,           // the target broke an SLO at this rate
    generator_saturated,  // the generator could not keep up: says nothing about the target
    interrupted,          // stopped by a signal: the search ends with what it has
};

enum class SearchStatus : uint8_t {
    searching,
    found,                // passing and failing rates within the precision
    lowest_rate_fails,    // the start rate already broke the SLO
    max_rate_passes,      // --max passed: the target sustains at least that
    generator_saturated,  // the generator's limit came before the target's
    interrupted,
    steps_exhausted,  // steps_max steps without reaching the precision
};

std::string_view status_name(SearchStatus status);  // "found", "lowest_rate_fails", ...

class CapacitySearch {
public:
    explicit CapacitySearch(SearchLimits limits);

    // The rate of the next step, or nullopt when the search is over. After a
    // failure that directly followed a pass within one growth step, the same
    // rate once more (its second verdict counts).
    std::optional<double> next_rate() const;
    void record(double rate_rps, StepVerdict verdict);

    SearchStatus status() const;
    std::optional<double> highest_passing_rps() const { return passing_; }
    std::optional<double> lowest_failing_rps() const { return failing_; }
    int steps() const { return steps_; }

private:
    SearchLimits limits_;
    std::optional<double> passing_;
    std::optional<double> failing_;
    std::optional<double> confirming_;   // a failed rate to run once more
    std::optional<StepVerdict> last_;    // the verdict of the step before
    std::optional<SearchStatus> ended_;  // set by a verdict that ends the search
    int steps_ = 0;
};

}  // namespace barrage::capacity
