#pragma once
// The run's interval rows, bounded in number so a run of any length holds its
// memory flat: past rows_max rows, neighbours merge in pairs (the series keeps
// its whole span at half the resolution) and later intervals merge in twos,
// then fours, ... like the watcher's samples. A merged row adds its counts,
// spans both lengths, and keeps the larger of each percentile (an upper bound:
// percentiles do not add) and of the maximum (exact). Every interval at full
// resolution is in the streamed --csv and --hlog files.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "barrage/stats/run_result.h"

namespace barrage::stats {

// `later` follows `earlier` in time; the result covers both.
IntervalRow merge_rows(const IntervalRow& earlier, const IntervalRow& later);

class IntervalRowSeries {
public:
    // rows_max: even and >= 2.
    explicit IntervalRowSeries(std::size_t rows_max);

    // Appends the next interval's row to `rows` (the series' own rows, in time
    // order, only ever changed through this), merging as the bound needs.
    void add(const IntervalRow& row, std::vector<IntervalRow>& rows);
    // How many intervals each row covers now (the last row may cover fewer).
    int64_t intervals_per_row() const { return intervals_per_row_; }

private:
    std::size_t rows_max_;
    int64_t intervals_per_row_ = 1;
    int64_t intervals_in_last_ = 0;  // intervals the last row covers so far
};

}  // namespace barrage::stats
