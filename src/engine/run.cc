// The coordinator: starts pinned workers, releases the schedule once they are
// connected, merges their per-interval snapshots, handles SIGINT/SIGTERM/SIGHUP,
// and assembles the RunResult. Nothing here is sized by the planned duration: rows
// are built as intervals end, up to the stop, and the kept rows are bounded.

#include "barrage/engine/run.h"

#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <thread>

#include "barrage/base/assert.h"
#include "barrage/base/clock.h"
#include "barrage/base/cpu.h"
#include "barrage/base/stop_signal.h"
#include "barrage/plan/shard.h"
#include "barrage/stats/hlog.h"
#include "barrage/stats/interval_rows.h"
#include "worker_impl.h"

namespace barrage::engine {

namespace {

using detail::RunShared;
using detail::WorkerChannel;

constexpr int64_t coordinator_tick_ns = 20 * base::ns_per_ms;
constexpr int64_t connect_wait_ns_max = 6 * base::ns_per_s;
// The JSON's interval rows at most; a longer run keeps them at a coarser resolution
// (the streamed --csv and --hlog keep every interval).
constexpr std::size_t interval_rows_max = 4096;

// One scenario's share of an interval (its phases' results are its own).
struct PartInterval {
    stats::Counters counters;
    stats::Histogram latency_us = stats::Histogram::for_latency_us();
};

// One interval as the coordinator accumulates it from every worker.
struct PendingInterval {
    stats::Counters counters;
    stats::Histogram latency_us = stats::Histogram::for_latency_us();
    std::vector<stats::Histogram> latency_us_by_name;  // sized on the first merge that has names
    std::vector<int64_t> cpu_ns_by_worker;             // sized on the first merge
    std::vector<int64_t> connections_by_worker;        // each worker's level; sized likewise
    std::vector<PartInterval> by_part;  // with scenarios: one per part, sized on the first merge
};

// One scenario's share of the run (a profile without [[scenario]] is one):
// its plan, requests and load model, and the RunShared its workers read.
struct Part {
    const plan::RunPlan* plan = nullptr;  // the run's plan, or `own`
    std::unique_ptr<plan::RunPlan> own;   // a scenario's (plan::scenario_run_plan)
    std::unique_ptr<detail::Workload> workload;
    std::unique_ptr<detail::LoadModel> load;
    std::unique_ptr<RunShared> shared;
    int64_t start_delay_ns = 0;  // after the run's start
    std::size_t first_worker = 0;
    double asked = 0;  // open loop: the schedule's arrivals in the measured window
};

class Coordinator {
public:
    Coordinator(const plan::RunPlan& plan, const RunHooks& hooks) : plan_(plan), hooks_(hooks) {}

    base::Result<stats::RunResult> run();

private:
    base::Status prepare();
    base::Status prepare_part(Part& part);
    void describe_phases();
    void start_workers();
    void wait_until_connected();
    void collect_until_done();
    bool handle_signals(int64_t timeout_ns);
    void drain_channels();
    void merge(const stats::Snapshot& snapshot, std::size_t worker);
    void emit_intervals(int64_t through_index);
    void emit_live(const stats::IntervalRow& row, const PendingInterval& pending, double start_s,
                   bool warmup);
    std::optional<double> target_rate_rps(double start_s, double end_s) const;
    void add_to_phase(double interval_start_s, const PendingInterval& pending);
    void add_to_scenario_phases(double interval_start_s, const PendingInterval& pending);
    void check_stop(double measured_s);
    bool check_reachable(int64_t now);
    void stop_sending();
    int64_t interval_index_of(int64_t t_ns) const;
    int workers_ready() const {
        int ready = 0;
        for (const Part& part : parts_) {
            ready += part.shared->workers_ready.load();
        }
        return ready;
    }
    void note_stop();
    // No row after the stop; at least the first (a stop before the start leaves one empty row).
    int64_t last_row_index() const {
        return std::max(first_index_, std::min(last_index_, stop_index_));
    }
    void describe_requests();
    void finish_result();
    void set_asked_rate();
    void add_warnings();
    void check_count_done();
    void add_scenario_rate_warnings();
    int64_t wait_for_start_at();
    void record_shard();

