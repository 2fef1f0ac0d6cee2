// Windowed, drift and sustained thresholds, judged as the intervals arrive.

#include "barrage/gate/window_gates.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "barrage/base/assert.h"
#include "gate_impl.h"

namespace barrage::gate {
namespace {

// Interval ends are sums of floating-point lengths; a nanosecond short still counts as held.
constexpr double held_slack_s = 1e-9;

// Whether `value` is farther than `than` on the failing side of the comparison.
bool worse(double value, double than, Comparison comparison, double limit) {
    switch (comparison) {
        case Comparison::less:
        case Comparison::less_equal:
            return value > than;
        case Comparison::greater:
        case Comparison::greater_equal:
            return value < than;
        case Comparison::equal:
            return !compare(value, comparison, limit) && compare(than, comparison, limit);
    }
    BARRAGE_ASSERT(false);
    return false;
}

// Whether `value` is farther than `than` on the side the condition holds on (sustained).
bool more_held(double value, double than, Comparison comparison) {
    return comparison == Comparison::less || comparison == Comparison::less_equal ? value < than
                                                                                  : value > than;
}

// last / first: a factor; 1 when both are 0, unbounded when only the first is.
double drift_of(double first, double last) {
    if (first == 0) {
        return last == 0 ? 1.0 : std::numeric_limits<double>::infinity();
    }
    return last / first;
}

// A window of whole intervals, at least one: intervals are the resolution of the data.
double whole_intervals_s(double length_s, double interval_s) {
    const double intervals = std::ceil(length_s / interval_s - 1e-9);
    return std::max(1.0, intervals) * interval_s;
}

double seconds_of(int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

WindowGates::WindowGates(std::span<const ThresholdSpec> specs, double measured_s,
                         double interval_s) {
    BARRAGE_ASSERT(interval_s > 0);
    for (const ThresholdSpec& spec : specs) {
        if (spec.form == Form::whole) {
            continue;
        }
        Gate gate{spec, 0, {}, std::nullopt, 0, 0, false};
        if (spec.form != Form::sustained) {
            const double asked_s = spec.window_ns > 0 ? seconds_of(spec.window_ns)
                                                      : measured_s / 10.0;  // drift's default
            const double length_s = whole_intervals_s(asked_s, interval_s);
            gate.verdict.window_s = length_s;
            std::size_t i = 0;
            while (i < windows_.size() && windows_[i].length_s() != length_s) {
                ++i;
            }
            if (i == windows_.size()) {
                windows_.emplace_back(length_s);
            }
            gate.window = i;
        }
        gates_.push_back(std::move(gate));
    }
}

void WindowGates::add_interval(double end_s, double length_s, const stats::Counters& counters,
                               const stats::Histogram& latency_us) {
    BARRAGE_ASSERT(!finished_);
    for (Gate& gate : gates_) {
        if (gate.spec.form == Form::sustained) {
            judge_interval(gate, end_s, length_s, counters, latency_us);
        }
    }
    for (std::size_t i = 0; i < windows_.size(); ++i) {
        if (windows_[i].add(end_s, length_s, counters, latency_us)) {
            close_window(i, false);
        }
    }
}

void WindowGates::finish() {
    if (finished_) {
        return;
    }
    finished_ = true;
    for (std::size_t i = 0; i < windows_.size(); ++i) {
        const stats::RunningWindow& window = windows_[i];
        if (window.covered_s() > 0 && window.covered_s() * 2 >= window.length_s()) {
            close_window(i, true);
        }
    }
}

// Judges the window just completed for every gate that reads it, then restarts it.
void WindowGates::close_window(std::size_t index, bool partial) {
    stats::RunningWindow& window = windows_[index];
    for (Gate& gate : gates_) {
        if (gate.spec.form == Form::sustained || gate.window != index ||
            (partial && gate.spec.form == Form::drift)) {
            continue;
        }
        const auto now = detail::counted_value(gate.spec.metric, window.counters(),
                                               window.latency_us(), window.covered_s());
        if (!now) {
            continue;  // nothing scheduled in the window: nothing to judge
        }
        WindowVerdict& verdict = gate.verdict;
        ++verdict.windows;
        if (gate.spec.form == Form::drift) {
            if (!gate.first) {
                gate.first = now;
                continue;
            }
            verdict.value = drift_of(*gate.first, *now);
            verdict.window_start_s = window.start_s();
            verdict.passed = compare(*verdict.value, gate.spec.comparison, gate.spec.limit);
            continue;
        }
        gate.failed = gate.failed || !compare(*now, gate.spec.comparison, gate.spec.limit);
        if (!verdict.value || worse(*now, *verdict.value, gate.spec.comparison, gate.spec.limit)) {
            verdict.value = now;
            verdict.window_start_s = window.start_s();
        }
        verdict.passed = !gate.failed;
    }
    window.restart();
}

// Sustained: the stretch of intervals whose value meets the condition, and the longest one.
void WindowGates::judge_interval(Gate& gate, double end_s, double length_s,
                                 const stats::Counters& counters,
                                 const stats::Histogram& latency_us) {
    const ThresholdSpec& spec = gate.spec;
    WindowVerdict& verdict = gate.verdict;
    const auto now = detail::counted_value(spec.metric, counters, latency_us, length_s);
    ++verdict.windows;
    if (!now || !compare(*now, spec.comparison, spec.limit)) {
        gate.stretch_s = 0;  // an interval without requests breaks the stretch too
    } else {
        if (gate.stretch_s == 0) {
            gate.stretch_start_s = end_s - length_s;
        }
        gate.stretch_s += length_s;
        if (gate.stretch_s > verdict.held_s) {
            verdict.held_s = gate.stretch_s;
            verdict.window_start_s = gate.stretch_start_s;
        }
    }
    if (now && (!verdict.value || more_held(*now, *verdict.value, spec.comparison))) {
        verdict.value = now;
    }
    verdict.passed = verdict.held_s + held_slack_s < seconds_of(spec.sustained_ns);
}

std::optional<WindowVerdict> WindowGates::verdict(const ThresholdSpec& spec) const {
    for (const Gate& gate : gates_) {
        if (gate.spec.expression != spec.expression || gate.spec.form != spec.form) {
            continue;
        }
        WindowVerdict verdict = gate.verdict;
        if (!verdict.value) {
            verdict.passed = false;
            verdict.note =
                spec.form == Form::drift
                    ? fmt::format("drift needs two windows of {:g}s with requests; {} so far",
                                  verdict.window_s, verdict.windows)
                : spec.form == Form::windowed
                    ? fmt::format("no window of {:g}s with requests to judge", verdict.window_s)
                    : std::string("no interval with requests to judge");
        }
        return verdict;
    }
    return std::nullopt;
}

}  // namespace barrage::gate
