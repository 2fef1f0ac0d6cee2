#pragma once
// The validated, immutable run plan. Built once, by cli (a URL run) or the
// profile loader, with the command line's flags laid over it
// (profile/run_flags.h); read by engine and report. Knows nothing of flags or TOML.

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/http/data_file.h"
#include "barrage/http/response_check.h"
#include "barrage/plan/source_addresses.h"

namespace barrage::plan {

// Named limits; validated against each other in validate_run_plan.
inline constexpr int connections_max = 1'000'000;
inline constexpr int threads_max = 1024;
// --pipeline N: requests in flight per connection at most (1: no pipelining).
inline constexpr int pipeline_max = 256;
inline constexpr double rate_max_per_s = 100'000'000.0;
// `barrage run URL` without -c and -d.
inline constexpr int connections_default = 10;
inline constexpr int64_t duration_ns_default = 10'000'000'000;
// --timer-slack auto, the default: the slack of the measured rate x slack curve
// (docs/pacing.md) that keeps schedule lag p99 within 200 us at 20k req/s on
// one worker with the least CPU. Arrivals are evenly spaced, so a slack below
// the gap between two changes nothing: it batches only where the rate makes
// wake-ups dear, and adds at most itself to any arrival's lag at every rate.
inline constexpr int64_t timer_slack_auto_ns = 100'000;
inline constexpr int64_t response_header_bytes_max_default = 64 * 1024;
// Request names of a profile ([[requests]]): each keeps its own counts and
// latency histogram (stats/name_stats.h), so memory grows with the names.
inline constexpr std::size_t request_names_max = 10'000;
// The refusal of `count` > request_names_max requests: what, the limit, how to fix.
std::string too_many_request_names(std::size_t count);

struct Credentials {
    std::string user;
    std::string password;
};

struct Target {
    std::string scheme = "http";  // "http" or "https"
    std::string host;             // as written in the URL (no brackets for IPv6)
    uint16_t port = 80;
    std::string path = "/";   // path + query, never empty
    std::string host_header;  // "host[:port]" as sent in Host:
    // Basic auth (URL userinfo, percent-decoded, or --user, which wins): sent as
    // `Authorization: Basic ...` by every request that sets no Authorization itself.
    std::optional<Credentials> credentials;
    // Where connections go instead of host:port; Host and TLS SNI stay as above.
    // connect_host/connect_port: --connect-to and --resolve (plan/connect_route.h);
    // unix_socket_path: --unix-socket, a Unix domain stream socket.
    std::string connect_host;   // empty: host
    uint16_t connect_port = 0;  // 0: port
    std::string unix_socket_path;
    // Filled by cli::resolve_target before the run.
    sockaddr_storage address{};
    socklen_t address_len = 0;
    std::string address_text;  // "127.0.0.1:8080", "[::1]:8080", "unix:/run/app.sock"
};

struct Header {
    std::string name;
    std::string value;
};

// ---- Profiles (docs/profiles.md) ----
// A plain `barrage run URL` is the special case of a profile with one request
// named "default" (target.path, weight 1, no checks), no setup, and one phase:
// constant at -r for -d, or closed loop with `connections` users and no think
// time without -r; --warmup adds a warm-up phase of the same kind first.
// set_url_run below builds exactly that at parse time, so the engine and the
// reports read one shape for both kinds of run.

// One request of the mix. Path, header values and body are template text
// (http::Template, compiled and checked by the profile loader).
struct NamedRequest {
    std::string name;  // unique; reported per name
    std::string method = "GET";
    std::string path = "/";       // template text; starts with '/'
    std::vector<Header> headers;  // target defaults first, then the request's own
    std::string body;             // template text (inline or read from a file)
    // URL runs' --body-file: bytes sent as they are, never a template; one copy
    // shared by the plan, the requests and every connection. Set: `body` is empty.
    std::shared_ptr<const std::string> body_verbatim;
    // A urlencoded `form`: the body's placeholders render percent-encoded.
    bool body_form_urlencoded = false;
    double weight = 1;  // share in a weighted pick; 0 = setup/sequence only
    std::vector<http::CheckSpec> checks;
    std::vector<http::CaptureSpec> captures;

