#pragma once
// What the threshold parser and the evaluation share. Private to src/gate.

#include <array>
#include <string_view>

namespace barrage::gate::detail {

// The time units a limit may be written in, and a value shown in again.
struct TimeUnit {
    std::string_view suffix;
    double us;
};
inline constexpr std::array<TimeUnit, 5> time_units{
    {{"us", 1.0}, {"ms", 1e3}, {"s", 1e6}, {"m", 60e6}, {"h", 3600e6}}};

}  // namespace barrage::gate::detail
