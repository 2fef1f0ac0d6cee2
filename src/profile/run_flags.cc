#include "barrage/profile/run_flags.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "barrage/base/cpu.h"
#include "barrage/base/excerpt.h"
#include "barrage/plan/shard.h"
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

// --rate R on a profile: every open-loop phase's rates (rate, from/to, step, base/peak) times
// R / P, P the profile's rate as its header shows it (the main phase's when constant, else the
// highest any phase reaches), so the ramps lead up to and down from R as they did to P.
Status scale_rates(plan::RunPlan& plan, double rate_per_s) {
    const std::optional<double> profile_rate_per_s = plan::headline_rate_per_s(plan);
    if (!profile_rate_per_s || *profile_rate_per_s <= 0) {
        const PhasePlan& main = plan.phases[plan.main_phase];
        return make_error(fmt::format(
            "--rate: the profile has no open-loop phase to scale (its phases are closed loop); "
            "expected --set phases.{}.{}=N instead",
            base::excerpt(main.name), rate_key_of(main.kind)));
    }
    const double factor = rate_per_s / *profile_rate_per_s;
    for (PhasePlan& phase : plan.phases) {
        phase.rate_per_s *= factor;  // users phases have no rate: closed loop stays as written
        phase.rate_end_per_s *= factor;
        phase.step_per_s *= factor;
    }
    PhasePlan& main = plan.phases[plan.main_phase];
    if (main.kind == PhaseKind::constant) {
        main.rate_per_s = rate_per_s;  // exactly R, not R / P * P
        main.rate_end_per_s = rate_per_s;
    }
    for (PhasePlan& phase : plan.phases) {
        if (auto status = detail::check_phase_shape(phase); !status) {
            return make_error(fmt::format("--rate: phase '{}' scaled by {:.4g}: {}",
                                          base::excerpt(phase.name), factor,
                                          status.error().message));
        }
    }
    return Ok{};
}

// --duration on a profile's main phase.
Status set_main_duration(PhasePlan& main, int64_t duration_ns) {
    if (main.kind == PhaseKind::step) {
        return make_error(
            fmt::format("--duration: the main phase '{}' is a step phase, whose length is steps x "
                        "step_duration; expected --set phases.{}.step_duration=.. instead",
                        base::excerpt(main.name), base::excerpt(main.name)));
    }
    main.duration_ns = duration_ns;
    if (auto status = detail::check_phase_shape(main); !status) {
        return make_error(fmt::format("--duration: phase '{}': {}", base::excerpt(main.name),
                                      status.error().message));
    }
    return Ok{};
}

// --time-scale: every phase, then their sum must still be a number of nanoseconds.
Status scale_phases(plan::RunPlan& plan, double factor) {
    int64_t total_ns = 0;
    for (PhasePlan& phase : plan.phases) {
        if (auto status = detail::scale_phase_times(phase, factor); !status) {
            return status;
        }
        if (__builtin_add_overflow(total_ns, phase.duration_ns, &total_ns)) {
            return make_error(fmt::format(
                "--time-scale {}: the phases together would be too long; expected a smaller "
                "--time-scale",
                factor));
        }
    }
    return Ok{};
}

// -X, -H and the body of a URL run.
void apply_request(plan::NamedRequest& request, const RunFlags& flags) {
    request.method = flags.method.value_or(request.method);
    request.headers.insert(request.headers.end(), flags.headers.begin(), flags.headers.end());
    if (flags.body) {
        request.body = *flags.body;
    }
    if (flags.body_verbatim) {
        request.body_verbatim = flags.body_verbatim;
    }
}

// A URL run's one request and phases, rebuilt from its load and the flags.
void apply_url_run(plan::RunPlan& plan, const RunFlags& flags) {
    plan::UrlLoad load = plan.phases.empty() ? plan::UrlLoad{} : plan::url_load_of(plan);
    load.rate_per_s = flags.rate_per_s ? flags.rate_per_s : load.rate_per_s;
    load.duration_ns = flags.duration_ns.value_or(load.duration_ns);
    load.warmup_ns = flags.warmup_ns.value_or(load.warmup_ns);
    plan::NamedRequest request = plan.requests.empty() ? plan::NamedRequest{} : plan.requests[0];
    apply_request(request, flags);
    plan::set_url_run(plan, load, std::move(request));
}

