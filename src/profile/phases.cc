#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "barrage/base/excerpt.h"
#include "barrage/schedule/load_shape.h"
#include "profile_impl.h"

namespace barrage::profile::detail {
namespace {

using plan::PhaseKind;
using plan::PhasePlan;

struct ShapeName {
    std::string_view name;
    PhaseKind kind;
};
constexpr ShapeName shape_names[] = {{"constant", PhaseKind::constant},
                                     {"ramp", PhaseKind::ramp},
                                     {"step", PhaseKind::step},
                                     {"spike", PhaseKind::spike},
                                     {"users", PhaseKind::users}};

// A phase as read, with where it was, for messages after the reading.
struct ReadPhase {
    PhasePlan phase;
    const toml::node* where = nullptr;
    bool main = false;
};

// A required key: reports it when absent.
template <typename T>
T required(TableReader& reader, std::string_view key, std::optional<T> value,
           std::string_view example) {
    if (!value && reader.diagnostics().ok() && !reader.has(key) && !reader.refuse_near_miss(key)) {
        reader.diagnostics().fail_at(
            &reader.source(),
            fmt::format("{} needs {}; expected e.g. {} = {}", reader.what(), key, key, example));
    }
    return value.value_or(T{});
}

// think = "1s" | think = ["1s", "3s"] (uniform between, like Locust's between(1, 3)).
void read_think(TableReader& reader, PhasePlan& phase) {
    Diagnostics& diagnostics = reader.diagnostics();
    const toml::node* think = reader.node("think");
    if (think == nullptr) {
        return;
    }
    if (const auto* pair = think->as_array(); pair != nullptr) {
        if (pair->size() != 2) {
            diagnostics.fail_at(think,
                                "think must be one duration or two; expected think = "
                                "\"1s\" or think = [\"1s\", \"3s\"]");
            return;
        }
        phase.think_min_ns = duration_of(diagnostics, *pair->get(0), "think", true).value_or(0);
        phase.think_max_ns = duration_of(diagnostics, *pair->get(1), "think", true).value_or(0);
        if (diagnostics.ok() && phase.think_min_ns > phase.think_max_ns) {
            diagnostics.fail_at(think, "think = [a, b] has a > b; expected the shorter first");
        }
        return;
    }
    phase.think_min_ns = duration_of(diagnostics, *think, "think", true).value_or(0);
    phase.think_max_ns = phase.think_min_ns;
}

void read_shape(TableReader& reader, PhasePlan& phase) {
    switch (phase.kind) {
        case PhaseKind::constant:
            phase.rate_per_s = required(reader, "rate", reader.rate("rate", false), "100");
            phase.rate_end_per_s = phase.rate_per_s;
            // With iterations the phase may end by count alone (fit_iterations gives its length).
            phase.duration_ns = reader.source().contains("iterations")
                                    ? reader.duration_ns("duration", false).value_or(0)
                                    : required(reader, "duration",
                                               reader.duration_ns("duration", false), "\"30s\"");
            phase.iterations = reader.integer("iterations", 1, plan::iterations_max).value_or(0);
            break;
        case PhaseKind::ramp:
            phase.rate_per_s = required(reader, "from", reader.rate("from", true), "0");
            phase.rate_end_per_s = required(reader, "to", reader.rate("to", true), "100");
            phase.duration_ns =
                required(reader, "duration", reader.duration_ns("duration", false), "\"1m\"");
            break;
        case PhaseKind::step:
            phase.rate_per_s = required(reader, "rate", reader.rate("rate", false), "100");
            phase.step_per_s = reader.rate("step", true).value_or(0);
            phase.step_duration_ns = required(
                reader, "step_duration", reader.duration_ns("step_duration", false), "\"30s\"");
            phase.steps = static_cast<int>(
                required(reader, "steps", reader.integer("steps", 1, 10'000), "5"));
            break;
        case PhaseKind::spike:
            phase.rate_per_s = required(reader, "base", reader.rate("base", true), "50");
            phase.rate_end_per_s = required(reader, "peak", reader.rate("peak", false), "500");
            phase.spike_at_ns = required(reader, "at", reader.duration_ns("at", true), "\"1m\"");
            phase.spike_hold_ns =
                required(reader, "hold", reader.duration_ns("hold", false), "\"3m\"");
            phase.spike_rise_ns = reader.duration_ns("rise", true).value_or(0);
            phase.spike_fall_ns = reader.duration_ns("fall", true).value_or(phase.spike_rise_ns);
            phase.duration_ns =
                required(reader, "duration", reader.duration_ns("duration", false), "\"6m\"");
            break;
        case PhaseKind::users:
            phase.users = static_cast<int>(
                required(reader, "users", reader.integer("users", 1, plan::connections_max), "50"));
            read_think(reader, phase);
            phase.spawn_per_s = reader.rate("spawn_rate", true).value_or(0);
            phase.duration_ns =
                reader.source().contains("iterations")
                    ? reader.duration_ns("duration", false).value_or(0)
                    : required(reader, "duration", reader.duration_ns("duration", false), "\"5m\"");
            phase.iterations = reader.integer("iterations", 1, plan::iterations_max).value_or(0);
            break;
    }
}

ReadPhase read_phase(TableReader& reader, size_t index) {
    Diagnostics& diagnostics = reader.diagnostics();
    ReadPhase read;
    read.where = &reader.source();
    PhasePlan& phase = read.phase;
    phase.name = reader.string("name", "\"main\"").value_or(fmt::format("phase {}", index));
    const auto shape = reader.string("shape", "\"constant\"");
    phase.warmup = reader.boolean("warmup").value_or(false);
    read.main = reader.boolean("main").value_or(false);
    reader.node("start_at");  // read by the caller, which knows where the previous phase ended
    if (diagnostics.ok() && !shape && !reader.refuse_near_miss("shape")) {
        diagnostics.fail_at(read.where, fmt::format("phase '{}' has no shape; expected shape = "
                                                    "\"constant\", \"ramp\", \"step\", \"spike\" "
                                                    "or \"users\"",
                                                    base::excerpt(phase.name)));
    }
    if (!diagnostics.ok()) {
        return read;
    }
    const auto* known = std::find_if(std::begin(shape_names), std::end(shape_names),
                                     [&](const ShapeName& each) { return each.name == *shape; });
    if (known == std::end(shape_names)) {
        diagnostics.fail_at(reader.node("shape"),
                            fmt::format("shape '{}' is unknown; expected \"constant\", \"ramp\", "
                                        "\"step\", \"spike\" or \"users\"",
                                        base::excerpt(*shape)));
        return read;
    }
    phase.kind = known->kind;
    reader.what_is(fmt::format("a {} phase", known->name));
    read_shape(reader, phase);
    reader.finish();
    return read;
}

}  // namespace

base::Status check_phase_shape(PhasePlan& phase) {
    if (phase.iterations > 0 && phase.duration_ns == 0) {
        return base::Ok{};  // its length comes from its count (fit_iterations)
    }
    base::Result<std::vector<schedule::RateSegment>> segments =
        std::vector<schedule::RateSegment>{};
    switch (phase.kind) {
        case PhaseKind::constant:
            segments =
                schedule::segments_of(schedule::ConstantShape{phase.rate_per_s, phase.duration_ns});
            break;
        case PhaseKind::ramp:
            segments = schedule::segments_of(
                schedule::RampShape{phase.rate_per_s, phase.rate_end_per_s, phase.duration_ns});
            break;
        case PhaseKind::step:
            segments = schedule::segments_of(schedule::StepShape{
                phase.rate_per_s, phase.step_per_s, phase.step_duration_ns, phase.steps});
            if (segments) {
                phase.duration_ns = phase.step_duration_ns * phase.steps;
            }
            break;
        case PhaseKind::spike:
            segments = schedule::segments_of(schedule::SpikeShape{
                phase.rate_per_s, phase.rate_end_per_s, phase.duration_ns, phase.spike_at_ns,
                phase.spike_hold_ns, phase.spike_rise_ns, phase.spike_fall_ns});
            break;
        case PhaseKind::users:
            break;
    }
    if (!segments) {
        return segments.error();
    }
    return base::Ok{};
}

namespace {

// Phases run back to back; an explicit start must be where the previous one ended.
void check_start(Diagnostics& diagnostics, const toml::table& table, const PhasePlan& phase,
                 int64_t previous_end_ns) {
    const toml::node* start = table.get("start_at");
    if (start == nullptr) {
        return;
    }
    const auto start_ns = duration_of(diagnostics, *start, "start_at", true);
    if (!start_ns || *start_ns == previous_end_ns) {
        return;
    }
    const double expected_s = static_cast<double>(previous_end_ns) / 1e9;
    diagnostics.fail_at(
        start,
        fmt::format("phase '{}' starts at {}s, {} the previous phase "
                    "ends; phases run back to back, expected start_at = "
                    "\"{}s\" or no start_at",
                    base::excerpt(phase.name), static_cast<double>(*start_ns) / 1e9,
                    *start_ns < previous_end_ns ? "overlapping: before" : "leaving a gap: after",
                    expected_s));
}

std::vector<ReadPhase> read_all(TableReader& root) {
    Diagnostics& diagnostics = root.diagnostics();
    std::vector<ReadPhase> read;
    const toml::array* phases = root.array("phases");
    if (diagnostics.ok() && (phases == nullptr || phases->empty())) {
        diagnostics.fail(diagnostics.file(),
                         "no [[phases]]; expected at least one, e.g. "
                         "[[phases]] shape = \"constant\" rate = 100 "
                         "duration = \"30s\"");
    }
    int64_t end_ns = 0;
    for (size_t i = 0; diagnostics.ok() && i < phases->size(); ++i) {
        const auto* table = phases->get(i)->as_table();
        if (table == nullptr) {
            diagnostics.fail_at(phases->get(i), "[[phases]] entries must be tables");
            break;
        }
        TableReader reader(diagnostics, *table, "[[phases]]");
        ReadPhase phase = read_phase(reader, i + 1);
        if (auto status = check_phase_shape(phase.phase); !status && diagnostics.ok()) {
            diagnostics.fail_at(phase.where,
                                fmt::format("phase '{}': {}", base::excerpt(phase.phase.name),
                                            status.error().message));
        }
        check_start(diagnostics, *table, phase.phase, end_ns);
        for (const ReadPhase& other : read) {
            if (other.phase.name == phase.phase.name && diagnostics.ok()) {
                diagnostics.fail_at(phase.where, fmt::format("phase name '{}' is used twice; "
                                                             "expected unique names",
                                                             base::excerpt(phase.phase.name)));
            }
        }
        if (__builtin_add_overflow(end_ns, phase.phase.duration_ns, &end_ns) && diagnostics.ok()) {
            diagnostics.fail_at(phase.where, "the phases together are too long");
        }
        read.push_back(std::move(phase));
    }
    return read;
}

// The phase --rate and --duration change: the one marked main = true, else
// the first that is not warmup.
size_t main_phase(Diagnostics& diagnostics, const std::vector<ReadPhase>& phases) {
    const auto marked = std::count_if(phases.begin(), phases.end(),
                                      [](const ReadPhase& each) { return each.main; });
    const auto found = std::find_if(phases.begin(), phases.end(), [&](const ReadPhase& each) {
        return marked > 0 ? each.main : !each.phase.warmup;
    });
    if (marked > 1) {
        diagnostics.fail_at(phases.back().where,
                            "more than one phase has main = true; expected "
                            "at most one");
    } else if (found == phases.end()) {
        diagnostics.fail_at(phases.front().where,
                            "every phase is a warmup, so nothing would be "
                            "measured; expected at least one phase without "
                            "warmup = true");
    } else if (found->phase.warmup) {
        diagnostics.fail_at(found->where,
                            "the main phase is a warmup; expected main = true on "
                            "a measured phase");
    }
    return static_cast<size_t>(found - phases.begin());
}

}  // namespace

void read_phases(TableReader& root, plan::RunPlan& plan) {
    Diagnostics& diagnostics = root.diagnostics();
    std::vector<ReadPhase> read = read_all(root);
    if (!diagnostics.ok()) {
        return;
    }
    const size_t main = main_phase(diagnostics, read);
    if (!diagnostics.ok()) {
        return;
    }
    // A closed-loop count ends the run (the engine has no phase after it to start).
    for (std::size_t i = 0; i + 1 < read.size() && diagnostics.ok(); ++i) {
        if (read[i].phase.kind == PhaseKind::users && read[i].phase.iterations > 0) {
            diagnostics.fail_at(read[i].where,
                                fmt::format("phase '{}': iterations on a users phase ends the "
                                            "run, so it must be the last phase; expected it "
                                            "last, or a constant phase with iterations",
                                            base::excerpt(read[i].phase.name)));
        }
    }
    plan.phases.clear();
    for (ReadPhase& each : read) {
        plan.phases.push_back(std::move(each.phase));
    }
    plan.main_phase = main;
}

}  // namespace barrage::profile::detail
