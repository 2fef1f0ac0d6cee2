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

}  // namespace barrage::plan
