#pragma once
// Renders a MetricsFrame as a scrape answer: the Prometheus text exposition
// format 0.0.4, or OpenMetrics 1.0 (`# UNIT`, counter families without their
// `_total`, `# EOF`). Every series has the labels run_id and, in a sharded
// run, shard; docs/metrics.md lists them.

#include <string>
#include <string_view>

#include "barrage/live/metrics_frame.h"

namespace barrage::live {

enum class Format { prometheus_text, openmetrics };

// The Content-Type of an answer in `format`.
std::string_view content_type(Format format);

// OpenMetrics when `accept` (a request's Accept header) names
// application/openmetrics-text, else the Prometheus text format.
Format format_for_accept(std::string_view accept);

std::string render(const MetricsFrame& frame, Format format);

// Escapes a label value: backslash, double quote and newline as \\, \" and \n.
std::string escape_label_value(std::string_view value);

}  // namespace barrage::live
