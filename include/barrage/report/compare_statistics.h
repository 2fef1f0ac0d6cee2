#pragma once
// The statistics behind `barrage compare`'s verdicts: how far a percentile of
// one run can be trusted (a distribution-free confidence interval from order
// statistics), and how much runs of the same command differ from each other
// (the run-to-run spread of several baselines). Pure arithmetic on histograms
// and numbers: no I/O, no clock.

#include <cstdint>
#include <limits>
#include <span>

#include "barrage/stats/histogram.h"

namespace barrage::report {

// +infinity: a bound (or an estimate) that lies among the unanswered requests,
// which count as infinitely slow.
inline constexpr double unbounded_us = std::numeric_limits<double>::infinity();

// The normal quantile of a two-sided 99 % interval.
inline constexpr double z_99 = 2.5758293035489;

// A percentile of answered + unanswered requests with its confidence interval.
// The interval bounds the true percentile by the values at the ranks
// floor(n q - z sqrt(n q (1 - q))) and ceil(n q + z sqrt(n q (1 - q))) + 1 (the
// normal approximation to the binomial count of samples below the percentile;
// n = answered + unanswered, q = percentile / 100). `lower_us` is the lowest
// equivalent value of the bucket at the lower rank (0 when that rank is below
// 1), `upper_us` the highest equivalent value at the upper rank.
struct PercentileBounds {
    // False when the upper rank lies beyond n: too few samples beyond the
    // percentile to bound it (p99.99 of 3000 requests, any max); the other
    // fields are then not a verdict.
    bool enough_samples = false;
    double estimate_us = 0;  // the value at rank max(1, floor(n q + 0.5)), as value_at_percentile
    double lower_us = 0;
    double upper_us = 0;  // unbounded_us when the upper rank is beyond the answered count
};

// `answered`: the histogram of answered requests; `unanswered`: requests that got no
// answer (errors + unfinished + unsent; 0 when unknown), ranked above every answered
// one. percentile in [0, 100], unanswered >= 0 and z > 0 (asserted). An empty run has
// not enough samples.
PercentileBounds percentile_bounds(const stats::Histogram& answered, int64_t unanswered,
                                   double percentile, double z = z_99);

// The mean of `count` answered requests with its confidence interval mean +- z stdev /
// sqrt(count) (the central limit theorem; the JSON keeps mean, stdev and count, so older
// results have it too). Not enough samples below 30 requests, where that is no guide.
PercentileBounds mean_bounds(double mean_us, double stdev_us, int64_t count, double z = z_99);

// The run-to-run spread of one metric over several runs (baselines).
struct RunSpread {
    int runs = 0;
    double mean = 0;
    double stdev = 0;  // sample standard deviation (n - 1); 0 for one run
    // stdev / mean; 0 when the mean is 0 or only one run
    double coefficient_of_variation = 0;
    // Half-width of the 99 % prediction interval of one more run:
    // t(0.995, runs - 1) x stdev x sqrt(1 + 1 / runs); 0 for one run (no spread known).
    double noise_band = 0;
};

// values: the metric in each run (at least one: asserted); infinite values are skipped
// (a run whose percentile was unbounded says nothing about the spread of the others).
RunSpread run_spread(std::span<const double> values);

// Student's t quantile for a two-sided 99 % interval with `degrees_of_freedom` >= 1
// (asserted); the normal quantile from 30 on (within 5 % of t there).
double t_99(int degrees_of_freedom);

}  // namespace barrage::report
