// thresholds = ["p99 < 200ms", { expr = "error_rate < 5%", abort = true }]
// and abort_grace = "30s": the profile's gates. The expressions are parsed by
// the report module before any traffic; here they only get their origin
// (FILE:LINE:COL), so an error there points into the profile.

#include <fmt/format.h>

#include "profile_impl.h"

namespace barrage::profile::detail {
namespace {

void read_threshold(Diagnostics& diagnostics, const toml::node& node, plan::RunPlan& plan) {
    if (const auto* text = node.as_string()) {
        plan.outputs.thresholds.push_back({text->get(), false, diagnostics.where(&node)});
        return;
    }
    const auto* table = node.as_table();
    if (table == nullptr) {
        diagnostics.fail_at(&node, fmt::format("thresholds: expected a string like \"p99 < "
                                               "200ms\" or a table {{ expr = \"p99 < 200ms\", "
                                               "abort = true }}, got {}",
                                               type_name(node)));
        return;
    }
    TableReader reader(diagnostics, *table, "a threshold");
    const auto expression = reader.string("expr", "\"p99 < 200ms\"");
    const auto abort = reader.boolean("abort");
    reader.finish();
    if (!diagnostics.ok()) {
        return;
    }
    if (!expression) {
        diagnostics.fail_at(&node,
                            "a threshold table needs expr, e.g. "
                            "{ expr = \"p99 < 200ms\", abort = true }");
        return;
    }
    plan.outputs.thresholds.push_back(
        {*expression, abort.value_or(false), diagnostics.where(reader.node("expr"))});
}

}  // namespace

void read_thresholds(TableReader& root, plan::RunPlan& plan) {
    Diagnostics& diagnostics = root.diagnostics();
    if (const auto grace = root.duration_ns("abort_grace", true)) {
        plan.outputs.abort_grace_ns = *grace;
    }
    const toml::array* thresholds = root.array("thresholds");
    if (thresholds == nullptr) {
        return;
    }
    for (size_t i = 0; diagnostics.ok() && i < thresholds->size(); ++i) {
        read_threshold(diagnostics, *thresholds->get(i), plan);
    }
}

}  // namespace barrage::profile::detail
