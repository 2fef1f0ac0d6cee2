// HdrHistogram V2 compressed encoding and interval log files (see hlog.h for
// the layout; it follows the reference Java implementation byte for byte).

#include "barrage/stats/hlog.h"

#include <fmt/format.h>
#include <zlib.h>

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <ctime>
#include <iterator>
#include <optional>
#include <set>

#include "barrage/base/assert.h"

namespace barrage::stats {
namespace {

using base::make_error;
using base::Result;

constexpr std::size_t v2_header_bytes = 40;
constexpr std::size_t compressed_header_bytes = 8;
constexpr int leb128_bytes_max = 9;  // the "LEB128-64b9B" variant: the 9th byte holds 8 bits
constexpr std::size_t inflated_bytes_max = 64 * 1024 * 1024;  // far above any real histogram
constexpr int significant_figures_max = 5;
constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void put_u32(std::string& out, uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out += static_cast<char>((value >> shift) & 0xff);
    }
}

void put_u64(std::string& out, uint64_t value) {
    put_u32(out, static_cast<uint32_t>(value >> 32));
    put_u32(out, static_cast<uint32_t>(value));
}

uint64_t get_be(std::string_view bytes, std::size_t at, int width) {
    uint64_t value = 0;
    for (int i = 0; i < width; ++i) {
        value = value << 8 | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
    }
    return value;
}

void put_zigzag(std::string& out, int64_t signed_value) {
    uint64_t value =
        (static_cast<uint64_t>(signed_value) << 1) ^ static_cast<uint64_t>(signed_value >> 63);
    for (int i = 1; i < leb128_bytes_max && value >= 0x80; ++i) {
        out += static_cast<char>((value & 0x7f) | 0x80);
        value >>= 7;
    }
    out += static_cast<char>(value);  // the 9th byte, if reached, carries 8 bits
}

// Reads one varint at `at` (advanced); nullopt when the bytes end mid-varint.
std::optional<int64_t> get_zigzag(std::string_view bytes, std::size_t& at) {
    uint64_t value = 0;
    for (int i = 0; i < leb128_bytes_max; ++i) {
        if (at >= bytes.size()) {
            return std::nullopt;
        }
        const auto byte = static_cast<unsigned char>(bytes[at++]);
        if (i == leb128_bytes_max - 1) {
            value |= static_cast<uint64_t>(byte) << 56;
            break;
        }
        value |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
        if ((byte & 0x80) == 0) {
            break;
        }
    }
    return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1);
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
        uint32_t chunk = 0;
        for (std::size_t j = 0; j < 3; ++j) {
            chunk = chunk << 8 | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0u);
        }
        for (std::size_t j = 0; j < 4; ++j) {
            out += j <= n ? base64_alphabet[(chunk >> (18 - 6 * j)) & 0x3f] : '=';
        }
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::size_t padding = 0;
    while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
        ++padding;
    }
    std::string out;
    out.reserve(text.size() / 4 * 3);
    uint32_t chunk = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool pad = i >= text.size() - padding;
        const auto digit = base64_alphabet.find(text[i]);  // '=' elsewhere is not found
        if (!pad && digit == std::string_view::npos) {
            return std::nullopt;
        }
        chunk = chunk << 6 | static_cast<uint32_t>(pad ? 0 : digit);
        if (i % 4 == 3) {
            out += static_cast<char>(chunk >> 16 & 0xff);
            out += static_cast<char>(chunk >> 8 & 0xff);
            out += static_cast<char>(chunk & 0xff);
            chunk = 0;
        }
    }
    out.resize(out.size() - padding);
    return out;
}

Result<std::string> inflate_all(std::string_view deflated) {
    std::size_t capacity = std::max<std::size_t>(deflated.size() * 8, 1024);
    while (capacity <= inflated_bytes_max) {
        std::string out(capacity, '\0');
        uLongf length = static_cast<uLongf>(out.size());
        const int status = uncompress(reinterpret_cast<Bytef*>(out.data()), &length,
                                      reinterpret_cast<const Bytef*>(deflated.data()),
                                      static_cast<uLong>(deflated.size()));
        if (status == Z_OK) {
            out.resize(length);
            return out;
        }
        if (status != Z_BUF_ERROR) {
            return make_error(fmt::format("zlib: {}", zError(status)));
        }
        capacity *= 2;
    }
    return make_error("zlib: the histogram inflates to more than 64 MiB");
}

// The index past the last non-zero count (0 when empty): what the encoding covers.
int32_t relevant_length(const stats::Histogram& histogram) {
    for (int32_t index = histogram.counts_len(); index > 0; --index) {
        if (histogram.count_at_index(index - 1) != 0) {
            return index;
        }
    }
    return 0;
}

void put_counts(std::string& out, const stats::Histogram& histogram) {
    const int32_t length = relevant_length(histogram);
    for (int32_t index = 0; index < length;) {
        const int64_t count = histogram.count_at_index(index++);
        int64_t zeros = count == 0 ? 1 : 0;
        while (count == 0 && index < length && histogram.count_at_index(index) == 0) {
            ++zeros;
            ++index;
        }
        put_zigzag(out, zeros > 1 ? -zeros : count);
    }
}

