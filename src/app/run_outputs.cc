// The end-of-run outputs (--csv and --hlog were streamed during the run). A file
// that cannot be written is exit 4: the run happened, its results are incomplete;
// the other outputs are still written.

#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "app_impl.h"
#include "barrage/base/clock.h"
#include "barrage/gate/evaluation.h"
#include "barrage/gate/exit_code.h"
#include "barrage/report/history.h"
#include "barrage/report/html/html_report.h"
#include "barrage/report/run_report.h"

namespace barrage::app::detail {
namespace {

// A failed write says so on stderr and makes the run's code 4.
void note_write(const base::Status& status, int& code) {
    if (!status.ok()) {
        code = fail(status.error().message, gate::exit_output_failed);
    }
}

// With `--json -` or `--csv -` stdout carries only that document, so it pipes into jq.
void print_summary(const plan::RunPlan& plan, const stats::RunResult& result,
                   std::span<const gate::ThresholdOutcome> outcomes,
                   const watch::WatchResult& watched) {
    const bool stdout_taken = plan.outputs.json_path == "-" || plan.outputs.csv_path == "-";
    if (!plan.outputs.quiet || !stdout_taken) {
        std::FILE* stream = stdout_taken ? stderr : stdout;
        fmt::print(stream, "{}",
                   report::format_summary(plan, result, outcomes, &watched,
                                          use_color(plan.outputs.color, stream)));
    }
    std::fflush(stdout);
}

base::Status append_history(const plan::RunPlan& plan, const stats::RunResult& result,
                            std::span<const gate::ThresholdOutcome> outcomes,
                            const watch::WatchResult& watched) {
    const auto entry =
        report::make_history_entry(plan, result, outcomes, base::wall_clock_ms(), &watched);
    return report::append_history_line(plan.outputs.history_path,
                                       report::format_history_line(entry));
}

// Built from the JSON text, so --html and `barrage report` draw the same page;
// with --history, after this run's line, so its trend ends with this run.
void write_html(const plan::RunPlan& plan, const std::string& json, int& code) {
    const base::Result<std::string> page = html_page(plan, json, code);
    note_write(page.ok() ? report::write_file_atomically(plan.outputs.html_path, page.value())
                         : base::Status(page.error()),
               code);
}

}  // namespace

base::Result<std::string> html_page(const plan::RunPlan& plan, const std::string& json, int& code) {
    if (plan.outputs.history_path.empty()) {
        return report::html_report_from_json(json);
    }
    if (auto history = report::read_history_file(plan.outputs.history_path)) {
        return report::html_report_from_json(json, {}, history.value(), plan.outputs.history_path);
    } else {
        code = fail(history.error().message, gate::exit_output_failed);
    }
    return report::html_report_from_json(json);  // the run's page all the same
}

int write_outputs(const plan::RunPlan& plan, const stats::RunResult& result,
                  std::span<const gate::ThresholdSpec> thresholds,
                  const watch::WatchResult& watched, const gate::WindowGates* windows,
                  std::string* json_out) {
    const auto outcomes =
        gate::evaluate_thresholds(thresholds, gate::RunResultMetrics(result, &watched), windows);
    int code = gate::exit_code_for(result, outcomes);
    print_summary(plan, result, outcomes, watched);
    const auto json = [&] { return report::format_json(plan, result, outcomes, &watched); };
    if (!plan.outputs.json_path.empty()) {
        note_write(report::write_file_atomically(plan.outputs.json_path, json()), code);
    }
    if (!plan.outputs.csv_requests_path.empty()) {
        note_write(report::write_file_atomically(plan.outputs.csv_requests_path,
                                                 report::format_requests_csv(result)),
                   code);
    }
    if (!plan.outputs.history_path.empty()) {
        note_write(append_history(plan, result, outcomes, watched), code);
    }
    if (!plan.outputs.html_path.empty()) {
        write_html(plan, json(), code);
    }
    if (json_out != nullptr) {
        *json_out = json();
    }
    return code;
}

}  // namespace barrage::app::detail
