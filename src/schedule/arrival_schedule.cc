#include "barrage/schedule/arrival_schedule.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "barrage/base/assert.h"

namespace barrage::schedule {

namespace {

constexpr double ns_per_s = 1e9;

// Arrivals within a segment during its first `t_s` seconds: a t + (b - a) t^2 / (2 D).
double segment_integral(const RateSegment& segment, double t_s) {
    const double d_s = static_cast<double>(segment.duration_ns) / ns_per_s;
    const double a = segment.rate_start_per_s;
    const double b = segment.rate_end_per_s;
    return a * t_s + (b - a) * t_s * t_s / (2.0 * d_s);
}

// Inverse of segment_integral: the time (s) at which `m` arrivals have
// accumulated. Written as 2m / (a + sqrt(a^2 + 2 (b-a) m / D)) so it stays
// exact for constant rates and stable when the rate starts at zero.
double segment_time_of(const RateSegment& segment, double m) {
    const double d_s = static_cast<double>(segment.duration_ns) / ns_per_s;
    const double a = segment.rate_start_per_s;
    const double b = segment.rate_end_per_s;
    if (a == b) {
        return m / a;
    }
    const double discriminant = std::max(0.0, a * a + 2.0 * (b - a) * m / d_s);
    const double denominator = a + std::sqrt(discriminant);
    return denominator > 0 ? 2.0 * m / denominator : 0.0;
}

}  // namespace

base::Result<ArrivalSchedule> ArrivalSchedule::make(std::vector<RateSegment> segments) {
    if (segments.empty()) {
        return base::make_error("schedule has no segments");
    }
    ArrivalSchedule schedule;
    double arrivals = 0;
    int64_t start_ns = 0;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const RateSegment& s = segments[i];
        const std::string where = "schedule segment " + std::to_string(i + 1);
        if (s.duration_ns <= 0) {
            return base::make_error(where + ": duration must be > 0");
        }
        if (!std::isfinite(s.rate_start_per_s) || !std::isfinite(s.rate_end_per_s) ||
            s.rate_start_per_s < 0 || s.rate_end_per_s < 0) {
            return base::make_error(where + ": rates must be finite and >= 0");
        }
        schedule.arrivals_before_.push_back(arrivals);
        schedule.segment_start_ns_.push_back(start_ns);
        arrivals += segment_integral(s, static_cast<double>(s.duration_ns) / ns_per_s);
        start_ns += s.duration_ns;
    }
    schedule.segments_ = std::move(segments);
    schedule.duration_ns_ = start_ns;
    // Arrival k lands at integral == k; those strictly before the end count.
    // The small tolerance keeps float noise from adding an arrival on the end.
    const double total = std::ceil(arrivals - 1e-9);
    schedule.arrivals_total_ = static_cast<int64_t>(std::max(0.0, total));
    return schedule;
}

ArrivalSchedule ArrivalSchedule::constant(double rate_per_s, int64_t duration_ns) {
    auto result = make({RateSegment{duration_ns, rate_per_s, rate_per_s}});
    BARRAGE_ASSERT_MSG(result.ok(), "constant schedule with invalid rate or duration");
    return std::move(result).value();
}

int64_t ArrivalSchedule::time_of_arrival_ns(int64_t k) const {
    BARRAGE_ASSERT(k >= 0);
    if (k >= arrivals_total_) {
        return no_more_arrivals;
    }
    const double target = static_cast<double>(k);
    // Last segment whose cumulative start is <= k; among equal starts the last
    // wins, which skips zero-rate segments (they hold no arrivals).
    const auto it = std::upper_bound(arrivals_before_.begin(), arrivals_before_.end(), target);
    const auto i = static_cast<std::size_t>(it - arrivals_before_.begin()) - 1;
    const double within_s = segment_time_of(segments_[i], target - arrivals_before_[i]);
    const int64_t t =
        segment_start_ns_[i] + static_cast<int64_t>(std::llround(within_s * ns_per_s));
    BARRAGE_ASSERT(t >= 0);
    return std::min(t, duration_ns_ - 1);
}

double ArrivalSchedule::integral_until(int64_t t_ns) const {
    if (t_ns <= 0) {
        return 0;
    }
    if (t_ns >= duration_ns_) {
        t_ns = duration_ns_;
    }
    std::size_t i = segments_.size() - 1;
    while (i > 0 && segment_start_ns_[i] > t_ns) {
        --i;
    }
    const double within_s = static_cast<double>(t_ns - segment_start_ns_[i]) / ns_per_s;
    return arrivals_before_[i] + segment_integral(segments_[i], within_s);
}

int64_t ArrivalSchedule::arrivals_before(int64_t t_ns) const {
    if (t_ns <= 0 || arrivals_total_ == 0) {
        return 0;
    }
    // Arrival k lies at integral == k, so ceil(integral) arrivals lie before t; the
    // rounding of times to whole ns can move the boundary by one, which the steps fix.
    const double estimate = std::ceil(integral_until(t_ns) - 1e-9);
    int64_t count =
        std::clamp(static_cast<int64_t>(std::max(0.0, estimate)), int64_t{0}, arrivals_total_);
    while (count > 0 && time_of_arrival_ns(count - 1) >= t_ns) {
        --count;
    }
    while (count < arrivals_total_ && time_of_arrival_ns(count) < t_ns) {
        ++count;
    }
    return count;
}

ScheduleShard::ScheduleShard(const ArrivalSchedule* schedule, int shard_index, int shard_count)
    : schedule_(schedule), shard_index_(shard_index), shard_count_(shard_count) {
    BARRAGE_ASSERT(schedule != nullptr);
    BARRAGE_ASSERT(shard_count > 0 && shard_index >= 0 && shard_index < shard_count);
    next_ns_ = schedule_->time_of_arrival_ns(shard_index_);
}

ScheduleShard ScheduleShard::of_worker(const ArrivalSchedule* schedule, int shard, int shards,
                                       int worker, int workers) {
    BARRAGE_ASSERT(shards > 0 && shard >= 0 && shard < shards);
    BARRAGE_ASSERT(workers > 0 && worker >= 0 && worker < workers);
    const int64_t stride = int64_t{shards} * workers;
    BARRAGE_ASSERT(stride <= INT32_MAX);
    return ScheduleShard(schedule, shard + shards * worker, static_cast<int>(stride));
}

void ScheduleShard::advance() {
    BARRAGE_ASSERT(next_ns_ != no_more_arrivals);
    ++taken_;
    next_ns_ = schedule_->time_of_arrival_ns(shard_index_ + taken_ * shard_count_);
}

namespace {
// Of the first `all` arrivals, those that fall to shard `index` of `count`.
int64_t shard_share(int64_t all, int64_t index, int64_t count) {
    return all > index ? (all - index + count - 1) / count : 0;
}
}  // namespace

int64_t ScheduleShard::total() const {
    return shard_share(schedule_->arrivals_total(), shard_index_, shard_count_);
}

int64_t ScheduleShard::count_before(int64_t t_ns) const {
    return shard_share(schedule_->arrivals_before(t_ns), shard_index_, shard_count_);
}

}  // namespace barrage::schedule