Result<stats::Histogram> decode_counts(std::string_view payload, stats::Histogram histogram) {
    std::size_t at = 0;
    int64_t index = 0;
    while (at < payload.size()) {
        const auto word = get_zigzag(payload, at);
        if (!word) {
            return make_error("the counts end in the middle of a number");
        }
        if (*word < 0) {
            index += -*word;  // a run of zero counts
            continue;
        }
        if (index >= histogram.counts_len()) {
            return make_error("counts run past the histogram's range");
        }
        if (*word > 0) {
            histogram.record_values(histogram.value_at_index(static_cast<int32_t>(index)), *word);
        }
        ++index;
    }
    return histogram;
}

std::optional<double> parse_double(std::string_view text) {
    double number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return number;
}

// "#[StartTime: 1764689224.123 (seconds ..." -> 1764689224.123
std::optional<double> header_seconds(std::string_view line, std::string_view prefix) {
    line.remove_prefix(prefix.size());
    return parse_double(line.substr(0, line.find(' ')));
}

Result<HlogInterval> parse_interval_line(std::string_view line) {
    HlogInterval interval;
    if (line.starts_with("Tag=")) {
        const auto comma = line.find(',');
        interval.tag = std::string(line.substr(4, comma - 4));
        line = comma == std::string_view::npos ? std::string_view{} : line.substr(comma + 1);
    }
    std::array<std::string_view, 4> fields{};
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto comma = i + 1 < fields.size() ? line.find(',') : std::string_view::npos;
        if (i + 1 < fields.size() && comma == std::string_view::npos) {
            return make_error("expected START,LENGTH,MAX,HISTOGRAM");
        }
        fields[i] = line.substr(0, comma);
        line = comma == std::string_view::npos ? std::string_view{} : line.substr(comma + 1);
    }
    const auto start = parse_double(fields[0]);
    const auto length = parse_double(fields[1]);
    const auto max = parse_double(fields[2]);
    if (!start || !length || !max) {
        return make_error("START, LENGTH and MAX must be numbers");
    }
    auto histogram = decode_histogram_compressed_base64(fields[3]);
    if (!histogram) {
        return histogram.error();
    }
    interval.start_s = *start;
    interval.length_s = *length;
    interval.max_ms = *max;
    interval.histogram = std::move(histogram).value();
    return interval;
}

std::string human_utc(int64_t unix_ms) {
    const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    std::array<char, 64> text{};
    const std::size_t length =
        std::strftime(text.data(), text.size(), "%a %b %d %H:%M:%S UTC %Y", &utc);
    return std::string(text.data(), length);
}

}  // namespace

std::string encode_histogram(const stats::Histogram& histogram) {
    std::string out;
    put_u32(out, static_cast<uint32_t>(hlog_encoding_cookie));
    put_u32(out, 0);  // payload length, filled in below
    put_u32(out, 0);  // normalizing index offset: barrage never shifts
    put_u32(out, static_cast<uint32_t>(histogram.significant_figures()));
    put_u64(out, static_cast<uint64_t>(histogram.lowest_discernible()));
    put_u64(out, static_cast<uint64_t>(histogram.highest_trackable()));
    put_u64(out, std::bit_cast<uint64_t>(1.0));  // integer-to-double conversion ratio
    BARRAGE_ASSERT(out.size() == v2_header_bytes);
    put_counts(out, histogram);
    std::string length;
    put_u32(length, static_cast<uint32_t>(out.size() - v2_header_bytes));
    out.replace(4, 4, length);
    return out;
}

std::string encode_histogram_compressed_base64(const stats::Histogram& histogram) {
    const std::string raw = encode_histogram(histogram);
    uLongf deflated_length = compressBound(static_cast<uLong>(raw.size()));
    std::string deflated(deflated_length, '\0');
    const int status = compress2(reinterpret_cast<Bytef*>(deflated.data()), &deflated_length,
                                 reinterpret_cast<const Bytef*>(raw.data()),
                                 static_cast<uLong>(raw.size()), Z_DEFAULT_COMPRESSION);
    BARRAGE_ASSERT_MSG(status == Z_OK, "compress2 with a compressBound buffer cannot fail");
    deflated.resize(deflated_length);
    std::string out;
    put_u32(out, static_cast<uint32_t>(hlog_compressed_cookie));
    put_u32(out, static_cast<uint32_t>(deflated.size()));
    out += deflated;
    return base64_encode(out);
}

