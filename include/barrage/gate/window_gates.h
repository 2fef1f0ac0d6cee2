#pragma once
// The thresholds judged over time: windowed ("p95[5m] < 1s": every window passes),
// drift ("p95_drift < 2x": the last full window against the first) and sustained
// ("p95 > 1s for 5m": fails once the condition holds that long). Fed each measured
// interval in order during the run (the coordinator's merged counts and latency),
// asked for verdicts while it goes (abort thresholds) and after it (the outputs).
// Memory is flat over a run of any length: one running window per window length in
// use (stats/running_window.h) and a few numbers per threshold.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "barrage/gate/threshold.h"
#include "barrage/stats/counters.h"
#include "barrage/stats/histogram.h"
#include "barrage/stats/running_window.h"

namespace barrage::gate {

// What the judgement over time found for one threshold so far.
struct WindowVerdict {
    // In the metric's base unit (a factor for drift): windowed, the worst window's value;
    // drift, last / first; sustained, the interval value farthest past the limit.
    // nullopt: nothing judged yet (see note).
    std::optional<double> value;
    // Seconds since the measured start: the worst window's start (windowed), the last
    // window's (drift), the longest stretch's (sustained).
    std::optional<double> window_start_s;
    double window_s = 0;  // the window length judged (windowed, drift)
    double held_s = 0;    // sustained: the longest stretch the condition held
    int windows = 0;      // windows (or, sustained, intervals) judged
    bool passed = false;
    std::string note;  // why there is no value
};

class WindowGates {
public:
    // The thresholds of `specs` with Form other than whole; `measured_s` is the planned
    // measured period (drift's default window is a tenth of it), `interval_s` the run's
    // interval: a window is a whole number of intervals, its length rounded up to one.
    WindowGates(std::span<const ThresholdSpec> specs, double measured_s, double interval_s);

    bool empty() const { return gates_.empty(); }

    // The next measured interval, [end_s - length_s, end_s) since the measured start.
    void add_interval(double end_s, double length_s, const stats::Counters& counters,
                      const stats::Histogram& latency_us);
    // After the run: a trailing partial window at least half a window long is judged as a
    // window (windowed gates; drift reads full windows only). Once.
    void finish();

    // nullopt for a threshold not given at construction (or of Form::whole).
    std::optional<WindowVerdict> verdict(const ThresholdSpec& spec) const;

private:
    struct Gate {
        ThresholdSpec spec;
        std::size_t window = 0;  // index into windows_ (windowed, drift)
        WindowVerdict verdict;
        std::optional<double> first;  // drift: the first window's value
        double stretch_s = 0;         // sustained: the current stretch
        double stretch_start_s = 0;
        bool failed = false;  // windowed: a window failed
    };

    void close_window(std::size_t window, bool partial);
    void judge_interval(Gate& gate, double end_s, double length_s, const stats::Counters& counters,
                        const stats::Histogram& latency_us);

    std::vector<Gate> gates_;
    std::vector<stats::RunningWindow> windows_;
    bool finished_ = false;
};

}  // namespace barrage::gate
