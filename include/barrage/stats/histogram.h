#pragma once
// HdrHistogram-compatible histogram (same bucket layout as HdrHistogram_c and
// the Java reference, so .hlog files can be exchanged later). Values are
// integers in the caller's unit (barrage records microseconds).
//
// Memory is allocated once, in the constructor or (Storage::on_first_use) by
// the first record_values or add that brings a count; record_value never
// allocates after that, and reset() keeps the memory.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace barrage::stats {

// The rank (1-based) of `percentile` (in [0, 100]) among `total` > 0 values, as
// hdr_value_at_percentile takes it: floor(percentile / 100 * total + 0.5), at least 1.
int64_t rank_at_percentile(double percentile, int64_t total);

class Histogram {
public:
    // When the counts are allocated: `now` (the data path never allocates), or
    // `on_first_use`, for histograms that may stay empty (one per request name
    // in every snapshot): an empty one then costs its fields only.
    enum class Storage : uint8_t { now, on_first_use };

    // lowest_discernible >= 1, highest_trackable >= 2 * lowest_discernible,
    // significant_figures in [1, 5]. Asserts on bad arguments (they are constants).
    Histogram(int64_t lowest_discernible, int64_t highest_trackable, int significant_figures,
              Storage storage = Storage::now);

    // barrage's latency histogram: 1 us .. 1 h (3.6e9 us), 3 significant digits
    // unless told fewer (1 or 2: coarser buckets, a fraction of the memory).
    static Histogram for_latency_us(int significant_figures = 3, Storage storage = Storage::now);
    static constexpr int64_t latency_us_highest_trackable = 3'600'000'000;  // 1 hour

    // Records one value. Negative values are a caller bug (asserted). Values
    // above highest_trackable are recorded as highest_trackable and counted in
    // count_clamped(), so a report can say so instead of hiding them.
    void record_value(int64_t value) { record_values(value, 1); }
    void record_values(int64_t value, int64_t count);

    // Adds every count of `other` (same layout required: asserted). This is how
    // per-worker and per-interval histograms merge.
    void add(const Histogram& other);

    // Clears all counts, keeps the allocation.
    void reset();
    // Marks `count` of the values at highest_trackable as clamped: the V2
    // encoding does not carry count_clamped(), so a decoded histogram gets it
    // back from where it was written beside it. Asserts count <= those values.
    void mark_clamped(int64_t count);

    int64_t total_count() const { return total_count_; }
    int64_t count_clamped() const { return count_clamped_; }
    // 0 when empty. Like HdrHistogram_c's hdr_min/hdr_max: min() is the lowest
    // equivalent value of the smallest value recorded, max() the highest
    // equivalent value of the largest (so max() >= every recorded value).
    int64_t min() const;
    int64_t max() const;
    // 0 when empty. Like hdr_mean/hdr_stddev: each bucket counts as its median
    // equivalent value; stdev is the population standard deviation.
    double mean() const;
    double stdev() const;
    // percentile in [0, 100] (asserted); 0 when empty. Same answer as HdrHistogram_c's
    // hdr_value_at_percentile (highest equivalent value of the bucket reached).
    // The bucket reached is the first whose cumulative count is >= the target
    // rank floor(percentile / 100 * total + 0.5), at least 1 (round half up,
    // not Java's ceil); percentile 0 answers that bucket's lowest value.
    int64_t value_at_percentile(double percentile) const;
    // The highest value equivalent to the rank-th smallest recorded value
    // (1-based, 1 <= rank <= total_count()).
    int64_t value_at_rank(int64_t rank) const;

    // Layout and raw counts (for .hlog encoding and tests).
    int64_t lowest_discernible() const { return lowest_discernible_; }
    int64_t highest_trackable() const { return highest_trackable_; }
    int significant_figures() const { return significant_figures_; }
    int32_t counts_len() const { return counts_len_; }
    int64_t count_at_index(int32_t index) const {
        return counts_.empty() ? 0 : counts_[static_cast<std::size_t>(index)];
    }
    // Bytes of counts allocated so far (0 until first use with Storage::on_first_use).
    std::size_t counts_bytes() const { return counts_.size() * sizeof(int64_t); }
    int64_t value_at_index(int32_t index) const;
    int64_t count_at_value(int64_t value) const;
    bool values_are_equivalent(int64_t a, int64_t b) const;
    int64_t lowest_equivalent_value(int64_t value) const;
    int64_t highest_equivalent_value(int64_t value) const;

private:
    int32_t counts_index_for(int64_t value) const;
    int32_t bucket_index_for(int64_t value) const;
    int64_t equivalent_range_size(int64_t value) const;
    int64_t median_equivalent_value(int64_t value) const;
    void allocate_counts();

    int64_t lowest_discernible_;
    int64_t highest_trackable_;
    int significant_figures_;
    int32_t unit_magnitude_ = 0;
    int32_t sub_bucket_half_count_magnitude_ = 0;
    int32_t sub_bucket_count_ = 0;
    int32_t sub_bucket_half_count_ = 0;
    int64_t sub_bucket_mask_ = 0;
    int32_t bucket_count_ = 0;
    int32_t counts_len_ = 0;
    int64_t total_count_ = 0;
    int64_t count_clamped_ = 0;
    int64_t min_value_ = INT64_MAX;
    int64_t max_value_ = 0;
    std::vector<int64_t> counts_;
};

}  // namespace barrage::stats