// --requests N on the main phase: N arrivals, and -d (if given) as a limit.
Status set_request_count(plan::RunPlan& plan, const RunFlags& flags) {
    PhasePlan& main = plan.phases[plan.main_phase];
    const bool last = plan.main_phase + 1 == plan.phases.size();
    if (main.kind != PhaseKind::constant && !(main.kind == PhaseKind::users && last)) {
        return make_error(fmt::format(
            "--requests: the main phase '{}' is neither constant nor the last users phase; "
            "expected --set phases.{}.iterations=N on a phase that can end on a count",
            base::excerpt(main.name), base::excerpt(main.name)));
    }
    main.iterations = *flags.requests;
    if (!flags.duration_ns) {
        main.duration_ns = 0;  // by count alone
    }
    return Ok{};
}

// --time-scale on a scenario: its phases and its start delay.
Status scale_scenario(plan::ScenarioPlan& scenario, double factor) {
    for (PhasePlan& phase : scenario.phases) {
        if (auto status = detail::scale_phase_times(phase, factor); !status) {
            return make_error(fmt::format("scenario '{}': {}", base::excerpt(scenario.name),
                                          status.error().message));
        }
    }
    // Rounded to whole ms like the phases' times (time_scale.cc).
    scenario.start_ns =
        static_cast<int64_t>(std::llround(static_cast<double>(scenario.start_ns) * factor / 1e6)) *
        1'000'000;
    return Ok{};
}

// A profile with [[scenario]] tables: every scenario has its own phases, so
// --rate and --duration, which change "the" main phase, are refused; -c sets
// every open-loop scenario's connections (a users scenario holds one per user).
Status apply_scenarios_load(plan::RunPlan& plan, const RunFlags& flags) {
    for (const auto& [given, flag] : {std::pair{flags.rate_per_s.has_value(), "--rate"},
                                      std::pair{flags.duration_ns.has_value(), "--duration"}}) {
        if (given) {
            return make_error(fmt::format(
                "{}: the profile's [[scenario]] tables each have their own phases; expected "
                "--set scenario.NAME.phases.PHASE.KEY=VALUE for one of them, or --time-scale F "
                "for all",
                flag));
        }
    }
    plan.connections = 0;
    for (plan::ScenarioPlan& scenario : plan.scenarios) {
        if (flags.time_scale) {
            if (auto status = scale_scenario(scenario, *flags.time_scale); !status) {
                return status;
            }
        }
        if (plan::is_open_loop(scenario)) {
            scenario.connections = flags.connections.value_or(scenario.connections);
        } else {
            scenario.connections = 0;
            for (const PhasePlan& phase : scenario.phases) {
                scenario.connections = std::max(scenario.connections, phase.users);
            }
        }
        plan.connections += scenario.connections;
    }
    return Ok{};
}

// Counts are not fitted to a scenario's phases yet (each scenario has its own
// time axis and engine load): --requests and iterations there are refused.
Status refuse_scenario_counts(const plan::RunPlan& plan, const RunFlags& flags) {
    if (flags.requests) {
        return make_error(
            "--requests: the profile's [[scenario]] tables each have their own phases; a count "
            "is for a profile without scenarios so far: expected --time-scale F or --set");
    }
    for (const plan::ScenarioPlan& scenario : plan.scenarios) {
        for (const PhasePlan& phase : scenario.phases) {
            if (phase.iterations > 0) {
                return make_error(
                    fmt::format("scenario '{}': phase '{}': iterations is for a profile without "
                                "[[scenario]] tables so far; expected duration instead",
                                base::excerpt(scenario.name), base::excerpt(phase.name)));
            }
        }
    }
    return Ok{};
}

// The phases as the flags leave them, before any count is fitted.
Status apply_phases(plan::RunPlan& plan, const RunFlags& flags) {
    if (flags.connections) {
        plan.connections = *flags.connections;
    }
    if (plan.profile_path.empty()) {
        BARRAGE_ASSERT(!flags.time_scale);  // refused for a URL run by the caller
        apply_url_run(plan, flags);
        return Ok{};
    }
    // The caller refuses --warmup and the request flags for a profile.
    BARRAGE_ASSERT(!flags.warmup_ns && !flags.method && flags.headers.empty());
    BARRAGE_ASSERT(plan.main_phase < plan.phases.size());
    if (flags.time_scale) {
        if (auto status = scale_phases(plan, *flags.time_scale); !status) {
            return status;
        }
    }
    if (flags.rate_per_s) {
        if (auto status = scale_rates(plan, *flags.rate_per_s); !status) {
            return status;
        }
    }
    if (flags.duration_ns) {
        if (auto status = set_main_duration(plan.phases[plan.main_phase], *flags.duration_ns);
            !status) {
            return status;
        }
    }
    // Open loop: connections in total; closed loop: at least one per user.
    for (const PhasePlan& phase : plan.phases) {
        plan.connections = std::max(plan.connections, phase.users);
    }
    return Ok{};
}

