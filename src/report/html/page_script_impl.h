#pragma once
// The inline script html::page_close puts on every page. Private to src/report/html.

namespace barrage::report::detail {

// Wires every <svg class="chart"> that carries data-x (render_line_chart): a
// tooltip (#chart-tip) with the values at the nearest x on mousemove, a click
// on a legend entry hides or shows its series, and on charts over seconds a
// drag across the plot zooms into that stretch (double-click resets). Then
// marks <body> with data-charts="N" and data-rendered="ok".
extern const char* const page_script;

}  // namespace barrage::report::detail
