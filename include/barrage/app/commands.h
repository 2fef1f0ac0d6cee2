#pragma once
// The application layer: one function per barrage command. Each takes what the
// command line produced (cli/command_line.h), does the command and returns its
// exit code (gate/exit_code.h). main.cc only dispatches to these.

#include <string>

#include "barrage/cli/command_line.h"
#include "barrage/plan/plan.h"

namespace barrage::app {

// barrage run: gates and outputs checked before any traffic, the run, then the
// summary and every output file. `plan`'s target is resolved in place.
int run_command(plan::RunPlan& plan);
// barrage serve: the test target, until a signal stops it.
int serve_command(const plan::ServePlan& plan);
// barrage find-max: the capacity search (or --profile-levels), step by step.
int find_max_command(const cli::FindMaxRequest& request);
// barrage report: the HTML page of a result document.
int report_command(const cli::ReportRequest& request);
// barrage compare: a result against baselines; 1 on a regression.
int compare_command(const cli::CompareRequest& request);
// barrage suite: the suite's runs in order with cool-downs, every run's gates
// and outputs checked before the first; the table, the suite's --json and the
// worst run's exit code (gate::worst_exit_code).
int suite_command(cli::SuiteRequest& request);
// barrage merge: the shards' --json results summed into the whole test's
// result; 1 when a threshold fails on it, 2 when the files do not belong together.
int merge_command(const cli::MergeRequest& request);
// barrage run URL --levels c=...|r=...: one run per level, then one table (and
// --json); 0 when every level ran, 3 when one could not (nothing completed),
// 128 + n when signal n stopped the sweep (the levels so far are reported).
int levels_command(const cli::LevelsRequest& request);
// barrage trend: the runs a --history file recorded.
int trend_command(const cli::TrendRequest& request);

// barrage --version / barrage version: "barrage 0.1.0 (COMMIT, BUILDTYPE, static|dynamic)",
// then one line each for the commit, build type, linking, compiler and library versions.
std::string version_text();
int version_command();

// Prints "barrage: MESSAGE" on stderr and returns `code`, so a caller writes
// `return fail(message, gate::exit_usage);`.
int fail(const std::string& message, int code);

}  // namespace barrage::app
