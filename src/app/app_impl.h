#pragma once
// What the commands share: the run's gates, its progress line, its watcher,
// its .hlog tags and its end-of-run outputs. Private to src/app.

#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "barrage/app/commands.h"
#include "barrage/base/result.h"
#include "barrage/engine/run.h"
#include "barrage/gate/threshold.h"
#include "barrage/gate/window_gates.h"
#include "barrage/live/metrics_server.h"
#include "barrage/plan/plan.h"
#include "barrage/stats/run_result.h"
#include "barrage/watch/watcher.h"

namespace barrage::app::detail {

// The run's thresholds, parsed and checked before any traffic: a typo must not
// cost a run. Errors start with where the threshold was written ("--threshold",
// "x.toml:3:5").
base::Result<std::vector<gate::ThresholdSpec>> plan_thresholds(const plan::RunPlan& plan);

// The engine's stop check for the abort thresholds among `specs` (none: empty);
// `windows` (may be null) judges the windowed, drift and sustained ones and must
// outlive the run.
engine::StopCheck abort_check(const plan::RunPlan& plan, std::span<const gate::ThresholdSpec> specs,
                              const gate::WindowGates* windows = nullptr);

// The judgement over time of the windowed, drift and sustained thresholds among
// `specs`, fed by the engine's interval totals; null when there are none.
std::unique_ptr<gate::WindowGates> window_gates(const plan::RunPlan& plan,
                                                std::span<const gate::ThresholdSpec> specs);

// One step of a sweep (find-max, --levels): `plan` with its targets resolved,
// run to the end. `target` gets the URL as shown, `stop_signal` the signal that
// interrupted the step (0 when none did). An error when the target cannot be
// resolved or when `what` ("the step at 100.0 req/s") completed no request and
// the generator was not the reason (exit 3).
base::Result<stats::RunResult> run_step(plan::RunPlan& plan, std::string_view what,
                                        std::string& target, int& stop_signal);

// Whether to colour what goes to `stream`: --color always or never, else
// (auto) when `stream` is a terminal and NO_COLOR is unset or empty (color.cc).
bool use_color(plan::ColorMode mode, std::FILE* stream);

// Prints each interval's progress line on stderr; empty with -q.
engine::IntervalCallback progress_printer(const plan::RunPlan& plan);

// The watcher of --watch-pid/--watch-cgroup/--watch-url, opened (not started);
// null when nothing is watched. Errors: a PID, cgroup or URL that cannot be opened.
base::Result<std::unique_ptr<watch::Watcher>> open_watcher(const plan::RunPlan& plan);

// --hlog's tags, one per request name (none without --hlog); says on stderr
// when two names would share a tag.
std::vector<std::string> hlog_tags(const plan::RunPlan& plan);

// The end-of-run outputs: summary, --json, --csv-requests, --history, --html.
// Returns the run's exit code, 4 when a file could not be written. With
// `json_out`, the JSON document goes there too (a suite keeps each run's).
int write_outputs(const plan::RunPlan& plan, const stats::RunResult& result,
                  std::span<const gate::ThresholdSpec> thresholds,
                  const watch::WatchResult& watched, const gate::WindowGates* windows = nullptr,
                  std::string* json_out = nullptr);

// The --html page of a run from its JSON text (with --history, its trend);
// `code` becomes 4 when the history cannot be read (the run's page all the same).
base::Result<std::string> html_page(const plan::RunPlan& plan, const std::string& json, int& code);

// --metrics-listen: the endpoint, fed once per interval by the engine's live
// hook (on the coordinator thread; the rendering happens on the endpoint's).
class LiveMetrics {
public:
    // Listens before any traffic and prints the address on stderr; null
    // without --metrics-listen. Errors (exit 2): a bad ADDR:PORT, a busy port,
    // --metrics-linger without --metrics-listen.
    static base::Result<std::unique_ptr<LiveMetrics>> open(const plan::RunPlan& plan);
    explicit LiveMetrics(const plan::RunPlan& plan, std::unique_ptr<live::MetricsServer> server);

    engine::LiveCallback hook();
    // After the run: publishes its totals as final (served until destroyed;
    // linger_after_run keeps them served for --metrics-linger).
    void finish(const stats::RunResult& result);

private:
    void publish(const engine::LiveInterval& live);

    const plan::RunPlan& plan_;
    std::unique_ptr<live::MetricsServer> server_;
    live::MetricsFrame last_;  // the last frame published (coordinator thread)
};

// --dashboard: the live page, fed once per measured interval by the engine's
// result hook (a copy of the result so far; rendered on the endpoint's thread).
class Dashboard {
public:
    // Listens before any traffic and prints the URL on stderr (even with -q);
    // null without --dashboard. Errors (exit 2): a bad ADDR:PORT, a busy port,
    // --dashboard-linger without --dashboard.
    static base::Result<std::unique_ptr<Dashboard>> open(const plan::RunPlan& plan);
    explicit Dashboard(const plan::RunPlan& plan, std::unique_ptr<live::MetricsServer> server);

    // Judges `thresholds` (and `windows`, both outliving the run) on the result
    // so far and publishes it as the live page.
    engine::ResultCallback hook(std::span<const gate::ThresholdSpec> thresholds,
                                const gate::WindowGates* windows);
    // After the run: `final_page` (the run's --html page) is what / serves from now on.
    void finish(std::string final_page);

private:
    const plan::RunPlan& plan_;
    std::unique_ptr<live::MetricsServer> server_;
};

// After every output: keeps the endpoints serving for the longer of
// --metrics-linger and --dashboard-linger; SIGINT, SIGTERM or SIGHUP ends that at once.
void linger_after_run(const plan::RunPlan& plan);

// A new random run id: 16 hex digits.
std::string new_run_id();

// barrage run as run_command does it, keeping the result document in
// `json_out` ("" when the run stopped before any traffic).
int run_recorded(plan::RunPlan& plan, std::string& json_out);

}  // namespace barrage::app::detail
