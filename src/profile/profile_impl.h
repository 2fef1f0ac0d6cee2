#pragma once
// The parts of the profile loader, each reading one section of the document
// into the plan. Private to profile. All report through Diagnostics; the
// caller checks ok() between parts.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "barrage/plan/plan.h"
#include "barrage/profile/environment.h"
#include "barrage/profile/profile_loader.h"
#include "toml_impl.h"
#include "toml_reader_impl.h"

namespace barrage::profile::detail {

// Largest body a profile may inline or name, like --body-file.
inline constexpr int64_t body_bytes_max = 64 * 1024 * 1024;

// --set KEY=VALUE on the parsed document (overrides.cc).
void apply_sets(toml::table& root, const std::vector<std::string>& sets, Diagnostics& diagnostics);

// headers = { "Name" = "value" } of a table into `out` (target.cc).
void read_headers_of(TableReader& reader, std::vector<plan::Header>& out);
// [target]: URL, connections, threads, timeout into the plan; its default
// headers into `headers`, for every request (target.cc).
void read_target(TableReader& root, const std::string& base_dir, plan::RunPlan& plan,
                 std::vector<plan::Header>& headers);

// `barrage run PROFILE URL` / --target URL: [target] url becomes `url` and
// urls goes, before the document is read, so the URL is read as the file's
// would be (target.cc). A profile without [target] gets one.
void override_target_url(toml::table& root, const std::string& url);

// [[data]] files, loaded and checked; fills plan.data_files (requests.cc).
void read_data_files(TableReader& root, const std::string& base_dir, plan::RunPlan& plan);
// [[requests]] with checks and captures, then [session]; compiles every
// template against the plan's variables (requests.cc).
void read_requests(TableReader& root, const std::string& base_dir,
                   const std::vector<plan::Header>& target_headers, plan::RunPlan& plan);
void read_session(TableReader& root, plan::RunPlan& plan);
// checks = [...] of one [[requests]] table into out.checks, compiled (checks.cc).
void read_checks(TableReader& request, plan::NamedRequest& out);
// [[tasks]]: task groups with their repeat steps (tasks.cc); read_session calls it.
void read_tasks(TableReader& root, plan::RunPlan& plan);

// [[phases]] and which one is the main phase (phases.cc); --rate and
// --duration change it later (apply_run_flags, run_flags.h).
void read_phases(TableReader& root, plan::RunPlan& plan);
// A phase's shape is one the schedule can run (rates, durations, spike
// timing); a step phase's duration becomes steps x step_duration (phases.cc).
base::Status check_phase_shape(plan::PhasePlan& phase);
// --time-scale on one phase (time_scale.cc): its durations times `factor`
// (rounded to whole ms; a positive one that becomes 0 is an error naming the
// key), its spawn rate divided by it, its rates and think time unchanged.
base::Status scale_phase_times(plan::PhasePlan& phase, double factor);

// Open-loop phases with `iterations`: each one's duration cut to end where
// its arrival N + 1 would be due, so it holds exactly N arrivals (or its own
// duration, when that ends first); the arrivals of the phases before count
// (iterations.cc). Errors: a count that would take over 100 days at its rate.
base::Status fit_iterations(plan::RunPlan& plan);
// The arrivals of open-loop `phases` back to back: in the warm-up phases and in
// all; nullopt when a phase is closed loop or its shape is not valid (then
// validate_run_plan says why). From the integral, so cheap at any rate (iterations.cc).
struct Arrivals {
    int64_t warmup = 0;
    int64_t total = 0;
};
std::optional<Arrivals> arrivals_of(const std::vector<plan::PhasePlan>& phases);
// [[scenario]] tables: each one's name, tags, start, connections, session and
// phases into plan.scenarios; refuses top-level [session]/[[phases]] beside
// them (scenarios.cc).
void read_scenarios(TableReader& root, plan::RunPlan& plan);
// Each [[scenario]]'s own [[scenario.data]] files, read before the requests
// so that templates may use their columns; creates plan.scenarios, which
// read_scenarios then fills (scenarios.cc).
void read_scenario_data(TableReader& root, const std::string& base_dir, plan::RunPlan& plan);

// thresholds = [...] (strings or { expr, abort } tables) and abort_grace (thresholds.cc).
void read_thresholds(TableReader& root, plan::RunPlan& plan);

// Every ${NAME}, ${NAME:-default} and $$ in the document's string values
// replaced (barrage/profile/environment.h); `source` is the document's text,
// for the place of a variable that is not set ("FILE:LINE:COL: environment
// variable 'X' is not set; ..."). Keys are not substituted (environment.cc).
void substitute_environment(toml::table& document, std::string_view source,
                            const std::vector<EnvironmentValue>& values, Diagnostics& diagnostics);

// Reads a file of at most body_bytes_max bytes; "" and an error on failure.
base::Result<std::string> read_small_file(const std::string& path);
// `path` as written in the profile, resolved against the profile's directory.
std::string resolve_path(const std::string& base_dir, const std::string& path);

}  // namespace barrage::profile::detail
