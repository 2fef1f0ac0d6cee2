// `barrage find-max`: its own options are taken out, everything else is a
// `barrage run` command line, parsed once up front into the run's plan (so a
// typo costs no traffic); each step is that plan at the step's rate
// (profile::with_rate), never a command line parsed again.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <iterator>
#include <utility>

#include "barrage/plan/units.h"
#include "barrage/profile/run_flags.h"
#include "find_max_impl.h"
#include "options_impl.h"

namespace barrage::cli::detail {

const std::string_view find_max_usage =
    R"(Usage: barrage find-max URL|PROFILE --slo EXPR... [options] [run options]
       barrage find-max URL|PROFILE --profile-levels 0.25,0.5,1,1.5 --rate R [--slo EXPR]...

Finds the highest open-loop rate the target sustains within its SLO: steps of
'barrage run' at growing rates (x2) until a step breaks an SLO, then bisection
between the last passing and the first failing rate to --precision. Each step
is judged on its own histogram, after its warm-up. A step where the generator,
not the target, was the limit (see generator.saturated) ends the search
without blaming the target. Prints the table of steps and the answer: max
sustainable rate, the knee (where p99 more than doubles against the lowest
rate's p99), the first failing rate.

With --profile-levels, runs each level x --rate instead and reports the
latency/throughput curve (SLOs optional).

A PROFILE's main phase (constant) takes each step's rate and duration; the
phases before it lead up to that rate as warm-up (their rates scaled with
it) and those after it are not run, so a step judges the main phase alone.

      --slo EXPR           a threshold every step must pass: 'p99 < 200ms',
                           'error_rate < 1%', 'failure_rate < 1%'; repeat
                           for more
      --start RATE         first rate (default 100)
      --max RATE           highest rate to try (default 1M)
      --precision PCT      stop when failing - passing <= PCT of passing
                           (default 5%)
      --step-duration TIME measured time of each step (default 10s)
      --step-warmup TIME   warm-up before each step, URL runs (default 2s)
      --profile-levels LIST
                           comma-separated multiples of --rate to run
  -r, --rate RATE          the base rate of --profile-levels
      --json FILE          write the steps and the answer as JSON ('-' = stdout)
      --csv FILE           write one CSV row per step ('-' = stdout)
      --html FILE          write a self-contained page: the answer, latency and
                           achieved rate over the asked rate, the steps
  -q, --quiet              no per-step progress on stderr
  -h, --help               show this help

Run options (-c, -t, -H, -X, -b, --timeout, --timer-slack, TLS, ...) pass to
each step; -r, -d, --warmup and the run's output and gate options are
find-max's to set. Exit: 0 answer found (or --max held), 1 the lowest rate
already breaks the SLO, 2 usage error, 3 the generator saturated first or a
step could not run.
)";

namespace {

using base::make_error;
using base::Result;
using base::Status;

// Run options that find-max sets itself, per step or for the whole search.
// (--json, --csv and --html are find-max's own, taken before this list is asked.)
constexpr std::array<std::string_view, 11> reserved_run_flags{
    "-r",          "--rate",           "-d",
    "--duration",  "--warmup",         "--hlog",
    "--history",   "--label",          "--csv-requests",
    "--threshold", "--abort-threshold"};

bool is_reserved(std::string_view arg) {
    for (const std::string_view flag : reserved_run_flags) {
        if (arg == flag || (flag.starts_with("--") && arg.starts_with(std::string(flag) + "=")) ||
            (!flag.starts_with("--") && arg.size() > 2 && arg.starts_with(flag))) {
            return true;
        }
    }
    return false;
}

Result<double> parse_percent(std::string_view flag, std::string_view text) {
    std::string_view number = text;
    if (number.ends_with('%')) {
        number.remove_suffix(1);
    }
    double value = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (error != std::errc{} || end != number.data() + number.size() || !std::isfinite(value) ||
        value <= 0 || value >= 100) {
        return make_error(
            fmt::format("{}: '{}' is not a percentage between 0 and 100, e.g. 5%", flag, text));
    }
    return value / 100.0;
}

Result<std::vector<double>> parse_levels(std::string_view flag, std::string_view text) {
    std::vector<double> levels;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        double value = 0;
        const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
        if (error != std::errc{} || end != item.data() + item.size() || !std::isfinite(value) ||
            value <= 0 || value > 100) {
            return make_error(fmt::format(
                "{}: '{}' is not a level; expected positive multiples of --rate such as "
                "0.25,0.5,1,1.5",
                flag, item));
        }
        levels.push_back(value);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
    if (levels.empty()) {
        return make_error(fmt::format("{}: give at least one level, e.g. 0.5,1,1.5", flag));
    }
    return levels;
}

// "--flag VALUE" or "--flag=VALUE": the value, advancing i past it.
Result<std::string_view> value_of(std::span<const char* const> argv, std::size_t& i,
                                  std::string_view flag) {
    const std::string_view arg = argv[i];
    if (arg.size() > flag.size() && arg[flag.size()] == '=') {
        return arg.substr(flag.size() + 1);
    }
    if (i + 1 >= argv.size()) {
        return make_error(fmt::format("{}: needs a value; see 'barrage find-max --help'", flag));
    }
    return std::string_view(argv[++i]);
}

bool is_flag(std::string_view arg, std::string_view flag) {
    return arg == flag ||
           (arg.starts_with(flag) && arg.size() > flag.size() && arg[flag.size()] == '=');
}

// find-max's own options that take a value; everything else passes to `run`.
struct FindMaxOption {
    std::string_view flag;
    std::string_view alias;  // "" = none
    Status (*apply)(FindMaxRequest& request, std::string_view flag, std::string_view value);
};

Status set_text(std::string& field, std::string_view value) {
    field = std::string(value);
    return base::Ok{};
}

const std::array<FindMaxOption, 11> find_max_options{{
    {"--slo", "",
     [](FindMaxRequest& r, std::string_view, std::string_view v) {
         r.slos.emplace_back(v);
         return Status(base::Ok{});
     }},
    {"--start", "",
     [](FindMaxRequest& r, std::string_view f, std::string_view v) {
         return store(plan::parse_rate_per_s(f, v), r.start_rps);
     }},
    {"--max", "",
     [](FindMaxRequest& r, std::string_view f, std::string_view v) {
         return store(plan::parse_rate_per_s(f, v), r.max_rps);
     }},
    {"--precision", "",
     [](FindMaxRequest& r, std::string_view f, std::string_view v) {
         return store(parse_percent(f, v), r.precision);
     }},
    {"--step-duration", "",
     [](FindMaxRequest& r, std::string_view f, std::string_view v) {
         return store(plan::parse_duration_ns(f, v, false), r.step_duration_ns);
     }},
    {"--step-warmup", "",
     [](FindMaxRequest& r, std::string_view f, std::string_view v) {
         return store(plan::parse_duration_ns(f, v, true), r.step_warmup_ns);
     }},
    {"--profile-levels", "",
     [](FindMaxRequest& r, std::string_view f, std::string_view v) {
         return store(parse_levels(f, v), r.levels);
     }},
    {"--rate", "-r",
     [](FindMaxRequest& r, std::string_view, std::string_view v) {
         return store(plan::parse_rate_per_s("--rate", v), r.level_base_rps);
     }},
    {"--json", "",
     [](FindMaxRequest& r, std::string_view, std::string_view v) {
         return set_text(r.json_path, v);
     }},
    {"--csv", "",
     [](FindMaxRequest& r, std::string_view, std::string_view v) {
         return set_text(r.csv_path, v);
     }},
    {"--html", "",
     [](FindMaxRequest& r, std::string_view, std::string_view v) {
         return set_text(r.html_path, v);
     }},
}};

// Takes argv[i] (and its value) when it is one of find-max's options.
Status take_option(std::span<const char* const> argv, std::size_t& i, FindMaxRequest& request,
                   bool& taken) {
    const std::string_view arg = argv[i];
    taken = true;
    if (arg == "-q" || arg == "--quiet") {
        request.quiet = true;
        return base::Ok{};
    }
    for (const FindMaxOption& option : find_max_options) {
        const bool alias = !option.alias.empty() && arg == option.alias;
        if (alias || is_flag(arg, option.flag)) {
            auto value = value_of(argv, i, alias ? option.alias : option.flag);
            return value ? option.apply(request, option.flag, value.value())
                         : Status(value.error());
        }
    }
    taken = false;
    return base::Ok{};
}

Status check_request(const FindMaxRequest& request) {
    if (request.levels.empty() && request.slos.empty()) {
        return make_error(
            "barrage find-max: give the SLO to search against with --slo, e.g. --slo 'p99 < "
            "200ms' --slo 'error_rate < 1%' (or --profile-levels with --rate)");
    }
    if (!request.levels.empty() && request.level_base_rps <= 0) {
        return make_error("--profile-levels: give the base rate with --rate, e.g. --rate 1000");
    }
    if (request.levels.empty() && request.level_base_rps > 0) {
        return make_error(
            "--rate is the base of --profile-levels; the search uses --start and "
            "--max");
    }
    if (request.max_rps < request.start_rps) {
        return make_error(fmt::format("--max ({}) is below --start ({}); expected start <= max",
                                      request.max_rps, request.start_rps));
    }
    if (request.json_path == "-" && request.csv_path == "-") {
        return make_error("--json - and --csv - both ask for stdout; send one of them to a file");
    }
    if (request.html_path == "-") {
        return make_error("--html writes a file; '-' (stdout) is for --json or --csv");
    }
    // Two outputs written to one file would overwrite each other.
    const std::pair<const std::string*, const char*> files[] = {{&request.json_path, "--json"},
                                                                {&request.csv_path, "--csv"},
                                                                {&request.html_path, "--html"}};
    for (std::size_t i = 0; i < std::size(files); ++i) {
        for (std::size_t j = i + 1; j < std::size(files); ++j) {
            if (!files[i].first->empty() && *files[i].first == *files[j].first) {
                return make_error(fmt::format("{} and {} both name '{}'; give each its own file",
                                              files[i].second, files[j].second, *files[i].first));
            }
        }
    }
    return base::Ok{};
}

}  // namespace

// The run options as `barrage run` reads them: a URL run or a profile.
Result<plan::RunPlan> parse_run_args(const std::vector<std::string>& run_args) {
    std::vector<const char*> argv{"barrage", "run"};
    for (const std::string& arg : run_args) {
        argv.push_back(arg.c_str());
    }
    auto command = parse_run(argv);
    if (!command) {
        return command.error();
    }
    auto* plan = std::get_if<plan::RunPlan>(&command.value());
    if (plan == nullptr) {
        return make_error("barrage find-max: expected a URL or a profile to run");
    }
    return std::move(*plan);
}

Result<Command> parse_find_max(std::span<const char* const> argv) {
    FindMaxRequest request;
    std::vector<std::string> run_args;  // URL or profile and run options, as given
    for (std::size_t i = 2; i < argv.size(); ++i) {
        const std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            return Command(HelpRequest{std::string(find_max_usage)});
        }
        bool taken = false;
        if (auto status = take_option(argv, i, request, taken); !status) {
            return status.error();
        }
        if (taken) {
            continue;
        }
        if (arg.starts_with("--metrics-listen") || arg.starts_with("--metrics-linger") ||
            arg.starts_with("--dashboard")) {
            // Each step is a run of its own; one endpoint over steps at changing
            // rates would mislead a dashboard more than it would show.
            const bool dashboard = arg.starts_with("--dashboard");
            return make_error(fmt::format(
                "barrage find-max: {} is for barrage run; serve the live {} of one run at "
                "the rate find-max found (barrage run -r RATE {} ADDR:PORT)",
                arg.substr(0, arg.find('=')), dashboard ? "page" : "metrics",
                dashboard ? "--dashboard" : "--metrics-listen"));
        }
        if (is_reserved(arg)) {
            return make_error(fmt::format(
                "barrage find-max: '{}' is set by find-max for each step; use --start, --max, "
                "--step-duration, --step-warmup, --slo, --json, --csv and --html instead",
                arg));
        }
        run_args.emplace_back(arg);
    }
    if (auto status = check_request(request); !status) {
        return status.error();
    }
    if (auto status = store(parse_run_args(run_args), request.run_plan); !status) {
        return status.error();
    }
    // Each step would be sliced, but the search judges one process's steps alone.
    if (request.run_plan.shard.count > 1 || request.run_plan.shard.start_at_unix_ns != 0) {
        return make_error(
            "barrage find-max: --shard and --start-at are for barrage run; find-max searches "
            "from one process. Find one generator's limit, then run N shards of barrage run "
            "(docs/distributed.md)");
    }
    // The first step's plan proves the rate and duration fit the run (a
    // profile's main phase) before any traffic.
    const double first = request.levels.empty() ? request.start_rps
                                                : request.levels.front() * request.level_base_rps;
    if (auto plan = find_max_step_plan(request, first); !plan) {
        return plan.error();
    }
    return Command(std::move(request));
}