    const plan::RunPlan& plan_;
    const RunHooks& hooks_;
    // The run's clock and stop flags as the coordinator sees them; each part's
    // RunShared gets the same (its start delayed by the part's).
    RunShared shared_;
    std::vector<Part> parts_;
    int workers_ = 0;                              // of every part
    std::vector<std::size_t> scenario_of_worker_;  // into result_.scenarios
    std::vector<std::size_t> part_of_phase_;       // with scenarios: result_.phases[i]'s part
    std::vector<std::unique_ptr<WorkerChannel>> channels_;
    std::vector<std::thread> threads_;
    std::vector<int64_t> reported_through_;  // last interval index each worker reported
    std::vector<bool> finished_;
    std::vector<stats::Gauges> gauges_by_worker_;  // each worker's latest (live metrics)
    std::map<int64_t, PendingInterval> pending_;
    int64_t next_row_index_ = 0;
    int64_t totals_through_index_ = -1;  // the newest measured interval merged into the totals
    int64_t first_index_ = 0;
    int64_t last_index_ = 0;  // last measured interval index
    int64_t stop_ns_ = 0;     // when sending stopped (signal or end)
    // The interval sending stopped in (INT64_MAX: not stopped early); later snapshots
    // (the drain) land in it, and no row after it is built.
    int64_t stop_index_ = INT64_MAX;
    bool count_done_ = false;    // closed loop by count: every worker sent its share
    double measured_end_s_ = 0;  // where the last row ends: the planned duration or the stop
    stats::IntervalRowSeries rows_{interval_rows_max};
    int64_t workers_started_ns_ = 0;  // the first connects go out from here
    stats::RunResult result_;
};

base::Status Coordinator::prepare_part(Part& part) {
    auto workload = detail::Workload::compile(*part.plan);
    if (!workload.ok()) {
        return workload.error();
    }
    part.workload = std::make_unique<detail::Workload>(std::move(workload).value());
    auto load = detail::LoadModel::build(*part.plan);
    if (!load.ok()) {
        return load.error();
    }
    part.load = std::make_unique<detail::LoadModel>(std::move(load).value());
    part.shared = std::make_unique<RunShared>();
    part.shared->plan = part.plan;
    part.shared->workload = part.workload.get();
    part.shared->load = part.load.get();
    part.shared->schedule = part.load->schedule();
    part.first_worker = static_cast<std::size_t>(workers_);
    workers_ += part.plan->threads;
    return base::Ok{};
}

base::Status Coordinator::prepare() {
    if (plan_.scenarios.empty()) {
        parts_.push_back(Part{.plan = &plan_});
    }
    for (std::size_t i = 0; i < plan_.scenarios.size(); ++i) {
        const plan::ScenarioPlan& scenario = plan_.scenarios[i];
        Part part;
        part.own = std::make_unique<plan::RunPlan>(plan::scenario_run_plan(plan_, i));
        part.plan = part.own.get();
        part.start_delay_ns = scenario.start_ns;
        parts_.push_back(std::move(part));
        result_.scenarios.push_back(stats::ScenarioResult{scenario.name, scenario.tags, {}});
    }
    for (Part& part : parts_) {
        if (auto status = prepare_part(part); !status.ok()) {
            return status;
        }
        scenario_of_worker_.resize(static_cast<std::size_t>(workers_),
                                   static_cast<std::size_t>(&part - parts_.data()));
    }
    if (plan_.target.scheme == "https") {
        // Workers build their own contexts; this one only proves the options
        // work (files load, key matches, lists parse) before any traffic.
        auto probe = io::TlsContext::create(detail::tls_options_of(plan_));
        if (!probe.ok()) {
            return probe.error();
        }
    }
    shared_.plan = &plan_;
    describe_phases();
    describe_requests();
    result_.worker_cpu_s.assign(static_cast<std::size_t>(workers_), 0.0);
    result_.behind_limit_us = plan::behind_limit_ns(plan_) / base::ns_per_us;
    const long fd_limit = base::raise_fd_limit();
    if (fd_limit > 0 && fd_limit < plan_.connections + 32) {
        result_.warnings.push_back(fmt::format(
            "the open-file limit is {} but {} connections need about {} descriptors; raise it "
            "with `ulimit -n` (failures are counted as fd_limit errors)",
            fd_limit, plan_.connections, plan_.connections + 32));
    }
    return base::Ok{};
}

// The measured phases: a profile's, back to back, or every scenario's, each
// scenario's from its start (they overlap, so each counts its scenario's results only).
void Coordinator::describe_phases() {
    const std::vector<std::string> names = plan::measured_phase_names(plan_);
    for (std::size_t i = 0; i < plan_.scenarios.size(); ++i) {
        double start_s = static_cast<double>(plan_.scenarios[i].start_ns) / 1e9;
        for (const plan::PhasePlan& phase : plan_.scenarios[i].phases) {
            stats::PhaseResult result;
            result.name = names[result_.phases.size()];
            result.start_s = start_s;
            start_s += static_cast<double>(phase.duration_ns) / 1e9;
            result.end_s = start_s;
            result_.phases.push_back(std::move(result));
            part_of_phase_.push_back(i);
        }
    }
    double measured_s = 0;
    for (const plan::PhasePlan& phase : plan_.phases) {
        if (!phase.warmup) {
            stats::PhaseResult result;
            result.name = phase.name;
            result.start_s = measured_s;
            measured_s += static_cast<double>(phase.duration_ns) / 1e9;
            result.end_s = measured_s;
            result_.phases.push_back(std::move(result));
        }
    }
}

// The names, checks and captures of the requests, known before any traffic
// (stop checks may ask about a request by name).
void Coordinator::describe_requests() {
    // Every part compiles the profile's requests, in the same order.
    for (const detail::CompiledRequest& request : parts_.front().workload->requests()) {
        stats::RequestInfo info;
        info.name = request.name;
        for (std::size_t i = 0; i < request.checks.size(); ++i) {
            info.check_names.push_back(request.checks.name(i));
        }
        for (const http::Capture& capture : request.captures) {
            info.capture_names.push_back(capture.name());
        }
        result_.requests.push_back(std::move(info));
    }
    // One row per task of the profile; each part describes the tasks it runs
    // (a task of several scenarios is the same everywhere).
    for (std::string& name : plan::transaction_names(plan_)) {
        result_.transactions.push_back(stats::TransactionInfo{std::move(name), {}});
    }
    std::vector<bool> described(result_.transactions.size(), false);
    for (const Part& part : parts_) {
        const detail::Workload& workload = *part.workload;
        BARRAGE_ASSERT(workload.transaction_rows() == result_.transactions.size());
        for (const detail::CompiledTask& task : workload.tasks()) {
            stats::TransactionInfo& info = result_.transactions[task.row];
            BARRAGE_ASSERT(info.name == task.name);
            for (const detail::CompiledTaskStep& step : task.steps) {
                if (step.repeats() && !described[task.row]) {
                    info.repeats.push_back(fmt::format("{} until {} ({} tries)",
                                                       workload.requests()[step.request].name,
                                                       step.until.name(0), step.tries_max));
                }
            }
            described[task.row] = true;
        }
    }
}

// Splits each part's connections over its workers as evenly as possible:
// -c 10 -t 4 opens 3+3+2+2. Sharded, the shard's part first (WorkerSlice).
void Coordinator::start_workers() {
    for (int i = 0; i < workers_; ++i) {
        channels_.push_back(std::make_unique<WorkerChannel>());
    }
    reported_through_.assign(static_cast<std::size_t>(workers_), INT64_MIN);
    finished_.assign(static_cast<std::size_t>(workers_), false);
    gauges_by_worker_.assign(static_cast<std::size_t>(workers_), stats::Gauges{});
    for (Part& part : parts_) {
        const int workers = part.plan->threads;
        const int connections = part.plan->connections;
        for (int i = 0; i < workers; ++i) {
            const auto conns =
                static_cast<int>(detail::slice_of(*part.plan, i, workers).share(connections));
            const std::size_t global = part.first_worker + static_cast<std::size_t>(i);
            const int cpu =
                part.plan->cpus.empty() ? -1 : part.plan->cpus[static_cast<std::size_t>(i)];
            WorkerChannel* channel = channels_[global].get();
            RunShared* shared = part.shared.get();
            threads_.emplace_back([shared, channel, i, workers, conns, cpu] {
                detail::Worker worker(shared, channel, i, workers, conns, cpu);
                worker.run();
            });
        }
    }
}

void Coordinator::wait_until_connected() {
    // --connect-rate paces the opening connects: wait for them too.
    const int64_t give_up = base::now_ns() + connect_wait_ns_max + plan::connect_pacing_ns(plan_);
    while (workers_ready() < workers_ && base::now_ns() < give_up) {
        if (handle_signals(base::ns_per_ms) || !check_reachable(base::now_ns())) {
            break;
        }
    }
    const int64_t start = wait_for_start_at();
    shared_.start_ns = start;
    shared_.measured_start_ns = start + plan::warmup_ns(plan_);
    shared_.end_ns = shared_.measured_start_ns + plan::measured_ns(plan_);
    shared_.started.store(true, std::memory_order_release);
    for (Part& part : parts_) {
        RunShared& shared = *part.shared;
        shared.start_ns = shared_.start_ns + part.start_delay_ns;
        shared.measured_start_ns = shared_.measured_start_ns;
        shared.end_ns =
            shared.start_ns + plan::warmup_ns(*part.plan) + plan::measured_ns(*part.plan);
        shared.started.store(true, std::memory_order_release);
    }
    // For timestamps in output files (the .hlog StartTime); the run itself uses monotonic time.
    result_.measured_start_unix_ms =
        (shared_.measured_start_ns + base::realtime_minus_monotonic_ns()) / base::ns_per_ms;
    record_shard();
    if (!result_.gave_up.empty()) {
        stop_sending();  // unreachable before the start
    }
    first_index_ = -((plan::warmup_ns(plan_) + plan_.interval_ns - 1) / plan_.interval_ns);
    last_index_ = (plan::measured_ns(plan_) + plan_.interval_ns - 1) / plan_.interval_ns - 1;
    next_row_index_ = first_index_;
    // A scenario that starts later reports nothing before its start: the
    // intervals before it are complete as far as its workers go.
    for (const Part& part : parts_) {
        const int64_t first_index = interval_index_of(part.shared->start_ns);
        for (int i = 0; part.start_delay_ns > 0 && i < part.plan->threads; ++i) {
            reported_through_[part.first_worker + static_cast<std::size_t>(i)] = first_index;
        }
    }
    measured_end_s_ = static_cast<double>(plan::measured_ns(plan_)) / 1e9;
}

// The schedule's start (monotonic): 1 ms from now, or --start-at's wall-clock
// instant, waited for here (connections are open by now; a stop signal ends the
// wait). An instant already past warns and starts at once.
int64_t Coordinator::wait_for_start_at() {
    const int64_t soon = base::now_ns() + base::ns_per_ms;
    if (plan_.shard.start_at_unix_ns == 0) {
        return soon;
    }
    const int64_t at = plan_.shard.start_at_unix_ns - base::realtime_minus_monotonic_ns();
    if (at < soon) {
        const std::string warning = fmt::format(
            "--start-at passed {:.3f}s before the schedule could start (connections ready); "
            "started at once, late",
            static_cast<double>(soon - at) / 1e9);
        fmt::print(stderr, "barrage: warning: {}\n", warning);
        result_.warnings.push_back(warning);
        return soon;
    }
    if (!plan_.outputs.quiet) {
        fmt::print(stderr, "barrage: connected; --start-at: the schedule starts in {:.3f}s\n",
                   static_cast<double>(at - soon) / 1e9);
    }
    // Wakes up a little early and lets the workers wait out the rest from start_ns.
    for (int64_t now = base::now_ns(); now < at - base::ns_per_ms; now = base::now_ns()) {
        if (handle_signals(std::min<int64_t>(at - base::ns_per_ms - now, 100 * base::ns_per_ms))) {
            return base::now_ns() + base::ns_per_ms;
        }
    }
    return at;
}

// Sharded (or given --start-at): what `barrage merge` checks and compares.
void Coordinator::record_shard() {
    if (plan_.shard.count == 1 && plan_.shard.start_at_unix_ns == 0) {
        return;
    }
    result_.shard = stats::ShardInfo{
        .index = plan_.shard.index,
        .count = plan_.shard.count,
        .test_id = plan::test_id_of(plan_),
        .source = plan_.shard.source,
        .start_at_unix_ns = plan_.shard.start_at_unix_ns,
        .started_unix_ns = shared_.measured_start_ns + base::realtime_minus_monotonic_ns()};
}

// Returns true when a stop signal arrived (SIGINT, SIGTERM, or SIGHUP: a dropped
// ssh session). The first stops sending; a second one also cuts the drain short.
bool Coordinator::handle_signals(int64_t timeout_ns) {
    const int signal_number = base::wait_stop_signal(timeout_ns);
    if (signal_number == 0) {
        return false;
    }
    if (shared_.stop_requested.load()) {
        shared_.abort_drain.store(true);
        for (Part& part : parts_) {
            part.shared->abort_drain.store(true);
        }
    } else {
        result_.interrupted = true;
        result_.stop_signal = signal_number;
        stop_sending();
    }
    return true;
}

void Coordinator::stop_sending() {
    stop_ns_ = base::now_ns();
    shared_.stop_requested.store(true);
    for (Part& part : parts_) {
        part.shared->stop_requested.store(true);
    }
    if (shared_.started.load()) {
        note_stop();
    }  // else run() notes it once the time axis is set
}

// Where the rows end: the interval sending stopped in, and the time it stopped.
void Coordinator::note_stop() {
    const int64_t send_end = std::min(stop_ns_, shared_.end_ns);
    stop_index_ = std::min(last_index_, interval_index_of(send_end));
    measured_end_s_ =
        static_cast<double>(std::max<int64_t>(0, send_end - shared_.measured_start_ns)) / 1e9;
}

// Floor division: warm-up intervals have negative indices (as the workers count them).
int64_t Coordinator::interval_index_of(int64_t t_ns) const {
    const int64_t since = t_ns - shared_.measured_start_ns;
    return since >= 0 ? since / plan_.interval_ns
                      : -((-since + plan_.interval_ns - 1) / plan_.interval_ns);
}

// False (and the run stops sending) once no connection has opened and
// connects have failed for the connect grace: the target is unreachable.
bool Coordinator::check_reachable(int64_t now) {
    if (!result_.gave_up.empty()) {
        return false;
    }
    if (now - workers_started_ns_ < plan_.connect_grace_ns || shared_.stop_requested.load()) {
        return true;
    }
    bool established = false;
    bool failed = false;
    for (const auto& channel : channels_) {
        established = established || channel->connection_established.load();
        failed = failed || channel->connect_failed.load();
    }
    if (established || !failed) {
        return true;  // reachable, or still connecting (a connect ends within --timeout)
    }
    result_.gave_up = fmt::format("no connection could be opened in {:g}s (--connect-grace)",
                                  static_cast<double>(plan_.connect_grace_ns) / 1e9);
    if (shared_.started.load()) {
        stop_sending();
    }
    return false;
}

// Closed loop by count: once every worker has sent its share, sending ended
// at the last of them, and the rows and the duration end there too.
void Coordinator::check_count_done() {
    // A count is refused with [[scenario]] tables, so it is the one part's.
    if (count_done_ || parts_.size() != 1 || parts_.front().load->counted_phase() < 0) {
        return;
    }
    int64_t last_ns = 0;
    for (const auto& channel : channels_) {
        if (!channel->count_done.load(std::memory_order_acquire)) {
            return;
        }
        last_ns = std::max(last_ns, channel->count_done_ns);
    }
    count_done_ = true;
    stop_ns_ = last_ns;
    note_stop();
}

void Coordinator::collect_until_done() {
    while (!std::all_of(finished_.begin(), finished_.end(), [](bool f) { return f; })) {
        handle_signals(coordinator_tick_ns);
        check_reachable(base::now_ns());
        drain_channels();
        check_count_done();  // after the snapshots: a worker's flag is set before its last
        const int64_t watermark =
            *std::min_element(reported_through_.begin(), reported_through_.end());
        // An interval is complete once every worker has reported a later one.
        if (watermark != INT64_MIN) {
            emit_intervals(watermark - 1);
        }
    }
    emit_intervals(last_row_index());
}

void Coordinator::drain_channels() {
    for (std::size_t w = 0; w < channels_.size(); ++w) {
        while (auto snapshot = channels_[w]->filled.try_pop()) {
            stats::Snapshot* s = *snapshot;
            merge(*s, w);
            gauges_by_worker_[w] = s->gauges;
            // Clamped like merge(): the stop's row waits for every worker's drain.
            reported_through_[w] = s->final ? INT64_MAX : std::min(s->interval_index, stop_index_);
            if (s->final) {
                finished_[w] = true;
                continue;  // the final snapshot stays with the worker's pool
            }
            s->reset();
            const bool returned = channels_[w]->empty.try_push(s);
            BARRAGE_ASSERT(returned);
        }
    }
}

// `worker` counts over every part's workers (a snapshot's worker_index is its part's).
void Coordinator::merge(const stats::Snapshot& snapshot, std::size_t worker) {
    const int64_t index = std::clamp(snapshot.interval_index, first_index_, last_row_index());
    PendingInterval& pending = pending_[index];
    pending.counters.add(snapshot.counters);
    pending.latency_us.add(snapshot.latency_us);
    pending.cpu_ns_by_worker.resize(static_cast<std::size_t>(workers_), 0);
    pending.cpu_ns_by_worker[worker] += snapshot.cpu_ns;
    // The final snapshot comes after the worker closed its connections: the
    // interval's level is the one before it (gauges_by_worker_ is updated after merge).
    // -1: this worker sent nothing for the interval (a late worker's next snapshot
    // covers it); the row then takes its latest level instead of counting 0.
    pending.connections_by_worker.resize(static_cast<std::size_t>(workers_), -1);
    pending.connections_by_worker[worker] = snapshot.final
                                                ? gauges_by_worker_[worker].connections_open
                                                : snapshot.gauges.connections_open;
    if (hooks_.on_interval_histograms && !snapshot.by_name.empty()) {
        if (pending.latency_us_by_name.empty()) {
            for (std::size_t i = 0; i < snapshot.by_name.size(); ++i) {
                pending.latency_us_by_name.push_back(stats::NameStats::latency_histogram_for(i));
            }
        }
        for (const stats::NameLatency& logged : snapshot.name_latencies_us) {
            pending.latency_us_by_name[logged.name_index].record_value(logged.latency_us);
        }
    }
    if (!plan_.scenarios.empty()) {
        pending.by_part.resize(parts_.size());
        PartInterval& part = pending.by_part[scenario_of_worker_[worker]];
        part.counters.add(snapshot.counters);
        part.latency_us.add(snapshot.latency_us);
    }
    if (index >= 0) {
        result_.worker_cpu_s[worker] += static_cast<double>(snapshot.cpu_ns) / 1e9;
        result_.totals.add(snapshot);
        totals_through_index_ = std::max(totals_through_index_, index);
        if (!result_.scenarios.empty()) {
            result_.scenarios[scenario_of_worker_[worker]].totals.add(snapshot);
        }
    }
}

void Coordinator::emit_intervals(int64_t through_index) {
    const double interval_s = static_cast<double>(plan_.interval_ns) / 1e9;
    const double total_s =
        static_cast<double>(plan::warmup_ns(plan_) + plan::measured_ns(plan_)) / 1e9;
    // A stop check may stop sending while this loop runs: the bound is read each turn.
    for (; next_row_index_ <= std::min(through_index, last_row_index()); ++next_row_index_) {
        const int64_t i = next_row_index_;
        PendingInterval pending;
        if (auto it = pending_.find(i); it != pending_.end()) {
            pending = std::move(it->second);
            pending_.erase(it);
        }
        stats::IntervalRow row;
        const double end_s = std::min(static_cast<double>(i + 1) * interval_s, measured_end_s_);
        const double start_s = std::max(static_cast<double>(i) * interval_s,
                                        -static_cast<double>(plan::warmup_ns(plan_)) / 1e9);
        row.t_s = end_s;
        row.length_s = end_s - start_s;
        row.counters = stats::IntervalCounts::of(pending.counters);
        row.latency_p50_us = pending.latency_us.value_at_percentile(50);
        row.latency_p90_us = pending.latency_us.value_at_percentile(90);
        row.latency_p99_us = pending.latency_us.value_at_percentile(99);
        row.latency_p999_us = pending.latency_us.value_at_percentile(99.9);
        row.latency_max_us = pending.latency_us.max();
        row.latency_p95_us = pending.latency_us.value_at_percentile(95);
        if (!pending.cpu_ns_by_worker.empty() && row.length_s > 0) {
            row.generator_cpu_max =
                static_cast<double>(*std::max_element(pending.cpu_ns_by_worker.begin(),
                                                      pending.cpu_ns_by_worker.end())) /
                1e9 / row.length_s;
        }
        pending.connections_by_worker.resize(static_cast<std::size_t>(workers_), -1);
        for (std::size_t w = 0; w < pending.connections_by_worker.size(); ++w) {
            const int64_t open = pending.connections_by_worker[w];
            row.connections_open += open >= 0 ? open : gauges_by_worker_[w].connections_open;
        }
        row.target_rps = target_rate_rps(start_s, end_s);
        const bool warmup = i < 0;
        if (hooks_.on_interval) {
            hooks_.on_interval(row, end_s + static_cast<double>(plan::warmup_ns(plan_)) / 1e9,
                               total_s, warmup);
        }
        if (hooks_.on_live) {
            emit_live(row, pending, start_s, warmup);
        }
        if (!warmup) {
            if (hooks_.on_interval_histograms) {
                hooks_.on_interval_histograms(row, pending.latency_us, pending.latency_us_by_name);
            }
            if (hooks_.on_interval_totals) {
                hooks_.on_interval_totals(row, pending.counters, pending.latency_us);
            }
            // Once per interval on the coordinator, off the workers' path.
            row.latency_us_hlog = stats::encode_histogram_compressed_base64(pending.latency_us);
            rows_.add(row, result_.intervals);
            add_to_phase(start_s, pending);
            check_stop(end_s);
            if (hooks_.on_result_so_far) {
                // What the totals cover (they run ahead of the rows by up to an
                // interval), so sent / duration is a true rate; finish_result
                // sets the final value.
                result_.duration_s =
                    std::clamp(static_cast<double>(totals_through_index_ + 1) * interval_s, end_s,
                               std::max(end_s, measured_end_s_));
                set_asked_rate();
                hooks_.on_result_so_far(result_);
            }
        }
    }
}

// Hands live metrics the interval, the totals so far and the workers' levels.
void Coordinator::emit_live(const stats::IntervalRow& row, const PendingInterval& pending,
                            double start_s, bool warmup) {
    stats::Gauges gauges;
    for (const stats::Gauges& worker : gauges_by_worker_) {
        gauges.connections_open += worker.connections_open;
        gauges.connections_opening += worker.connections_opening;
        gauges.requests_in_flight += worker.requests_in_flight;
    }
    const double warmup_s = static_cast<double>(plan::warmup_ns(plan_)) / 1e9;
    hooks_.on_live(LiveInterval{.row = row,
                                .counters = pending.counters,
                                .latency_us = pending.latency_us,
                                .totals = result_.totals,
                                .gauges = gauges,
                                .target_rate_rps = target_rate_rps(start_s, row.t_s),
                                .warmup = warmup,
                                .elapsed_s = row.t_s + warmup_s});
}

// The open-loop parts' scheduled arrivals between start_s and end_s (since the
// measured start) per second; nullopt when every part is closed loop.
std::optional<double> Coordinator::target_rate_rps(double start_s, double end_s) const {
    std::optional<double> arrivals;
    for (const Part& part : parts_) {
        if (!part.load->open_loop() || end_s <= start_s) {
            continue;
        }
        // The part's schedule starts at its own start (its warm-up included).
        const double offset_s =
            static_cast<double>(shared_.measured_start_ns - part.shared->start_ns) / 1e9;
        auto at = [&](double t_s) {
            return part.load->schedule()->integral_until(
                std::max<int64_t>(0, std::llround((t_s + offset_s) * 1e9)));
        };
        arrivals = arrivals.value_or(0) + at(end_s) - at(start_s);
    }
    if (!arrivals) {
        return std::nullopt;
    }
    return end_s > start_s ? *arrivals / (end_s - start_s) : 0.0;
}

// Asks the stop check about the results so far (once per measured interval
// while sending); a reason stops the run as a signal would.
void Coordinator::check_stop(double measured_s) {
    if (!hooks_.stop_check || shared_.stop_requested.load()) {
        return;
    }
    result_.duration_s = measured_s;  // finish_result sets the final value
    if (auto reason = hooks_.stop_check(result_)) {
        result_.stopped_by = std::move(*reason);
        stop_sending();
    }
}

// A phase's results are the intervals that start within it (exact when phases
// last whole intervals, as they usually do).
void Coordinator::add_to_phase(double interval_start_s, const PendingInterval& pending) {
    if (!plan_.scenarios.empty()) {
        add_to_scenario_phases(interval_start_s, pending);
        return;
    }
    for (stats::PhaseResult& phase : result_.phases) {
        if (interval_start_s < phase.end_s) {
            phase.counters.add(pending.counters);
            phase.latency_us.add(pending.latency_us);
            return;
        }
    }
}

// With scenarios: each scenario's share of the interval goes to its phase at
// that time, as above (its first phase also takes the intervals before its start,
// in which it sent nothing).
void Coordinator::add_to_scenario_phases(double interval_start_s, const PendingInterval& pending) {
    std::vector<bool> added(parts_.size(), false);
    for (std::size_t i = 0; i < result_.phases.size() && !pending.by_part.empty(); ++i) {
        stats::PhaseResult& phase = result_.phases[i];
        const std::size_t part = part_of_phase_[i];
        if (added[part] || interval_start_s >= phase.end_s) {
            continue;
        }
        added[part] = true;
        phase.counters.add(pending.by_part[part].counters);
        phase.latency_us.add(pending.by_part[part].latency_us);
    }
}

// The rate asked of the run: the plan's, known from the start (also for the
// results so far that a live dashboard shows).
void Coordinator::set_asked_rate() {
    double asked = 0;
    bool open_loop = true;
    for (Part& part : parts_) {
        open_loop = open_loop && part.load->open_loop();
        if (part.load->open_loop()) {
            // Asked: the schedule's arrivals in the measured window (any phase shape).
            const schedule::ArrivalSchedule& schedule = *part.load->schedule();
            const int64_t warmup = plan::warmup_ns(*part.plan);
            // Sharded, every Nth arrival: 1/N of them is asked of this shard.
            part.asked = (schedule.integral_until(warmup + plan::measured_ns(*part.plan)) -
                          schedule.integral_until(warmup)) /
                         part.plan->shard.count;
            asked += part.asked;
        }
    }
    // Closed-loop scenarios ask for no rate: then none is asked of the run.
    if (open_loop) {
        result_.asked_rate_rps = asked / (static_cast<double>(plan::measured_ns(plan_)) / 1e9);
    }
}

void Coordinator::finish_result() {
    const int64_t done_ns = base::now_ns();
    check_count_done();  // a worker may have finished between the last tick and the join
    const bool stopped_early = result_.interrupted || !result_.stopped_by.empty() ||
                               !result_.gave_up.empty() || count_done_;
    const int64_t send_end = stopped_early ? std::min(stop_ns_, shared_.end_ns) : shared_.end_ns;
    result_.duration_s =
        static_cast<double>(std::max<int64_t>(0, send_end - shared_.measured_start_ns)) / 1e9;
    result_.drain_s = static_cast<double>(std::max<int64_t>(0, done_ns - send_end)) / 1e9;
    result_.threads = workers_;
    set_asked_rate();
    for (Part& part : parts_) {
        // A users run holds at most its largest phase's users; spare slots never connect.
        // Sharded: this shard's part of them.
        result_.connections_target += static_cast<int>(plan::shard_share(
            part.load->open_loop() ? part.plan->connections : part.load->users_max(),
            part.plan->shard));
    }
    for (std::size_t w = 0; w < channels_.size(); ++w) {
        const WorkerChannel& channel = *channels_[w];
        result_.connections_established_max += channel.connections_established_max;
        result_.cpus.push_back(plan_.pin && w < plan_.cpus.size() ? plan_.cpus[w] : -1);
        if (!channel.setup_error.empty()) {
            result_.warnings.push_back(
                fmt::format("worker {} could not start: {}", w, channel.setup_error));
        }
    }
    for (int kind = 0; kind < stats::error_kind_count; ++kind) {
        for (const auto& channel : channels_) {
            const std::string& detail = channel->first_error_detail[static_cast<std::size_t>(kind)];
            if (!detail.empty()) {
                result_.error_details.push_back(detail);
                break;
            }
        }
    }
}

// Sentences for the summary: what the numbers alone would not say.
void Coordinator::add_warnings() {
    const stats::Counters& c = result_.totals.counters;
    auto& warnings = result_.warnings;
    // Paced users may not all have spawned by the end: too few connections
    // are a finding only when connects failed.
    const bool connects_failed = c.errors_total() > c.requests_errors;
    const bool paces_users = std::any_of(parts_.begin(), parts_.end(),
                                         [](const Part& part) { return part.load->paces_users(); });
    if (result_.connections_established_max < result_.connections_target &&
        (!paces_users || connects_failed)) {
        warnings.push_back(
            fmt::format("only {} of {} connections could be established at once (see errors)",
                        result_.connections_established_max, result_.connections_target));
    }
    if (c.requests_late > 0 && c.requests_sent > 0) {
        warnings.push_back(fmt::format(
            "{} requests ({:.2f}%) waited for a free connection; their wait is in the latency. "
            "More connections (-c) would send them on time",
            c.requests_late,
            100.0 * static_cast<double>(c.requests_late) / static_cast<double>(c.requests_sent)));
    }
    const int64_t tls_failures = c.errors[static_cast<std::size_t>(stats::ErrorKind::tls)];
    if (tls_failures > 0 && c.tls_handshakes_full + c.tls_handshakes_resumed == 0) {
        warnings.push_back(fmt::format(
            "every TLS handshake failed ({} attempts); the first tls error above says why",
            tls_failures));
    }
    if (c.requests_unsent > 0) {
        warnings.push_back(fmt::format(
            "{} scheduled requests were never sent: no connection was free before the end",
            c.requests_unsent));
    }
    if (c.requests_unfinished > 0) {
        warnings.push_back(fmt::format(
            "{} requests were still in flight when the run ended (not counted as completed)",
            c.requests_unfinished));
    }
    if (result_.totals.latency_us.count_clamped() > 0) {
        warnings.push_back(fmt::format("{} latencies exceeded 1 h and were recorded as 1 h",
                                       result_.totals.latency_us.count_clamped()));
    }
    if (result_.asked_rate_rps && result_.duration_s > 0 && !result_.interrupted &&
        result_.stopped_by.empty() && result_.gave_up.empty()) {
        const double sent_rate = static_cast<double>(c.requests_sent) / result_.duration_s;
        if (sent_rate < *result_.asked_rate_rps * 0.999) {
            warnings.push_back(fmt::format("sent {:.1f} req/s of the {:.1f} req/s asked", sent_rate,
                                           *result_.asked_rate_rps));
        }
    }
    add_scenario_rate_warnings();
}

// Each open-loop scenario against its own schedule: beside a closed-loop
// scenario the run asks no rate, and a lagging scenario must still show.
void Coordinator::add_scenario_rate_warnings() {
    const bool stopped_early =
        result_.interrupted || !result_.stopped_by.empty() || !result_.gave_up.empty();
    for (std::size_t i = 0; i < result_.scenarios.size() && !stopped_early; ++i) {
        const Part& part = parts_[i];
        const double measured_s = static_cast<double>(plan::measured_ns(*part.plan)) / 1e9;
        if (!part.load->open_loop() || measured_s <= 0) {
            continue;
        }
        const stats::Counters& c = result_.scenarios[i].totals.counters;
        const double sent_rate = static_cast<double>(c.requests_sent) / measured_s;
        const double asked_rate = part.asked / measured_s;
        if (sent_rate < asked_rate * 0.999) {
            result_.warnings.push_back(
                fmt::format("scenario '{}' sent {:.1f} req/s of the {:.1f} req/s asked",
                            result_.scenarios[i].name, sent_rate, asked_rate));
        }
    }
}

base::Result<stats::RunResult> Coordinator::run() {
    if (auto status = prepare(); !status.ok()) {
        return status.error();
    }
    // Workers inherit this mask; only this thread takes the signals (sigtimedwait).
    base::block_stop_signals();
    workers_started_ns_ = base::now_ns();
    start_workers();
    wait_until_connected();
    if (shared_.stop_requested.load()) {
        note_stop();  // a signal while connecting
    }
    if (hooks_.on_start) {
        hooks_.on_start(result_.measured_start_unix_ms);
    }
    collect_until_done();
    for (std::thread& thread : threads_) {
        thread.join();
    }
    finish_result();
    add_warnings();
    return std::move(result_);
}

}  // namespace

base::Result<stats::RunResult> run_load(const plan::RunPlan& plan, const RunHooks& hooks) {
    BARRAGE_ASSERT(plan.threads >= 1 && plan.connections >= plan.threads);
    BARRAGE_ASSERT(plan.scenarios.empty() || plan.phases.empty());
    auto coordinator = std::make_unique<Coordinator>(plan, hooks);
    return coordinator->run();
}

}  // namespace barrage::engine
