#pragma once
// Command-line parsing: argv -> a validated plan. Conventions of wrk, oha and
// curl. Errors name the flag and the accepted forms, e.g.
// "--duration: '10x' is not a duration; use a number with s, m or h (30s, 2m, 1h)".

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"
#include "barrage/profile/run_flags.h"
#include "barrage/profile/suite_loader.h"

namespace barrage::cli {

struct HelpRequest {
    std::string text;  // usage text to print on stdout
    // A bare `barrage`: no command was given, so the usage goes to stderr and
    // the exit code is gate::exit_usage (2), as a usage error; help asked for is 0.
    bool missing_command = false;
};
struct VersionRequest {};
// barrage compare BASELINE.json CURRENT.json [--max-regression [NAME:]METRIC=LIMIT]...
//                 [--json FILE]
struct CompareRequest {
    std::vector<std::string> baseline_paths;  // one or more
    std::string current_path;
    std::vector<std::string> max_regressions;  // parsed by report::parse_tolerance
    std::vector<std::string> metrics;          // --metrics p50,p95,rps; checked by report
    std::string json_path;                     // "" = none, "-" = stdout (the table to stderr)
    std::optional<int64_t> min_delta_ns;       // --min-delta; none = compare's default
    bool allow_different_config = false;
};
// barrage trend HISTORY.jsonl [--html FILE]
struct TrendRequest {
    std::string history_path;
    std::string html_path;  // "" = none, "-" = stdout (the table to stderr)
};
// barrage report RESULT.json [--hlog FILE] [--history FILE] -o REPORT.html
struct ReportRequest {
    std::string result_path;
    std::string hlog_path;     // "" = the spectrum comes from the JSON
    std::string history_path;  // "" = no trend section
    std::string output_path;   // "-" = stdout
};

// barrage merge RESULT.json... [--json F] [--html F] [--csv F] [--csv-requests F]
//               [--history F] [--label L] [--threshold EXPR]... [--allow-missing] [-q]
struct MergeRequest {
    std::vector<std::string> paths;  // the shards' --json results, at least one
    std::string json_path;           // "" = none, "-" = stdout
    std::string html_path;
    std::string csv_path;  // "" = none, "-" = stdout
    std::string csv_requests_path;
    std::string history_path;
    std::string label;
    std::vector<std::string> thresholds;  // judged with the shards' own on the merged result
    bool allow_missing = false;           // merge without some shards, saying so everywhere
    bool quiet = false;
};

// barrage find-max URL|PROFILE --slo EXPR... [search options] [run options]
// and --profile-levels L,... --rate R: steps of `barrage run` at chosen rates.
struct FindMaxRequest {
    // The run options, parsed once like `barrage run` (a URL run or a
    // profile); each step is this plan at its rate (find_max_step_plan).
    plan::RunPlan run_plan;
    std::vector<std::string> slos;  // threshold expressions (gate::parse_threshold)
    double start_rps = 100;
    double max_rps = 1e6;
    double precision = 0.05;
    int64_t step_duration_ns = 10'000'000'000;
    int64_t step_warmup_ns = 2'000'000'000;  // URL runs; a profile has its own warm-up phases
    std::vector<double> levels;              // --profile-levels, fractions of level_base_rps
    double level_base_rps = 0;               // --rate with --profile-levels
    std::string json_path;
    std::string csv_path;
    std::string html_path;  // the find-max page; a file, never stdout
    bool quiet = false;
};

// barrage suite SUITE.toml [--json FILE] [--time-scale F] [--seed N] [-q]:
// every profile of the suite loaded and checked (profile/suite_loader.h).
struct SuiteRequest {
    profile::SuitePlan suite;
    std::string json_path;  // "" = none, "-" = stdout (the table then goes to stderr)
    bool quiet = false;
};

// barrage run URL --levels c=1,10,25,50 | r=100,200 [run options]: one run per
// level (closed loop at that many connections, or open loop at that rate), each
// lasting -d, and one table of them all.
struct LevelsRequest {
    enum class Dimension { connections, rate };
    plan::RunPlan url_plan;   // the URL's target and defaults, nothing laid over yet
    profile::RunFlags flags;  // the run's flags, laid over url_plan at each level
    Dimension dimension = Dimension::connections;
    std::vector<double> levels;  // connection counts or rates, in the order given
    std::string json_path;       // "" = none, "-" = stdout (the table then goes to stderr)
    bool quiet = false;          // no line per level on stderr
};

using Command = std::variant<plan::RunPlan, plan::ServePlan, HelpRequest, VersionRequest,
                             CompareRequest, TrendRequest, ReportRequest, FindMaxRequest,
                             SuiteRequest, MergeRequest, LevelsRequest>;

// The plan of one level: the URL run with its flags and the level's -c or -r,
// quiet, writing nothing, validated. Errors are those of `barrage run` (exit 2).
base::Result<plan::RunPlan> levels_step_plan(const LevelsRequest& request, double level);

// The plan of one find-max step: request.run_plan with the step's rate,
// duration and warm-up (URL runs), quiet, no outputs (profile::with_rate),
// validated. Errors are those of `barrage run` with -r and -d (exit 2).
base::Result<plan::RunPlan> find_max_step_plan(const FindMaxRequest& request, double rate_rps);

// argv[0] is the program name; argv[1] the subcommand ("run", "serve",
// "help", "--help", "--version"). Usage errors come back as Error (exit 2).
// The returned RunPlan is validated but its target is not resolved yet.
base::Result<Command> parse_command_line(int argc, const char* const* argv);

// Resolves plan.target.host with getaddrinfo (numeric first), fills address,
// address_len and address_text. Errors: "cannot resolve host 'x': ..." (exit 3).
base::Status resolve_target(plan::Target& target);
// Resolves plan.target and every one of plan.more_targets ([target] urls).
base::Status resolve_targets(plan::RunPlan& plan);

// After resolve_targets, before any traffic: what the connections need from
// this machine. Raises RLIMIT_NOFILE's soft limit to its hard limit and
// refuses more connections than it allows. With --source: each address is of
// the targets' family and local (a test bind; EADDRNOTAVAIL names it), and the
// connections to each target address and port fit sources x the local port
// range. Errors say what, why and how to fix it (exit 2).
base::Status check_connection_limits(const plan::RunPlan& plan);

// Usage text of the whole program.
std::string usage_text();

}  // namespace barrage::cli