Result<stats::Histogram> decode_histogram(std::string_view bytes) {
    if (bytes.size() < v2_header_bytes) {
        return make_error("histogram shorter than its 40-byte header");
    }
    const auto cookie = static_cast<uint32_t>(get_be(bytes, 0, 4));
    if (cookie != static_cast<uint32_t>(hlog_encoding_cookie)) {
        return make_error(fmt::format("bad cookie {:#x}; expected {:#x} (V2 encoding)", cookie,
                                      hlog_encoding_cookie));
    }
    const uint64_t payload_length = get_be(bytes, 4, 4);
    const auto figures = static_cast<int64_t>(get_be(bytes, 12, 4));
    const auto lowest = static_cast<int64_t>(get_be(bytes, 16, 8));
    const auto highest = static_cast<int64_t>(get_be(bytes, 24, 8));
    if (payload_length > bytes.size() - v2_header_bytes) {
        return make_error("histogram payload is cut short");
    }
    // The Histogram constructor asserts on these; from a file they are input errors.
    if (figures < 1 || figures > significant_figures_max || lowest < 1 || highest < 2 * lowest) {
        return make_error(
            fmt::format("unsupported histogram layout (lowest {}, highest {}, {} "
                        "significant figures)",
                        lowest, highest, figures));
    }
    return decode_counts(bytes.substr(v2_header_bytes, payload_length),
                         stats::Histogram(lowest, highest, static_cast<int>(figures)));
}

Result<stats::Histogram> decode_histogram_compressed_base64(std::string_view base64) {
    const auto bytes = base64_decode(base64);
    if (!bytes) {
        return make_error("histogram is not base64");
    }
    if (bytes->size() < compressed_header_bytes) {
        return make_error("compressed histogram shorter than its 8-byte header");
    }
    const auto cookie = static_cast<uint32_t>(get_be(*bytes, 0, 4));
    if (cookie != static_cast<uint32_t>(hlog_compressed_cookie)) {
        return make_error(fmt::format("bad cookie {:#x}; expected {:#x} (V2 compressed)", cookie,
                                      hlog_compressed_cookie));
    }
    const uint64_t deflated_length = get_be(*bytes, 4, 4);
    if (deflated_length > bytes->size() - compressed_header_bytes) {
        return make_error("compressed histogram is cut short");
    }
    auto raw =
        inflate_all(std::string_view(*bytes).substr(compressed_header_bytes, deflated_length));
    if (!raw) {
        return raw.error();
    }
    return decode_histogram(raw.value());
}

std::string sanitize_hlog_tag(std::string_view tag) {
    std::string out(tag);
    for (char& c : out) {
        if (c == ' ' || c == ',' || c == '\t' || c == '\n' || c == '\r') {
            c = '_';
        }
    }
    return out;
}

std::vector<std::string> hlog_tags_for(std::span<const std::string> names) {
    std::vector<std::string> tags;
    std::set<std::string> taken;
    for (const std::string& name : names) {
        const std::string base = sanitize_hlog_tag(name);
        std::string tag = base;
        for (int n = 2; taken.contains(tag); ++n) {
            tag = fmt::format("{}~{}", base, n);
        }
        taken.insert(tag);
        tags.push_back(std::move(tag));
    }
    return tags;
}

std::string hlog_header(int64_t start_unix_ms) {
    const double start_s = static_cast<double>(start_unix_ms) / 1e3;
    return fmt::format(
        "#[Histogram log format version 1.3]\n"
        "#[StartTime: {:.3f} (seconds since epoch), {}]\n"
        "#[BaseTime: {:.3f} (seconds since epoch)]\n"
        "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_"
        "Histogram\"\n",
        start_s, human_utc(start_unix_ms), start_s);
}

std::string hlog_line(double start_s, double length_s, const stats::Histogram& histogram,
                      std::string_view tag) {
    std::string line;
    if (!tag.empty()) {
        line = "Tag=" + sanitize_hlog_tag(tag) + ",";
    }
    fmt::format_to(std::back_inserter(line), "{:.3f},{:.3f},{:.3f},{}\n", start_s, length_s,
                   static_cast<double>(histogram.max()) / 1e3,
                   encode_histogram_compressed_base64(histogram));
    return line;
}

void HlogWriter::add_interval(double start_s, double length_s, const stats::Histogram& histogram,
                              std::string_view tag) {
    lines_.push_back({start_s, hlog_line(start_s, length_s, histogram, tag)});
}

void HlogWriter::drop_from(double end_s) {
    std::erase_if(lines_, [end_s](const Line& line) { return line.start_s >= end_s; });
}

std::string HlogWriter::text(int64_t start_unix_ms) const {
    std::string out = hlog_header(start_unix_ms);
    for (const Line& line : lines_) {
        out += line.text;
    }
    return out;
}

Result<HlogFile> read_hlog(std::string_view text, std::string_view source) {
    HlogFile file;
    int line_number = 0;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        ++line_number;
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        if (line.starts_with("#[StartTime: ")) {
            file.start_time_s = header_seconds(line, "#[StartTime: ").value_or(0);
            continue;
        }
        if (line.starts_with("#[BaseTime: ")) {
            file.base_time_s = header_seconds(line, "#[BaseTime: ").value_or(0);
            continue;
        }
        if (line.empty() || line.starts_with('#') || line.starts_with("\"StartTimestamp\"")) {
            continue;
        }
        auto interval = parse_interval_line(line);
        if (!interval) {
            return make_error(
                fmt::format("{}:{}: {}", source, line_number, interval.error().message));
        }
        file.intervals.push_back(std::move(interval).value());
    }
    return file;
}

}  // namespace barrage::stats
