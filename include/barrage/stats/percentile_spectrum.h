#pragma once
// HdrHistogram's percentile spectrum: the latency at 0%, 90%, 99%, 99.9%, ...
// A pure function of a histogram, so the JSON writer, the HTML report and
// `barrage report --hlog` draw the same points.

#include <cstdint>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/stats/histogram.h"

namespace barrage::stats {

// One point of the percentile spectrum: `percentile` in [0, 100].
struct SpectrumPoint {
    double percentile = 0;
    int64_t value_us = 0;
};

// The spectrum of `histogram`: points at 0%, then 5 per decade of 1/(1 - q)
// (90%, 99%, 99.9%, ...) while the histogram holds enough values to tell them
// apart, then 100% (the max). Empty when the histogram is.
std::vector<SpectrumPoint> percentile_spectrum(const Histogram& histogram);

// The spectrum of all intervals of an .hlog file (`barrage run --hlog`)
// merged, for `barrage report --hlog`. Untagged intervals only when there are
// any (tagged ones are per-name parts of the same requests). Errors: those of
// read_hlog, "x.hlog: no latency values in the log", or intervals whose
// histogram layouts differ.
base::Result<std::vector<SpectrumPoint>> spectrum_from_hlog(std::string_view hlog_text,
                                                            std::string_view source);

}  // namespace barrage::stats
