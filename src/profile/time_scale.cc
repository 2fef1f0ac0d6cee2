// --time-scale F: every duration of a profile's phases times F, every spawn rate
// divided by F, so a plan keeps its shape and its load levels in F of the time.

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <tuple>

#include "barrage/base/excerpt.h"
#include "profile_impl.h"

namespace barrage::profile::detail {
namespace {

using base::make_error;
using base::Ok;
using base::Status;
using plan::PhaseKind;
using plan::PhasePlan;

constexpr int64_t ns_per_ms = 1'000'000;
// Ten years: far beyond any run, far below int64 nanoseconds (292 years) even
// for a few dozen phases added up.
constexpr double phase_scaled_ns_max = 10.0 * 365 * 24 * 3600 * 1e9;

// `at_ns` (a point in the phase) times `factor`, rounded to whole milliseconds:
// a sub-millisecond phase is shorter than any interval that could show it.
int64_t scaled_ms(int64_t at_ns, double factor) {
    const double ms = std::round(static_cast<double>(at_ns) * factor / ns_per_ms);
    BARRAGE_ASSERT(ms >= 0 && ms * ns_per_ms <= phase_scaled_ns_max);
    return static_cast<int64_t>(ms) * ns_per_ms;
}

// "30s", "100ms", "0.5ms": as a profile would write it.
std::string duration_text(int64_t ns) {
    if (ns % 1'000'000'000 == 0) {
        return fmt::format("{}s", ns / 1'000'000'000);
    }
    return fmt::format("{:g}ms", static_cast<double>(ns) / ns_per_ms);
}

// One phase duration that was positive must stay so.
Status check_not_zero(const PhasePlan& phase, std::string_view key, int64_t before_ns,
                      int64_t after_ns, double factor) {
    if (before_ns > 0 && after_ns <= 0) {
        return make_error(fmt::format(
            "--time-scale {}: phases.{}.{} ({}) scaled is under 1ms, the resolution of a scaled "
            "duration; expected a larger --time-scale or a longer {}",
            factor, base::excerpt(phase.name), key, duration_text(before_ns), key));
    }
    return Ok{};
}

// A spike's points (at, end of the rise, end of the hold, end of the fall) are
// scaled, not its parts, so rounding never pushes the fall past the phase's end.
Status scale_spike(PhasePlan& phase, double factor) {
    const int64_t rise_end_ns = phase.spike_at_ns + phase.spike_rise_ns;
    const int64_t hold_end_ns = rise_end_ns + phase.spike_hold_ns;
    const int64_t fall_end_ns = hold_end_ns + phase.spike_fall_ns;
    const PhasePlan before = phase;
    phase.spike_at_ns = scaled_ms(before.spike_at_ns, factor);
    phase.spike_rise_ns = scaled_ms(rise_end_ns, factor) - phase.spike_at_ns;
    phase.spike_hold_ns = scaled_ms(hold_end_ns, factor) - scaled_ms(rise_end_ns, factor);
    phase.spike_fall_ns = scaled_ms(fall_end_ns, factor) - scaled_ms(hold_end_ns, factor);
    for (const auto& [key, was, is] :
         {std::tuple{"rise", before.spike_rise_ns, phase.spike_rise_ns},
          std::tuple{"hold", before.spike_hold_ns, phase.spike_hold_ns},
          std::tuple{"fall", before.spike_fall_ns, phase.spike_fall_ns}}) {
        if (auto status = check_not_zero(phase, key, was, is, factor); !status) {
            return status;
        }
    }
    return Ok{};
}

}  // namespace

Status scale_phase_times(PhasePlan& phase, double factor) {
    BARRAGE_ASSERT(factor > 0 && std::isfinite(factor));
    const PhasePlan before = phase;
    // Every point of the phase is within its duration, so this bounds them all.
    if (static_cast<double>(before.duration_ns) * factor > phase_scaled_ns_max) {
        return make_error(
            fmt::format("--time-scale {}: phase '{}' would last over 10 years; expected a smaller "
                        "--time-scale",
                        factor, base::excerpt(phase.name)));
    }
    if (phase.kind == PhaseKind::step) {
        // The phase lasts steps x step_duration (check_phase_shape sets it).
        phase.step_duration_ns = scaled_ms(before.step_duration_ns, factor);
        if (auto status = check_not_zero(phase, "step_duration", before.step_duration_ns,
                                         phase.step_duration_ns, factor);
            !status) {
            return status;
        }
    }
    phase.duration_ns = scaled_ms(before.duration_ns, factor);
    if (auto status =
            check_not_zero(phase, "duration", before.duration_ns, phase.duration_ns, factor);
        !status) {
        return status;
    }
    if (phase.kind == PhaseKind::spike) {
        if (auto status = scale_spike(phase, factor); !status) {
            return status;
        }
    }
    // The same users arrive by the same point of the phase. Think time is not
    // scaled: it sets each user's request rate, so scaling it would change the
    // load level, not the plan's length (a Locust wait_time is the user's pace).
    phase.spawn_per_s = before.spawn_per_s / factor;
    if (auto status = check_phase_shape(phase); !status) {
        return make_error(fmt::format("--time-scale {}: phase '{}': {}", factor,
                                      base::excerpt(phase.name), status.error().message));
    }
    return Ok{};
}

}  // namespace barrage::profile::detail
