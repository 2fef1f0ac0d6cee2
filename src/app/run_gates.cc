// The run's gates: thresholds checked before traffic, abort thresholds during it.

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app_impl.h"
#include "barrage/gate/evaluation.h"

namespace barrage::app::detail {

namespace {

// "abort threshold 'p99 < 1s' failed over the first 12s (1.3s)"; a threshold judged over
// time says where: "... failed in the 1s window from 20s (277ms)".
std::string abort_reason(const gate::ThresholdOutcome& outcome, double so_far_s) {
    const std::string value = gate::format_metric_value(*outcome.value, outcome.spec);
    switch (outcome.spec.form) {
        case gate::Form::windowed:
            return fmt::format("abort threshold '{}' failed in the {:g}s window from {:g}s ({})",
                               outcome.spec.expression, outcome.window_s,
                               outcome.window_start_s.value_or(0), value);
        case gate::Form::sustained:
            return fmt::format("abort threshold '{}' held for {:.3g}s from {:.3g}s ({})",
                               outcome.spec.expression, outcome.held_s,
                               outcome.window_start_s.value_or(0), value);
        case gate::Form::drift:
            return fmt::format(
                "abort threshold '{}' failed: the {:g}s window from {:g}s "
                "against the first ({})",
                outcome.spec.expression, outcome.window_s, outcome.window_start_s.value_or(0),
                value);
        case gate::Form::whole:
            break;
    }
    return fmt::format("abort threshold '{}' failed over the first {:.0f}s ({})",
                       outcome.spec.expression, so_far_s, value);
}

}  // namespace

base::Result<std::vector<gate::ThresholdSpec>> plan_thresholds(const plan::RunPlan& plan) {
    std::vector<std::string> request_names = plan::request_names(plan);
    // A scenario's name and "tag:NAME" scope a gate like a request name does.
    for (std::string& name : plan::scenario_gate_names(plan)) {
        request_names.push_back(std::move(name));
    }
    for (std::string& name : plan::transaction_names(plan)) {
        request_names.push_back(std::move(name));  // a task group is gated like a request name
    }
    const std::vector<std::string> phase_names = plan::measured_phase_names(plan);
    const gate::ScopeNames names{request_names, phase_names};
    std::vector<gate::ThresholdSpec> specs;
    for (const plan::ThresholdPlan& threshold : plan.outputs.thresholds) {
        auto spec = gate::parse_threshold(threshold.expression);
        if (!spec) {
            return base::make_error(threshold.origin + ": " + spec.error().message);
        }
        spec.value().abort_on_fail = threshold.abort;
        gate::scale_spans(spec.value(), threshold.time_scale);
        const std::span one(&spec.value(), 1);
        auto status = gate::resolve_scopes(one, names);
        if (status) {
            status = gate::check_windows(one, plan.interval_ns, plan::measured_ns(plan));
        }
        if (!status) {
            return base::make_error(threshold.origin + ": " + status.error().message);
        }
        specs.push_back(std::move(spec).value());
    }
    const bool targets_watched = !plan.watch.pids.empty() || !plan.watch.cgroup_path.empty();
    if (auto status = gate::check_growth_sources(specs, targets_watched); !status) {
        return base::make_error("--threshold: " + status.error().message);
    }
    return specs;
}

std::unique_ptr<gate::WindowGates> window_gates(const plan::RunPlan& plan,
                                                std::span<const gate::ThresholdSpec> specs) {
    auto windows = std::make_unique<gate::WindowGates>(
        specs, static_cast<double>(plan::measured_ns(plan)) / 1e9,
        static_cast<double>(plan.interval_ns) / 1e9);
    return windows->empty() ? nullptr : std::move(windows);
}

// Abort thresholds judge the results so far, once the grace period has passed:
// the cumulative totals, and the windows closed so far (a windowed or sustained
// threshold aborts as soon as it has failed). A threshold without a value yet (no
// request of that name, no window closed so far) waits.
engine::StopCheck abort_check(const plan::RunPlan& plan, std::span<const gate::ThresholdSpec> specs,
                              const gate::WindowGates* windows) {
    std::vector<gate::ThresholdSpec> aborting;
    for (const gate::ThresholdSpec& spec : specs) {
        if (spec.abort_on_fail) {
            aborting.push_back(spec);
        }
    }
    if (aborting.empty()) {
        return {};
    }
    const double grace_s = static_cast<double>(plan.outputs.abort_grace_ns) / 1e9;
    return [aborting = std::move(aborting), grace_s,
            windows](const stats::RunResult& so_far) -> std::optional<std::string> {
        if (so_far.duration_s < grace_s) {
            return std::nullopt;
        }
        const auto outcomes =
            gate::evaluate_thresholds(aborting, gate::RunResultMetrics(so_far), windows);
        for (const gate::ThresholdOutcome& outcome : outcomes) {
            if (!outcome.passed && outcome.value) {
                return abort_reason(outcome, so_far.duration_s);
            }
        }
        return std::nullopt;
    };
}

}  // namespace barrage::app::detail
