#pragma once
// The flags of `barrage run` as typed values, and the one function that lays
// them over a plan: a URL run's (built from the URL and the defaults), a
// profile's (built from its TOML), or a find-max step's (the run's plan at the
// step's rate). A flag that was not given is nullopt (or empty), so what the
// user said is known from the parser, never by comparing with defaults.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/plan/connect_route.h"
#include "barrage/plan/plan.h"
#include "barrage/profile/environment.h"

namespace barrage::profile {

struct RunFlags {
    // Load. For a profile, rate and duration change the main phase.
    std::optional<double> rate_per_s;    // -r/--rate
    std::optional<int> connections;      // -c/--connections
    std::optional<int> threads;          // -t/--threads
    bool no_pin = false;                 // --no-pin
    std::optional<int64_t> duration_ns;  // -d/--duration
    std::optional<int64_t> requests;     // --requests N: the main phase ends after N arrivals
    std::optional<int64_t> warmup_ns;    // --warmup (URL runs)
    std::optional<int64_t> timeout_ns;   // --timeout
    std::optional<int64_t> connect_grace_ns;
    std::optional<std::vector<plan::SourceAddress>> sources;  // --source
    std::optional<double> connect_rate_per_s;                 // --connect-rate
    std::optional<int64_t> timer_slack_ns;
    bool timer_slack_auto = false;  // --timer-slack auto (timer_slack_ns is then its value)
    std::optional<int64_t> interval_ns;
    std::optional<int64_t> response_header_bytes_max;
    // Request (URL runs): -X, -H (in order), -b/--body-template or --body-file.
    std::optional<std::string> method;
    std::vector<plan::Header> headers;
    std::optional<std::string> body;
    std::shared_ptr<const std::string> body_verbatim;
    // Connections and TLS. Any TLS flag given replaces a profile's [target.tls] as a whole.
    bool new_connection_per_request = false;  // --new-conn
    std::optional<int> pipeline;              // --pipeline N
    std::optional<plan::TlsPlan> tls;
    // Outputs: paths, quiet, label and the command line's thresholds (added
    // after a profile's); outputs.abort_grace_ns is not read, see abort_grace_ns.
    plan::OutputPlan outputs;
    std::optional<int64_t> abort_grace_ns;  // --abort-grace
    std::optional<plan::WatchPlan> watch;   // set when any --watch-* or --leak-* flag was given
    // Profiles: --set KEY=VALUE on the TOML document (profile_loader.h), --seed.
    std::vector<std::string> sets;
    std::optional<uint64_t> seed;
    // --time-scale F (profiles): every phase duration times F, spawn rates / F.
    std::optional<double> time_scale;
    // --shard I/N or --shard auto (resolved by cli), with --start-at.
    std::optional<plan::ShardPlan> shard;
    // Where requests go and as whom, for every target of the run. -u/--user
    // USER[:PASS] replaces URLs' userinfo; --connect-to and --resolve route
    // connections (plan/connect_route.h); --unix-socket PATH takes them all.
    std::optional<plan::Credentials> user;
    plan::ConnectRoutes routes;
    std::optional<std::string> unix_socket_path;
    // A profile run's URL argument or --target URL: replaces [target] url/urls
    // (load_profile); a URL run takes it as its URL (the command line's parser).
    std::optional<std::string> target_url;
    // --env-file FILE (profiles): values for ${NAME} in the profile, before the
    // process environment (environment.h); a later one wins.
    std::vector<EnvironmentValue> environment;
};

// Lays `flags` over `plan`, then assigns the workers their CPUs (one per
// allowed CPU, at most one per connection, unless -t or the profile says).
// For a URL run (plan.profile_path empty) rate, duration and warm-up rebuild
// its phases and the request flags change its one request (set_url_run). For
// a profile, --time-scale first scales every phase (durations x F, spawn rates
// / F, rates and think time unchanged; a duration that becomes 0 is an error),
// then --rate R scales every open-loop phase's rates by R / headline_rate_per_s
// (the main phase's rate when constant, else the peak; the main phase, when
// constant, is then exactly R) and --duration changes the main phase (not a
// step phase); each phase must still be a valid shape; errors name the flag
// ("--rate: the profile has no open-loop phase to scale ...").
// --requests N makes the main phase (constant) end after exactly N arrivals
// (with -d: whichever ends first; without, the phase's own duration no longer
// bounds it), and every phase with iterations is cut to its count
// (fit_iterations). The caller refuses --warmup and the request flags for a profile, and --set
// is not applied here (it edits the document: load_profile), nor is target_url.
// --user, --unix-socket and the routes go to every target; a route that
// matches none is an error. The result is not validated (validate_run_plan).
base::Status apply_run_flags(plan::RunPlan& plan, const RunFlags& flags);

// The plan of one find-max step: `plan` at `rate_per_s` for `duration_ns`
// measured, after `warmup_ns` (URL runs), quiet, writing nothing. A profile's
// main phase (constant) takes the rate and the duration; the phases before it
// lead up to that level (their rates scaled by the step's rate over the main
// phase's own) and are run as warm-up, and the phases after it are dropped, so
// a step judges the main phase alone. Errors are those of --rate and --duration.
base::Result<plan::RunPlan> with_rate(const plan::RunPlan& plan, double rate_per_s,
                                      int64_t duration_ns, int64_t warmup_ns);

}  // namespace barrage::profile
