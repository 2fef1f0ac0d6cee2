#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <new>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "allocation_counter.h"
#include "barrage/stats/counters.h"
#include "barrage/stats/histogram.h"
#include "barrage/stats/interval_rows.h"
#include "barrage/stats/judged_latency.h"
#include "barrage/stats/name_stats.h"
#include "barrage/stats/running_window.h"
#include "barrage/stats/snapshot.h"
#include "test_support.h"

namespace {

using barrage::stats::Counters;
using barrage::stats::ErrorKind;
using barrage::stats::Histogram;
using barrage::stats::NameLatency;
using barrage::stats::NameStats;
using barrage::stats::Snapshot;

using barrage::test::aborts;

// The percentile HdrHistogram_c reports, computed from the sorted raw values
// (the exact value at the same rank, before bucketing).
int64_t exact_percentile(const std::vector<int64_t>& sorted, double percentile) {
    const auto n = static_cast<double>(sorted.size());
    auto rank = static_cast<int64_t>(percentile / 100.0 * n + 0.5);
    rank = std::max<int64_t>(rank, 1);
    return sorted[static_cast<size_t>(rank - 1)];
}

// A bucketed percentile is the top of the exact value's bucket: never below
// it, and at most one bucket (0.1% at 3 significant figures) above.
void check_within_one_bucket(int64_t reported, int64_t exact) {
    CHECK(reported >= exact);
    CHECK(static_cast<double>(reported - exact) <= static_cast<double>(exact) / 1000.0);
}

std::vector<int64_t> log_uniform_values(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> exponent(0.0, 9.0);  // 1 .. 1e9
    std::vector<int64_t> values(n);
    for (auto& v : values) {
        v = static_cast<int64_t>(std::pow(10.0, exponent(rng)));
    }
    return values;
}

void check_same_counts(const Histogram& a, const Histogram& b) {
    REQUIRE(a.counts_len() == b.counts_len());
    int32_t mismatches = 0;
    for (int32_t i = 0; i < a.counts_len(); ++i) {
        mismatches += a.count_at_index(i) != b.count_at_index(i) ? 1 : 0;
    }
    CHECK(mismatches == 0);
}

}  // namespace

