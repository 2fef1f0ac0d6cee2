#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "barrage/schedule/arrival_schedule.h"
#include "barrage/schedule/load_shape.h"

using barrage::schedule::ArrivalSchedule;
using barrage::schedule::no_more_arrivals;
using barrage::schedule::RateSegment;
using barrage::schedule::ScheduleShard;

namespace {
constexpr int64_t s_ns = 1'000'000'000;

// Counts arrivals per whole second by walking the schedule.
std::vector<int64_t> arrivals_per_second(const ArrivalSchedule& schedule) {
    std::vector<int64_t> counts(static_cast<size_t>((schedule.duration_ns() + s_ns - 1) / s_ns));
    for (int64_t k = 0;; ++k) {
        const int64_t t = schedule.time_of_arrival_ns(k);
        if (t == no_more_arrivals) {
            break;
        }
        counts[static_cast<size_t>(t / s_ns)]++;
    }
    return counts;
}

// Every second's count is within +-1 of the exact integral over that second.
void check_counts_follow_integral(const ArrivalSchedule& schedule) {
    const auto counts = arrivals_per_second(schedule);
    for (size_t i = 0; i < counts.size(); ++i) {
        const auto start = static_cast<int64_t>(i) * s_ns;
        const double exact = schedule.integral_until(start + s_ns) - schedule.integral_until(start);
        CAPTURE(i);
        CHECK(std::abs(static_cast<double>(counts[i]) - exact) <= 1.0);
    }
}
}  // namespace

