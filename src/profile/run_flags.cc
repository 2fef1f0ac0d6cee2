#include "barrage/profile/run_flags.h"

#include <fmt/format.h>

#include <algorithm>

#include "barrage/base/cpu.h"
#include "barrage/base/excerpt.h"
#include "profile_impl.h"

namespace barrage::profile {
namespace {

using base::make_error;
using base::Ok;
using base::Status;
using plan::PhaseKind;
using plan::PhasePlan;

// The key that holds a phase's (top) rate, for hints.
std::string_view rate_key_of(PhaseKind kind) {
    switch (kind) {
        case PhaseKind::constant:
            return "rate";
        case PhaseKind::ramp:
            return "to";
        case PhaseKind::step:
            return "step";
        case PhaseKind::spike:
            return "peak";
        case PhaseKind::users:
            return "users";
    }
    return "rate";
}

// --rate and --duration on a profile's main phase.
Status set_main_phase(PhasePlan& main, std::optional<double> rate_per_s,
                      std::optional<int64_t> duration_ns) {
    if (rate_per_s) {
        if (main.kind != PhaseKind::constant) {
            return make_error(fmt::format(
                "--rate: the main phase '{}' is not constant; expected --set phases.{}.{}=N "
                "instead",
                base::excerpt(main.name), base::excerpt(main.name), rate_key_of(main.kind)));
        }
        main.rate_per_s = *rate_per_s;
        main.rate_end_per_s = *rate_per_s;
    }
    if (duration_ns) {
        if (main.kind == PhaseKind::step) {
            return make_error(fmt::format(
                "--duration: the main phase '{}' is a step phase, whose length is steps x "
                "step_duration; expected --set phases.{}.step_duration=.. instead",
                base::excerpt(main.name), base::excerpt(main.name)));
        }
        main.duration_ns = *duration_ns;
    }
    if (auto status = detail::check_phase_shape(main); !status) {
        return make_error(fmt::format("{}: phase '{}': {}",
                                      duration_ns ? "--duration" : "--rate",
                                      base::excerpt(main.name), status.error().message));
    }
    return Ok{};
}

// The URL-run fields of a profile's plan, from its phases (see plan.h).
void summarize_phases(plan::RunPlan& plan) {
    BARRAGE_ASSERT(plan.main_phase < plan.phases.size());
    plan.duration_ns = 0;
    plan.warmup_ns = 0;
    plan.rate_per_s.reset();
    int users_max = 0;
    for (const PhasePlan& phase : plan.phases) {
        (phase.warmup ? plan.warmup_ns : plan.duration_ns) += phase.duration_ns;
        users_max = std::max(users_max, phase.users);
        if (phase.kind != PhaseKind::users) {
            const double step_top = phase.rate_per_s + phase.step_per_s * (phase.steps - 1);
            const double peak = std::max({phase.rate_per_s, phase.rate_end_per_s, step_top});
            plan.rate_per_s = std::max(plan.rate_per_s.value_or(0), peak);
        }
    }
    const PhasePlan& main = plan.phases[plan.main_phase];
    if (main.kind == PhaseKind::constant) {
        plan.rate_per_s = main.rate_per_s;
    }
    plan.connections = std::max(plan.connections, users_max);
}

// Rate, duration, warm-up and connections: a profile's phases or a URL run's fields.
Status apply_load(plan::RunPlan& plan, const RunFlags& flags) {
    if (flags.connections) {
        plan.connections = *flags.connections;
    }
    if (plan.profile_path.empty()) {
        plan.rate_per_s = flags.rate_per_s ? flags.rate_per_s : plan.rate_per_s;
        plan.duration_ns = flags.duration_ns.value_or(plan.duration_ns);
        plan.warmup_ns = flags.warmup_ns.value_or(plan.warmup_ns);
        return Ok{};
    }
    // The caller refuses --warmup for a profile: its warm-up is a phase.
    BARRAGE_ASSERT(!flags.warmup_ns);
    if (flags.rate_per_s || flags.duration_ns) {
        if (auto status =
                set_main_phase(plan.phases[plan.main_phase], flags.rate_per_s, flags.duration_ns);
            !status) {
            return status;
        }
    }
    summarize_phases(plan);
    return Ok{};
}

void apply_request(plan::RunPlan& plan, const RunFlags& flags) {
    plan.request.method = flags.method.value_or(plan.request.method);
    plan.request.headers.insert(plan.request.headers.end(), flags.headers.begin(),
                                flags.headers.end());
    if (flags.body) {
        plan.request.body = *flags.body;
    }
    if (flags.body_verbatim) {
        plan.request.body_verbatim = flags.body_verbatim;
    }
}

// Outputs and gates: the plan's (a profile's) thresholds first, then the command line's.
void apply_outputs(plan::RunPlan& plan, const RunFlags& flags) {
    std::vector<plan::ThresholdPlan> thresholds = std::move(plan.outputs.thresholds);
    thresholds.insert(thresholds.end(), flags.outputs.thresholds.begin(),
                      flags.outputs.thresholds.end());
    const int64_t abort_grace_ns = flags.abort_grace_ns.value_or(plan.outputs.abort_grace_ns);
    plan.outputs = flags.outputs;
    plan.outputs.thresholds = std::move(thresholds);
    plan.outputs.abort_grace_ns = abort_grace_ns;
}

// The first `threads` allowed CPUs, wrapping around when there are fewer CPUs;
// threads == 0 (not given): one per allowed CPU, at most one per connection.
void assign_cpus(plan::RunPlan& plan) {
    const std::vector<int> allowed = base::allowed_cpus();
    BARRAGE_ASSERT(!allowed.empty());
    if (plan.threads == 0) {
        plan.threads = std::min(static_cast<int>(allowed.size()), plan.connections);
    }
    plan.cpus.clear();
    for (size_t i = 0; i < static_cast<size_t>(plan.threads); ++i) {
        plan.cpus.push_back(allowed[i % allowed.size()]);
    }
}

}  // namespace

Status apply_run_flags(plan::RunPlan& plan, const RunFlags& flags) {
    if (auto status = apply_load(plan, flags); !status) {
        return status;
    }
    apply_request(plan, flags);
    apply_outputs(plan, flags);
    plan.threads = flags.threads.value_or(plan.threads);
    plan.pin = plan.pin && !flags.no_pin;
    plan.timeout_ns = flags.timeout_ns.value_or(plan.timeout_ns);
    plan.connect_grace_ns = flags.connect_grace_ns.value_or(plan.connect_grace_ns);
    plan.timer_slack_ns = flags.timer_slack_ns.value_or(plan.timer_slack_ns);
    plan.interval_ns = flags.interval_ns.value_or(plan.interval_ns);
    plan.response_header_bytes_max =
        flags.response_header_bytes_max.value_or(plan.response_header_bytes_max);
    plan.new_connection_per_request =
        plan.new_connection_per_request || flags.new_connection_per_request;
    if (flags.tls) {
        plan.tls = *flags.tls;
    }
    if (flags.watch) {
        plan.watch = *flags.watch;
    }
    plan.seed = flags.seed.value_or(plan.seed);
    assign_cpus(plan);
    return Ok{};
}

base::Result<plan::RunPlan> with_rate(const plan::RunPlan& plan, double rate_per_s,
                                      int64_t duration_ns, int64_t warmup_ns) {
    plan::RunPlan step = plan;
    RunFlags flags;
    flags.rate_per_s = rate_per_s;
    flags.duration_ns = duration_ns;
    if (plan.profile_path.empty() && warmup_ns > 0) {
        flags.warmup_ns = warmup_ns;
    }
    flags.outputs.quiet = true;
    if (auto status = apply_run_flags(step, flags); !status) {
        return status.error();
    }
    return step;
}

}  // namespace barrage::profile
