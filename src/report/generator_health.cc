#include "barrage/report/generator_health.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace barrage::report {
namespace {

constexpr double stall_share_max = 0.10;
constexpr double stall_s_min = 0.1;           // below this, a hiccup, not saturation
constexpr double shortfall_requests_min = 2;  // schedule rounding at a short run's ends
constexpr double behind_share_max = 0.01;
constexpr double send_rate_share_min = 0.999;
constexpr double late_share_max = 0.01;
// Fewer requests than this behind schedule or late make no verdict, whatever their share: in a
// short run one request is already over 1 % (1 of 77), and one hiccup is not a pattern.
constexpr int64_t requests_evidence_min = 10;
constexpr double cpu_share_busy = 0.90;
constexpr double cpu_share_saturated_closed_loop = 0.95;
constexpr double connection_headroom = 1.25;
// A send this late while the generator was behind is a freeze, however rare: a second
// of the schedule went out in a burst, and every latency around it carries the delay.
constexpr int64_t lag_us_max = 1'000'000;
// A median service time this many times the 5th percentile: the target's
// queue grew with the load (the fastest requests met an idle target).
constexpr double service_growth_factor = 2.0;

double share(int64_t part, int64_t whole) {
    return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

// Enough requests waited for a connection to say the target held the generator back: at least
// requests_evidence_min of them, and at least late_share_max of the sent.
bool late_requests_meaningful(const stats::Counters& c) {
    return c.requests_late >= requests_evidence_min &&
           share(c.requests_late, c.requests_sent) >= late_share_max;
}

}  // namespace

namespace {

// Each piece of evidence marks the generator saturated and says why, in numbers.
void add_evidence(GeneratorHealth& health, std::string text) {
    health.saturated = true;
    health.evidence.push_back(std::move(text));
}

void measure_shares(const stats::RunResult& result, GeneratorHealth& health) {
    const stats::Counters& c = result.totals.counters;
    // Workers' CPU time covers the drain too.
    const double busy_s = result.duration_s + result.drain_s;
    if (busy_s > 0 && !result.worker_cpu_s.empty()) {
        health.cpu_share_max =
            *std::max_element(result.worker_cpu_s.begin(), result.worker_cpu_s.end()) / busy_s;
    }
    health.behind_share = share(c.requests_behind, c.requests_sent + c.requests_unsent);
    const double worker_seconds = busy_s * std::max(result.threads, 1);
    health.stall_share =
        worker_seconds > 0 ? static_cast<double>(c.stall_ns) / 1e9 / worker_seconds : 0;
}

void judge_stalls(const stats::RunResult& result, GeneratorHealth& health) {
    const stats::Counters& c = result.totals.counters;
    if (health.stall_share > stall_share_max &&
        static_cast<double>(c.stall_ns) / 1e9 > stall_s_min) {
        add_evidence(health,
                     fmt::format("its workers resumed late {} times, {:.0f}ms in all ({:.1f}% of "
                                 "their time): starved of CPU or busy, so latencies, service times "
                                 "and late requests include the generator's own delay",
                                 c.stalls, static_cast<double>(c.stall_ns) / 1e6,
                                 health.stall_share * 100.0));
    }
}

// Open loop: requests that left late, or not at all, while a connection was free.
void judge_schedule(const stats::RunResult& result, GeneratorHealth& health) {
    const stats::Counters& c = result.totals.counters;
    if (health.behind_share > behind_share_max && c.requests_behind >= requests_evidence_min) {
        add_evidence(health,
                     fmt::format("{} of {} requests ({:.1f}%) were sent more than {:.1f}ms after "
                                 "their intended time, or never, although a connection was free: "
                                 "the generator fell behind its schedule",
                                 c.requests_behind, c.requests_sent + c.requests_unsent,
                                 health.behind_share * 100.0,
                                 static_cast<double>(result.behind_limit_us) / 1000.0));
    }
    const int64_t lag_max_us = result.totals.schedule_lag_us.max();
    if (c.requests_behind > 0 && lag_max_us >= lag_us_max &&
        share(c.requests_late, c.requests_sent) < late_share_max) {
        add_evidence(health, fmt::format("a request went {:.2f}s after its intended time "
                                         "(schedule lag max) while {} fell behind with a "
                                         "connection free: the generator stopped for that long",
                                         static_cast<double>(lag_max_us) / 1e6, c.requests_behind));
    }
    if (c.requests_sent == 0 && c.requests_unsent > 0 && result.connections_established_max > 0) {
        add_evidence(health, fmt::format("it sent none of {} scheduled requests although {} "
                                         "connections were open",
                                         c.requests_unsent, result.connections_established_max));
    }
}

// Open loop: fewer requests sent than asked, with connections free (unsent requests found no
// free connection: the target's doing, not the generator's).
void judge_send_rate(const stats::RunResult& result, GeneratorHealth& health) {
    const stats::Counters& c = result.totals.counters;
    const bool stopped_early =
        result.interrupted || !result.stopped_by.empty() || !result.gave_up.empty();
    if (stopped_early || result.duration_s <= 0 || *result.asked_rate_rps <= 0) {
        return;
    }
    const double sent_rate = static_cast<double>(c.requests_sent) / result.duration_s;
    const double asked = *result.asked_rate_rps * result.duration_s;
    const double shortfall = asked - static_cast<double>(c.requests_sent + c.requests_unsent);
    if (shortfall > std::max(asked * (1 - send_rate_share_min), shortfall_requests_min) &&
        share(c.requests_late, c.requests_sent) < late_share_max) {
        add_evidence(health, fmt::format("it sent {:.1f} req/s of the {:.1f} req/s asked while "
                                         "connections were free",
                                         sent_rate, *result.asked_rate_rps));
    }
}

void judge_cpu(bool open_loop, GeneratorHealth& health) {
    if (!open_loop && health.cpu_share_max >= cpu_share_saturated_closed_loop) {
        add_evidence(health, fmt::format("the busiest worker was on the CPU {:.0f}% of the time: "
                                         "throughput is bounded by the generator, not the target",
                                         health.cpu_share_max * 100.0));
    } else if (health.saturated && health.cpu_share_max >= cpu_share_busy) {
        health.evidence.push_back(fmt::format(
            "the busiest worker was on the CPU {:.0f}% of the time", health.cpu_share_max * 100.0));
    }
}

}  // namespace

GeneratorHealth judge_generator(const stats::RunResult& result) {
    GeneratorHealth health;
    measure_shares(result, health);
    judge_stalls(result, health);
    const bool open_loop = result.asked_rate_rps.has_value();
    if (open_loop) {
        judge_schedule(result, health);
        judge_send_rate(result, health);
    }
    judge_cpu(open_loop, health);
    // A merged result (barrage merge): any saturated shard makes the whole saturated.
    for (const stats::MergedShard& shard : result.merged_from) {
        if (shard.saturated && result.merged_from.size() > 1) {
            health.saturated = true;
            for (const std::string& evidence : shard.saturation_evidence) {
                health.evidence.push_back(
                    fmt::format("shard {}/{}: {}", shard.info.index, shard.info.count, evidence));
            }
        }
    }
    return health;
}

bool service_time_grew(const stats::Histogram& service_time_us) {
    if (service_time_us.total_count() == 0) {
        return false;
    }
    const auto p5 = static_cast<double>(service_time_us.value_at_percentile(5));
    return static_cast<double>(service_time_us.value_at_percentile(50)) >
           service_growth_factor * std::max(p5, 1.0);
}

int suggested_connections(const stats::RunResult& result) {
    const stats::Counters& c = result.totals.counters;
    const stats::Histogram& service = result.totals.service_time_us;
    if (!result.asked_rate_rps || !late_requests_meaningful(c) || service.total_count() == 0 ||
        service_time_grew(service)) {
        return 0;
    }
    const double busy_s = service.mean() / 1e6;  // how long a request holds its connection
    return static_cast<int>(std::lround(*result.asked_rate_rps * busy_s * connection_headroom));
}

void add_generator_warnings(stats::RunResult& result) {
    const GeneratorHealth health = judge_generator(result);
    if (health.saturated) {
        std::string text = "GENERATOR SATURATED: ";
        for (std::size_t i = 0; i < health.evidence.size(); ++i) {
            text += (i == 0 ? "" : "; ") + health.evidence[i];
        }
        text +=
            ". These numbers show the generator's limit, not the target's: add workers "
            "(-t), lower the rate, or try --timer-slack";
        result.warnings.push_back(std::move(text));
    }
    const stats::Histogram& service = result.totals.service_time_us;
    if (result.asked_rate_rps && late_requests_meaningful(result.totals.counters) &&
        !health.saturated && service_time_grew(service)) {
        result.warnings.push_back(fmt::format(
            "requests waited for a connection, but the service time grew with the load (p50 "
            "{:.2f}ms, p5 {:.2f}ms): the target, not the connection count, is the limit, so no "
            "connection count is suggested",
            static_cast<double>(service.value_at_percentile(50)) / 1000.0,
            static_cast<double>(service.value_at_percentile(5)) / 1000.0));
    }
    // A starved generator inflates service times: no suggestion from them then.
    if (const int connections = suggested_connections(result);
        connections > 0 && !health.saturated) {
        result.warnings.push_back(
            fmt::format("{:.0f} req/s at the observed mean service time of {:.2f}ms need about {} "
                        "connections (Little's law, +25%); this run had {}",
                        *result.asked_rate_rps, result.totals.service_time_us.mean() / 1000.0,
                        connections, result.connections_target));
    }
}

}  // namespace barrage::report
