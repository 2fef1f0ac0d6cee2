#pragma once
// The find-max page (`barrage find-max --html FILE`): one self-contained HTML
// page (no fetch, inline SVG charts, the same page pieces as `barrage run
// --html`) of a capacity search or of --profile-levels. Sections (ids the
// tests and readers may rely on): #answer (cards: status, max sustainable
// rate, first failing rate, knee; and the answer line), #latency (chart
// chart-capacity-latency: p50 and p99 over the asked rate, log scale),
// #rate (chart chart-capacity-rate: achieved and asked rate over the asked
// rate), #steps (<table id="steps-table">, one row per step by rate, each
// <tr> with class verdict-pass, verdict-slo_failed,
// verdict-generator_saturated or verdict-interrupted).

#include <string>

#include "barrage/capacity/capacity_report.h"

namespace barrage::capacity {

// The page for `outcome`; `target` (the URL the steps ran against) is shown
// in the header and may be empty.
std::string format_capacity_html(const CapacityOutcome& outcome, const std::string& target);

}  // namespace barrage::capacity
