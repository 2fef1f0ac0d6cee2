#pragma once
// What `barrage suite` reports: a table of its runs after their summaries, and
// one JSON document holding each run's whole --json document (docs/output.md
// "Suite JSON"). The runs' own figures are read back from their documents,
// so the table shows what the files say.

#include <string>
#include <vector>

namespace barrage::report {

// One run of a suite as its report shows it.
struct SuiteRunOutcome {
    std::string name;
    std::string profile_path;
    bool ran = false;             // false: skipped (see skipped_because)
    int exit_code = 0;            // the run's, as `barrage run` would exit (when it ran)
    std::string json;             // its result document; "" when it stopped before any traffic
    std::string skipped_because;  // "stop_on_fail: 'smoke' failed", "the suite was stopped"
};

struct SuiteOutcome {
    std::string name;
    std::string path;
    std::vector<SuiteRunOutcome> runs;  // every [[run]], in order, skipped ones too
    int exit_code = 0;                  // the worst of the runs (gate::worst_exit_code)
    int stop_signal = 0;                // the signal that stopped the suite; 0: none
};

// What an exit code says, for the table: "passed", "thresholds failed", ...
std::string exit_code_verdict(int exit_code);

// The table: one row per run (name, profile, exit, verdict, requests,
// failure_rate, p95, p99, rps) and the suite's exit code. Ends with a newline.
std::string format_suite_table(const SuiteOutcome& outcome);

// The suite's JSON document: kind "suite", its exit code and signal, and per
// run its name, profile, exit code, verdict and `result` (the run's document,
// or null). Ends with a newline.
std::string format_suite_json(const SuiteOutcome& outcome);

}  // namespace barrage::report
