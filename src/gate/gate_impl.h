#pragma once
// What the threshold parser and the evaluation share. Private to src/gate.

#include <array>
#include <optional>
#include <string_view>

#include "barrage/gate/threshold.h"
#include "barrage/stats/counters.h"
#include "barrage/stats/histogram.h"

namespace barrage::gate::detail {

// The time units a limit may be written in, and a value shown in again.
struct TimeUnit {
    std::string_view suffix;
    double us;
};
inline constexpr std::array<TimeUnit, 5> time_units{
    {{"us", 1.0}, {"ms", 1e3}, {"s", 1e6}, {"m", 60e6}, {"h", 3600e6}}};

// A metric read from counts and the answered latency of a stretch of the run `length_s`
// long (an interval, a window, a phase): the judged latency statistics, error_rate and
// rps; nullopt for the others or when nothing was scheduled there (no value, never a 0).
std::optional<double> counted_value(const Metric& metric, const stats::Counters& counters,
                                    const stats::Histogram& latency_us, double length_s);

}  // namespace barrage::gate::detail
