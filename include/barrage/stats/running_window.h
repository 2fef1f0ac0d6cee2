#pragma once
// One time window of a run as its intervals arrive: counts and latency added up
// until the window's length is covered, then read and restarted. Windows are aligned
// to the measured start and made of whole intervals: a window ends at the first
// interval end at or past its boundary (exact when the length is a multiple of the
// interval). One per window length in use holds a windowed gate's memory flat over
// a run of any length (gate/window_gates.h).

#include "barrage/stats/counters.h"
#include "barrage/stats/histogram.h"

namespace barrage::stats {

class RunningWindow {
public:
    // length_s > 0.
    explicit RunningWindow(double length_s);

    // Adds the next interval, [end_s - length_s, end_s) since the measured start.
    // Returns true when that completes the window: read it, then restart().
    bool add(double end_s, double interval_length_s, const Counters& counters,
             const Histogram& latency_us);
    // Starts the next window where this one ended, empty.
    void restart();

    double length_s() const { return length_s_; }
    double start_s() const { return start_s_; }
    double covered_s() const { return covered_s_; }  // the intervals added since the start
    const Counters& counters() const { return counters_; }
    const Histogram& latency_us() const { return latency_us_; }

private:
    double length_s_;
    double start_s_ = 0;
    double covered_s_ = 0;
    Counters counters_;
    Histogram latency_us_ = Histogram::for_latency_us();
};

}  // namespace barrage::stats