    std::size_t body_bytes() const { return body_verbatim ? body_verbatim->size() : body.size(); }
};

// What each connection (open loop) or virtual user (closed loop) sends.
enum class SessionOrder {
    weighted,  // each iteration picks one of `steps` at random by weight
    sequence,  // each iteration sends `steps` in order, then starts over
};
// A task group's step sent again until its response meets `until` (repeat ... until):
// "submit, then poll to completion" as one transaction.
struct RepeatPlan {
    http::CheckSpec until;    // a json check (json_equals or json_exists); met when it passes
    int tries_max = 10;       // tries in all; not met by then: the transaction fails
    int64_t interval_ns = 0;  // from a try's response to the next try
};
inline constexpr int repeat_tries_max = 1'000'000;
// One request of a task group, with its repeat rule when it has one.
struct TaskStepPlan {
    size_t request = 0;  // index into RunPlan::requests
    std::optional<RepeatPlan> repeat;
};
// [[tasks]]: a weighted task that is a sequence of requests, timed as one
// transaction (first request's intended send to the last response) with its
// own counts and histogram, beside each request's.
struct TaskPlan {
    std::string name;  // unique among tasks and requests; reported and gated by it
    double weight = 1;
    std::vector<TaskStepPlan> steps;  // at least one
};
inline constexpr std::size_t tasks_max = 1000;

struct SessionPlan {
    std::vector<size_t> setup;  // indices into RunPlan::requests, once per session
    SessionOrder order = SessionOrder::weighted;
    std::vector<size_t> steps;  // indices into RunPlan::requests
    // When not empty, what repeats is these tasks (picked by weight or in
    // order), not `steps`; steps then holds each task's first request.
    std::vector<TaskPlan> tasks;
};

// A CSV file whose columns are template variables; one row per session.
struct DataFilePlan {
    std::string path;  // as resolved (relative to the profile's directory)
    http::RowOrder order = http::RowOrder::round_robin;
    // shard = "partition": with --shard, each shard takes a block of rows of its
    // own (share_begin/share_of), so no two shards use one row. false ("shared"):
    // every shard may use every row.
    bool partition = false;
    std::shared_ptr<const http::DataFile> file;  // loaded and checked by the profile loader
};

enum class PhaseKind { constant, ramp, step, spike, users };
// One phase of the load model; phases run back to back in order. Open-loop
// shapes become schedule::RateSegment lists through schedule/load_shape.h
// (the field names match its shape structs).
struct PhasePlan {
    std::string name;
    PhaseKind kind = PhaseKind::constant;
    bool warmup = false;      // run, but excluded from the results
    int64_t duration_ns = 0;  // the whole phase (step: steps * step_duration_ns)
    // constant: rate_per_s. ramp: rate_per_s -> rate_end_per_s (linear).
    // step: rate_per_s, + step_per_s each step_duration_ns, `steps` levels.
    // spike: rate_per_s (base), rate_end_per_s (peak) at spike_at_ns for
    // spike_hold_ns, reached in spike_rise_ns and left in spike_fall_ns.
    double rate_per_s = 0;
    double rate_end_per_s = 0;
    double step_per_s = 0;
    int64_t step_duration_ns = 0;
    int steps = 0;
    int64_t spike_at_ns = 0;
    int64_t spike_hold_ns = 0;
    int64_t spike_rise_ns = 0;
    int64_t spike_fall_ns = 0;
    // users (closed loop): `users` virtual users, started at spawn_per_s (0 =
    // all at once), each waiting a think time uniform in [think_min_ns, think_max_ns]
    // after each task (equal bounds: constant).
    int users = 0;
    double spawn_per_s = 0;
    int64_t think_min_ns = 0;
    int64_t think_max_ns = 0;
    // constant (open loop): the phase ends after exactly this many arrivals
    // (`iterations`, --requests): duration_ns is cut to where arrival N + 1
    // would be due (about N / rate), or stays if it ends first. 0 = by time only.
    int64_t iterations = 0;
};
inline constexpr int64_t iterations_max = 1'000'000'000'000;

// One user class of a profile with [[scenario]] tables (docs/profiles.md): its
// own session over the profile's requests, its own phases (open or closed
// loop), starting `start_ns` after the run's start. Every scenario runs on its
// own workers and connections; results are kept per scenario and merged.
struct ScenarioPlan {
    std::string name;               // unique among scenarios and request names
    std::vector<std::string> tags;  // gates by tag: "tag:NAME: p99 < 1s"
    SessionPlan session;            // indices into RunPlan::requests
    std::vector<PhasePlan> phases;  // no warm-up phases (the run has one time axis)
    int64_t start_ns = 0;           // delay after the run's start
    // Its own [[scenario.data]] files, after the profile's [[data]]; their
    // columns are in RunPlan::variables (a name may recur in another scenario's).
    std::vector<DataFilePlan> data_files;
    // Open loop: its connections (target.connections unless given; -c sets
    // every open-loop scenario's). Closed loop: the most users of any phase.
    int connections = connections_default;
};

// One gate, as written. gate::parse_threshold reads the expression before
// any traffic (plan knows no metrics).
struct ThresholdPlan {
    std::string expression;  // "p99 < 200ms", "login: error_rate < 1%"
    bool abort = false;      // stop the run once it fails, after OutputPlan::abort_grace_ns
    std::string origin;      // where it was written, for errors: "--threshold", "gate.toml:14:5"
    // --time-scale for a profile's threshold: its windows and 'for' spans scale with the
    // plan (1 for the command line's, taken as given like --duration).
    double time_scale = 1;
};

// --color: verdicts coloured on a terminal (automatic: unless NO_COLOR is set or
// the summary is not going to a terminal), always or never.
enum class ColorMode { automatic, always, never };

struct OutputPlan {
    std::string json_path;          // "" = none, "-" = stdout
    std::string csv_path;           // "" = none, "-" = stdout
    std::string csv_requests_path;  // --csv-requests: one row per request name; "" = none
    bool quiet = false;             // no progress line
    // Gates: the profile's, then --threshold / --abort-threshold, in order.
    std::vector<ThresholdPlan> thresholds;
    // Abort thresholds are judged on the results so far once this much of the
    // measured period has passed, then after every interval.
    int64_t abort_grace_ns = 10'000'000'000;
    std::string hlog_path;     // --hlog: HdrHistogram interval log; "" = none
    std::string html_path;     // --html: self-contained HTML report; "" = none
    std::string history_path;  // --history: JSON Lines file to append to; "" = none
    std::string label;         // --label: recorded in the history line
    // --metrics-listen ADDR:PORT: live metrics for Prometheus there; "" = none.
    std::string metrics_listen;
    int64_t metrics_linger_ns = 0;  // --metrics-linger: keep serving this long after the end
    // --dashboard ADDR:PORT: the live page there; "" = none.
    std::string dashboard_listen;
    int64_t dashboard_linger_ns = 0;  // --dashboard-linger: keep serving the final page this long
    ColorMode color = ColorMode::automatic;
};

// One file a run writes, named by the flag that asks for it.
struct OutputFile {
    std::string_view path;  // a view into the OutputPlan: "" = not asked for, "-" = stdout
    std::string_view flag;  // "--json", "--csv", ...
    bool stdout_allowed;    // "-" is stdout for --json and --csv; the others write files
};

// Every output file of `outputs`, in the order of the flags: --json, --csv,
// --csv-requests, --hlog, --history, --html. The one list that the checks
// before the run (distinct files, writable) walk. Views into `outputs`.
std::array<OutputFile, 6> output_files(const OutputPlan& outputs);

// TLS for https:// targets. Verification is on unless `insecure`.
struct TlsPlan {
    bool insecure = false;     // -k: accept any certificate and name
    std::string ca_file;       // --cacert; "" = the system store
    std::string cert_file;     // --cert: client certificate (mTLS)
    std::string key_file;      // --key: its private key
    std::string sni;           // --sni: server name sent and verified; "" = URL host
    int version_min = 12;      // --tls-min: 12 (TLS 1.2) or 13 (TLS 1.3)
    std::string ciphers;       // --ciphers, passed to OpenSSL
    std::string ciphersuites;  // --ciphersuites, passed to OpenSSL
    bool resume = true;        // false: --no-tls-resume
};

// Watching the target beside the load (--watch-pid, --watch-cgroup, --watch-url):
// sampled once per interval, growth fitted after the warm-up, a leak warning
// above the limits. Existence of the PID / cgroup is checked by the watcher
// before any traffic (plan makes no system calls).
struct WatchPlan {
    std::vector<int> pids;            // --watch-pid, repeatable, in order
    std::string cgroup_path;          // --watch-cgroup; "" = none
    std::string url;                  // --watch-url: a Prometheus text endpoint; "" = none
    std::vector<std::string> series;  // --watch-series: metric names kept from `url`
    // Leak limits, per minute (--leak-rss-limit, --leak-fd-limit, --leak-thread-limit).
    double leak_rss_mb_per_min = 10;  // MB = 2^20 bytes
    double leak_fds_per_min = 10;
    double leak_threads_per_min = 1;

