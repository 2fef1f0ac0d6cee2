#pragma once
// HdrHistogram interval logs (.hlog), the format of the reference
// HistogramLogWriter / HistogramLogReader (log format 1.3), readable by
// HistogramLogProcessor and HistogramLogAnalyzer:
//
//   #[Histogram log format version 1.3]
//   #[StartTime: 1764689224.123 (seconds since epoch), Wed Dec 02 15:27:04 UTC 2026]
//   #[BaseTime: 1764689224.123 (seconds since epoch)]
//   "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
//   [Tag=NAME,]START_S,LENGTH_S,MAX_MS,BASE64
//
// Each histogram is in the V2 compressed encoding: a 40-byte big-endian header
// (cookie 0x1c849313, payload length, normalizing index offset 0, significant
// figures, lowest discernible value, highest trackable value, conversion ratio
// 1.0 as a double) followed by the counts up to the maximum's index as ZigZag
// LEB128 varints (at most 9 bytes; a run of N > 1 zero counts is written as -N),
// all of it zlib-deflated behind an 8-byte header (cookie 0x1c849314, deflated
// length), then base64. barrage records microseconds, so Interval_Max is the
// maximum in milliseconds (the reference tools' default ratio for ns gives ms too).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/stats/histogram.h"

namespace barrage::stats {

inline constexpr int32_t hlog_encoding_cookie = 0x1c849313;
inline constexpr int32_t hlog_compressed_cookie = 0x1c849314;

// The uncompressed V2 encoding (header + counts), as bytes.
std::string encode_histogram(const stats::Histogram& histogram);
// Compressed and base64: what one log line carries.
std::string encode_histogram_compressed_base64(const stats::Histogram& histogram);

// The reverse; errors say which layer is broken ("not base64", "bad cookie
// 0x...", "zlib: ...", "counts run past the histogram's range").
base::Result<stats::Histogram> decode_histogram(std::string_view bytes);
base::Result<stats::Histogram> decode_histogram_compressed_base64(std::string_view base64);

// A tag the reference reader accepts: spaces and commas become '_'.
std::string sanitize_hlog_tag(std::string_view tag);
// One distinct tag per request name, in order: sanitized, and where two names
// sanitize alike ("a b", "a_b"), the later one gets "~2" (then "~3", ...)
// so their lines never merge in a reader.
std::vector<std::string> hlog_tags_for(std::span<const std::string> names);

// The file's parts, for writing it as the run goes (barrage run streams it): the
// header with StartTime/BaseTime = start_unix_ms, and one interval line
// (start_s: seconds since the measured start; an empty `tag` writes no Tag=).
std::string hlog_header(int64_t start_unix_ms);
std::string hlog_line(double start_s, double length_s, const stats::Histogram& histogram,
                      std::string_view tag = {});

// Collects interval lines in memory (each is small: the encoded form, not the
// histogram) and renders the whole file at once.
class HlogWriter {
public:
    // start_s: seconds since the measured start; an empty `tag` writes no Tag=.
    void add_interval(double start_s, double length_s, const stats::Histogram& histogram,
                      std::string_view tag = {});
    // Drops intervals that start at or after `end_s` (a run stopped early).
    void drop_from(double end_s);
    // The file: header with StartTime/BaseTime = start_unix_ms, then the lines.
    std::string text(int64_t start_unix_ms) const;

private:
    struct Line {
        double start_s;
        std::string text;
    };
    std::vector<Line> lines_;
};

struct HlogInterval {
    std::string tag;
    double start_s = 0;  // as written (relative to BaseTime)
    double length_s = 0;
    double max_ms = 0;  // Interval_Max as written
    stats::Histogram histogram = stats::Histogram::for_latency_us();
};

struct HlogFile {
    double start_time_s = 0;  // #[StartTime: ...]
    double base_time_s = 0;   // #[BaseTime: ...]
    std::vector<HlogInterval> intervals;
};

// Reads what HlogWriter writes (and the reference writer's untagged or tagged
// V2 lines). Errors name the line: "x.hlog:7: ...".
base::Result<HlogFile> read_hlog(std::string_view text, std::string_view source);

}  // namespace barrage::stats
