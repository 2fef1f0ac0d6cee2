#include "barrage/stats/histogram.h"

#include <algorithm>
#include <cmath>

#include "barrage/base/assert.h"

namespace barrage::stats {

namespace {

constexpr int64_t latency_us_lowest_discernible = 1;

// floor(log2(value)) for value >= 1. The reference divides log()s in doubles;
// integers give the exact answer, which the doubles match for any sane unit.
int32_t floor_log2(int64_t value) {
    return 63 - __builtin_clzll(static_cast<unsigned long long>(value));
}

// Smallest m with 2^m >= value, for value >= 2: the reference's ceil(log2(value)).
int32_t ceil_log2(int64_t value) {
    return 64 - __builtin_clzll(static_cast<unsigned long long>(value - 1));
}

int64_t power_of_ten(int exponent) {
    int64_t result = 1;
    for (int i = 0; i < exponent; ++i) {
        result *= 10;
    }
    return result;
}

// Buckets needed so the last one (each covers twice the range of the one
// before) reaches `value`; same as HdrHistogram_c's buckets_needed_to_cover_value.
int32_t buckets_needed_to_cover(int64_t value, int32_t sub_bucket_count, int32_t unit_magnitude) {
    int64_t smallest_untrackable = int64_t{sub_bucket_count} << unit_magnitude;
    int32_t buckets = 1;
    while (smallest_untrackable <= value) {
        if (smallest_untrackable > INT64_MAX / 2) {
            return buckets + 1;  // the next doubling would overflow
        }
        smallest_untrackable <<= 1;
        ++buckets;
    }
    return buckets;
}

}  // namespace

Histogram::Histogram(int64_t lowest_discernible, int64_t highest_trackable, int significant_figures,
                     Storage storage)
    : lowest_discernible_(lowest_discernible),
      highest_trackable_(highest_trackable),
      significant_figures_(significant_figures) {
    BARRAGE_ASSERT(lowest_discernible >= 1);
    BARRAGE_ASSERT(highest_trackable / 2 >= lowest_discernible);  // 2 * lowest, overflow-free
    BARRAGE_ASSERT(significant_figures >= 1 && significant_figures <= 5);

    // Sub-buckets must resolve 2 * 10^figures distinct values at unit size.
    const int64_t single_unit_range = 2 * power_of_ten(significant_figures);
    sub_bucket_half_count_magnitude_ = std::max(ceil_log2(single_unit_range), 1) - 1;
    unit_magnitude_ = floor_log2(lowest_discernible);
    BARRAGE_ASSERT(unit_magnitude_ + sub_bucket_half_count_magnitude_ <= 61);
    sub_bucket_count_ = int32_t{1} << (sub_bucket_half_count_magnitude_ + 1);
    sub_bucket_half_count_ = sub_bucket_count_ / 2;
    sub_bucket_mask_ = (int64_t{sub_bucket_count_} - 1) << unit_magnitude_;
    bucket_count_ = buckets_needed_to_cover(highest_trackable, sub_bucket_count_, unit_magnitude_);
    // Bucket 0 uses all its sub-buckets, every later one only its upper half.
    counts_len_ = (bucket_count_ + 1) * sub_bucket_half_count_;
    if (storage == Storage::now) {
        allocate_counts();
    }
    // record_values clamps to highest_trackable_, so this proves its index in range.
    BARRAGE_ASSERT(counts_index_for(highest_trackable_) < counts_len_);
}

Histogram Histogram::for_latency_us(int significant_figures, Storage storage) {
    return Histogram(latency_us_lowest_discernible, latency_us_highest_trackable,
                     significant_figures, storage);
}

void Histogram::allocate_counts() {
    BARRAGE_ASSERT(counts_.empty());
    counts_.assign(static_cast<size_t>(counts_len_), 0);
}

// inline: both are private, used only here, and sit on record_values' hot path.
inline int32_t Histogram::bucket_index_for(int64_t value) const {
    // OR-ing the mask makes every value below sub_bucket_count land in bucket 0.
    const int32_t pow2_ceiling =
        64 - __builtin_clzll(static_cast<unsigned long long>(value | sub_bucket_mask_));
    return pow2_ceiling - unit_magnitude_ - (sub_bucket_half_count_magnitude_ + 1);
}

inline int32_t Histogram::counts_index_for(int64_t value) const {
    const int32_t bucket_index = bucket_index_for(value);
    const auto sub_bucket_index = static_cast<int32_t>(value >> (bucket_index + unit_magnitude_));
    // Buckets after the first share their lower half with the previous bucket,
    // so each bucket starts half a bucket further on.
    return ((bucket_index + 1) << sub_bucket_half_count_magnitude_) +
           (sub_bucket_index - sub_bucket_half_count_);
}

void Histogram::record_values(int64_t value, int64_t count) {
    BARRAGE_ASSERT(value >= 0);
    BARRAGE_ASSERT(count >= 0);
    if (count == 0) [[unlikely]] {
        return;  // would otherwise move min/max without recording anything
    }
    if (value > highest_trackable_) [[unlikely]] {
        value = highest_trackable_;
        count_clamped_ += count;
    }
    const int32_t index = counts_index_for(value);
    BARRAGE_ASSERT(index >= 0 && index < counts_len_);
    if (counts_.empty()) [[unlikely]] {
        allocate_counts();  // Storage::on_first_use
    }
    counts_[static_cast<size_t>(index)] += count;
    total_count_ += count;
    min_value_ = std::min(min_value_, value);
    max_value_ = std::max(max_value_, value);
}

void Histogram::add(const Histogram& other) {
    BARRAGE_ASSERT_MSG(lowest_discernible_ == other.lowest_discernible_ &&
                           highest_trackable_ == other.highest_trackable_ &&
                           significant_figures_ == other.significant_figures_,
                       "Histogram::add needs the same layout");
    if (other.total_count_ == 0) {
        return;  // nothing to add (and an empty histogram may have no counts allocated)
    }
    if (counts_.empty()) {
        allocate_counts();
    }
    // Same layout means same index for every value: add counts index by index.
    for (size_t i = 0; i < counts_.size(); ++i) {
        counts_[i] += other.counts_[i];
    }
    total_count_ += other.total_count_;
    count_clamped_ += other.count_clamped_;
    min_value_ = std::min(min_value_, other.min_value_);
    max_value_ = std::max(max_value_, other.max_value_);
}

void Histogram::mark_clamped(int64_t count) {
    BARRAGE_ASSERT(count >= 0 && count <= count_at_value(highest_trackable_));
    count_clamped_ = count;
}

void Histogram::reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_count_ = 0;
    count_clamped_ = 0;
    min_value_ = INT64_MAX;
    max_value_ = 0;
}

