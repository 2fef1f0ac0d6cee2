#include "barrage/report/suite_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "barrage/base/excerpt.h"
#include "barrage/gate/exit_code.h"
#include "barrage/report/json_writer.h"
#include "barrage/report/result_reader.h"
#include "barrage/report/run_report.h"

namespace barrage::report {
namespace {

// The columns of a run that has a result document; none without one.
struct RunFigures {
    int64_t requests = 0;  // sent
    double failure_rate = 0;
    int64_t p95_us = 0;
    int64_t p99_us = 0;
    double rps = 0;
};

std::optional<RunFigures> figures_of(const SuiteRunOutcome& run) {
    if (run.json.empty()) {
        return std::nullopt;
    }
    auto document = read_result_document(run.json, run.name);
    if (!document.ok()) {
        return std::nullopt;  // written by this binary a moment ago: cannot happen
    }
    const ResultDocument& doc = document.value();
    const int64_t answered_or_not = doc.completed + doc.request_errors;
    const int64_t failed = doc.request_errors + doc.responses_failed;
    return RunFigures{doc.sent,
                      answered_or_not > 0
                          ? static_cast<double>(failed) / static_cast<double>(answered_or_not)
                          : 0.0,
                      doc.latency().p95_us, doc.latency().p99_us, doc.throughput_rps};
}

// One unit for a whole column, so rows compare at a glance.
std::string ms_cell(int64_t us) { return fmt::format("{:.2f}ms", static_cast<double>(us) / 1e3); }

std::string verdict_of(const SuiteRunOutcome& run) {
    return run.ran ? exit_code_verdict(run.exit_code) : "skipped: " + run.skipped_because;
}

std::string table_row(const SuiteRunOutcome& run, std::size_t name_width,
                      std::size_t profile_width) {
    const std::string exit = run.ran ? fmt::format("{}", run.exit_code) : "-";
    std::string row =
        fmt::format("  {:<{}}  {:<{}}  {:>4}  {:<20}", base::excerpt(run.name), name_width,
                    base::excerpt(run.profile_path), profile_width, exit, verdict_of(run));
    if (const auto figures = figures_of(run)) {
        row += fmt::format("  {:>10}  {:>11.2f}%  {:>10}  {:>10}  {:>10.1f}", figures->requests,
                           figures->failure_rate * 100, ms_cell(figures->p95_us),
                           ms_cell(figures->p99_us), figures->rps);
    }
    while (!row.empty() && row.back() == ' ') {
        row.pop_back();
    }
    return row + "\n";
}

}  // namespace

std::string exit_code_verdict(int exit_code) {
    if (exit_code >= gate::exit_signal_base) {
        const std::string_view name = stop_signal_name(exit_code - gate::exit_signal_base);
        return fmt::format("interrupted ({})", name.empty() ? "signal" : name);
    }
    switch (exit_code) {
        case gate::exit_ok:
            return "passed";
        case gate::exit_thresholds_failed:
            return "thresholds failed";
        case gate::exit_usage:
            return "usage error";
        case gate::exit_run_failed:
            return "run failed";
        case gate::exit_output_failed:
            return "output not written";
        default:
            return fmt::format("exit {}", exit_code);
    }
}

std::string format_suite_table(const SuiteOutcome& outcome) {
    std::size_t name_width = 3;
    std::size_t profile_width = 7;
    int ran = 0;
    int failed = 0;
    for (const SuiteRunOutcome& run : outcome.runs) {
        name_width = std::max(name_width, base::excerpt(run.name).size());
        profile_width = std::max(profile_width, base::excerpt(run.profile_path).size());
        ran += run.ran ? 1 : 0;
        failed += run.ran && run.exit_code != gate::exit_ok ? 1 : 0;
    }
    std::string out =
        fmt::format("Suite {} ({}): {} of {} runs ran, {} failed\n", base::excerpt(outcome.name),
                    base::excerpt(outcome.path), ran, outcome.runs.size(), failed);
    out += fmt::format("  {:<{}}  {:<{}}  {:>4}  {:<20}  {:>10}  {:>12}  {:>10}  {:>10}  {:>10}\n",
                       "run", name_width, "profile", profile_width, "exit", "verdict", "requests",
                       "failure_rate", "p95", "p99", "rps");
    for (const SuiteRunOutcome& run : outcome.runs) {
        out += table_row(run, name_width, profile_width);
    }
    out += fmt::format("Suite exit code: {} ({})\n", outcome.exit_code,
                       exit_code_verdict(outcome.exit_code));
    return out;
}

std::string format_suite_json(const SuiteOutcome& outcome) {
    JsonWriter json;
    json.begin_object();
    json.key("tool");
    json.value("barrage");
    json.key("kind");
    json.value("suite");
    json.key("version");
    json.value(BARRAGE_VERSION);
    json.key("suite");
    json.value(outcome.name);
    json.key("file");
    json.value(outcome.path);
    json.key("exit_code");
    json.value(outcome.exit_code);
    json.key("verdict");
    json.value(exit_code_verdict(outcome.exit_code));
    json.key("interrupted");
    json.value(outcome.stop_signal > 0);
    json.key("signal");
    if (outcome.stop_signal > 0) {
        json.value(stop_signal_name(outcome.stop_signal));
    } else {
        json.null();
    }
    json.key("runs");
    json.begin_array();
    for (const SuiteRunOutcome& run : outcome.runs) {
        json.begin_object();
        json.key("name");
        json.value(run.name);
        json.key("profile");
        json.value(run.profile_path);
        json.key("ran");
        json.value(run.ran);
        json.key("exit_code");
        run.ran ? json.value(run.exit_code) : json.null();
        json.key("verdict");
        json.value(verdict_of(run));
        json.key("result");
        run.json.empty() ? json.null() : json.document(run.json);
        json.end_object();
    }
    json.end_array();
    json.end_object();
    return json.text() + "\n";
}

}  // namespace barrage::report