TEST_SUITE("histogram layout") {
    TEST_CASE("the latency histogram has HdrHistogram_c's layout for 1 us .. 1 h, 3 figures") {
        const Histogram h = Histogram::for_latency_us();
        CHECK(h.lowest_discernible() == 1);
        CHECK(h.highest_trackable() == 3'600'000'000);
        CHECK(h.significant_figures() == 3);
        CHECK(h.counts_len() == 23552);  // hdr_histogram_test.c test_create
        CHECK(Histogram(1, 3'600'000'000, 3).counts_len() == 23552);
    }

    TEST_CASE("other layouts size their counts like hdr_init") {
        // sub_bucket_count = 2^ceil(log2(2 * 10^figures)); buckets double until
        // they pass highest_trackable; counts_len = (buckets + 1) * sub_bucket_count / 2.
        CHECK(Histogram(1, 255, 2).counts_len() == 256);
        CHECK(Histogram(1, 1000, 4).counts_len() == 32768);
        CHECK(Histogram(20'000'000, 100'000'000, 5).counts_len() == 262144);
        CHECK(Histogram(1000, 3'600'000'000LL * 512, 3).counts_len() == 23552);
        CHECK(Histogram(1, 2, 1).counts_len() == 32);
        CHECK(Histogram(1, INT64_MAX, 3).counts_len() == 54 * 1024);
    }

    TEST_CASE("indices map back to the lowest value of their bucket") {
        const Histogram h = Histogram::for_latency_us();
        CHECK(h.value_at_index(0) == 0);
        CHECK(h.value_at_index(1) == 1);
        CHECK(h.value_at_index(2047) == 2047);
        CHECK(h.value_at_index(2048) == 2048);  // bucket 1: steps of 2
        CHECK(h.value_at_index(2049) == 2050);
        CHECK(h.value_at_index(3071) == 4094);
        CHECK(h.value_at_index(3072) == 4096);  // bucket 2: steps of 4
        CHECK(h.value_at_index(23551) == int64_t{2047} << 21);
        CHECK(h.value_at_index(23551) >= h.highest_trackable() - (int64_t{1} << 21));
    }

    TEST_CASE("equivalent ranges at hand-computed values") {
        const Histogram h = Histogram::for_latency_us();
        CHECK(h.lowest_equivalent_value(0) == 0);
        CHECK(h.highest_equivalent_value(0) == 0);
        CHECK(h.highest_equivalent_value(2047) == 2047);
        CHECK(h.lowest_equivalent_value(2049) == 2048);
        CHECK(h.highest_equivalent_value(2048) == 2049);
        CHECK(h.lowest_equivalent_value(4095) == 4094);
        CHECK(h.highest_equivalent_value(4096) == 4099);
        // 1e8 has 27 bits: resolution 2^(27 - 11) = 65536; 1525 * 65536 = 99'942'400.
        CHECK(h.lowest_equivalent_value(100'000'000) == 99'942'400);
        CHECK(h.highest_equivalent_value(100'000'000) == 99'942'400 + 65'535);
        CHECK(h.values_are_equivalent(99'942'400, 100'007'935));
        CHECK_FALSE(h.values_are_equivalent(99'942'399, 99'942'400));
        CHECK_FALSE(h.values_are_equivalent(2047, 2048));
    }

    TEST_CASE("a unit above 1 coarsens the first bucket") {
        const Histogram h(1000, 3'600'000'000LL * 512, 3);  // unit 2^9 = 512
        CHECK(h.lowest_equivalent_value(511) == 0);
        CHECK(h.highest_equivalent_value(0) == 511);
        CHECK(h.lowest_equivalent_value(512'000) == 512'000);
        CHECK(h.highest_equivalent_value(512'000) == 512'511);
        CHECK(h.value_at_index(1) == 512);
    }

    TEST_CASE("every value in 1..1e6 lies in its own bucket, at most 1/1000 of it wide") {
        Histogram h = Histogram::for_latency_us();
        constexpr int64_t top = 1'000'000;
        for (int64_t v = 1; v <= top; ++v) {
            h.record_value(v);
        }
        int64_t bad_range = 0;
        int64_t bad_count = 0;
        int64_t bad_partition = 0;
        for (int64_t v = 1; v <= top; ++v) {
            const int64_t lowest = h.lowest_equivalent_value(v);
            const int64_t highest = h.highest_equivalent_value(v);
            const int64_t width = highest - lowest + 1;
            bad_range +=
                (lowest <= v && v <= highest && width * 1000 <= std::max<int64_t>(v, 1000)) ? 0 : 1;
            // A bucket shared with another range would hold more than its width.
            bad_count += h.count_at_value(v) == std::min(highest, top) - lowest + 1 ? 0 : 1;
            // Buckets tile the line: a new bucket starts exactly where the last ended.
            const bool starts_bucket = !h.values_are_equivalent(v - 1, v);
            bad_partition +=
                (starts_bucket == (lowest == v) && h.highest_equivalent_value(v - 1) >= v - 1) ? 0
                                                                                               : 1;
        }
        CHECK(bad_range == 0);
        CHECK(bad_count == 0);
        CHECK(bad_partition == 0);
    }

    TEST_CASE("counts_at_index and count_at_value agree for every index") {
        Histogram h(1, 100'000, 2);
        for (int64_t v = 0; v <= 100'000; v += 7) {
            h.record_value(v);
        }
        int64_t sum = 0;
        int32_t mismatches = 0;
        for (int32_t i = 0; i < h.counts_len(); ++i) {
            const int64_t value = h.value_at_index(i);
            if (value <= h.highest_trackable()) {
                mismatches += h.count_at_value(value) == h.count_at_index(i) ? 0 : 1;
            }
            sum += h.count_at_index(i);
        }
        CHECK(mismatches == 0);
        CHECK(sum == h.total_count());
        CHECK(h.count_at_value(-1) == 0);
        CHECK(h.count_at_value(100'001) == 0);
    }
}

TEST_SUITE("histogram percentiles") {
    TEST_CASE("uniform 1..1e6 gives percentiles within 0.1% of the exact ones") {
        Histogram h = Histogram::for_latency_us();
        std::vector<int64_t> sorted;
        sorted.reserve(1'000'000);
        for (int64_t v = 1; v <= 1'000'000; ++v) {
            h.record_value(v);
            sorted.push_back(v);
        }
        CHECK(h.total_count() == 1'000'000);
        for (const double p : {1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999}) {
            CAPTURE(p);
            check_within_one_bucket(h.value_at_percentile(p), exact_percentile(sorted, p));
        }
        CHECK(std::abs(h.value_at_percentile(50) - 500'000) <= 500);
        CHECK(std::abs(h.value_at_percentile(99) - 990'000) <= 990);
        CHECK(std::abs(h.value_at_percentile(99.9) - 999'000) <= 999);
        CHECK(h.value_at_percentile(100) == h.max());
        CHECK(h.value_at_percentile(0) == 1);
    }

    TEST_CASE("10000 values of 1000 and one of 1e8 (HdrHistogram's classic case)") {
        Histogram h = Histogram::for_latency_us();
        h.record_values(1000, 10'000);
        h.record_value(100'000'000);
        CHECK(h.total_count() == 10'001);
        CHECK(h.value_at_percentile(30) == 1000);
        CHECK(h.value_at_percentile(50) == 1000);
        CHECK(h.value_at_percentile(99) == 1000);
        CHECK(h.value_at_percentile(99.99) == 1000);
        CHECK(h.values_are_equivalent(h.value_at_percentile(99.999), 100'000'000));
        CHECK(h.value_at_percentile(99.999) == 100'007'935);
        CHECK(h.value_at_percentile(100) == 100'007'935);
        CHECK(h.min() == 1000);
        CHECK(h.max() == 100'007'935);
    }

    TEST_CASE("the rank rounds half up like hdr_value_at_percentile, not up like Java") {
        // hdr_histogram_test.c test_create_with_large_values: 3 values, so
        // 83.33% is rank 2.4999 -> 2 and 83.34% is rank 2.5002 -> 3.
        Histogram large(20'000'000, 100'000'000, 5);
        large.record_value(100'000'000);
        large.record_value(20'000'000);
        large.record_value(30'000'000);
        CHECK(large.values_are_equivalent(20'000'000, large.value_at_percentile(50)));
        CHECK(large.values_are_equivalent(30'000'000, large.value_at_percentile(83.33)));
        CHECK(large.values_are_equivalent(100'000'000, large.value_at_percentile(83.34)));
        CHECK(large.values_are_equivalent(100'000'000, large.value_at_percentile(99)));

        Histogram small = Histogram::for_latency_us();
        for (int64_t v = 1; v <= 10; ++v) {
            small.record_value(v);
        }
        CHECK(small.value_at_percentile(41) == 4);  // rank 4.1 -> 4 (ceil would say 5)
        CHECK(small.value_at_percentile(45) == 5);  // rank 4.5 -> 5
        CHECK(small.value_at_percentile(4) == 1);   // rank 0.4 -> 0 -> at least 1
        CHECK(small.value_at_percentile(94.9) == 9);
        CHECK(small.value_at_percentile(95) == 10);
    }

    TEST_CASE("percentile 0 is the lowest and 100 the highest equivalent value") {
        Histogram h = Histogram::for_latency_us();
        h.record_value(5000);    // bucket [5000, 5003]
        h.record_value(70'001);  // bucket [69'952, 70'015]
        CHECK(h.value_at_percentile(0) == 5000);
        CHECK(h.min() == 5000);
        CHECK(h.value_at_percentile(100) == 70'015);
        CHECK(h.max() == 70'015);

        Histogram odd = Histogram::for_latency_us();
        odd.record_value(5003);
        CHECK(odd.value_at_percentile(0) == 5000);
        CHECK(odd.min() == 5000);
        CHECK(odd.value_at_percentile(1) == 5003);
    }

    TEST_CASE("log-uniform random values match a sorted vector within one bucket") {
        const std::vector<int64_t> values = log_uniform_values(200'000, 42);
        Histogram h = Histogram::for_latency_us();
        for (const int64_t v : values) {
            h.record_value(v);
        }
        std::vector<int64_t> sorted = values;
        std::sort(sorted.begin(), sorted.end());
        for (const double p : {0.1, 1.0, 33.3, 50.0, 66.7, 90.0, 99.0, 99.9, 99.99, 100.0}) {
            CAPTURE(p);
            check_within_one_bucket(h.value_at_percentile(p), exact_percentile(sorted, p));
        }
        CHECK(h.min() == h.lowest_equivalent_value(sorted.front()));
        CHECK(h.max() == h.highest_equivalent_value(sorted.back()));
    }

    TEST_CASE("percentiles never decrease as the percentile grows") {
        const std::vector<int64_t> values = log_uniform_values(20'000, 7);
        Histogram h = Histogram::for_latency_us();
        for (const int64_t v : values) {
            h.record_value(v);
        }
        int64_t previous = h.value_at_percentile(0);
        int decreases = 0;
        for (int tenth = 1; tenth <= 1000; ++tenth) {
            const int64_t current = h.value_at_percentile(tenth / 10.0);
            decreases += current < previous ? 1 : 0;
            previous = current;
        }
        CHECK(decreases == 0);
        CHECK(previous == h.max());
    }

    TEST_CASE("a percentile outside [0, 100] is a caller bug") {
        const Histogram h = Histogram::for_latency_us();
        CHECK(aborts([&] { (void)h.value_at_percentile(-0.1); }));
        CHECK(aborts([&] { (void)h.value_at_percentile(100.1); }));
        CHECK(aborts([&] { (void)h.value_at_percentile(std::nan("")); }));
    }
}

TEST_SUITE("histogram statistics") {
    TEST_CASE("an empty histogram answers 0 everywhere") {
        const Histogram h = Histogram::for_latency_us();
        CHECK(h.total_count() == 0);
        CHECK(h.count_clamped() == 0);
        CHECK(h.min() == 0);
        CHECK(h.max() == 0);
        CHECK(h.mean() == 0.0);
        CHECK(h.stdev() == 0.0);
        CHECK(h.value_at_percentile(0) == 0);
        CHECK(h.value_at_percentile(50) == 0);
        CHECK(h.value_at_percentile(100) == 0);
    }

    TEST_CASE("recording only zeros gives 0 for min, max and every percentile") {
        Histogram h = Histogram::for_latency_us();
        h.record_values(0, 3);
        CHECK(h.total_count() == 3);
        CHECK(h.min() == 0);
        CHECK(h.max() == 0);
        CHECK(h.value_at_percentile(100) == 0);
        CHECK(h.count_at_value(0) == 3);
        CHECK(h.mean() == 0.0);

        // Like hdr_max: zeros alone report max 0, even where 0's bucket is wider.
        Histogram coarse(1000, 1'000'000, 3);  // unit 512: bucket [0, 511]
        coarse.record_value(0);
        CHECK(coarse.max() == 0);
        CHECK(coarse.min() == 0);
        coarse.record_value(300);
        CHECK(coarse.max() == 511);
        CHECK(coarse.min() == 0);
    }

    TEST_CASE("a constant distribution has its bucket's median as mean and no spread") {
        Histogram exact = Histogram::for_latency_us();
        exact.record_values(1000, 10'000);
        CHECK(exact.mean() == 1000.0);
        CHECK(exact.stdev() == 0.0);

        Histogram coarse = Histogram::for_latency_us();
        coarse.record_values(1'000'000, 500);  // bucket [999'936, 1'000'447], median 1'000'192
        CHECK(coarse.mean() == 1'000'192.0);
        CHECK(coarse.stdev() == 0.0);
    }

    TEST_CASE("mean and stdev of a few exact values match the population formulas") {
        Histogram h = Histogram::for_latency_us();
        for (const int64_t v : {1, 2, 3, 4}) {
            h.record_value(v);
        }
        CHECK(h.mean() == doctest::Approx(2.5));
        CHECK(h.stdev() == doctest::Approx(std::sqrt(1.25)));
    }

    TEST_CASE("mean and stdev of uniform 1..1e6 are within 0.01% of the exact ones") {
        Histogram h = Histogram::for_latency_us();
        for (int64_t v = 1; v <= 1'000'000; ++v) {
            h.record_value(v);
        }
        const double exact_mean = 500'000.5;
        const double exact_stdev = std::sqrt((1e12 - 1.0) / 12.0);  // (n^2 - 1) / 12
        CHECK(h.mean() == doctest::Approx(exact_mean).epsilon(1e-4));
        CHECK(h.stdev() == doctest::Approx(exact_stdev).epsilon(1e-4));
    }

    TEST_CASE("mean does not overflow with huge values and counts") {
        Histogram h(1, INT64_MAX / 4, 3);
        h.record_values(INT64_MAX / 8, 1'000'000);
        const double median = static_cast<double>(h.lowest_equivalent_value(INT64_MAX / 8)) +
                              static_cast<double>(h.highest_equivalent_value(INT64_MAX / 8) -
                                                  h.lowest_equivalent_value(INT64_MAX / 8) + 1) /
                                  2.0;
        CHECK(h.mean() == doctest::Approx(median));
        CHECK(h.stdev() == 0.0);
    }
}

TEST_SUITE("histogram recording") {
    TEST_CASE("values above highest_trackable are recorded at the top and counted as clamped") {
        Histogram h(1, 10'000, 3);
        h.record_value(10'000);
        CHECK(h.count_clamped() == 0);
        h.record_value(10'001);
        h.record_values(INT64_MAX, 5);
        CHECK(h.count_clamped() == 6);
        CHECK(h.total_count() == 7);
        CHECK(h.count_at_value(10'000) == 7);
        CHECK(h.max() == h.highest_equivalent_value(10'000));
        CHECK(h.value_at_percentile(100) == h.highest_equivalent_value(10'000));
    }

    TEST_CASE("record_values with a count equals that many record_value calls") {
        Histogram many = Histogram::for_latency_us();
        Histogram one_by_one = Histogram::for_latency_us();
        many.record_values(12'345, 1000);
        many.record_values(7, 3);
        for (int i = 0; i < 1000; ++i) {
            one_by_one.record_value(12'345);
        }
        for (int i = 0; i < 3; ++i) {
            one_by_one.record_value(7);
        }
        check_same_counts(many, one_by_one);
        CHECK(many.total_count() == one_by_one.total_count());
        CHECK(many.min() == one_by_one.min());
        CHECK(many.max() == one_by_one.max());
    }

    TEST_CASE("recording a count of zero changes nothing") {
        Histogram h = Histogram::for_latency_us();
        h.record_values(500, 0);
        CHECK(h.total_count() == 0);
        CHECK(h.min() == 0);
        CHECK(h.max() == 0);
        h.record_value(10);
        h.record_values(1'000'000, 0);
        h.record_values(1, 0);
        CHECK(h.min() == 10);
        CHECK(h.max() == 10);
    }

    TEST_CASE("negative values and counts are caller bugs") {
        CHECK(aborts([] { Histogram::for_latency_us().record_value(-1); }));
        CHECK(aborts([] { Histogram::for_latency_us().record_values(5, -1); }));
    }

    TEST_CASE("bad layouts are rejected at construction") {
        CHECK(aborts([] { Histogram(0, 1000, 3); }));
        CHECK(aborts([] { Histogram(80, 110, 3); }));  // highest < 2 * lowest
        CHECK(aborts([] { Histogram(1, 1000, 0); }));
        CHECK(aborts([] { Histogram(1, 1000, 6); }));
        CHECK_FALSE(aborts([] { Histogram(80, 160, 3); }));
    }

    TEST_CASE("recording, merging, resetting and reading percentiles never allocate") {
        const int64_t at_start = barrage::test::allocation_count();
        Histogram h = Histogram::for_latency_us();
        Histogram other = Histogram::for_latency_us();
        REQUIRE(barrage::test::allocation_count() > at_start);  // the counter does see allocations
        other.record_value(3);
        const int64_t before = barrage::test::allocation_count();
        for (int64_t v = 0; v < 100'000; ++v) {
            h.record_value(v * 37);
        }
        h.record_values(INT64_MAX, 2);
        h.add(other);
        const int64_t p99 = h.value_at_percentile(99);
        const double mean = h.mean() + h.stdev();
        h.reset();
        CHECK(barrage::test::allocation_count() == before);
        CHECK(p99 > 0);
        CHECK(mean > 0);
    }
}

TEST_SUITE("histogram merge and reset") {
    TEST_CASE("adding per-worker histograms equals recording everything in one") {
        const std::vector<int64_t> values = log_uniform_values(100'000, 1234);
        Histogram all(1, 100'000'000, 3);  // values up to 1e9: some are clamped
        std::array<Histogram, 4> parts{Histogram(1, 100'000'000, 3), Histogram(1, 100'000'000, 3),
                                       Histogram(1, 100'000'000, 3), Histogram(1, 100'000'000, 3)};
        for (size_t i = 0; i < values.size(); ++i) {
            all.record_value(values[i]);
            parts[i % 3].record_value(values[i]);  // parts[3] stays empty
        }
        Histogram merged(1, 100'000'000, 3);
        for (const Histogram& part : parts) {
            merged.add(part);
        }
        check_same_counts(merged, all);
        CHECK(all.count_clamped() > 0);
        CHECK(merged.count_clamped() == all.count_clamped());
        CHECK(merged.total_count() == all.total_count());
        CHECK(merged.min() == all.min());
        CHECK(merged.max() == all.max());
        CHECK(merged.mean() == all.mean());
        for (const double p : {0.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
            CHECK(merged.value_at_percentile(p) == all.value_at_percentile(p));
        }
    }

    TEST_CASE("adding an empty histogram keeps min and max") {
        Histogram h = Histogram::for_latency_us();
        h.record_value(100);
        h.record_value(200);
        h.add(Histogram::for_latency_us());
        CHECK(h.min() == 100);
        CHECK(h.max() == 200);
        CHECK(h.total_count() == 2);
    }

    TEST_CASE("adding a histogram with another layout is a caller bug") {
        CHECK(aborts([] {
            Histogram h = Histogram::for_latency_us();
            h.add(Histogram(1, 3'600'000'000, 2));
        }));
        CHECK(aborts([] {
            Histogram h = Histogram::for_latency_us();
            h.add(Histogram(1, 1'000'000, 3));
        }));
    }

    TEST_CASE("reset clears every count and the histogram records again afterwards") {
        Histogram h(1, 1000, 3);
        h.record_value(5);
        h.record_value(999);
        h.record_value(5000);  // clamped
        h.reset();
        CHECK(h.total_count() == 0);
        CHECK(h.count_clamped() == 0);
        CHECK(h.min() == 0);
        CHECK(h.max() == 0);
        CHECK(h.value_at_percentile(99) == 0);
        int64_t nonzero = 0;
        for (int32_t i = 0; i < h.counts_len(); ++i) {
            nonzero += h.count_at_index(i) != 0 ? 1 : 0;
        }
        CHECK(nonzero == 0);
        CHECK(h.counts_len() == Histogram(1, 1000, 3).counts_len());

        h.record_value(7);
        CHECK(h.min() == 7);
        CHECK(h.max() == 7);
        CHECK(h.value_at_percentile(50) == 7);
    }
}

TEST_SUITE("counters") {
    TEST_CASE("status codes 100..599 count by code and by class, others in class 0") {
        Counters c;
        for (const int code : {100, 101, 200, 204, 204, 301, 404, 503, 599}) {
            c.count_status(code);
        }
        CHECK(c.status_code[100] == 1);
        CHECK(c.status_code[204] == 2);
        CHECK(c.status_code[599] == 1);
        CHECK(c.status_class == std::array<int64_t, 6>{0, 2, 3, 1, 1, 2});

        Counters odd;
        for (const int code : {-1, 0, 99, 600, 999, 1000, 65'535}) {
            odd.count_status(code);
        }
        CHECK(odd.status_class[0] == 7);
        int64_t codes_counted = 0;
        for (const int64_t n : odd.status_code) {
            codes_counted += n;
        }
        CHECK(codes_counted == 0);
    }

    TEST_CASE("errors are counted by kind and summed by errors_total") {
        Counters c;
        CHECK(c.errors_total() == 0);
        c.count_error(ErrorKind::connect);
        c.count_error(ErrorKind::io);
        c.count_error(ErrorKind::io);
        c.count_error(ErrorKind::timeout);
        CHECK(c.errors[static_cast<size_t>(ErrorKind::io)] == 2);
        CHECK(c.errors[static_cast<size_t>(ErrorKind::connect)] == 1);
        CHECK(c.errors_total() == 4);
    }

    TEST_CASE("add sums every field") {
        Counters a;
        Counters b;
        int64_t* fields_a[] = {&a.requests_sent,      &a.requests_completed,  &a.requests_errors,
                               &a.requests_late,      &a.requests_unfinished, &a.requests_unsent,
                               &a.connections_opened, &a.reconnects,          &a.bytes_sent,
                               &a.bytes_received};
        int64_t* fields_b[] = {&b.requests_sent,      &b.requests_completed,  &b.requests_errors,
                               &b.requests_late,      &b.requests_unfinished, &b.requests_unsent,
                               &b.connections_opened, &b.reconnects,          &b.bytes_sent,
                               &b.bytes_received};
        for (size_t i = 0; i < std::size(fields_a); ++i) {
            *fields_a[i] = static_cast<int64_t>(i) + 1;
            *fields_b[i] = 1000 * (static_cast<int64_t>(i) + 1);
        }
        for (size_t i = 0; i < a.errors.size(); ++i) {
            a.errors[i] = static_cast<int64_t>(i);
            b.errors[i] = 10;
        }
        a.status_class = {1, 2, 3, 4, 5, 6};
        b.status_class = {6, 5, 4, 3, 2, 1};
        for (size_t i = 0; i < a.status_code.size(); ++i) {
            a.status_code[i] = static_cast<int64_t>(i);
            b.status_code[i] = 1;
        }
        a.add(b);
        for (size_t i = 0; i < std::size(fields_a); ++i) {
            CAPTURE(i);
            CHECK(*fields_a[i] == 1001 * (static_cast<int64_t>(i) + 1));
        }
        for (size_t i = 0; i < a.errors.size(); ++i) {
            CHECK(a.errors[i] == static_cast<int64_t>(i) + 10);
        }
        CHECK(a.status_class == std::array<int64_t, 6>{7, 7, 7, 7, 7, 7});
        int64_t wrong_codes = 0;
        for (size_t i = 0; i < a.status_code.size(); ++i) {
            wrong_codes += a.status_code[i] == static_cast<int64_t>(i) + 1 ? 0 : 1;
        }
        CHECK(wrong_codes == 0);
        CHECK(b.requests_sent == 1000);  // the source is untouched
    }

    TEST_CASE("every error kind has its stable, distinct name") {
        const std::array<const char*, barrage::stats::error_kind_count> expected = {
            "connect", "connect_timeout", "timeout", "reset",   "eof", "protocol", "fd_limit",
            "tls",     "port_exhausted",  "io",      "template"};
        std::set<std::string> names;
        for (int i = 0; i < barrage::stats::error_kind_count; ++i) {
            names.insert(std::string(error_kind_name(static_cast<ErrorKind>(i))));
        }
        CHECK(names == std::set<std::string>(expected.begin(), expected.end()));
        CHECK(error_kind_name(ErrorKind::connect) == "connect");
        CHECK(error_kind_name(ErrorKind::connect_timeout) == "connect_timeout");
        CHECK(error_kind_name(ErrorKind::port_exhausted) == "port_exhausted");
        CHECK(error_kind_name(ErrorKind::fd_limit) == "fd_limit");
        CHECK(error_kind_name(ErrorKind::tls) == "tls");
        CHECK(error_kind_name(ErrorKind::io) == "io");
        CHECK(error_kind_name(ErrorKind::templating) == "template");
    }
}

TEST_SUITE("snapshot") {
    TEST_CASE("reset clears counters, histograms and interval fields but keeps the worker") {
        Snapshot s;
        s.worker_index = 3;
        s.interval_index = 12;
        s.warmup = true;
        s.final = true;
        s.counters.requests_sent = 5;
        s.counters.count_status(200);
        s.latency_us.record_value(100);
        s.service_time_us.record_value(90);
        s.schedule_lag_us.record_value(10);
        s.connect_time_us.record_value(50);
        s.tls_handshake_us.record_value(70);
        s.counters.tls_handshakes_resumed = 1;
        s.reset();
        CHECK(s.worker_index == 3);
        CHECK(s.interval_index == 0);
        CHECK_FALSE(s.warmup);
        CHECK_FALSE(s.final);
        CHECK(s.counters.requests_sent == 0);
        CHECK(s.counters.status_class[2] == 0);
        CHECK(s.counters.status_code[200] == 0);
        CHECK(s.latency_us.total_count() == 0);
        CHECK(s.service_time_us.total_count() == 0);
        CHECK(s.schedule_lag_us.total_count() == 0);
        CHECK(s.connect_time_us.total_count() == 0);
        CHECK(s.tls_handshake_us.total_count() == 0);
        CHECK(s.counters.tls_handshakes_resumed == 0);
    }

    TEST_CASE("add merges counters and each histogram into its own counterpart") {
        Snapshot total;
        Snapshot part;
        total.counters.requests_completed = 1;
        part.counters.requests_completed = 2;
        part.latency_us.record_value(1000);
        part.service_time_us.record_values(5000, 2);
        part.schedule_lag_us.record_values(3000, 3);
        part.connect_time_us.record_values(4000, 4);
        part.tls_handshake_us.record_values(6000, 5);
        part.counters.tls_handshakes_full = 2;
        part.counters.tls_handshakes_resumed = 3;
        total.add(part);
        total.add(part);
        CHECK(total.counters.requests_completed == 5);
        CHECK(total.latency_us.total_count() == 2);
        CHECK(total.latency_us.max() == 1000);
        CHECK(total.service_time_us.total_count() == 4);
        CHECK(total.service_time_us.max() == 5003);  // bucket [5000, 5003]
        CHECK(total.schedule_lag_us.total_count() == 6);
        CHECK(total.schedule_lag_us.min() == 3000);
        CHECK(total.connect_time_us.total_count() == 8);
        CHECK(total.connect_time_us.min() == 4000);
        CHECK(total.tls_handshake_us.total_count() == 10);
        CHECK(total.tls_handshake_us.min() == 6000);
        CHECK(total.counters.tls_handshakes_full == 4);
        CHECK(total.counters.tls_handshakes_resumed == 6);
    }

    TEST_CASE("resetting and adding snapshots never allocates") {
        const int64_t at_start = barrage::test::allocation_count();
        Snapshot total;
        Snapshot part;
        REQUIRE(barrage::test::allocation_count() >= at_start + 8);  // 4 histograms each
        part.latency_us.record_value(5);
        const int64_t before = barrage::test::allocation_count();
        total.add(part);
        part.reset();
        CHECK(barrage::test::allocation_count() == before);
        CHECK(total.latency_us.total_count() == 1);
    }
}

TEST_SUITE("interval rows") {
    using barrage::stats::IntervalRow;
    using barrage::stats::IntervalRowSeries;

    IntervalRow row_at(int64_t index, int64_t completed, int64_t p99_us) {
        IntervalRow row;
        row.t_s = static_cast<double>(index + 1);
        row.length_s = 1.0;
        row.counters.requests_completed = completed;
        row.counters.requests_sent = completed;
        row.counters.count_status(200);
        row.latency_p99_us = p99_us;
        row.latency_max_us = p99_us * 2;
        row.latency_p95_us = p99_us / 2;
        row.generator_cpu_max = 0.5;
        return row;
    }

    TEST_CASE("a day of intervals stays within the bound and keeps every count and the span") {
        IntervalRowSeries series(8);
        std::vector<IntervalRow> rows;
        int64_t completed = 0;
        for (int64_t i = 0; i < 86'400; ++i) {
            series.add(row_at(i, i % 100, i == 4242 ? 9999 : 10), rows);
            completed += i % 100;
            REQUIRE(rows.size() <= 8);
        }
        CHECK(series.intervals_per_row() == 16384);  // 86400 / 16384 fits 8 rows (6 of them)
        int64_t merged = 0;
        int64_t statuses = 0;
        double length_s = 0;
        for (const IntervalRow& row : rows) {
            merged += row.counters.requests_completed;
            statuses += row.counters.status_class[2];
            length_s += row.length_s;
        }
        CHECK(merged == completed);
        CHECK(statuses == 86'400);
        CHECK(length_s == doctest::Approx(86'400.0));
        CHECK(rows.back().t_s == doctest::Approx(86'400.0));
        CHECK(rows.front().latency_p99_us == 9999);  // a merged percentile is an upper bound
        CHECK(rows.front().latency_max_us == 19998);
        CHECK(rows.front().latency_p95_us == 4999);  // p95 too, like the CSV's other columns
        CHECK(rows.front().generator_cpu_max == doctest::Approx(0.5));
    }

    TEST_CASE("an interval's errors by kind come from its counters and add up when rows merge") {
        barrage::stats::Counters counters;
        counters.count_error(barrage::stats::ErrorKind::connect);
        counters.count_request_failure(barrage::stats::ErrorKind::reset);
        counters.count_request_failure(barrage::stats::ErrorKind::reset);
        IntervalRow earlier = row_at(0, 1, 10);
        earlier.counters.errors = barrage::stats::IntervalCounts::of(counters).errors;
        IntervalRow later = row_at(1, 1, 10);
        later.counters.errors = earlier.counters.errors;
        const auto reset = static_cast<std::size_t>(barrage::stats::ErrorKind::reset);
        const auto connect = static_cast<std::size_t>(barrage::stats::ErrorKind::connect);
        CHECK(earlier.counters.errors[reset] == 2);
        CHECK(earlier.counters.errors[connect] == 1);
        const IntervalRow merged = barrage::stats::merge_rows(earlier, later);
        CHECK(merged.counters.errors[reset] == 4);
        CHECK(merged.counters.errors[connect] == 2);
    }

    TEST_CASE("below the bound every interval keeps its own row") {
        IntervalRowSeries series(8);
        std::vector<IntervalRow> rows;
        for (int64_t i = 0; i < 8; ++i) {
            series.add(row_at(i, i, 10), rows);
        }
        REQUIRE(rows.size() == 8);
        CHECK(rows[5].counters.requests_completed == 5);
        series.add(row_at(8, 8, 10), rows);  // the ninth halves the resolution
        CHECK(rows.size() == 5);
        CHECK(series.intervals_per_row() == 2);
        CHECK(rows[0].counters.requests_completed == 1);
        CHECK(rows[0].length_s == 2.0);
        CHECK(rows[4].t_s == 9.0);
    }
}

TEST_SUITE("per-name stats") {
    TEST_CASE("a histogram stored on first use holds no counts until a value arrives") {
        Histogram lazy = Histogram::for_latency_us(3, Histogram::Storage::on_first_use);
        Histogram eager = Histogram::for_latency_us();
        CHECK(lazy.counts_bytes() == 0);
        CHECK(eager.counts_bytes() == 23552 * sizeof(int64_t));
        CHECK(lazy.value_at_percentile(99) == 0);
        CHECK(lazy.count_at_index(100) == 0);
        CHECK(lazy.count_at_value(100) == 0);
        lazy.add(eager);  // adding nothing allocates nothing
        lazy.reset();
        CHECK(lazy.counts_bytes() == 0);
        for (int64_t v : {1, 999, 123'456, 7'000'000}) {
            lazy.record_value(v);
            eager.record_value(v);
        }
        CHECK(lazy.counts_bytes() == eager.counts_bytes());
        check_same_counts(lazy, eager);
        Histogram merged = Histogram::for_latency_us(3, Histogram::Storage::on_first_use);
        merged.add(eager);
        check_same_counts(merged, eager);
        CHECK(merged.value_at_percentile(50) == eager.value_at_percentile(50));
    }

    TEST_CASE("the first 100 names time at 3 significant digits, later ones at 2") {
        const Histogram first = NameStats(0, 0).latency_us;
        const Histogram last_fine = NameStats(0, 99).latency_us;
        const Histogram coarse = NameStats(0, 100).latency_us;
        CHECK(first.significant_figures() == 3);
        CHECK(last_fine.significant_figures() == 3);
        CHECK(coarse.significant_figures() == 2);
        CHECK(coarse.highest_trackable() == first.highest_trackable());
        CHECK(coarse.counts_len() * 7 < first.counts_len());  // 3328 against 23552 counts
        CHECK(first.counts_bytes() + coarse.counts_bytes() == 0);
        // 2 digits: a percentile is within 1/128 of the value.
        Histogram h = NameStats(0, 5000).latency_us;
        h.record_value(123'456);
        CHECK(h.value_at_percentile(50) >= 123'456);
        CHECK(h.value_at_percentile(50) <= 123'456 + 123'456 / 128);
    }

    TEST_CASE("a snapshot sized for 10,000 names holds no histogram memory for them") {
        Snapshot snapshot;
        for (std::size_t i = 0; i < 10'000; ++i) {
            snapshot.by_name.emplace_back(2, i);
        }
        std::size_t bytes = 0;
        for (const NameStats& name : snapshot.by_name) {
            bytes += name.latency_us.counts_bytes();
        }
        CHECK(bytes == 0);
        CHECK(sizeof(NameStats) < 256);
    }

    TEST_CASE("adding a snapshot records its logged latencies under their names") {
        Snapshot part;
        for (std::size_t i = 0; i < 150; ++i) {
            part.by_name.emplace_back(0, i);
        }
        part.by_name[3].completed = 2;
        part.name_latencies_us.push_back(NameLatency::of(3, 1000));
        part.name_latencies_us.push_back(NameLatency::of(3, 3000));
        part.by_name[120].completed = 1;
        part.name_latencies_us.push_back(NameLatency::of(120, 50'000));
        Snapshot total;
        total.add(part);
        total.add(part);
        REQUIRE(total.by_name.size() == 150);
        CHECK(total.by_name[3].completed == 4);
        CHECK(total.by_name[3].latency_us.total_count() == 4);
        CHECK(total.by_name[3].latency_us.min() == 1000);
        CHECK(total.by_name[120].latency_us.total_count() == 2);
        CHECK(total.by_name[120].latency_us.significant_figures() == 2);
        CHECK(total.by_name[0].latency_us.counts_bytes() == 0);  // never timed, never allocated
        part.reset();
        CHECK(part.name_latencies_us.empty());
        CHECK(part.by_name[3].completed == 0);
    }

    TEST_CASE("a logged latency beyond 1 h is still counted as clamped") {
        Snapshot part;
        part.by_name.emplace_back(0, 0);
        part.name_latencies_us.push_back(NameLatency::of(0, INT64_MAX));
        part.name_latencies_us.push_back(
            NameLatency::of(0, Histogram::latency_us_highest_trackable));
        Snapshot total;
        total.add(part);
        CHECK(total.by_name[0].latency_us.total_count() == 2);
        CHECK(total.by_name[0].latency_us.count_clamped() == 1);
    }
}

TEST_SUITE("judged latency") {
    using barrage::stats::JudgedLatency;

    TEST_CASE("with every request answered it is the answered histogram") {
        Histogram answered = Histogram::for_latency_us();
        for (int64_t us = 1; us <= 1000; ++us) {
            answered.record_value(us);
        }
        const JudgedLatency judged(answered, 0);
        for (const double p : {0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
            CAPTURE(p);
            CHECK(judged.value_at_percentile(p) == answered.value_at_percentile(p));
        }
        CHECK(judged.mean() == answered.mean());
        CHECK(judged.max() == answered.max());
        CHECK(judged.unanswered_fraction() == 0.0);
    }

    TEST_CASE(
        "an unanswered request is slower than any answer: ranks beyond the answers are "
        "unbounded") {
        Histogram answered = Histogram::for_latency_us();
        for (int64_t us = 1; us <= 98; ++us) {
            answered.record_value(us);
        }
        const JudgedLatency judged(answered, 2);  // 100 scheduled, 2 unanswered
        CHECK(judged.total_count() == 100);
        CHECK(judged.value_at_percentile(98.0) == 98);
        CHECK(judged.unbounded_at(98.5));  // rank 99 (round half up) is unanswered
        CHECK_FALSE(judged.value_at_percentile(99.0).has_value());
        CHECK(judged.value_at_percentile(50.0) == 50);
        CHECK_FALSE(judged.mean().has_value());
        CHECK_FALSE(judged.max().has_value());
        CHECK(judged.min() == 1);
        CHECK(judged.unanswered_fraction() == doctest::Approx(0.02));
    }

    TEST_CASE("nothing answered is unbounded everywhere; nothing scheduled has no value") {
        const Histogram empty = Histogram::for_latency_us();
        const JudgedLatency none_answered(empty, 5);
        CHECK_FALSE(none_answered.value_at_percentile(0.0).has_value());
        CHECK(none_answered.unbounded_at(0.0));
        CHECK_FALSE(none_answered.min().has_value());
        const JudgedLatency nothing(empty, 0);
        CHECK_FALSE(nothing.value_at_percentile(50.0).has_value());
        CHECK_FALSE(nothing.unbounded_at(50.0));
        CHECK(nothing.unanswered_fraction() == 0.0);
    }

    TEST_CASE("unanswered counts failed, unfinished and unsent requests") {
        Counters c;
        c.count_request_failure(ErrorKind::timeout);
        c.count_request_failure(ErrorKind::reset);
        c.count_error(ErrorKind::connect);  // a connection, not a request
        c.requests_unfinished = 3;
        c.requests_unsent = 4;
        CHECK(barrage::stats::unanswered_of(c) == 9);
        CHECK(c.requests_errors == 2);
        CHECK(c.errors_total() == 3);
        CHECK(c.request_failures[static_cast<std::size_t>(ErrorKind::timeout)] == 1);
    }
}

TEST_CASE("failure_rate adds failed responses to the unanswered; add and reset keep the count") {
    NameStats login(0, 0);
    login.completed = 90;
    login.errors = 10;
    login.responses_failed = 5;
    CHECK(barrage::stats::failure_rate(login) == doctest::Approx(15.0 / 100.0));
    CHECK(barrage::stats::failure_rate(0, 0, 0) == 0.0);  // nothing attempted
    NameStats browse(0, 1);
    browse.completed = 100;
    browse.responses_failed = 20;
    login.add(browse);
    CHECK(login.responses_failed == 25);
    const std::vector<NameStats> names{login, browse};
    CHECK(barrage::stats::responses_failed_total(names) == 45);
    barrage::stats::Counters counters;
    counters.requests_completed = 290;
    counters.requests_errors = 10;
    CHECK(barrage::stats::failure_rate(counters, names) == doctest::Approx(55.0 / 300.0));
    login.reset();
    CHECK(login.responses_failed == 0);
}

TEST_CASE("snapshots add task groups' transactions and record their logged latencies") {
    barrage::stats::Snapshot worker;
    worker.by_transaction.emplace_back(0);
    worker.by_transaction.emplace_back(1);
    worker.by_transaction[1].sent = 5;
    worker.by_transaction[1].completed = 3;
    worker.by_transaction[1].responses_failed = 1;
    worker.by_transaction[1].errors = 1;
    worker.by_transaction[1].repeat_tries = 9;
    worker.by_transaction[1].repeat_tries_max = 4;
    worker.transaction_latencies_us.push_back(barrage::stats::NameLatency::of(1, 2500));
    worker.transaction_latencies_us.push_back(barrage::stats::NameLatency::of(1, 3500));
    barrage::stats::Snapshot totals;
    totals.add(worker);
    totals.add(worker);
    REQUIRE(totals.by_transaction.size() == 2);
    const barrage::stats::TransactionStats& merged = totals.by_transaction[1];
    CHECK(merged.sent == 10);
    CHECK(merged.completed == 6);
    CHECK(merged.errors == 2);
    CHECK(merged.unfinished() == 2);
    CHECK(merged.succeeded() == 4);
    CHECK(merged.repeat_tries == 18);
    CHECK(merged.repeat_tries_max == 4);  // the most, not a sum
    CHECK(merged.latency_us.total_count() == 4);
    CHECK(barrage::stats::failure_rate(merged) == doctest::Approx(4.0 / 8.0));
    CHECK(totals.by_transaction[0].sent == 0);
    worker.reset();
    CHECK(worker.by_transaction[1].sent == 0);
    CHECK(worker.transaction_latencies_us.empty());
}

TEST_CASE("a running window adds intervals until its length is covered, then restarts empty") {
    barrage::stats::RunningWindow window(1.0);
    barrage::stats::Counters counters;
    counters.requests_completed = 3;
    auto latency = barrage::stats::Histogram::for_latency_us();
    latency.record_value(100);
    // Intervals of 0.3 s: the window ends at the first interval end at or past 1 s (1.2 s).
    CHECK_FALSE(window.add(0.3, 0.3, counters, latency));
    CHECK_FALSE(window.add(0.6, 0.3, counters, latency));
    CHECK_FALSE(window.add(0.9, 0.3, counters, latency));
    CHECK(window.add(1.2, 0.3, counters, latency));
    CHECK(window.start_s() == 0.0);
    CHECK(window.covered_s() == doctest::Approx(1.2));
    CHECK(window.counters().requests_completed == 12);
    CHECK(window.latency_us().total_count() == 4);
    window.restart();
    CHECK(window.start_s() == doctest::Approx(1.2));
    CHECK(window.covered_s() == 0.0);
    CHECK(window.counters().requests_completed == 0);
    CHECK(window.latency_us().total_count() == 0);
    // Sums of 0.1 s steps fall a hair short of 1 s: still a boundary reached.
    barrage::stats::RunningWindow tenths(1.0);
    double end_s = 0;
    bool closed = false;
    for (int i = 0; i < 10; ++i) {
        end_s += 0.1;
        closed = tenths.add(end_s, 0.1, counters, latency);
    }
    CHECK(closed);
}
