#pragma once
// Suite files (docs/profiles.md "Suites"): profiles run in order, with
// cool-downs between them, one combined report and one exit code — the CI
// stages of a plan (smoke, then load, then stress) as one command:
//
//   cool_down = "5s"                # between runs, unless a run says otherwise
//   [[run]]
//   profile = "smoke.toml"          # relative to the suite file's directory
//   set = ["phases.main.duration=5s"]
//   stop_on_fail = true             # a failed run ends the suite
//
// Every profile is loaded (and so checked) here, before the first run starts.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"

namespace barrage::profile {

// One [[run]] of a suite, its profile loaded with the run's overrides.
struct SuiteRun {
    std::string name;           // `name`, else the profile file's name without ".toml"
    std::string profile_path;   // resolved against the suite file's directory
    plan::RunPlan plan;         // validated; outputs as the run's keys give them
    int64_t cool_down_ns = 0;   // pause after this run when another follows
    bool stop_on_fail = false;  // a run that exits non-zero skips the runs after it
};

struct SuitePlan {
    std::string path;            // the suite file
    std::string name;            // `name`, else the file's name without ".toml"
    std::vector<SuiteRun> runs;  // at least one
};

// The command line's changes to every run of a suite.
struct SuiteFlags {
    std::optional<double> time_scale;  // --time-scale: times each run's own time_scale
    std::optional<uint64_t> seed;      // --seed: wins over a run's seed
    bool quiet = false;                // -q: no progress lines
};

// Reads the suite at `path` and loads each run's profile. Errors name the
// suite's file:line:col, then the profile's own error, e.g.
// "ci.toml:7:11: run 'load': load.toml:12:1: unknown key 'duraton' in ...";
// an unknown key is refused with the nearest known one (exit 2).
base::Result<SuitePlan> load_suite(const std::string& path, const SuiteFlags& flags);
// The same from text in memory; `path` names it and anchors relative paths.
base::Result<SuitePlan> load_suite_text(std::string_view text, const std::string& path,
                                        const SuiteFlags& flags);

}  // namespace barrage::profile
