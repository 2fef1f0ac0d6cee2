#include "barrage/plan/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "barrage/plan/shard.h"

namespace barrage::plan {
namespace {

using base::make_error;
using base::Ok;
using base::Status;

// Shorter intervals make snapshots cost more than they tell.
constexpr int64_t interval_ns_min = 100'000'000;
// More slack than this would make the schedule, not the target, shape latency.
constexpr int64_t timer_slack_ns_max = 10'000'000;
// Smaller header buffers would refuse ordinary responses.
constexpr int64_t response_header_bytes_min = 1024;

// 1500000000 -> "1500ms": the largest unit that keeps the value whole.
std::string format_duration(int64_t ns) {
    if (ns != 0 && ns % 1'000'000'000 == 0) {
        return fmt::format("{}s", ns / 1'000'000'000);
    }
    if (ns != 0 && ns % 1'000'000 == 0) {
        return fmt::format("{}ms", ns / 1'000'000);
    }
    if (ns != 0 && ns % 1'000 == 0) {
        return fmt::format("{}us", ns / 1'000);
    }
    return fmt::format("{}ns", ns);
}

// RFC 9110 tchar: what a method or a header name may contain.
bool is_token(std::string_view text) {
    constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        const bool alnum =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && specials.find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

Status check_target(const Target& target) {
    if (target.scheme != "http" && target.scheme != "https") {
        return make_error(fmt::format("URL: scheme '{}' is not http or https", target.scheme));
    }
    if (target.host.empty() || target.host_header.empty()) {
        return make_error("URL: the host is empty");
    }
    if (target.port == 0) {
        return make_error("URL: port 0 cannot be connected to; use 1 to 65535");
    }
    if (!target.path.starts_with('/')) {
        return make_error(fmt::format("URL: path '{}' must start with '/'", target.path));
    }
    return Ok{};
}

// Method and headers go into the request verbatim: a CR or LF would split it.
Status check_request(const NamedRequest& request) {
    constexpr std::string_view line_breaks("\r\n\0", 3);
    if (request.method.empty()) {
        return make_error("-X/--method: the method is empty; use GET, POST, PUT, ...");
    }
    if (!is_token(request.method)) {
        return make_error(
            fmt::format("-X/--method: '{}' is not a valid method; use letters like GET, POST, PUT",
                        request.method));
    }
    for (const Header& header : request.headers) {
        if (!is_token(header.name)) {
            return make_error(fmt::format(
                "-H/--header: '{}' is not a valid header name (letters, digits and -, no spaces)",
                header.name));
        }
        if (header.value.find_first_of(line_breaks) != std::string::npos) {
            return make_error(fmt::format(
                "-H/--header: the value of '{}' has a line break or NUL byte; values are one "
                "line",
                header.name));
        }
    }
    return Ok{};
}

Status check_load(const RunPlan& plan) {
    if (plan.connections < 1 || plan.connections > connections_max) {
        return make_error(fmt::format("-c/--connections: {} is out of range; use 1 to {}",
                                      plan.connections, connections_max));
    }
    if (plan.threads < 1 || plan.threads > threads_max) {
        return make_error(fmt::format("-t/--threads: {} is out of range; use 1 to {}", plan.threads,
                                      threads_max));
    }
    if (plan.threads > plan.connections) {
        return make_error(
            fmt::format("-t/--threads: {} is more than -c/--connections ({}); each worker needs a "
                        "connection, so raise -c or lower -t",
                        plan.threads, plan.connections));
    }
    if (const std::optional<double> headline = headline_rate_per_s(plan)) {
        const double rate = *headline;
        if (!std::isfinite(rate) || rate <= 0 || rate > rate_max_per_s) {
            return make_error(fmt::format(
                "-r/--rate: {} is out of range; use more than 0 and at most {:.0f} per second",
                rate, rate_max_per_s));
        }
    }
    return Ok{};
}

Status check_times(const RunPlan& plan) {
    const int64_t duration_ns = measured_ns(plan);
    const int64_t warmup = warmup_ns(plan);
    if (duration_ns <= 0) {
        return make_error(fmt::format("-d/--duration: must be greater than 0 (got {})",
                                      format_duration(duration_ns)));
    }
    if (warmup < 0) {
        return make_error(
            fmt::format("--warmup: must not be negative (got {})", format_duration(warmup)));
    }
    if (warmup > std::numeric_limits<int64_t>::max() - duration_ns) {
        return make_error("-d/--duration plus --warmup is too long");
    }
    if (plan.timeout_ns <= 0) {
        return make_error(fmt::format("--timeout: must be greater than 0 (got {})",
                                      format_duration(plan.timeout_ns)));
    }
    if (plan.timer_slack_ns < 0 || plan.timer_slack_ns > timer_slack_ns_max) {
        return make_error(fmt::format("--timer-slack: must be between 0 and {} (got {})",
                                      format_duration(timer_slack_ns_max),
                                      format_duration(plan.timer_slack_ns)));
    }
    if (plan.connect_rate_per_s < 0 || plan.connect_rate_per_s > rate_max_per_s) {
        return make_error(fmt::format("--connect-rate: must be between 0 and {:g} (got {:g})",
                                      rate_max_per_s, plan.connect_rate_per_s));
    }
    if (plan.interval_ns < interval_ns_min) {
        return make_error(fmt::format("--interval: must be at least {} (got {})",
                                      format_duration(interval_ns_min),
                                      format_duration(plan.interval_ns)));
    }
    return Ok{};
}

// What pipelining cannot do honestly: a request that depends on the response
// before it (captures, setup steps, task groups), a user who waits between
// requests, a fresh connection per request, scenarios (each a session of its own).
Status check_pipeline_session(const RunPlan& plan) {
    const char* how = "; use --pipeline 1 (the default) for it";
    if (plan.new_connection_per_request) {
        return make_error(fmt::format(
            "--pipeline {}: --new-conn sends one request per connection{}", plan.pipeline, how));
    }
    if (!plan.scenarios.empty()) {
        return make_error(fmt::format("--pipeline {}: [[scenario]] profiles cannot pipeline yet{}",
                                      plan.pipeline, how));
    }
    if (!plan.session.setup.empty() || !plan.session.tasks.empty()) {
        return make_error(fmt::format(
            "--pipeline {}: setup steps and task groups send a request after the response before "
            "it{}",
            plan.pipeline, how));
    }
    for (const NamedRequest& request : plan.requests) {
        if (!request.captures.empty()) {
            return make_error(fmt::format(
                "--pipeline {}: request '{}' captures from its response, so the next request "
                "waits for it{}",
                plan.pipeline, request.name, how));
        }
    }
    return Ok{};
}

Status check_pipeline(const RunPlan& plan) {
    if (plan.pipeline < 1 || plan.pipeline > pipeline_max) {
        return make_error(
            fmt::format("--pipeline: expected 1 to {} requests per connection (got {})",
                        pipeline_max, plan.pipeline));
    }
    if (plan.pipeline == 1) {
        return Ok{};
    }
    if (auto status = check_pipeline_session(plan); !status) {
        return status;
    }
    for (const PhasePlan& phase : plan.phases) {
        const bool paced = phase.think_max_ns > 0 || phase.spawn_per_s > 0 ||
                           phase.iterations > 0 || phase.users < plan.connections;
        if (phase.kind == PhaseKind::users && paced) {
            return make_error(fmt::format(
                "--pipeline {}: phase '{}' paces its virtual users (think time, spawn rate, a "
                "request count or fewer users than connections); closed loop pipelines with one "
                "user per connection for a duration; use --pipeline 1, or open loop (-r)",
                plan.pipeline, phase.name));
        }
    }
    return Ok{};
}

// TLS options only mean something for https://; a key needs its certificate.
Status check_tls(const RunPlan& plan) {
    const TlsPlan& tls = plan.tls;
    const bool any_given = tls.insecure || !tls.ca_file.empty() || !tls.cert_file.empty() ||
                           !tls.key_file.empty() || !tls.sni.empty() || tls.version_min != 12 ||
                           !tls.ciphers.empty() || !tls.ciphersuites.empty() || !tls.resume;
    if (any_given && plan.target.scheme != "https") {
        return make_error(
            fmt::format("TLS options (-k, --cacert, --cert, --key, --sni, --tls-min, --ciphers, "
                        "--ciphersuites, --no-tls-resume) need an https:// URL; the URL is {}://",
                        plan.target.scheme));
    }
    if (!tls.key_file.empty() && tls.cert_file.empty()) {
        return make_error("--key: a private key needs its certificate; add --cert FILE");
    }
    if (tls.version_min != 12 && tls.version_min != 13) {
        return make_error(
            fmt::format("--tls-min: {} is not a TLS version; use 1.2 or 1.3", tls.version_min));
    }
    if (tls.insecure && !tls.ca_file.empty()) {
        return make_error("-k/--insecure and --cacert contradict each other; use one of them");
    }
    return Ok{};
}

Status check_limits(const RunPlan& plan) {
    if (plan.response_header_bytes_max < response_header_bytes_min) {
        return make_error(fmt::format("--max-header-bytes: must be at least {} (got {})",
                                      response_header_bytes_min, plan.response_header_bytes_max));
    }
    if (plan.cpus.size() != static_cast<size_t>(plan.threads)) {
        return make_error(fmt::format("plan lists {} CPUs for {} threads; it needs one per thread",
                                      plan.cpus.size(), plan.threads));
    }
    for (const int cpu : plan.cpus) {
        if (cpu < 0) {
            return make_error(fmt::format("plan lists CPU {}; CPU numbers start at 0", cpu));
        }
    }
    return Ok{};
}

Status check_watch(const RunPlan& plan) {
    const WatchPlan& watch = plan.watch;
    if (watch.pids.size() > watch_pids_max) {
        return make_error(fmt::format("--watch-pid: at most {} processes (got {})", watch_pids_max,
                                      watch.pids.size()));
    }
    for (std::size_t i = 0; i < watch.pids.size(); ++i) {
        if (watch.pids[i] <= 0) {
            return make_error(fmt::format(
                "--watch-pid: '{}' is not a process id; give a number > 0", watch.pids[i]));
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (watch.pids[j] == watch.pids[i]) {
                return make_error(fmt::format(
                    "--watch-pid {} is given twice; name each process once", watch.pids[i]));
            }
        }
    }
    if (!watch.series.empty() && watch.url.empty()) {
        return make_error("--watch-series chooses series of --watch-url; give the URL too");
    }
    if (!watch.url.empty() && watch.series.empty()) {
        return make_error(
            "--watch-url needs at least one --watch-series NAME (a metric name of the endpoint, "
            "e.g. --watch-series process_resident_memory_bytes)");
    }
    for (const double limit :
         {watch.leak_rss_mb_per_min, watch.leak_fds_per_min, watch.leak_threads_per_min}) {
        if (!(limit >= 0) || !std::isfinite(limit)) {
            return make_error("leak limits must be finite and >= 0");
        }
    }
    return Ok{};
}

Status check_phase(const PhasePlan& phase) {
    const bool open = phase.kind != PhaseKind::users;
    if (phase.duration_ns <= 0) {
        return make_error(fmt::format("phase '{}': duration must be greater than 0", phase.name));
    }
    if (open && !(phase.rate_per_s >= 0 && phase.rate_end_per_s >= 0 &&
                  phase.rate_per_s <= rate_max_per_s && phase.rate_end_per_s <= rate_max_per_s)) {
        return make_error(fmt::format("phase '{}': rates must be 0 to {:.0f} per second",
                                      phase.name, rate_max_per_s));
    }
    if (!open && (phase.users < 1 || phase.users > connections_max)) {
        return make_error(
            fmt::format("phase '{}': users must be 1 to {}", phase.name, connections_max));
    }
    if (!open && (phase.think_min_ns < 0 || phase.think_max_ns < phase.think_min_ns)) {
        return make_error(
            fmt::format("phase '{}': think time must be 0 <= min <= max", phase.name));
    }
    return Ok{};
}

Status check_index_list(const std::vector<size_t>& indices, size_t count, std::string_view what) {
    for (const size_t index : indices) {
        if (index >= count) {
            return make_error(fmt::format("session {} names request {} of {}", what, index, count));
        }
    }
    return Ok{};
}

Status validate_run_plan_of_scenario(const RunPlan& plan, std::size_t index);

// Each scenario is a whole plan of its own; none may warm up, since the run's
// intervals start together (the loader says so first, with where).
Status check_scenarios(const RunPlan& plan) {
    int connections = 0;
    for (std::size_t i = 0; i < plan.scenarios.size(); ++i) {
        const ScenarioPlan& scenario = plan.scenarios[i];
        if (auto status = validate_run_plan_of_scenario(plan, i); !status) {
            return make_error(
                fmt::format("scenario '{}': {}", scenario.name, status.error().message));
        }
        if (warmup_ns(scenario_run_plan(plan, i)) > 0 || scenario.start_ns < 0) {
            return make_error(
                fmt::format("scenario '{}': a warm-up phase or a negative start; expected neither",
                            scenario.name));
        }
        connections += scenario.connections;
    }
    if (connections != plan.connections) {
        return make_error(fmt::format("the scenarios hold {} connections, the plan {}", connections,
                                      plan.connections));
    }
    return Ok{};
}

}  // namespace

std::string too_many_request_names(std::size_t count) {
    return fmt::format(
        "{} [[requests]]; at most {} request names are supported (each keeps its own counts "
        "and latency histogram). Requests that differ only in path or body can be one request "
        "with a template ({{{{int ...}}}}, {{{{choice ...}}}} or a [[data]] file)",
        count, request_names_max);
}

namespace {

Status check_profile(const RunPlan& plan) {
    if (plan.requests.size() > request_names_max) {
        return make_error("profile: " + too_many_request_names(plan.requests.size()));
    }
    // A URL run's one request is the command line's: its errors name the flags alone.
    const bool url_run = plan.profile_path.empty();
    for (const NamedRequest& request : plan.requests) {
        if (auto status = check_request(request); !status) {
            return url_run ? status
                           : make_error(fmt::format("request '{}': {}", request.name,
                                                    status.error().message));
        }
        if (!(request.weight >= 0)) {
            return make_error(fmt::format("request '{}': weight must be >= 0", request.name));
        }
    }
    for (const PhasePlan& phase : plan.phases) {
        if (auto status = check_phase(phase); !status) {
            return status;
        }
    }
    if (auto status = check_phase_order(plan.phases); !status) {
        return status;
    }
    const size_t count = plan.requests.size();
    if (auto status = check_index_list(plan.session.setup, count, "setup"); !status) {
        return status;
    }
    if (auto status = check_index_list(plan.session.steps, count, "steps"); !status) {
        return status;
    }
    if (plan.session.steps.empty()) {
        return make_error("profile: the session has no steps to send");
    }
    return Ok{};
}

}  // namespace

void set_url_run(RunPlan& plan, const UrlLoad& load, NamedRequest request) {
    request.name = "default";
    request.path = plan.target.path;
    plan.requests = {std::move(request)};
    plan.session = SessionPlan{};
    plan.session.steps = {0};
    PhasePlan phase;
    phase.name = "main";
    if (load.rate_per_s) {
        phase.kind = PhaseKind::constant;
        phase.rate_per_s = *load.rate_per_s;
        phase.rate_end_per_s = *load.rate_per_s;
    } else {
        phase.kind = PhaseKind::users;
        phase.users = plan.connections;
    }
    plan.phases.clear();
    if (load.warmup_ns != 0) {  // a negative one is refused by validate_run_plan
        PhasePlan warmup = phase;
        warmup.name = "warmup";
        warmup.warmup = true;
        warmup.duration_ns = load.warmup_ns;
        plan.phases.push_back(warmup);
    }
    phase.duration_ns = load.duration_ns;
    plan.phases.push_back(phase);
    plan.main_phase = plan.phases.size() - 1;
}

UrlLoad url_load_of(const RunPlan& plan) {
    BARRAGE_ASSERT(plan.main_phase < plan.phases.size());
    const PhasePlan& main = plan.phases[plan.main_phase];
    UrlLoad load;
    if (main.kind == PhaseKind::constant) {
        load.rate_per_s = main.rate_per_s;
    }
    load.duration_ns = measured_ns(plan);
    load.warmup_ns = warmup_ns(plan);
    return load;
}

int64_t measured_ns(const ScenarioPlan& scenario) {
    int64_t total_ns = scenario.start_ns;
    for (const PhasePlan& phase : scenario.phases) {
        total_ns += phase.duration_ns;
    }
    return total_ns;
}

bool is_open_loop(const ScenarioPlan& scenario) {
    return std::any_of(scenario.phases.begin(), scenario.phases.end(),
                       [](const PhasePlan& phase) { return phase.kind != PhaseKind::users; });
}

int64_t measured_ns(const RunPlan& plan) {
    int64_t total_ns = 0;
    for (const ScenarioPlan& scenario : plan.scenarios) {
        total_ns = std::max(total_ns, measured_ns(scenario));
    }
    for (const PhasePlan& phase : plan.phases) {
        total_ns += phase.warmup ? 0 : phase.duration_ns;
    }
    return total_ns;
}

int64_t warmup_ns(const RunPlan& plan) {
    int64_t total_ns = 0;
    for (const PhasePlan& phase : plan.phases) {
        total_ns += phase.warmup ? phase.duration_ns : 0;
    }
    return total_ns;
}

bool is_open_loop(const RunPlan& plan) {
    if (!plan.scenarios.empty()) {
        return std::any_of(plan.scenarios.begin(), plan.scenarios.end(),
                           [](const ScenarioPlan& scenario) { return is_open_loop(scenario); });
    }
    return std::any_of(plan.phases.begin(), plan.phases.end(),
                       [](const PhasePlan& phase) { return phase.kind != PhaseKind::users; });
}

std::optional<double> headline_rate_per_s(const RunPlan& plan) {
    if (!plan.scenarios.empty()) {
        return std::nullopt;  // one rate per open-loop scenario, none for the run
    }
    if (plan.main_phase < plan.phases.size() &&
        plan.phases[plan.main_phase].kind == PhaseKind::constant) {
        return plan.phases[plan.main_phase].rate_per_s;
    }
    std::optional<double> peak_per_s;
    for (const PhasePlan& phase : plan.phases) {
        if (phase.kind != PhaseKind::users) {
            const double step_top = phase.rate_per_s + phase.step_per_s * (phase.steps - 1);
            const double peak = std::max({phase.rate_per_s, phase.rate_end_per_s, step_top});
            peak_per_s = std::max(peak_per_s.value_or(0), peak);
        }
    }
    return peak_per_s;
}

const NamedRequest& first_request(const RunPlan& plan) {
    BARRAGE_ASSERT(!plan.session.steps.empty() &&
                   plan.session.steps.front() < plan.requests.size());
    return plan.requests[plan.session.steps.front()];
}

std::vector<std::string> request_names(const RunPlan& plan) {
    std::vector<std::string> names;
    if (!plan.profile_path.empty()) {
        for (const NamedRequest& request : plan.requests) {
            names.push_back(request.name);
        }
    }
    return names;
}

std::vector<std::string> transaction_names(const RunPlan& plan) {
    // A scenario's own plan (scenario_run_plan) keeps the profile's tasks, so its
    // tasks count into the run's rows.
    const std::vector<TaskPlan>& tasks = plan.tasks.empty() ? plan.session.tasks : plan.tasks;
    std::vector<std::string> names;
    for (const TaskPlan& task : tasks) {
        names.push_back(task.name);
    }
    return names;
}

std::vector<std::string> measured_phase_names(const RunPlan& plan) {
    std::vector<std::string> names;
    for (const PhasePlan& phase : plan.phases) {
        if (!phase.warmup) {
            names.push_back(phase.name);
        }
    }
    // Phase names are unique within a scenario (the loader refuses twice), not across them.
    const auto scenarios_with = [&](const std::string& name) {
        return std::count_if(plan.scenarios.begin(), plan.scenarios.end(), [&](const auto& s) {
            return std::any_of(s.phases.begin(), s.phases.end(),
                               [&](const PhasePlan& phase) { return phase.name == name; });
        });
    };
    for (const ScenarioPlan& scenario : plan.scenarios) {
        for (const PhasePlan& phase : scenario.phases) {
            names.push_back(scenarios_with(phase.name) > 1 ? scenario.name + "." + phase.name
                                                           : phase.name);
        }
    }
    return names;
}

int64_t connect_pacing_ns(const RunPlan& plan) {
    if (plan.connect_rate_per_s <= 0) {
        return 0;
    }
    return static_cast<int64_t>(std::ceil(plan.connections / plan.connect_rate_per_s * 1e9));
}

RunPlan scenario_run_plan(const RunPlan& plan, std::size_t index) {
    BARRAGE_ASSERT(index < plan.scenarios.size());
    const ScenarioPlan& scenario = plan.scenarios[index];
    RunPlan part = plan;
    part.scenarios.clear();
    part.session = scenario.session;
    part.data_files.insert(part.data_files.end(), scenario.data_files.begin(),
                           scenario.data_files.end());
    part.phases = scenario.phases;
    part.main_phase = 0;
    part.connections = scenario.connections;
    // --connect-rate is the process's: each scenario takes its connections' part.
    part.connect_rate_per_s =
        plan.connections > 0 ? plan.connect_rate_per_s * scenario.connections / plan.connections
                             : 0;
    // Sharded: at most this shard's part of the scenario's connections.
    part.threads = std::min(plan.threads, shard_connections(scenario.connections, plan.shard));
    // Its slice of the run's CPUs, one per worker (profile/run_flags.cc).
    std::size_t first = 0;
    for (std::size_t i = 0; i < index; ++i) {
        first += static_cast<std::size_t>(
            std::min(plan.threads, shard_connections(plan.scenarios[i].connections, plan.shard)));
    }
    part.cpus.clear();
    for (std::size_t i = 0; i < static_cast<std::size_t>(part.threads) && !plan.cpus.empty(); ++i) {
        part.cpus.push_back(plan.cpus[(first + i) % plan.cpus.size()]);
    }
    return part;
}

namespace {

Status validate_run_plan_of_scenario(const RunPlan& plan, std::size_t index) {
    return validate_run_plan(scenario_run_plan(plan, index));
}

}  // namespace

std::vector<std::string> scenario_gate_names(const RunPlan& plan) {
    std::vector<std::string> names;
    for (const ScenarioPlan& scenario : plan.scenarios) {
        names.push_back(scenario.name);
    }
    for (const ScenarioPlan& scenario : plan.scenarios) {
        for (const std::string& tag : scenario.tags) {
            const std::string name = "tag:" + tag;
            if (std::find(names.begin(), names.end(), name) == names.end()) {
                names.push_back(name);
            }
        }
    }
    return names;
}

std::array<OutputFile, 6> output_files(const OutputPlan& outputs) {
    return {{{outputs.json_path, "--json", true},
             {outputs.csv_path, "--csv", true},
             {outputs.csv_requests_path, "--csv-requests", false},
             {outputs.hlog_path, "--hlog", false},
             {outputs.history_path, "--history", false},
             {outputs.html_path, "--html", false}}};
}

Status check_phase_order(const std::vector<PhasePlan>& phases) {
    bool measured_seen = false;
    std::size_t users = 0;
    for (const PhasePlan& phase : phases) {
        if (phase.warmup && measured_seen) {
            return make_error(
                fmt::format("phase '{}' is a warmup after a measured phase; warmup "
                            "phases must come first (move it up, or drop warmup = "
                            "true)",
                            phase.name));
        }
        measured_seen = measured_seen || !phase.warmup;
        users += phase.kind == PhaseKind::users ? 1 : 0;
    }
    if (users != 0 && users != phases.size()) {
        return make_error(
            "the phases mix open loop (constant, ramp, step, spike) and closed loop (users); a "
            "run is one or the other: split it into two profiles");
    }
    return Ok{};
}

Status validate_run_plan(const RunPlan& plan) {
    if (auto status = check_target(plan.target); !status) {
        return status;
    }
    if (auto status = validate_shard(plan); !status) {
        return status;
    }
    if (auto status = check_pipeline(plan); !status) {
        return status;
    }
    if (!plan.scenarios.empty()) {
        return check_scenarios(plan);
    }
    if (plan.phases.empty() || plan.main_phase >= plan.phases.size()) {
        return make_error("the plan has no phases, or its main phase is not one of them");
    }
    for (const auto check : {check_load, check_times, check_limits, check_tls, check_watch}) {
        if (auto status = check(plan); !status) {
            return status;
        }
    }
    return check_profile(plan);
}

}  // namespace barrage::plan