std::vector<OptionName> find_max_option_names() {
    std::vector<OptionName> names{{'h', "help", false}, {'q', "quiet", false}};
    for (const FindMaxOption& option : find_max_options) {
        const char short_name = option.alias.size() == 2 ? option.alias[1] : '\0';
        names.push_back({short_name, std::string(option.flag.substr(2)), true});
    }
    return names;
}

// Every run option a step takes: those find-max neither owns nor reserves.
std::vector<OptionName> find_max_passed_option_names() {
    const std::vector<OptionName> own = find_max_option_names();
    std::vector<OptionName> passed;
    for (const OptionName& name : run_option_names()) {
        const bool owned = std::any_of(own.begin(), own.end(), [&](const OptionName& o) {
            return o.long_name == name.long_name;
        });
        if (!owned && !is_reserved("--" + name.long_name)) {
            passed.push_back(name);
        }
    }
    return passed;
}

}  // namespace barrage::cli::detail

namespace barrage::cli {

base::Result<plan::RunPlan> find_max_step_plan(const FindMaxRequest& request, double rate_rps) {
    const plan::RunPlan& run = request.run_plan;
    auto step = profile::with_rate(run, rate_rps, request.step_duration_ns, request.step_warmup_ns);
    if (!step) {
        return step.error();
    }
    if (auto status = plan::validate_run_plan(step.value()); !status) {
        return run.profile_path.empty() ? status.error()
                                        : base::make_error(fmt::format("{}: {}", run.profile_path,
                                                                       status.error().message));
    }
    return step;
}

}  // namespace barrage::cli
