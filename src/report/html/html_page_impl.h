#pragma once
// What the run report (html_report.cc) and the trend page (trend_html.cc)
// share beyond the public page pieces of barrage/report/html/html_page.h: the
// trend section and the watch section. Private to src/report/html.

#include <span>
#include <string>
#include <string_view>

#include "barrage/report/history.h"
#include "barrage/report/html/html_page.h"
#include "barrage/watch/watcher.h"

namespace barrage::report::detail {

// <section id="trend">: the runs recorded with --history (read from
// `source`), oldest first, as four charts over the runs (chart-trend-p50,
// chart-trend-p99, chart-trend-rps, chart-trend-errors) and the table of
// `barrage trend` (<table id="trend-table">).
void append_trend_section(std::string& page, std::span<const HistoryEntry> entries,
                          std::string_view source);

// <section id="watch">: what --watch-pid/--watch-cgroup/--watch-url saw.
// <table id="watch-growth"> (per target: growth per minute, still climbing,
// leak verdict, exited at); per target N (1-based) the charts
// chart-watch-N-rss (MB), chart-watch-N-counts (fds and threads, when the
// source has them) and chart-watch-N-cpu (% of one core); with a scrape, its
// counts, <table id="watch-series-table"> (every series) and charts
// chart-watch-series-N of the first watch_series_charts_max series.
void append_watch_section(std::string& page, const watch::WatchResult& watch);

inline constexpr std::size_t watch_series_charts_max = 8;

}  // namespace barrage::report::detail
