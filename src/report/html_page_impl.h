#pragma once
// What the run report (html_report.cc) and the trend page (trend_html.cc)
// share beyond the public page pieces of barrage/report/html_page.h: the
// trend section. Private to src/report.

#include <span>
#include <string>
#include <string_view>

#include "barrage/report/history.h"
#include "barrage/report/html_page.h"

namespace barrage::report::detail {

// <section id="trend">: the runs recorded with --history (read from
// `source`), oldest first, as four charts over the runs (chart-trend-p50,
// chart-trend-p99, chart-trend-rps, chart-trend-errors) and the table of
// `barrage trend` (<table id="trend-table">).
void append_trend_section(std::string& page, std::span<const HistoryEntry> entries,
                          std::string_view source);

}  // namespace barrage::report::detail
