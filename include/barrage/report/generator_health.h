#pragma once
// Is the generator, not the target, what the numbers show? Judged from a
// run's own evidence, so a saturated generator is said loudly instead of
// being reported as the target's latency or capacity.
//
// Saturated when any of:
//  - the workers' loop turns resumed late (stalls: starved of CPU or busy)
//    for more than 10 % of the measured time (and 100 ms in all): every figure
//    then includes the generator's own delay (a busy machine's few percent of
//    hiccups are shown, not judged);
//  - open loop: more than 1 % of the sent requests, and at least 10 of them,
//    left more than RunResult::behind_limit_us after their intended time
//    although a connection was free (requests.behind): the worker could not
//    keep up (a handful behind in a short run, 1 of 77, is no pattern);
//  - open loop: a send left 1 s or more after its intended time (the schedule
//    lag's max) in a run where requests fell behind and fewer than 1 % waited
//    for a connection: however small the shares, the generator froze that long;
//  - open loop: it left more than 0.1 % (and 2) of the asked requests unsent
//    for no lack of a connection, while fewer than 1 % of the requests waited
//    for one (the target was not holding it back), in a run not stopped early;
//  - open loop: it sent nothing at all although connections were open;
//  - closed loop: the busiest worker was on the CPU at least 95 % of the
//    measured time: throughput is bounded by the generator.
// A busy worker (>= 90 % CPU) is added as supporting evidence.

#include <string>
#include <vector>

#include "barrage/stats/run_result.h"

namespace barrage::report {

struct GeneratorHealth {
    bool saturated = false;
    std::vector<std::string> evidence;  // sentences, in the order above
    double cpu_share_max = 0;           // busiest worker: CPU seconds / measured seconds
    double behind_share = 0;            // requests.behind / (requests.sent + requests.unsent)
    double stall_share = 0;             // stall time / (measured time x workers)
};

GeneratorHealth judge_generator(const stats::RunResult& result);

// Whether the service time grew with the load: its median is more than twice its
// 5th percentile (the fastest requests met an idle target, the rest its queue).
bool service_time_grew(const stats::Histogram& service_time_us);

// Open loop with requests that waited for a connection (at least 10 of them and at
// least 1 % of the sent; fewer make no verdict about the target): the connections the
// asked rate needs by Little's law (rate x mean service time, +25 % headroom);
// 0 when there is nothing to suggest, and when the service time grew with the
// load (the target, not the connection count, is the limit: more connections
// would only lengthen its queue).
int suggested_connections(const stats::RunResult& result);

// Adds to result.warnings what the two above found: "GENERATOR SATURATED: ..."
// with its evidence and what to do, and the connections suggestion.
void add_generator_warnings(stats::RunResult& result);

}  // namespace barrage::report
