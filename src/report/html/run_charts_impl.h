#pragma once
// The run report's charts beyond the headline four (html_report.cc): what
// they share (phase bands, threshold lines) and the panels added for issue 13.
// Private to src/report/html.

#include <string>
#include <vector>

#include "barrage/report/html/html_page.h"
#include "barrage/report/result_reader.h"

namespace barrage::report::detail {

// One shaded band per measured phase when the run has two or more (one phase
// is the whole axis: no band).
std::vector<html::ChartBand> phase_bands(const ResultDocument& result);

// A line per latency threshold on the whole run ("p99 < 6ms": unit "us", no
// request or phase scope), in `unit`, named by its expression and verdict.
std::vector<html::ChartRule> latency_rules(const ResultDocument& result,
                                           const html::LatencyUnit& unit);

// <section id="answered">, chart-answered: answered (completed) and failed
// requests per second in each interval, and sent per second where the
// document has it (older ones do not).
void append_answered(std::string& page, const ResultDocument& result);

// <section id="connections">, chart-connections: connections established at
// each interval's end (closed loop: users). Nothing for a document without
// them (older ones).
void append_connections(std::string& page, const ResultDocument& result);

// <section id="errors-over-time">, chart-errors: failed requests and
// connections per interval, one line per error kind that occurred in the run.
// Without errors, a sentence says so; a document without per-interval kinds
// (older ones) says that instead.
void append_errors_over_time(std::string& page, const ResultDocument& result);

// <section id="histogram">, chart-histogram: the share of answered requests
// in each of about 40 log-spaced latency bins, from the latency histogram's
// counts. Nothing for a document without them (older ones); "no data" for
// counts that do not decode.
void append_latency_histogram(std::string& page, const ResultDocument& result);

// A small percentile chart (chart-name-INDEX, INDEX from 1) of one request
// name's latency figures: min, p50 ... p99.99, max.
std::string named_latency_chart(const HistogramFigures& latency, std::size_t index);

}  // namespace barrage::report::detail