TEST_CASE("a constant rate spaces arrivals exactly one period apart") {
    const auto schedule = ArrivalSchedule::constant(1000.0, 2 * s_ns);
    CHECK(schedule.arrivals_total() == 2000);
    CHECK(schedule.time_of_arrival_ns(0) == 0);
    CHECK(schedule.time_of_arrival_ns(1) == 1'000'000);
    CHECK(schedule.time_of_arrival_ns(1999) == 1'999'000'000);
    CHECK(schedule.time_of_arrival_ns(2000) == no_more_arrivals);
}

TEST_CASE("a fractional rate produces the exact integral count") {
    const auto schedule = ArrivalSchedule::constant(2.5, 10 * s_ns);
    CHECK(schedule.arrivals_total() == 25);
    CHECK(schedule.time_of_arrival_ns(1) == 400'000'000);
    const auto uneven = ArrivalSchedule::constant(0.3, 10 * s_ns);
    CHECK(uneven.arrivals_total() == 3);  // at 0, 3.33 s, 6.67 s
    CHECK(uneven.time_of_arrival_ns(2) == 6'666'666'667);
    check_counts_follow_integral(ArrivalSchedule::constant(333.7, 7 * s_ns));
}

TEST_CASE("a linear ramp follows the integral of its rate each second") {
    auto ramp = ArrivalSchedule::make({RateSegment{10 * s_ns, 100.0, 1100.0}});
    REQUIRE(ramp.ok());
    CHECK(ramp.value().arrivals_total() == 6000);  // (100 + 1100) / 2 * 10
    check_counts_follow_integral(ramp.value());
    // Arrival times increase strictly.
    int64_t previous = -1;
    for (int64_t k = 0; k < ramp.value().arrivals_total(); ++k) {
        const int64_t t = ramp.value().time_of_arrival_ns(k);
        REQUIRE(t > previous);
        previous = t;
    }
}

TEST_CASE("a ramp starting from zero and a descending ramp stay exact") {
    auto up = ArrivalSchedule::make({RateSegment{4 * s_ns, 0.0, 200.0}});
    REQUIRE(up.ok());
    CHECK(up.value().arrivals_total() == 400);
    check_counts_follow_integral(up.value());
    auto down = ArrivalSchedule::make({RateSegment{4 * s_ns, 200.0, 0.0}});
    REQUIRE(down.ok());
    CHECK(down.value().arrivals_total() == 400);
    check_counts_follow_integral(down.value());
}

TEST_CASE("segments chain: step and spike shapes including a pause") {
    auto spike = ArrivalSchedule::make({
        RateSegment{3 * s_ns, 50.0, 50.0},
        RateSegment{1 * s_ns, 50.0, 500.0},
        RateSegment{3 * s_ns, 500.0, 500.0},
        RateSegment{2 * s_ns, 0.0, 0.0},
        RateSegment{2 * s_ns, 50.0, 50.0},
    });
    REQUIRE(spike.ok());
    CHECK(spike.value().arrivals_total() == 150 + 275 + 1500 + 0 + 100);
    const auto counts = arrivals_per_second(spike.value());
    CHECK(counts[7] == 0);
    CHECK(counts[8] == 0);
    CHECK(counts[9] == 50);
    check_counts_follow_integral(spike.value());
}

TEST_CASE("invalid segments are refused with a reason") {
    CHECK_FALSE(ArrivalSchedule::make({}).ok());
    auto zero = ArrivalSchedule::make({RateSegment{0, 1.0, 1.0}});
    REQUIRE_FALSE(zero.ok());
    CHECK(zero.error().message.find("duration") != std::string::npos);
    CHECK_FALSE(ArrivalSchedule::make({RateSegment{s_ns, -1.0, 1.0}}).ok());
    CHECK_FALSE(ArrivalSchedule::make({RateSegment{s_ns, NAN, 1.0}}).ok());
}

TEST_CASE("shards together produce exactly the whole schedule") {
    const auto schedule = ArrivalSchedule::constant(997.0, 3 * s_ns);
    for (int shards : {1, 2, 3, 7}) {
        std::vector<int64_t> merged;
        int64_t total = 0;
        for (int i = 0; i < shards; ++i) {
            ScheduleShard shard(&schedule, i, shards);
            total += shard.total();
            while (shard.next_ns() != no_more_arrivals) {
                merged.push_back(shard.next_ns());
                shard.advance();
            }
            CHECK(shard.taken() == shard.total());
        }
        std::sort(merged.begin(), merged.end());
        REQUIRE(static_cast<int64_t>(merged.size()) == schedule.arrivals_total());
        CHECK(total == schedule.arrivals_total());
        for (int64_t k = 0; k < schedule.arrivals_total(); ++k) {
            REQUIRE(merged[static_cast<size_t>(k)] == schedule.time_of_arrival_ns(k));
        }
    }
}

TEST_CASE("a shard with more shards than arrivals is empty") {
    const auto schedule = ArrivalSchedule::constant(1.0, 2 * s_ns);
    ScheduleShard shard(&schedule, 5, 8);
    CHECK(shard.total() == 0);
    CHECK(shard.next_ns() == no_more_arrivals);
}

TEST_CASE("arrivals_before counts exactly the arrivals intended before a time") {
    // Constant, fractional, ramps up and down, a pause: at every arrival's time, one ns
    // before and after it, and at points between, the count equals a walk of the schedule.
    auto chained = ArrivalSchedule::make({RateSegment{s_ns, 3.5, 3.5}, RateSegment{s_ns, 0, 0},
                                          RateSegment{2 * s_ns, 0, 40}, RateSegment{s_ns, 40, 7}});
    REQUIRE(chained.ok());
    for (const ArrivalSchedule& schedule :
         {ArrivalSchedule::constant(997.0, 3 * s_ns), ArrivalSchedule::constant(0.3, 10 * s_ns),
          chained.value()}) {
        std::vector<int64_t> probes = {-5,
                                       0,
                                       1,
                                       schedule.duration_ns() - 1,
                                       schedule.duration_ns(),
                                       schedule.duration_ns() + s_ns};
        for (int64_t k = 0; k < schedule.arrivals_total(); ++k) {
            const int64_t t = schedule.time_of_arrival_ns(k);
            probes.insert(probes.end(), {t - 1, t, t + 1});
        }
        for (int64_t t = 0; t < schedule.duration_ns(); t += s_ns / 7) {
            probes.push_back(t);
        }
        for (const int64_t t : probes) {
            int64_t walked = 0;
            while (walked < schedule.arrivals_total() && schedule.time_of_arrival_ns(walked) < t) {
                ++walked;
            }
            REQUIRE_MESSAGE(schedule.arrivals_before(t) == walked, "t = " << t);
        }
    }
}

TEST_CASE("a shard counts its own arrivals before a time without walking them") {
    const auto schedule = ArrivalSchedule::constant(997.0, 3 * s_ns);
    for (int shards : {1, 2, 3, 7}) {
        for (int i = 0; i < shards; ++i) {
            ScheduleShard shard(&schedule, i, shards);
            ScheduleShard walker(&schedule, i, shards);
            for (int64_t t : {int64_t{0}, s_ns / 3, s_ns, 2 * s_ns + 12345, 3 * s_ns}) {
                while (walker.next_ns() != no_more_arrivals && walker.next_ns() < t) {
                    walker.advance();
                }
                REQUIRE(shard.count_before(t) == walker.taken());
            }
        }
    }
}

TEST_CASE("a year at 100M/s is counted from the integral, as exactly as it is planned") {
    // 3.15e15 arrivals: a walk would never end; the count comes in a few steps.
    const int64_t year_ns = int64_t{365} * 24 * 3600 * s_ns;
    const auto schedule = ArrivalSchedule::constant(100e6, year_ns);
    CHECK(schedule.arrivals_before(year_ns) == schedule.arrivals_total());
    CHECK(schedule.arrivals_before(s_ns) == 100'000'000);
    const int64_t half = schedule.arrivals_before(year_ns / 2);
    CHECK(schedule.time_of_arrival_ns(half - 1) < year_ns / 2);
    CHECK(schedule.time_of_arrival_ns(half) >= year_ns / 2);
    ScheduleShard shard(&schedule, 3, 10);
    CHECK(shard.count_before(s_ns) == 10'000'000);
}

// ---- load shapes (load_shape.h) ----

namespace {
using barrage::schedule::ConstantShape;
using barrage::schedule::RampShape;
using barrage::schedule::segments_of;
using barrage::schedule::SpikeShape;
using barrage::schedule::StepShape;

template <typename Shape>
ArrivalSchedule schedule_of(const Shape& shape) {
    auto segments = segments_of(shape);
    REQUIRE(segments.ok());
    auto schedule = ArrivalSchedule::make(std::move(segments).value());
    REQUIRE(schedule.ok());
    return std::move(schedule).value();
}
}  // namespace

TEST_CASE("a constant shape sends a fractional rate exactly") {
    const auto schedule = schedule_of(ConstantShape{2.5, 4 * s_ns});
    CHECK(schedule.arrivals_total() == 10);
    CHECK(schedule.time_of_arrival_ns(1) == 400'000'000);
    CHECK(schedule.time_of_arrival_ns(9) == 3'600'000'000);
    check_counts_follow_integral(schedule_of(ConstantShape{17.25, 9 * s_ns}));
}

TEST_CASE("a ramp shape accelerates linearly from its start rate to its end rate") {
    // 0 -> 10/s over 10 s: integral t^2 / 2, so arrival k is at sqrt(2k) s.
    const auto schedule = schedule_of(RampShape{0, 10, 10 * s_ns});
    CHECK(schedule.arrivals_total() == 50);
    CHECK(schedule.time_of_arrival_ns(0) == 0);
    CHECK(schedule.time_of_arrival_ns(2) == 2 * s_ns);
    CHECK(schedule.time_of_arrival_ns(8) == 4 * s_ns);
    CHECK(schedule.time_of_arrival_ns(32) == 8 * s_ns);
    check_counts_follow_integral(schedule);
    check_counts_follow_integral(schedule_of(RampShape{300.5, 20.25, 7 * s_ns}));
}

TEST_CASE("a step shape holds each level for one step duration") {
    const auto segments = segments_of(StepShape{100, 200, 2 * s_ns, 3});
    REQUIRE(segments.ok());
    REQUIRE(segments.value().size() == 3);
    CHECK(segments.value()[2].rate_start_per_s == 500);
    const auto schedule = schedule_of(StepShape{100, 200, 2 * s_ns, 3});
    CHECK(schedule.duration_ns() == 6 * s_ns);
    CHECK(schedule.arrivals_total() == 1800);
    CHECK(schedule.time_of_arrival_ns(200) == 2 * s_ns);  // first at 300/s
    CHECK(schedule.time_of_arrival_ns(201) == 2 * s_ns + 3'333'333);
    CHECK(schedule.time_of_arrival_ns(800) == 4 * s_ns);  // first at 500/s
    const auto counts = arrivals_per_second(schedule);
    CHECK(counts == std::vector<int64_t>{100, 100, 300, 300, 500, 500});
    check_counts_follow_integral(schedule_of(StepShape{0.5, 1.25, 3 * s_ns / 2, 4}));
}

TEST_CASE("a spike shape rises from its base rate, holds the peak and falls back") {
    // 50/s, at 2 s rise in 1 s to 500/s, hold 2 s, fall in 1 s, back to 50/s until 8 s.
    const SpikeShape shape{50, 500, 8 * s_ns, 2 * s_ns, 2 * s_ns, s_ns, s_ns};
    const auto segments = segments_of(shape);
    REQUIRE(segments.ok());
    CHECK(segments.value().size() == 5);
    const auto schedule = schedule_of(shape);
    // 50*2 + 275 + 500*2 + 275 + 50*2 = 1750
    CHECK(schedule.arrivals_total() == 1750);
    CHECK(schedule.time_of_arrival_ns(100) == 2 * s_ns);
    CHECK(schedule.time_of_arrival_ns(375) == 3 * s_ns);
    CHECK(schedule.time_of_arrival_ns(376) == 3 * s_ns + 2'000'000);
    const auto counts = arrivals_per_second(schedule);
    CHECK(counts == std::vector<int64_t>{50, 50, 275, 500, 500, 275, 50, 50});
    check_counts_follow_integral(schedule);
}

TEST_CASE("a spike without rise time jumps, and may start from a base rate of zero") {
    const auto segments = segments_of(SpikeShape{0, 10, 4 * s_ns, s_ns, s_ns, 0, 0});
    REQUIRE(segments.ok());
    CHECK(segments.value().size() == 3);
    const auto schedule = schedule_of(SpikeShape{0, 10, 4 * s_ns, s_ns, s_ns, 0, 0});
    CHECK(schedule.arrivals_total() == 10);
    CHECK(schedule.time_of_arrival_ns(0) == s_ns);
    CHECK(schedule.time_of_arrival_ns(9) == s_ns + 900'000'000);
}

TEST_CASE("load shapes refuse zero, negative and ill-fitting values") {
    CHECK_FALSE(segments_of(ConstantShape{0, s_ns}).ok());
    CHECK_FALSE(segments_of(ConstantShape{-1, s_ns}).ok());
    CHECK_FALSE(segments_of(ConstantShape{10, 0}).ok());
    CHECK_FALSE(segments_of(ConstantShape{NAN, s_ns}).ok());
    CHECK_FALSE(segments_of(RampShape{0, 0, s_ns}).ok());
    CHECK_FALSE(segments_of(RampShape{-5, 10, s_ns}).ok());
    CHECK_FALSE(segments_of(StepShape{100, 100, s_ns, 0}).ok());
    CHECK_FALSE(segments_of(StepShape{100, -50, s_ns, 3}).ok());  // third level is 0
    CHECK(segments_of(StepShape{100, -40, s_ns, 3}).ok());
    CHECK_FALSE(segments_of(StepShape{100, 10, -s_ns, 3}).ok());
    CHECK_FALSE(segments_of(SpikeShape{50, 500, 5 * s_ns, 3 * s_ns, 2 * s_ns, s_ns, 0}).ok());
    CHECK_FALSE(segments_of(SpikeShape{50, 0, 5 * s_ns, s_ns, s_ns, 0, 0}).ok());
    CHECK_FALSE(segments_of(SpikeShape{50, 500, 5 * s_ns, s_ns, 0, 0, 0}).ok());
    CHECK_FALSE(segments_of(SpikeShape{50, 500, 5 * s_ns, -1, s_ns, 0, 0}).ok());
    CHECK(segments_of(SpikeShape{50, 500, 5 * s_ns, 3 * s_ns, 2 * s_ns, 0, 0}).ok());
}

namespace {

// Every arrival of every worker of every shard (`workers[s]` workers in shard
// s), sorted: what N machines send together.
std::vector<int64_t> sharded_arrivals(const ArrivalSchedule& schedule,
                                      const std::vector<int>& workers) {
    const int shards = static_cast<int>(workers.size());
    std::vector<int64_t> merged;
    for (int s = 0; s < shards; ++s) {
        for (int w = 0; w < workers[static_cast<size_t>(s)]; ++w) {
            auto part =
                ScheduleShard::of_worker(&schedule, s, shards, w, workers[static_cast<size_t>(s)]);
            int64_t previous = -1;
            while (part.next_ns() != no_more_arrivals) {
                REQUIRE(part.next_ns() >= previous);
                previous = part.next_ns();
                merged.push_back(part.next_ns());
                part.advance();
            }
            CHECK(part.taken() == part.total());
        }
    }
    std::sort(merged.begin(), merged.end());
    return merged;
}

ArrivalSchedule schedule_of(barrage::base::Result<std::vector<RateSegment>> segments) {
    REQUIRE(segments.ok());
    auto schedule = ArrivalSchedule::make(std::move(segments).value());
    REQUIRE(schedule.ok());
    return std::move(schedule).value();
}

}  // namespace

TEST_CASE("N shards of W workers together send exactly the unsharded arrivals at their times") {
    using namespace barrage::schedule;
    const std::vector<ArrivalSchedule> schedules = {
        schedule_of(segments_of(ConstantShape{.rate_per_s = 1000, .duration_ns = 2 * s_ns})),
        schedule_of(segments_of(ConstantShape{.rate_per_s = 33.3, .duration_ns = 3 * s_ns})),
        schedule_of(segments_of(
            RampShape{.rate_per_s = 10, .rate_end_per_s = 517, .duration_ns = 2 * s_ns})),
        schedule_of(segments_of(StepShape{
            .rate_per_s = 100, .step_per_s = 150, .step_duration_ns = s_ns / 2, .steps = 4})),
        schedule_of(segments_of(SpikeShape{.rate_per_s = 50,
                                           .rate_end_per_s = 900,
                                           .duration_ns = 3 * s_ns,
                                           .spike_at_ns = s_ns,
                                           .spike_hold_ns = s_ns / 2,
                                           .spike_rise_ns = s_ns / 10,
                                           .spike_fall_ns = 0}))};
    // Shards of one worker, of equal workers, and machines with different core counts.
    const std::vector<std::vector<int>> layouts = {
        {1}, {1, 1, 1, 1}, {2, 2, 2}, {3, 1, 4, 2}, {1, 1, 1, 1, 1, 1, 1}};
    for (const ArrivalSchedule& schedule : schedules) {
        for (const std::vector<int>& workers : layouts) {
            CAPTURE(workers.size());
            const std::vector<int64_t> merged = sharded_arrivals(schedule, workers);
            REQUIRE(static_cast<int64_t>(merged.size()) == schedule.arrivals_total());
            for (int64_t k = 0; k < schedule.arrivals_total(); ++k) {
                REQUIRE(merged[static_cast<size_t>(k)] == schedule.time_of_arrival_ns(k));
            }
        }
    }
}

TEST_CASE("shard s of N takes arrivals k with k mod N == s, dealt to its workers in turn") {
    const auto schedule = ArrivalSchedule::constant(100.0, s_ns);
    // Shard 1 of 4 (0-based), worker 1 of 2: arrivals 1+4*1 = 5, then every 8th.
    auto part = ScheduleShard::of_worker(&schedule, 1, 4, 1, 2);
    for (const int64_t k : {5, 13, 21, 29}) {
        REQUIRE(part.next_ns() == schedule.time_of_arrival_ns(k));
        part.advance();
    }
    CHECK(part.total() == 12);  // 5, 13, ..., 93 of 100
}
