#pragma once
// The words and numbers of the find-max table (capacity_report.cc) that the
// find-max page (capacity_html.cc) shows too. Private to src/capacity.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/capacity/capacity_report.h"

namespace barrage::capacity::detail {

// "pass", "FAIL", "GENERATOR SATURATED", "interrupted": the table's verdict.
std::string_view verdict_text(StepVerdict verdict);
// "pass", "slo_failed", "generator_saturated", "interrupted": JSON and CSV.
std::string_view verdict_name(StepVerdict verdict);
// 850us, 12.50ms, 1.20s.
std::string time_text(int64_t us);
// "1234.5 req/s", "-" without a rate.
std::string rate_text(std::optional<double> rps);
// The steps sorted by the rate asked (stable: equal rates keep their order).
std::vector<StepReport> by_rate(std::span<const StepReport> steps);
// The answer line of find-max for the outcome's status.
std::string answer_text(const CapacityOutcome& outcome);

}  // namespace barrage::capacity::detail
