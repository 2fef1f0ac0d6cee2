// .hlog: the V2 encoding byte by byte, compressed round trips, the log file
// written and read back with the same counts and percentiles; the percentile
// spectrum of a histogram and of a whole log.

#include "barrage/stats/hlog.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "barrage/stats/percentile_spectrum.h"

namespace {

using barrage::stats::decode_histogram;
using barrage::stats::decode_histogram_compressed_base64;
using barrage::stats::encode_histogram;
using barrage::stats::encode_histogram_compressed_base64;
using barrage::stats::Histogram;

std::string hex(std::string_view bytes) {
    std::string out;
    for (const char c : bytes) {
        constexpr std::string_view digits = "0123456789abcdef";
        out += digits[static_cast<unsigned char>(c) >> 4];
        out += digits[static_cast<unsigned char>(c) & 0xf];
    }
    return out;
}

void check_same(const Histogram& a, const Histogram& b) {
    REQUIRE(a.counts_len() == b.counts_len());
    CHECK(a.total_count() == b.total_count());
    for (int32_t i = 0; i < a.counts_len(); ++i) {
        if (a.count_at_index(i) != b.count_at_index(i)) {
            FAIL("count differs at index " << i);
        }
    }
    CHECK(a.min() == b.min());
    CHECK(a.max() == b.max());
    for (const double p : {0.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
        CHECK(a.value_at_percentile(p) == b.value_at_percentile(p));
    }
}

}  // namespace

TEST_CASE("the V2 header and counts are laid out like the reference encoder's") {
    Histogram histogram = Histogram::for_latency_us();
    histogram.record_value(1);  // index 1: one zero count (index 0), then 1
    const std::string bytes = encode_histogram(histogram);
    CHECK(hex(bytes.substr(0, 4)) == "1c849313");  // V2 cookie | word size 0x10
    CHECK(hex(bytes.substr(4, 4)) == "00000002");  // payload length
    CHECK(hex(bytes.substr(8, 4)) == "00000000");  // normalizing index offset
    CHECK(hex(bytes.substr(12, 4)) == "00000003");
    CHECK(hex(bytes.substr(16, 8)) == "0000000000000001");
    CHECK(hex(bytes.substr(24, 8)) == "00000000d693a400");  // 3.6e9
    CHECK(hex(bytes.substr(32, 8)) == "3ff0000000000000");  // 1.0
    CHECK(hex(bytes.substr(40)) == "0002");                 // zigzag(0), zigzag(1)
}

TEST_CASE("runs of zero counts become one negative number, large counts take up to 9 bytes") {
    Histogram histogram = Histogram::for_latency_us();
    histogram.record_values(5, 64);  // index 5 after five zeros: -5 -> 9, 64 -> 128 = 80 01
    CHECK(hex(encode_histogram(histogram).substr(40)) == "098001");
    Histogram huge = Histogram::for_latency_us();
    huge.record_values(1, int64_t{1} << 62);  // zigzag 2^63: eight empty 7-bit groups, then 0x80
    CHECK(hex(encode_histogram(huge).substr(40)) == "00808080808080808080");
    auto decoded = decode_histogram(encode_histogram(huge));
    REQUIRE(decoded.ok());
    CHECK(decoded.value().count_at_value(1) == int64_t{1} << 62);
}

TEST_CASE("compressed base64 round trips keep every count, the min, max and percentiles") {
    std::mt19937_64 random(42);
    std::lognormal_distribution<double> latency(6.0, 1.5);
    Histogram histogram = Histogram::for_latency_us();
    for (int i = 0; i < 100'000; ++i) {
        histogram.record_value(
            std::min<int64_t>(static_cast<int64_t>(latency(random)) + 1, 3'600'000'000));
    }
    histogram.record_values(3'000'000'000, 3);
    const std::string line = encode_histogram_compressed_base64(histogram);
    CHECK(line.find_first_not_of(
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
          std::string::npos);
    CHECK(line.starts_with("HISTFA"));  // base64 of the compressed cookie 1c849314
    auto decoded = decode_histogram_compressed_base64(line);
    REQUIRE_MESSAGE(decoded.ok(), (decoded.ok() ? "" : decoded.error().message));
    check_same(histogram, decoded.value());
}

TEST_CASE("an empty histogram round trips to an empty one") {
    const Histogram empty = Histogram::for_latency_us();
    CHECK(encode_histogram(empty).size() == 40);
    auto decoded = decode_histogram_compressed_base64(encode_histogram_compressed_base64(empty));
    REQUIRE(decoded.ok());
    check_same(empty, decoded.value());
}

TEST_CASE("broken input is an error naming the broken layer, never a crash") {
    Histogram histogram = Histogram::for_latency_us();
    histogram.record_value(100);
    const std::string good = encode_histogram_compressed_base64(histogram);
    auto message = [](std::string_view text) {
        auto result = decode_histogram_compressed_base64(text);
        REQUIRE_FALSE(result.ok());
        return result.error().message;
    };
    CHECK(message("abc") == "histogram is not base64");
    CHECK(message("ab=c") == "histogram is not base64");
    CHECK(message("AAAAAAAAAAAA").find("bad cookie 0x0") == 0);
    CHECK(message(good.substr(0, good.size() - 8)).find("cut short") != std::string::npos);
    std::string raw = encode_histogram(histogram);
    CHECK(decode_histogram(raw.substr(0, 20)).error().message.find("40-byte header") !=
          std::string::npos);
    std::string bad_layout = raw;
    bad_layout[15] = 9;  // 9 significant figures
    CHECK(decode_histogram(bad_layout).error().message.find("unsupported histogram layout") == 0);
    std::string past_end = raw.substr(0, 40);
    past_end += '\x7f';  // zigzag -64: skip 64 zeros ...
    past_end[7] = 1;
    CHECK(decode_histogram(past_end).ok());
    std::string cut = raw.substr(0, 40) + "\x80";
    cut[7] = 1;
    CHECK(decode_histogram(cut).error().message.find("middle of a number") != std::string::npos);
}

TEST_CASE("the log file has the reference header and reads back interval by interval") {
    barrage::stats::HlogWriter writer;
    Histogram first = Histogram::for_latency_us();
    first.record_values(250, 10);
    first.record_value(12'345);
    Histogram second = Histogram::for_latency_us();
    second.record_values(900, 5);
    writer.add_interval(0.0, 1.0, first);
    writer.add_interval(1.0, 1.0, second, "GET /a, b");
    writer.add_interval(2.0, 0.5, second);
    writer.drop_from(2.0);
    const std::string text = writer.text(1'764'689'224'123);
    CHECK(
        text.starts_with("#[Histogram log format version 1.3]\n"
                         "#[StartTime: 1764689224.123 (seconds since epoch), Tue Dec 02 "
                         "15:27:04 UTC 2025]\n"
                         "#[BaseTime: 1764689224.123 (seconds since epoch)]\n"
                         "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
                         "\"Interval_Compressed_Histogram\"\n"
                         "0.000,1.000,12.351,HISTF"));
    CHECK(text.find("\nTag=GET_/a__b,1.000,1.000,0.900,HISTF") != std::string::npos);
    auto file = barrage::stats::read_hlog(text, "x.hlog");
    REQUIRE_MESSAGE(file.ok(), (file.ok() ? "" : file.error().message));
    CHECK(file.value().start_time_s == doctest::Approx(1764689224.123));
    CHECK(file.value().base_time_s == doctest::Approx(1764689224.123));
    REQUIRE(file.value().intervals.size() == 2);
    check_same(first, file.value().intervals[0].histogram);
    check_same(second, file.value().intervals[1].histogram);
    CHECK(file.value().intervals[1].tag == "GET_/a__b");
    CHECK(file.value().intervals[0].max_ms == doctest::Approx(12.351));
    auto broken = barrage::stats::read_hlog(text + "1.0,2.0\n", "x.hlog");
    REQUIRE_FALSE(broken.ok());
    CHECK(broken.error().message == "x.hlog:7: expected START,LENGTH,MAX,HISTOGRAM");
}

TEST_CASE("request names that sanitize alike still get distinct tags, in order") {
    const std::vector<std::string> names = {"a b", "a_b", "c,d", "a b", "a_b~2"};
    const std::vector<std::string> tags = barrage::stats::hlog_tags_for(names);
    CHECK(tags == std::vector<std::string>{"a_b", "a_b~2", "c_d", "a_b~3", "a_b~2~2"});
    CHECK(barrage::stats::hlog_tags_for(std::vector<std::string>{}).empty());
}

TEST_CASE(
    "the percentile spectrum of a histogram runs from 0% to the max, no finer than its count") {
    auto histogram = barrage::stats::Histogram::for_latency_us();
    for (int64_t us = 1; us <= 1000; ++us) {
        histogram.record_value(us);
    }
    const auto points = barrage::stats::percentile_spectrum(histogram);
    REQUIRE(points.size() >= 3);
    CHECK(points.front().percentile == 0);
    CHECK(points.front().value_us == 1);
    CHECK(points.back().percentile == 100);
    CHECK(points.back().value_us == 1000);
    bool has_90 = false;
    bool has_999 = false;
    for (std::size_t i = 1; i < points.size(); ++i) {
        CHECK(points[i].percentile > points[i - 1].percentile);
        CHECK(points[i].value_us >= points[i - 1].value_us);
        has_90 = has_90 || points[i].percentile == 90;
        has_999 = has_999 || points[i].percentile == 99.9;
    }
    CHECK(has_90);
    CHECK(has_999);  // 1/(1-0.999) = 1000 = count: still resolvable
    CHECK(points[points.size() - 2].percentile <= 99.9);
    CHECK(points[5].value_us == 900);  // 90% of 1..1000

    CHECK(barrage::stats::percentile_spectrum(barrage::stats::Histogram::for_latency_us()).empty());
}

TEST_CASE("the spectrum of a log merges its untagged intervals and leaves the tagged ones out") {
    Histogram first = Histogram::for_latency_us();
    Histogram second = Histogram::for_latency_us();
    for (int64_t us = 1; us <= 1000; ++us) {
        (us <= 500 ? first : second).record_value(us);
    }
    Histogram tagged = Histogram::for_latency_us();
    tagged.record_value(1'000'000);  // a per-name part of the same requests: not counted twice
    barrage::stats::HlogWriter writer;
    writer.add_interval(0, 1, first);
    writer.add_interval(0, 1, tagged, "login");
    writer.add_interval(1, 1, second);
    const auto spectrum = barrage::stats::spectrum_from_hlog(writer.text(0), "x.hlog");
    REQUIRE_MESSAGE(spectrum.ok(), (spectrum.ok() ? "" : spectrum.error().message));

    Histogram merged = first;
    merged.add(second);
    const auto expected = barrage::stats::percentile_spectrum(merged);
    REQUIRE(spectrum.value().size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        CHECK(spectrum.value()[i].percentile == expected[i].percentile);
        CHECK(spectrum.value()[i].value_us == expected[i].value_us);
    }
    CHECK(spectrum.value().back().value_us == 1000);

    // A log of tagged lines only (a foreign writer's) is all there is: they count.
    barrage::stats::HlogWriter only_tagged;
    only_tagged.add_interval(0, 1, tagged, "login");
    const auto tagged_spectrum = barrage::stats::spectrum_from_hlog(only_tagged.text(0), "t.hlog");
    REQUIRE(tagged_spectrum.ok());
    CHECK(tagged_spectrum.value().back().value_us >= 999'000);
}

TEST_CASE("a log without latency values has no spectrum, and the error names the file") {
    const auto empty =
        barrage::stats::spectrum_from_hlog(barrage::stats::HlogWriter().text(0), "empty.hlog");
    REQUIRE_FALSE(empty.ok());
    CHECK(empty.error().message == "empty.hlog: no latency values in the log");
    const auto broken = barrage::stats::spectrum_from_hlog("not a log\n0,1,1,@@@\n", "bad.hlog");
    REQUIRE_FALSE(broken.ok());
    CHECK(broken.error().message.find("bad.hlog") != std::string::npos);
}