    bool any() const { return !pids.empty() || !cgroup_path.empty() || !url.empty(); }
};
inline constexpr std::size_t watch_pids_max = 64;

// --shard I/N (or auto from Slurm, a Kubernetes Indexed Job, MPI): this process
// runs slice `index` of `count` of the whole test. count == 1: not sharded.
struct ShardPlan {
    int index = 1;  // 1-based
    int count = 1;
    std::string source;            // "flag", "slurm", "kubernetes", "mpi"; "" = not sharded
    int64_t start_at_unix_ns = 0;  // --start-at: CLOCK_REALTIME instant; 0 = start now
};

struct RunPlan {
    Target target;
    // [target] urls: the targets after the first (`target`), same scheme and path.
    // Connections are spread round robin: connection c, counted over every
    // worker's slots, uses target c % target_count (target_of below).
    std::vector<Target> more_targets;
    TlsPlan tls;
    bool new_connection_per_request = false;  // --new-conn: one request per connection
    // --pipeline N / [target] pipeline: up to N requests in flight on each
    // connection, answered in order (HTTP/1.1 pipelining). 1: one at a time.
    int pipeline = 1;
    int connections = connections_default;
    int threads = 1;
    bool pin = true;
    std::vector<int> cpus;                // one per worker (from the allowed set)
    int64_t timeout_ns = 10'000'000'000;  // per request (and per connect)
    // Stop the run when no connection has opened and connects have failed for
    // this long: an unreachable target fails fast (exit 3) instead of running out the clock.
    int64_t connect_grace_ns = 2'000'000'000;
    // --source: local addresses the connections bind to before they connect,
    // round robin over the run's connections (empty: the kernel picks).
    std::vector<SourceAddress> sources;
    // --connect-rate: connections opened per second at most, the opening ones
    // and every reconnect, over the whole test (0: no limit).
    double connect_rate_per_s = 0;
    int64_t interval_ns = 1'000'000'000;  // snapshot / CSV interval
    // Open loop: arrivals due within this window go out in one wake-up (like
    // the kernel's timer slack). 0 = each arrival wakes the worker at its own
    // time. Waiting is measured: it shows as schedule lag and in latency.
    int64_t timer_slack_ns = timer_slack_auto_ns;
    bool timer_slack_auto = true;  // timer_slack_ns is the default's pick (--timer-slack auto)
    int64_t response_header_bytes_max = response_header_bytes_max_default;
    OutputPlan outputs;
    WatchPlan watch;
    std::string command_line;  // as typed, for `config` in the JSON
    // Random per run (16 hex digits): the live metrics' run_id label and
    // `config.run_id` in the JSON, so the two can be matched. "" = not drawn.
    std::string run_id;
    // What is sent and when: a profile's, or a URL run's one request and
    // phases (set_url_run). profile_path is empty for a URL run. As
    // constructed, the plan is `barrage run URL` with the defaults: GET, closed
    // loop with one user per connection for duration_ns_default.
    std::string profile_path;
    std::string profile_name;  // the profile's `name` key, for the run header; "" = none
    std::vector<NamedRequest> requests = {NamedRequest{.name = "default"}};
    SessionPlan session = {.steps = {0}};
    std::vector<DataFilePlan> data_files;
    // Template variables, in order: every data file's columns, then every
    // capture's variable. The loader compiled each template against this
    // scope (http::TemplateScope{variables}); the engine must use the same.
    std::vector<std::string> variables;
    std::vector<PhasePlan> phases = {PhasePlan{.name = "main",
                                               .kind = PhaseKind::users,
                                               .duration_ns = duration_ns_default,
                                               .users = connections_default}};
    // The phase --rate and --duration change (and find-max steps): main = true,
    // else the first measured one. An index into `phases`.
    std::size_t main_phase = 0;
    uint64_t seed = 0;  // random generators of templates and picks
    // A profile with [[scenario]] tables: one per user class. Empty: the
    // profile is the one implicit scenario of `session` and `phases`. Not
    // empty: `phases` is empty, `session` is the first scenario's (for
    // first_request), `connections` is the scenarios' sum, `threads` is per
    // scenario (at most its connections) and `cpus` has one per worker of the run.
    std::vector<ScenarioPlan> scenarios;
    // With [[scenario]] tables: the profile's [[tasks]], which the scenarios'
    // sessions name (session.tasks holds copies of those a scenario runs).
    // Empty without scenarios (session.tasks is then every task).
    std::vector<TaskPlan> tasks;
    ShardPlan shard;
};

// --connect-rate: how long opening all of the plan's connections takes at
// that rate (0 without one); the start waits this much longer for them.
int64_t connect_pacing_ns(const RunPlan& plan);

// How many targets the connections are spread over, and the one at `index`.
inline std::size_t target_count(const RunPlan& plan) { return 1 + plan.more_targets.size(); }
inline const Target& target_of(const RunPlan& plan, std::size_t index) {
    return index == 0 ? plan.target : plan.more_targets[index - 1];
}

// The load of a URL run (-r, -d, --warmup).
struct UrlLoad {
    std::optional<double> rate_per_s;  // nullopt = closed loop, one user per connection
    int64_t duration_ns = duration_ns_default;
    int64_t warmup_ns = 0;  // 0 = no warm-up phase
};

// Makes `plan` a URL run: `request` named "default" at plan.target.path, the
// only step of the session, and the phases of `load` (closed loop: users =
// plan.connections, so set connections first). main_phase is the last phase.
void set_url_run(RunPlan& plan, const UrlLoad& load, NamedRequest request = {});
// The load of a URL run's plan, read back from its phases.
UrlLoad url_load_of(const RunPlan& plan);

// The measured time of a run: its phases that are not warm-up, back to back
// (with scenarios: the longest scenario, its start delay included).
int64_t measured_ns(const RunPlan& plan);
// The warm-up before it (warm-up phases come first; 0 with scenarios).
int64_t warmup_ns(const RunPlan& plan);
// Open loop (constant, ramp, step, spike phases) or closed loop (users); with
// scenarios: true when any scenario is open loop.
bool is_open_loop(const RunPlan& plan);
// The rate a report prints: the main phase's when it is constant, else the
// highest rate of any open-loop phase; nullopt in closed loop and with scenarios.
std::optional<double> headline_rate_per_s(const RunPlan& plan);
// The request of the session's first step: what a report shows as "the" request.
const NamedRequest& first_request(const RunPlan& plan);
// The names a profile gives its requests, in order (thresholds and hlog tags
// refer to them); none for a URL run, whose one request "default" is not a name.
std::vector<std::string> request_names(const RunPlan& plan);

// The run's transactions ([[tasks]]), one row each, by name: plan.tasks with
// scenarios (several scenarios running one task add into its row), else the
// session's tasks. A task's stats go to the index of its name here.
std::vector<std::string> transaction_names(const RunPlan& plan);

// The names reports and gates ("shoppers: p95 < 1s") give the measured phases,
// in order: without scenarios each phase that is not a warm-up; with scenarios
// each scenario's phases, scenario after scenario, by the phase's own name when
// no other scenario has a phase of that name, else "SCENARIO.PHASE".
std::vector<std::string> measured_phase_names(const RunPlan& plan);

// Scenario `index` of `plan` as a profile of its own (the profile's requests,
// data, target and flags; the scenario's session, phases and connections;
// `threads` at most its connections; the profile's data files, then its own):
// what one scenario's workers run.
RunPlan scenario_run_plan(const RunPlan& plan, std::size_t index);
// Open loop (every phase has a rate) or closed loop (users).
bool is_open_loop(const ScenarioPlan& scenario);
// The measured time of a scenario: its start delay plus its phases.
int64_t measured_ns(const ScenarioPlan& scenario);
// The names a gate may put before ':' besides request names: every scenario's
// name, then "tag:NAME" for every tag (once each); none without scenarios.
std::vector<std::string> scenario_gate_names(const RunPlan& plan);

struct ServePlan {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;
    int threads = 1;
    std::string body = "hello from barrage serve\n";
    int64_t delay_ns = 0;  // added before each response
    // --max-inflight: per thread, at most this many responses wait out the
    // delay at once; the rest queue in arrival order, so the target has a known
    // capacity of threads x max_inflight / delay. 0 = no limit.
    int max_inflight = 0;
    // --leak-per-request: each request allocates this much and keeps it (pages
    // touched, so RSS grows), up to 1 GiB in all. A test aid for --watch-pid.
    int64_t leak_per_request_bytes = 0;
    int connections_max = 65536;
};

// Open loop: a request sent this long after its intended time although a
// connection was free shows the generator itself fell behind (timer slack is
// waiting by design, so it widens the limit).
inline int64_t behind_limit_ns(const RunPlan& plan) {
    return std::max<int64_t>(2'000'000, 2 * plan.timer_slack_ns);
}

// The engine measures from the end of the warm-up on, and a run is open or
// closed loop as a whole: warm-up phases must come first, and the phases must
// be all open loop (constant, ramp, step, spike) or all users. Part of
// validate_run_plan; the engine asserts it on plan.phases.
base::Status check_phase_order(const std::vector<PhasePlan>& phases);

// Checks relationships between fields (connections >= threads, rate > 0, ...)
// and, for a profile, its requests, session and phases.
// Errors name the offending option the way a user wrote it.
base::Status validate_run_plan(const RunPlan& plan);

}  // namespace barrage::plan
