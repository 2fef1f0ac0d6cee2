#pragma once
// The arithmetic behind the inline SVG charts of barrage/report/html/html_page.h:
// scales, ticks, the percentile spectrum's x. Private to src/report/html (the unit
// test reaches in on purpose).

#include <string>
#include <string_view>
#include <vector>

namespace barrage::report::detail {

// Maps [domain_min, domain_max] onto [range_min, range_max] linearly; an empty
// domain (min == max) maps everything to range_min.
struct LinearScale {
    double domain_min = 0;
    double domain_max = 1;
    double range_min = 0;
    double range_max = 1;
    double map(double value) const;
};

// Round tick values (steps of 1, 2 or 5 times a power of ten) from `low`
// (rounded down to a step) through at least `high`, about `count_target` of
// them. low == high gives one step above.
std::vector<double> nice_ticks(double low, double high, int count_target);

// Compact tick text: 0, 0.5, 12, 1500 -> "1.5k", 2000000 -> "2M".
std::string tick_text(double value);

// The x of HdrHistogram's percentile plot: log10(1 / (1 - percentile / 100)),
// so 0% -> 0, 90% -> 1, 99% -> 2, 99.9% -> 3. 100% (and anything the double
// cannot tell from it) maps to `x_at_100`.
double spectrum_x(double percentile, double x_at_100);
// Label of the tick at x = decades: 0 -> "0%", 1 -> "90%", 3 -> "99.9%".
std::string spectrum_tick_label(int decades);

// XAxis::runs: the 1-based runs that get a tick, at most about 8 of them
// evenly spaced, always the first and the last.
std::vector<double> run_ticks(std::size_t run_count);

}  // namespace barrage::report::detail
