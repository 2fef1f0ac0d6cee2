// A window of a run's intervals, added up until its length is covered.

#include "barrage/stats/running_window.h"

#include "barrage/base/assert.h"

namespace barrage::stats {

namespace {
// Interval ends are sums of floating-point lengths: a window boundary within a
// nanosecond counts as reached.
constexpr double boundary_slack_s = 1e-9;
}  // namespace

RunningWindow::RunningWindow(double length_s) : length_s_(length_s) {
    BARRAGE_ASSERT(length_s > 0);
}

bool RunningWindow::add(double end_s, double interval_length_s, const Counters& counters,
                        const Histogram& latency_us) {
    BARRAGE_ASSERT(interval_length_s >= 0 && end_s + boundary_slack_s >= start_s_);
    counters_.add(counters);
    latency_us_.add(latency_us);
    covered_s_ = end_s - start_s_;
    return end_s + boundary_slack_s >= start_s_ + length_s_;
}

void RunningWindow::restart() {
    start_s_ += covered_s_;
    covered_s_ = 0;
    counters_ = Counters{};
    latency_us_.reset();
}

}  // namespace barrage::stats