// Rate, duration, warm-up and connections: a profile's main phase, or a URL run's load.
Status apply_load(plan::RunPlan& plan, const RunFlags& flags) {
    if (!plan.scenarios.empty()) {
        if (auto status = refuse_scenario_counts(plan, flags); !status) {
            return status;
        }
        return apply_scenarios_load(plan, flags);
    }
    if (auto status = apply_phases(plan, flags); !status) {
        return status;
    }
    if (flags.requests) {
        if (auto status = set_request_count(plan, flags); !status) {
            return status;
        }
    }
    return detail::fit_iterations(plan);
}

// Outputs and gates: the plan's (a profile's) thresholds first, then the command line's.
void apply_outputs(plan::RunPlan& plan, const RunFlags& flags) {
    std::vector<plan::ThresholdPlan> thresholds = std::move(plan.outputs.thresholds);
    for (plan::ThresholdPlan& threshold : thresholds) {
        threshold.time_scale = flags.time_scale.value_or(1.0);
    }
    thresholds.insert(thresholds.end(), flags.outputs.thresholds.begin(),
                      flags.outputs.thresholds.end());
    const int64_t abort_grace_ns = flags.abort_grace_ns.value_or(plan.outputs.abort_grace_ns);
    plan.outputs = flags.outputs;
    plan.outputs.thresholds = std::move(thresholds);
    plan.outputs.abort_grace_ns = abort_grace_ns;
}

// The first `threads` allowed CPUs, wrapping around when there are fewer CPUs;
// threads == 0 (not given): one per allowed CPU, at most one per connection.
// With scenarios, one CPU per worker of every scenario (plan.h).
void assign_cpus(plan::RunPlan& plan) {
    const std::vector<int> allowed = base::allowed_cpus();
    BARRAGE_ASSERT(!allowed.empty());
    if (plan.threads == 0) {
        // With scenarios, threads are per scenario: the CPUs shared among them.
        const auto shares = static_cast<int>(std::max<size_t>(1, plan.scenarios.size()));
        plan.threads = std::min(std::max(1, static_cast<int>(allowed.size()) / shares),
                                plan::shard_connections(plan.connections, plan.shard));
    }
    // One CPU per worker of the run: a scenario runs on at most `threads` of them.
    int workers = plan.threads;
    if (!plan.scenarios.empty()) {
        workers = 0;
        for (const plan::ScenarioPlan& scenario : plan.scenarios) {
            workers +=
                std::min(plan.threads, plan::shard_connections(scenario.connections, plan.shard));
        }
    }
    plan.cpus.clear();
    for (size_t i = 0; i < static_cast<size_t>(workers); ++i) {
        plan.cpus.push_back(allowed[i % allowed.size()]);
    }
}

// A find-max step on a profile: the phases before the main one lead up to the
// step's rate and are not judged (warm-up), those after it are not run. The
// rates are scaled to the step's by with_rate's --rate afterwards (scale_rates:
// by the step's rate over the main phase's own, as the main phase is constant).
Status fit_phases_to_level(plan::RunPlan& plan) {
    const PhasePlan& main = plan.phases[plan.main_phase];
    if (main.kind != PhaseKind::constant) {
        return make_error(fmt::format(
            "--rate: the main phase '{}' is not constant; a find-max step sets its rate, so "
            "expected a profile whose main phase is constant (--set phases.{}.{}=N changes "
            "this one)",
            base::excerpt(main.name), base::excerpt(main.name), rate_key_of(main.kind)));
    }
    for (size_t i = 0; i < plan.main_phase; ++i) {
        plan.phases[i].warmup = true;
    }
    plan.phases.resize(plan.main_phase + 1);
    return Ok{};
}

