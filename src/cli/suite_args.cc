// `barrage suite SUITE.toml`: the suite's own few options; each run's options
// are in the suite file, read and checked with every profile before any run.

#include <fmt/format.h>

#include <array>

#include "barrage/plan/units.h"
#include "options_impl.h"
#include "suite_impl.h"

namespace barrage::cli::detail {

const std::string_view suite_usage =
    R"(Usage: barrage suite SUITE.toml [--json FILE] [--time-scale F] [--seed N] [-q]

Runs the profiles a suite file lists, in order, with a cool-down after each
(smoke, then load, then stress, as a plan's CI stages do), prints each run's
summary and then a table of the runs, and exits with the worst run's exit
code (see 'Exit codes' in docs/output.md). Every profile is loaded and checked
before the first run starts: a mistake in any is exit 2 before any traffic.
SIGINT or SIGTERM stops the suite: the run in progress ends as 'barrage run'
would, the runs after it are skipped, and the table and --json are written.

SUITE.toml (docs/profiles.md, "Suites"):
  cool_down = "5s"             pause between runs (default 0)
  stop_on_fail = false         a failed run skips the rest (default false)
  [[run]]
  profile = "smoke.toml"       relative to the suite file
  name = "smoke"               default: the profile's file name
  set = ["phases.main.duration=10s"]   as --set
  time_scale = 0.1             as --time-scale
  seed = 7                     as --seed
  requests = 100               as --requests
  cool_down = "30s"            this run's pause after it
  stop_on_fail = true          this run failing skips the rest
  json = "smoke.json"          also html = "...", csv = "...": its own files

      --json FILE          write the suite's result as JSON: the table's
                           figures and each run's whole --json document
                           ('-' = stdout; the summaries then go to stderr)
      --time-scale F       every run's phases scaled by F (times its own
                           time_scale)
      --seed N             every run's seed
  -q, --quiet              no progress lines
  -h, --help               show this help
)";

namespace {

struct SuiteArgs {
    profile::SuiteFlags flags;
    std::string json_path;
};

const std::array<OptionSpec<SuiteArgs>, 4> suite_options{{
    {'\0', "json", true,
     [](SuiteArgs& a, std::string_view, std::string_view v) {
         a.json_path = std::string(v);
         return Status(Ok{});
     }},
    {'\0', "time-scale", true,
     [](SuiteArgs& a, std::string_view flag, std::string_view v) {
         return store(parse_time_scale(flag, v), a.flags.time_scale);
     }},
    {'\0', "seed", true,
     [](SuiteArgs& a, std::string_view flag, std::string_view v) {
         auto seed = plan::parse_count(flag, v, 0, INT64_MAX);
         if (seed) {
             a.flags.seed = static_cast<uint64_t>(seed.value());
         }
         return seed ? Status(Ok{}) : Status(seed.error());
     }},
    {'q', "quiet", false,
     [](SuiteArgs& a, std::string_view, std::string_view) {
         a.flags.quiet = true;
         return Status(Ok{});
     }},
}};

// A suite runs its profiles one after another on one machine; sharding is per run.
Status refuse_shard_flags(std::span<const char* const> args) {
    for (const std::string_view arg : args) {
        for (const std::string_view flag : {"--shard", "--shards", "--start-at"}) {
            if (arg == flag ||
                (arg.starts_with(flag) && arg.substr(flag.size()).starts_with('='))) {
                return make_error(fmt::format(
                    "barrage suite: {} is for barrage run; a suite runs its profiles in order on "
                    "one machine. Shard each run instead: barrage run PROFILE --shard I/N",
                    flag));
            }
        }
    }
    return Ok{};
}

}  // namespace

Result<Command> parse_suite(std::span<const char* const> argv) {
    if (auto status = refuse_shard_flags(argv.subspan(2)); !status) {
        return status.error();
    }
    SuiteArgs args;
    std::vector<std::string_view> positionals;
    auto help = parse_options<SuiteArgs>(argv.subspan(2), "barrage suite", suite_options, args,
                                         positionals);
    if (!help) {
        return help.error();
    }
    if (help.value()) {
        return Command(HelpRequest{std::string(suite_usage)});
    }
    if (positionals.size() != 1) {
        return make_error(
            "barrage suite: expected one suite file, e.g. barrage suite ci.toml (see "
            "'barrage suite --help')");
    }
    auto suite = profile::load_suite(std::string(positionals[0]), args.flags);
    if (!suite) {
        return suite.error();
    }
    return Command(SuiteRequest{std::move(suite).value(), args.json_path, args.flags.quiet});
}

}  // namespace barrage::cli::detail
