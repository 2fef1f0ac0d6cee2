#pragma once
// Parsing numbers with units, shared by cli (flags) and profile (TOML values).
// Each returns an Error whose message starts with `flag` (the flag name, or
// "FILE:LINE:COL: key" for a profile) and lists the accepted forms.

#include <cstdint>
#include <string_view>

#include "barrage/base/result.h"

namespace barrage::plan {

// "250ms", "30s", "2m", "1h", "1m30s", "1.5s", "500us"; bare numbers are seconds.
// Rejects negative, empty, unknown units. allow_zero: "0s" accepted.
base::Result<int64_t> parse_duration_ns(std::string_view flag, std::string_view text,
                                        bool allow_zero);

// "1000", "2.5", "20k" (x1000), "1.5M"; also "100/s", "6000/m". Must be > 0.
base::Result<double> parse_rate_per_s(std::string_view flag, std::string_view text);

// Positive integer with optional k/M suffix (x1000), within [min, max].
base::Result<int64_t> parse_count(std::string_view flag, std::string_view text, int64_t min,
                                  int64_t max);

// "512", "4k"/"4KiB" (x1024), "1M"/"1MiB", "1G". Must be > 0.
base::Result<int64_t> parse_size_bytes(std::string_view flag, std::string_view text);

// Growth per minute, for leak limits and thresholds (--leak-rss-limit, 'rss_growth < 5MB/min').
// GrowthUnit::megabytes: "10MB/min", "512KB/min", "1GB/h", "0.5MB/s" -> MB (2^20 bytes) per
// minute. GrowthUnit::count: "10/min", "1/h", "0.5/s" -> per minute. GrowthUnit::percent:
// "10%/24h" -> a fraction per minute (0.1 / 1440). Per-time: /s, /min (/m), /h, /d, with an
// optional count before the unit (/24h, /5min). Must be >= 0.
enum class GrowthUnit { megabytes, count, percent };
base::Result<double> parse_growth_per_min(std::string_view flag, std::string_view text,
                                          GrowthUnit unit);

}  // namespace barrage::plan