// --shard I/N, open loop: arrival k goes to shard k mod N, so a schedule with
// fewer measured arrivals than shards leaves some shard nothing to measure.
Status check_shard_arrivals(const plan::ShardPlan& shard,
                            const std::vector<plan::PhasePlan>& phases) {
    if (shard.count == 1) {
        return Ok{};
    }
    const std::optional<detail::Arrivals> arrivals = detail::arrivals_of(phases);
    if (!arrivals) {
        return Ok{};  // closed loop, or a shape validate_run_plan refuses with its reason
    }
    const int64_t measured =
        plan::shard_share(arrivals->total, shard) - plan::shard_share(arrivals->warmup, shard);
    if (measured > 0) {
        return Ok{};
    }
    return make_error(fmt::format(
        "--shard {}/{}: the schedule has {} measured arrival{} for {} shards; arrival k goes to "
        "shard k mod {}, which leaves this shard none. Raise the rate or the duration, or use "
        "fewer shards",
        shard.index, shard.count, arrivals->total - arrivals->warmup,
        arrivals->total - arrivals->warmup == 1 ? "" : "s", shard.count, shard.count));
}

// --user, --unix-socket, --connect-to and --resolve on every target.
Status apply_destination(plan::RunPlan& plan, const RunFlags& flags) {
    for (std::size_t i = 0; i < plan::target_count(plan); ++i) {
        plan::Target& target = i == 0 ? plan.target : plan.more_targets[i - 1];
        target.credentials = flags.user ? flags.user : target.credentials;
        target.unix_socket_path = flags.unix_socket_path.value_or(target.unix_socket_path);
    }
    if (flags.routes.connect_to.empty() && flags.routes.resolve.empty()) {
        return Ok{};
    }
    return plan::route_targets(plan, flags.routes);
}

}  // namespace

Status apply_run_flags(plan::RunPlan& plan, const RunFlags& flags) {
    if (auto status = apply_load(plan, flags); !status) {
        return status;
    }
    if (auto status = apply_destination(plan, flags); !status) {
        return status;
    }
    apply_outputs(plan, flags);
    plan.threads = flags.threads.value_or(plan.threads);
    plan.pin = plan.pin && !flags.no_pin;
    plan.timeout_ns = flags.timeout_ns.value_or(plan.timeout_ns);
    plan.connect_grace_ns = flags.connect_grace_ns.value_or(plan.connect_grace_ns);
    plan.sources = flags.sources.value_or(plan.sources);
    plan.connect_rate_per_s = flags.connect_rate_per_s.value_or(plan.connect_rate_per_s);
    if (flags.timer_slack_ns) {
        plan.timer_slack_ns = *flags.timer_slack_ns;
        plan.timer_slack_auto = flags.timer_slack_auto;
    }
    plan.interval_ns = flags.interval_ns.value_or(plan.interval_ns);
    plan.response_header_bytes_max =
        flags.response_header_bytes_max.value_or(plan.response_header_bytes_max);
    plan.new_connection_per_request =
        plan.new_connection_per_request || flags.new_connection_per_request;
    plan.pipeline = flags.pipeline.value_or(plan.pipeline);
    if (flags.tls) {
        plan.tls = *flags.tls;
    }
    if (flags.watch) {
        plan.watch = *flags.watch;
    }
    plan.seed = flags.seed.value_or(plan.seed);
    plan.shard = flags.shard.value_or(plan.shard);
    assign_cpus(plan);
    if (auto status = check_shard_arrivals(plan.shard, plan.phases); !status) {
        return status;
    }
    for (const plan::ScenarioPlan& scenario : plan.scenarios) {
        if (auto status = check_shard_arrivals(plan.shard, scenario.phases); !status) {
            return make_error(fmt::format("scenario '{}': {}", base::excerpt(scenario.name),
                                          status.error().message));
        }
    }
    return Ok{};
}

base::Result<plan::RunPlan> with_rate(const plan::RunPlan& plan, double rate_per_s,
                                      int64_t duration_ns, int64_t warmup_ns) {
    if (!plan.scenarios.empty()) {
        return make_error(
            "find-max searches one schedule's rate; this profile has [[scenario]] tables, each "
            "with its own; expected a profile without [[scenario]] (or one scenario's phases as "
            "the profile's)");
    }
    plan::RunPlan step = plan;
    if (!plan.profile_path.empty()) {
        BARRAGE_ASSERT(plan.main_phase < plan.phases.size());
        if (auto status = fit_phases_to_level(step); !status) {
            return status.error();
        }
    }
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
