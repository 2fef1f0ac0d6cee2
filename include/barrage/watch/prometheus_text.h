#pragma once
// The Prometheus text exposition format (version 0.0.4), read for
// --watch-url: `name{label="value",...} value [timestamp]` lines, `#` comments.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace barrage::watch {

struct SeriesValue {
    std::string
        key;  // the metric name with its labels as written: `http_requests_total{code="200"}`
    double value = 0;  // NaN, +Inf and -Inf are kept as such
};

// The samples whose metric name is one of `names`, in the order of the text.
// Malformed lines are skipped (a scrape must not fail on one odd line); the
// labels keep their text, without spaces outside the quoted values.
std::vector<SeriesValue> parse_prometheus_text(std::string_view text,
                                               std::span<const std::string> names);

// Whether `name` is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), for checking --watch-series.
bool is_metric_name(std::string_view name);

}  // namespace barrage::watch