int64_t Histogram::min() const {
    if (total_count_ == 0) {
        return 0;
    }
    return lowest_equivalent_value(min_value_);
}

int64_t Histogram::max() const {
    // Like hdr_max: a histogram holding only zeros reports 0, not the top of bucket 0.
    if (max_value_ == 0) {
        return 0;
    }
    return highest_equivalent_value(max_value_);
}

double Histogram::mean() const {
    if (total_count_ == 0) {
        return 0;
    }
    double sum = 0;
    for (int32_t i = 0; i < counts_len_; ++i) {
        const int64_t count = counts_[static_cast<size_t>(i)];
        if (count != 0) {
            // In double: count * value can overflow int64 for large values.
            sum += static_cast<double>(count) *
                   static_cast<double>(median_equivalent_value(value_at_index(i)));
        }
    }
    return sum / static_cast<double>(total_count_);
}

double Histogram::stdev() const {
    if (total_count_ == 0) {
        return 0;
    }
    const double mean_value = mean();
    double deviation_squared_sum = 0;
    for (int32_t i = 0; i < counts_len_; ++i) {
        const int64_t count = counts_[static_cast<size_t>(i)];
        if (count != 0) {
            const double deviation =
                static_cast<double>(median_equivalent_value(value_at_index(i))) - mean_value;
            deviation_squared_sum += deviation * deviation * static_cast<double>(count);
        }
    }
    return std::sqrt(deviation_squared_sum / static_cast<double>(total_count_));
}

int64_t Histogram::value_at_percentile(double percentile) const {
    BARRAGE_ASSERT(percentile >= 0.0 && percentile <= 100.0);
    if (total_count_ == 0) {
        return 0;
    }
    const int64_t value = value_at_rank(rank_at_percentile(percentile, total_count_));
    return percentile == 0.0 ? lowest_equivalent_value(value) : value;
}

// hdr_value_at_percentile's rank: rounded half up, at least the first value.
int64_t rank_at_percentile(double percentile, int64_t total) {
    BARRAGE_ASSERT(percentile >= 0.0 && percentile <= 100.0 && total > 0);
    const auto rank = static_cast<int64_t>(percentile / 100.0 * static_cast<double>(total) + 0.5);
    return std::max<int64_t>(rank, 1);
}

int64_t Histogram::value_at_rank(int64_t rank) const {
    BARRAGE_ASSERT(rank >= 1 && rank <= total_count_);
    int64_t cumulative = 0;
    for (int32_t i = 0; i < counts_len_; ++i) {
        cumulative += counts_[static_cast<size_t>(i)];
        if (cumulative >= rank) {
            return highest_equivalent_value(value_at_index(i));
        }
    }
    BARRAGE_ASSERT_MSG(false, "total_count exceeds the sum of the counts");
    return 0;
}

int64_t Histogram::value_at_index(int32_t index) const {
    BARRAGE_ASSERT(index >= 0 && index < counts_len_);
    int32_t bucket_index = (index >> sub_bucket_half_count_magnitude_) - 1;
    int32_t sub_bucket_index = (index & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
    if (bucket_index < 0) {
        // Bucket 0's lower half: the only indices below sub_bucket_half_count.
        sub_bucket_index -= sub_bucket_half_count_;
        bucket_index = 0;
    }
    return int64_t{sub_bucket_index} << (bucket_index + unit_magnitude_);
}

int64_t Histogram::count_at_value(int64_t value) const {
    if (value < 0 || value > highest_trackable_ || counts_.empty()) {
        return 0;
    }
    return counts_[static_cast<size_t>(counts_index_for(value))];
}

bool Histogram::values_are_equivalent(int64_t a, int64_t b) const {
    return lowest_equivalent_value(a) == lowest_equivalent_value(b);
}

int64_t Histogram::equivalent_range_size(int64_t value) const {
    BARRAGE_ASSERT(value >= 0);
    // The reference also bumps the bucket when sub_bucket_index >= sub_bucket_count;
    // bucket_index_for never produces such an index, so there is nothing to adjust.
    return int64_t{1} << (unit_magnitude_ + bucket_index_for(value));
}

int64_t Histogram::lowest_equivalent_value(int64_t value) const {
    // Clearing the bits below the bucket's resolution is value_from_index(bucket, sub_bucket).
    return value & ~(equivalent_range_size(value) - 1);
}

int64_t Histogram::highest_equivalent_value(int64_t value) const {
    return lowest_equivalent_value(value) + equivalent_range_size(value) - 1;
}

int64_t Histogram::median_equivalent_value(int64_t value) const {
    return lowest_equivalent_value(value) + (equivalent_range_size(value) >> 1);
}

}  // namespace barrage::stats
