// --metrics-listen: each interval's data from the coordinator become a
// MetricsFrame, published to the endpoint; the end publishes the run's totals.

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "app_impl.h"
#include "barrage/base/cpu.h"
#include "barrage/stats/judged_latency.h"

namespace barrage::app::detail {

namespace {

constexpr std::string_view listen_flag = "--metrics-listen";

// The cumulative part of a frame: everything the totals so far decide.
void set_totals(live::MetricsFrame& frame, const plan::RunPlan& plan,
                const stats::Snapshot& totals) {
    frame.counters = totals.counters;
    frame.by_name.clear();
    for (std::size_t i = 0; i < totals.by_name.size() && i < plan.requests.size(); ++i) {
        const stats::NameStats& name = totals.by_name[i];
        frame.by_name.push_back(
            live::NameCounts{plan.requests[i].name, name.sent, name.completed, name.errors});
    }
    frame.latency = live::buckets_of(totals.latency_us);
    frame.judged_latency =
        live::buckets_of(totals.latency_us, stats::unanswered_of(totals.counters));
    frame.schedule_lag = live::buckets_of(totals.schedule_lag_us);
}

// Rates to a thousandth: 40, not 40.00000000000001 from the interval's arithmetic.
double rounded_rate(double rate) { return std::round(rate * 1000) / 1000; }

double per_second(int64_t count, double length_s) {
    return length_s > 0 ? rounded_rate(static_cast<double>(count) / length_s) : 0.0;
}

}  // namespace

std::string new_run_id() {
    std::random_device device;
    const uint64_t id = (uint64_t{device()} << 32) | device();
    return fmt::format("{:016x}", id);
}

base::Result<std::unique_ptr<LiveMetrics>> LiveMetrics::open(const plan::RunPlan& plan) {
    if (plan.outputs.metrics_listen.empty()) {
        if (plan.outputs.metrics_linger_ns > 0) {
            return base::make_error(
                "--metrics-linger: there are no live metrics to keep serving; add "
                "--metrics-listen ADDR:PORT");
        }
        return std::unique_ptr<LiveMetrics>();
    }
    auto address = live::parse_listen_address(listen_flag, plan.outputs.metrics_listen);
    if (!address) {
        return address.error();
    }
    auto server = live::MetricsServer::start(listen_flag, address.value());
    if (!server) {
        return server.error();
    }
    auto metrics = std::make_unique<LiveMetrics>(plan, std::move(server).value());
    // Always printed (even with -q): with port 0 it is the only way to find it. After the
    // first (zero) frame is published, so a scrape that follows finds every series.
    fmt::print(stderr, "metrics: {} (run_id {})\n", metrics->server_->url(), plan.run_id);
    std::fflush(stderr);
    return metrics;
}

LiveMetrics::LiveMetrics(const plan::RunPlan& plan, std::unique_ptr<live::MetricsServer> server)
    : plan_(plan), server_(std::move(server)) {
    last_.run_id = plan.run_id;
    last_.shard_index = plan.shard.index;
    last_.shard_count = plan.shard.count;
    // Zeros until the first interval, so a scrape finds every series from the start.
    last_.warmup = plan::warmup_ns(plan) > 0;
    last_.closed_loop = !plan::is_open_loop(plan);
    server_->publish(last_);
}

engine::LiveCallback LiveMetrics::hook() {
    return [this](const engine::LiveInterval& live) { publish(live); };
}

void LiveMetrics::publish(const engine::LiveInterval& live) {
    live::MetricsFrame& frame = last_;
    frame.warmup = live.warmup;
    frame.elapsed_s = live.elapsed_s;
    set_totals(frame, plan_, live.totals);
    frame.interval_latency = live::quantiles_of(live.latency_us);
    frame.interval_judged_latency =
        live::judged_quantiles_of(live.latency_us, stats::unanswered_of(live.counters));
    frame.target_rate_rps = live.target_rate_rps;
    if (frame.target_rate_rps) {
        frame.target_rate_rps = rounded_rate(*frame.target_rate_rps);
    }
    frame.closed_loop = !live.target_rate_rps.has_value();
    frame.achieved_rate_rps = per_second(live.counters.requests_sent, live.row.length_s);
    frame.answered_rate_rps = per_second(live.counters.requests_completed, live.row.length_s);
    frame.generator_cpu_max = live.row.generator_cpu_max;
    frame.gauges = live.gauges;
    server_->publish(frame);
}

void LiveMetrics::finish(const stats::RunResult& result) {
    last_.warmup = false;
    last_.ended = true;
    set_totals(last_, plan_, result.totals);
    last_.gauges = stats::Gauges{};  // every connection is closed, nothing is in flight
    server_->publish(last_);
}

}  // namespace barrage::app::detail
