// The run's gates: thresholds checked before traffic, abort thresholds during it.

#include <fmt/format.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app_impl.h"
#include "barrage/gate/evaluation.h"

namespace barrage::app::detail {

base::Result<std::vector<gate::ThresholdSpec>> plan_thresholds(const plan::RunPlan& plan) {
    std::vector<std::string> request_names = plan::request_names(plan);
    // A scenario's name and "tag:NAME" scope a gate like a request name does.
    for (std::string& name : plan::scenario_gate_names(plan)) {
        request_names.push_back(std::move(name));
    }
    for (const plan::TaskPlan& task : plan.session.tasks) {
        request_names.push_back(task.name);  // a task group is gated like a request name
    }
    std::vector<gate::ThresholdSpec> specs;
    for (const plan::ThresholdPlan& threshold : plan.outputs.thresholds) {
        auto spec = gate::parse_threshold(threshold.expression);
        if (!spec) {
            return base::make_error(threshold.origin + ": " + spec.error().message);
        }
        spec.value().abort_on_fail = threshold.abort;
        if (auto status = gate::check_request_names(std::span(&spec.value(), 1), request_names);
            !status) {
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

// Abort thresholds judge the results so far, once the grace period has passed.
// A threshold without a value yet (no request of that name so far) waits.
engine::StopCheck abort_check(const plan::RunPlan& plan,
                              std::span<const gate::ThresholdSpec> specs) {
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
    return [aborting = std::move(aborting),
            grace_s](const stats::RunResult& so_far) -> std::optional<std::string> {
        if (so_far.duration_s < grace_s) {
            return std::nullopt;
        }
        const auto outcomes = gate::evaluate_thresholds(aborting, gate::RunResultMetrics(so_far));
        for (const gate::ThresholdOutcome& outcome : outcomes) {
            if (!outcome.passed && outcome.value) {
                return fmt::format("abort threshold '{}' failed over the first {:.0f}s ({})",
                                   outcome.spec.expression, so_far.duration_s,
                                   gate::format_metric_value(*outcome.value, outcome.spec));
            }
        }
        return std::nullopt;
    };
}

}  // namespace barrage::app::detail
