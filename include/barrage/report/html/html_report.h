#pragma once
// The HTML report: one self-contained page (no network, no fonts, no CDN;
// charts are inline SVG drawn here, a few lines of inline script only mark
// the page as rendered) built from a result document alone, so
// `barrage run --html` and `barrage report RESULT.json` give the same page.
// Sections (ids the tests and readers may rely on): #summary, #thresholds
// (when the result has any), #throughput, #latency-over-time, #spectrum,
// #status-over-time, #connections (when the intervals have connections), #latency-table,
// #status-and-errors, #by-name (when the result has per-request-name results), #watch (when the
// result has a `watch` section; see detail::append_watch_section), #trend (when given a history),
// #config. Charts are <svg class="chart"> with ids chart-throughput, chart-latency, chart-spectrum,
// chart-status.
//
// The trend page (`barrage trend FILE --html OUT`) is the same kind of page
// holding the #trend section: charts chart-trend-p50, chart-trend-p99,
// chart-trend-rps, chart-trend-errors over the recorded runs (x = run, labelled
// with --label or the time) and <table id="trend-table">, what `barrage trend`
// prints.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/report/history.h"
#include "barrage/report/result_reader.h"

namespace barrage::report {

// Escapes & < > " ' so `text` is safe as element content and as a quoted
// attribute value.
std::string html_escape(std::string_view text);

// The page for `result`. `source` (e.g. the JSON file's name) is shown in the
// header; it may be empty.
std::string format_html_report(const ResultDocument& result, std::string_view source = {});
// Same with the #trend section of the runs in `history`, read from
// `history_source` (shown; must not be empty). An empty history gives the
// section with charts that say "no data".
std::string format_html_report(const ResultDocument& result, std::string_view source,
                               std::span<const HistoryEntry> history,
                               std::string_view history_source);

// The trend page of the runs in `history` (oldest first), read from `source`.
std::string format_trend_html(std::span<const HistoryEntry> history, std::string_view source);

// Same from the JSON text of a result (what `barrage run --html` writes).
// Errors: those of read_result_document.
base::Result<std::string> html_report_from_json(std::string_view json_text,
                                                std::string_view source = {});
// ... with the #trend section (`barrage run --html --history`).
base::Result<std::string> html_report_from_json(std::string_view json_text, std::string_view source,
                                                std::span<const HistoryEntry> history,
                                                std::string_view history_source);

}  // namespace barrage::report
