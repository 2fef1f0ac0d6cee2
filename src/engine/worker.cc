// The worker thread: set-up, the loop, pacing of the open-loop schedule,
// deadlines, and the end of the run.
// Time is read once per loop turn, right after the ring returns, and passed down.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>

#include "barrage/base/assert.h"
#include "barrage/base/clock.h"
#include "barrage/base/cpu.h"
#include "barrage/plan/shard.h"
#include "transport_impl.h"

namespace barrage::engine::detail {

namespace {

unsigned next_power_of_two(unsigned value) {
    unsigned result = 1;
    while (result < value) {
        result <<= 1;
    }
    return result;
}

constexpr int64_t deadline_scan_period_ns_max = 10 * base::ns_per_ms;
constexpr int64_t deadline_scan_period_ns_min = 1 * base::ns_per_ms;
// The deadline wheel's horizon: 10 s at the longest period; a deadline further
// out (a longer --timeout) comes back once per horizon until it is due.
constexpr std::size_t deadline_wheel_buckets = 1024;
static_assert(no_entry_due_ns == no_deadline_entry_ns);
// How long workers may take to connect before the schedule starts anyway.
constexpr int64_t connect_grace_ns_max = 5 * base::ns_per_s;
constexpr uint16_t buffer_group = 1;
constexpr unsigned recv_buffer_bytes = 8192;

// Open loop: the responses that can land between two reaps are those due
// within this long (the worker reaps at least every deadline scan, 10 ms).
constexpr int64_t recv_reap_window_ns = 10 * base::ns_per_ms;

// Provided receive buffers: twice the responses that can wait to be reaped
// at once (a response may take two), not two per connection: holding 100k
// connections at a low rate, one buffer each would be most of the worker's
// memory. Closed loop: every connection's; open loop: what the peak rate
// brings in a reap window, at most every connection's. Running out is
// back-pressure (-ENOBUFS re-arms the receive), never a lost byte.
unsigned recv_buffers_of(const plan::RunPlan& plan, unsigned connections, int64_t stride) {
    double peak_per_s = 0;
    for (const plan::PhasePlan& phase : plan.phases) {
        if (phase.kind == plan::PhaseKind::users) {
            peak_per_s = 1e12;  // closed loop: every connection may be answered at once
            break;
        }
        const double step_top = phase.rate_per_s + phase.step_per_s * (phase.steps - 1);
        peak_per_s = std::max({peak_per_s, phase.rate_per_s, phase.rate_end_per_s, step_top});
    }
    const double per_window =
        peak_per_s / static_cast<double>(stride) * static_cast<double>(recv_reap_window_ns) / 1e9;
    const auto in_flight =
        static_cast<unsigned>(std::min(static_cast<double>(connections), per_window + 1));
    return std::clamp(next_power_of_two(in_flight * 2), 64u, 2048u);
}

// Open loop reaps responses in batches only across sleeps at least this long.
constexpr int64_t batch_sleep_ns_min = 100 * base::ns_per_us;
// The default slack was chosen where its sleeps reach that batching (docs/pacing.md).
static_assert(plan::timer_slack_auto_ns >= batch_sleep_ns_min);

// Pipelined closed loop waits at most this long for a batch of reads: with 64
// connections x 16 against nginx it cut wake-ups per request from 0.39 to 0.12
// (strace -c), while each connection keeps requests in flight meanwhile.
constexpr int64_t pipeline_batch_ns_max = 200 * base::ns_per_us;

// A loop turn that resumes later than this past its wake-up time is a stall.
constexpr int64_t stall_ns_min = base::ns_per_ms;

}  // namespace

Worker::Worker(RunShared* shared, WorkerChannel* channel, int worker_index, int worker_count,
               int connections, int cpu)
    : shared_(shared),
      channel_(channel),
      plan_(*shared->plan),
      worker_index_(worker_index),
      worker_count_(worker_count),
      behind_limit_ns_(plan::behind_limit_ns(*shared->plan)),
      slice_(slice_of(*shared->plan, worker_index, worker_count)),
      slots_per_worker_max_(
          static_cast<std::size_t>(plan::share_of(shared->plan->connections, 0, slice_.stride()))),
      cpu_(cpu),
      connections_(static_cast<std::size_t>(connections)),
      sessions_(*shared->workload, shared->plan->seed, slice_),
      users_(*shared->load, static_cast<int>(slice_.first()), static_cast<int>(slice_.stride())) {
    BARRAGE_ASSERT(connections >= 0);
    idle_slots_.reserve(connections_.size());
    const http::ResponseLimits limits{plan_.response_header_bytes_max};
    const std::size_t targets = plan::target_count(plan_);
    for (std::size_t slot = 0; slot < connections_.size(); ++slot) {
        connections_[slot].parser = http::ResponseParser(limits);
        // Round robin over the run's targets, counting connections across workers and shards.
        const auto global = static_cast<std::size_t>(slice_.global(static_cast<int64_t>(slot)));
        connections_[slot].target = static_cast<uint32_t>(global % targets);
    }
    if (shared_->schedule != nullptr) {
        shard_ = std::make_unique<schedule::ScheduleShard>(schedule::ScheduleShard::of_worker(
            shared_->schedule, slice_.shard, slice_.shards, slice_.worker, slice_.workers));
    }
    pipeline_depth_ = plan_.pipeline;
    if (pipeline_depth_ > 1) {
        pipeline_ = RequestQueue(connections_.size(), pipeline_depth_);
        // Reads from half the connections per wake-up (pipelined_batch).
        pipeline_batch_completions_ =
            static_cast<unsigned>(std::max<std::size_t>(1, connections_.size() / 2));
    }
    if (const int counted = shared_->load->counted_phase(); counted >= 0) {
        const int64_t count =
            shared_->load->user_phase(static_cast<std::size_t>(counted)).iterations;
        count_left_ = slice_.share(count);
    }
}

void Worker::run() {
    base::block_stop_signals();
    if (plan_.pin && cpu_ >= 0) {
        base::pin_current_thread(cpu_);
    }
    if (auto status = setup(); !status.ok()) {
        channel_->setup_error = status.error().message;
        shared_->workers_ready.fetch_add(1);
        while (!shared_->started.load(std::memory_order_acquire)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        publish_snapshot(true);
        return;
    }
    connect_all_and_wait_for_start();
    loop();
    finish();
}

// Builds the ring, buffers and snapshots on this thread (first touch, and
// SINGLE_ISSUER wants the creating thread to be the submitting one).
base::Status Worker::setup() {
    prepare_snapshots();
    realtime_minus_monotonic_ns_ = base::realtime_minus_monotonic_ns();
    sessions_.prepare(connections_, slots_per_worker_max_);

    const auto conns = static_cast<unsigned>(connections_.size());
    const unsigned buffers = recv_buffers_of(plan_, conns, slice_.stride());
    // What can be outstanding at once: per connection a recv's last CQE, a send
    // and a connect (a reopened slot's old recv and send finish while its new
    // connect is under way), plus one CQE per provided buffer holding data. The
    // ring clamps this to the kernel's 65536 (past ~21,000 connections on one
    // worker), and the kernel keeps the rare overflow of such a burst.
    const unsigned cq_entries = next_power_of_two(conns * 3 + buffers);
    const unsigned sq_entries = std::clamp(next_power_of_two(conns * 2), 64u, 4096u);
    auto ring = io::Ring::create(sq_entries, std::max(cq_entries, sq_entries));
    if (!ring.ok()) {
        return ring.error();
    }
    ring_ = std::move(ring).value();
    use_buffer_ring_ = ring_->setup_buffer_ring(buffer_group, buffers, recv_buffer_bytes).ok();
    if (!use_buffer_ring_) {
        for (Connection& conn : connections_) {
            conn.recv_buffer = std::make_unique<char[]>(recv_buffer_bytes);
        }
    }
    // Open loop reaps in batches between arrivals (see completions_to_wait_for),
    // which needs the kernel's arrival time of every response; so does
    // pipelined closed loop, which reaps in batches too.
    rx_.enabled = use_buffer_ring_ && (shard_ != nullptr || pipeline_depth_ > 1);
    transport_ = plan_.target.scheme == "https" ? Transport::tls : Transport::plain;
    return transport_setup();
}

// Opens every connection before the schedule starts, so the first requests
// are not late because of connection set-up; then waits for the coordinator.
// Paced virtual users are the exception: only those present at time zero
// connect now, the others when they spawn (schedule_absent_users).
void Worker::connect_all_and_wait_for_start() {
    int64_t now = base::now_ns();
    deadlines_ = DeadlineWheel(
        std::clamp(plan_.timeout_ns / 8, deadline_scan_period_ns_min, deadline_scan_period_ns_max),
        deadline_wheel_buckets, now);
    connect_bucket_ =
        connect_bucket_of(plan_.connect_rate_per_s, static_cast<int64_t>(connections_.size()),
                          plan_.connections, now);
    if (connect_bucket_.limited()) {
        connect_queue_ = ConnectQueue(connections_.size());
    }
    for (uint32_t slot = 0; slot < connections_.size(); ++slot) {
        if (!users_.paces() || users_.present_at_start(slot)) {
            open_connection(slot, now);
        }
    }
    // Connections paced by --connect-rate take connections / rate to open: the
    // start waits for them that much longer.
    const int64_t grace_end =
        now + std::min(plan_.timeout_ns, connect_grace_ns_max) + plan::connect_pacing_ns(plan_);
    bool reported_ready = false;
    // The coordinator sets start_ns a little ahead: nothing is sent before it,
    // so every request of the run lies inside [start, end). A scenario may
    // start later still (its `start`); a stop meanwhile ends the wait.
    while (!shared_->started.load(std::memory_order_acquire) ||
           (now < shared_->start_ns && !shared_->stop_requested.load(std::memory_order_relaxed))) {
        open_waiting_connections(now);
        // A counter, not a scan: with 100k connections a scan per turn costs more than the
        // connects.
        const bool connecting = connections_opening_ > 0 || !connect_queue_.empty();
        if (!reported_ready && (!connecting || now >= grace_end)) {
            shared_->workers_ready.fetch_add(1);
            reported_ready = true;
        }
        ring_->submit_and_wait(1, 200 * base::ns_per_us);
        now = base::now_ns();
        ring_->for_each_completion(
            [&](const io::Completion& completion) { handle_completion(completion, now); });
    }
    started_ = true;
    interval_index_ = interval_index_at(now);
    interval_end_ns_ = shared_->measured_start_ns + (interval_index_ + 1) * plan_.interval_ns;
    if (interval_index_ < 0) {
        opening_.take_from(*current_);
    }
    next_deadline_scan_ns_ = now;
    cpu_mark_ns_ = base::thread_cpu_ns();  // connecting before the start is not the run's CPU
    // Connections that became ready before the start wait in idle_slots_;
    // in closed loop they start now, in open loop those with setup steps do.
    std::vector<uint32_t> ready;
    ready.swap(idle_slots_);
    for (uint32_t slot : ready) {
        become_idle(slot, now);
    }
    schedule_absent_users(now);
}

void Worker::loop() {
    int64_t now = base::now_ns();
    for (;;) {
        if (!drain_.active && !sending_allowed(now)) {
            start_drain(now);
        }
        if (!drain_.active && now >= interval_end_ns_) {
            roll_interval(now);
        }
        if (!drain_.active && shard_ != nullptr && now >= next_dispatch_ns_) {
            dispatch_due(now);
        }
        if (!drain_.active && users_.waiting()) {
            wake_due_users(now);
        }
        if (now >= next_deadline_scan_ns_) {
            check_deadlines(now);
        }
        if (drain_.active && (in_flight_ == 0 || now >= drain_.deadline_ns ||
                              shared_->abort_drain.load(std::memory_order_relaxed))) {
            return;
        }
        const int64_t wake_by_ns = now + wait_budget_ns(now);
        ring_->submit_and_wait(completions_to_wait_for(wake_by_ns - now), wake_by_ns - now);
        now = base::now_ns();
        if (now - wake_by_ns > stall_ns_min) {
            // The timer would have woken us by wake_by_ns: the rest is time the
            // worker could not run (starved of CPU) or spent in its own work.
            ++current_->counters.stalls;
            current_->counters.stall_ns += now - wake_by_ns;
        }
        ring_->for_each_completion(
            [&](const io::Completion& completion) { handle_completion(completion, now); });
    }
}

// Sending stops (the end, or a signal): what is in flight may finish until
// the timeout (after a signal, at most drain_after_signal_ns_max).
void Worker::start_drain(int64_t now) {
    const bool stop_requested = shared_->stop_requested.load(std::memory_order_relaxed);
    if (started_ && shard_ != nullptr && !stop_requested) {
        // The loop may wake just past the end: arrivals due before it still go.
        dispatch_due(now);
    }
    int64_t drain_ns = plan_.timeout_ns;
    if (stop_requested) {
        drain_ns = std::min(drain_ns, drain_after_signal_ns_max);
    }
    drain_ = Drain{.active = true,
                   .send_stop_ns = std::min(now, shared_->end_ns),
                   .deadline_ns = now + drain_ns};
}

// Counts what never finished or never left, closes everything, hands over
// the final snapshot.
void Worker::finish() {
    current_->counters.requests_unfinished += in_flight_;
    if (shard_ != nullptr) {
        // Arrivals scheduled before sending stopped that never went: for want of a
        // connection, or (a connection free since before their time) because the
        // worker never got to them. The schedule ends when sending stopped, not
        // when the drain did; counted from the schedule, not one by one.
        const int64_t stop_rel = drain_.send_stop_ns - shared_->start_ns;
        const int64_t due = shard_->count_before(stop_rel);
        const int64_t taken = shard_->taken();
        current_->counters.requests_unsent += std::max<int64_t>(0, due - taken);
        if (!idle_slots_.empty()) {
            const int64_t free_since_rel =
                connections_[idle_slots_.front()].idle_since_ns - shared_->start_ns;
            const int64_t due_before_free = shard_->count_before(free_since_rel);
            current_->counters.requests_behind +=
                std::max<int64_t>(0, due - std::max(taken, due_before_free));
        }
    }
    for (uint32_t slot = 0; slot < connections_.size(); ++slot) {
        // A transaction still under way stays unfinished (sent, never ended), not failed.
        Workload::leave_transaction(connections_[slot].session.cursor);
        close_connection(slot);
    }
    opening_.add_to(*current_);
    publish_snapshot(true);
}

bool Worker::sending_allowed(int64_t now) const {
    if (!started_) {
        // Before the start only connections are made; keep them coming.
        return !shared_->stop_requested.load(std::memory_order_relaxed);
    }
    return now < shared_->end_ns && !shared_->stop_requested.load(std::memory_order_relaxed);
}

// Sends every arrival that is due, each on a free connection. An arrival that
// found no connection free at its intended time (every free one became free
// later) waited for one: late, its wait part of its latency. One that went
// more than the behind limit after its time although a connection was free
// shows the generator fell behind.
void Worker::dispatch_due(int64_t now) {
    // With timer slack, arrivals that fall due meanwhile wait for the next round.
    next_dispatch_ns_ = now + plan_.timer_slack_ns;
    const int64_t now_rel = std::min(now, shared_->end_ns - 1) - shared_->start_ns;
    while (shard_->next_ns() != schedule::no_more_arrivals && shard_->next_ns() <= now_rel) {
        if (idle_slots_.empty()) {
            return;
        }
        const int64_t intended = shared_->start_ns + shard_->next_ns();
        const bool waited = connections_[idle_slots_.front()].idle_since_ns > intended;
        const uint32_t slot = idle_slots_.back();
        idle_slots_.pop_back();
        shard_->advance();
        const bool counted = intended >= shared_->measured_start_ns || interval_index_ < 0;
        if (waited) {
            current_->counters.requests_late += counted ? 1 : 0;
        } else if (now - intended > behind_limit_ns_) {
            current_->counters.requests_behind += counted ? 1 : 0;
        }
        start_request(slot, intended, now, true);
    }
}

// Looks only at the connections whose deadline entry came due (deadline_wheel_impl.h).
void Worker::check_deadlines(int64_t now) {
    if (!connect_queue_.empty() && sending_allowed(now)) {
        // --connect-rate: the bucket saves up a scan period's tokens (connect_bucket_of).
        open_waiting_connections(now);
    }
    deadlines_.expire(now,
                      [&](uint32_t slot, int64_t due_ns) { expire_deadline(slot, due_ns, now); });
    next_deadline_scan_ns_ = deadlines_.next_due_ns();
}

// An entry of `slot` came due: fires the deadline of its state if it has
// passed, else (it moved later) watches it again. A stale entry (a newer one
// replaced it) and a state without a deadline are dropped.
void Worker::expire_deadline(uint32_t slot, int64_t due_ns, int64_t now) {
    Connection& conn = connections_[slot];
    if (conn.deadline_due_ns != due_ns) {
        return;
    }
    conn.deadline_due_ns = no_entry_due_ns;
    const bool passed = now >= conn.deadline_ns;
    switch (conn.state) {
        case ConnState::connecting:
            if (passed) {
                fail_connect(slot, stats::ErrorKind::connect_timeout, "no answer within --timeout",
                             now);
            }
            break;
        case ConnState::handshaking:
            if (passed) {
                fail_tls(slot, "the TLS handshake did not finish within --timeout", now);
            }
            break;
        case ConnState::busy:
            if (passed) {
                fail_request(slot, stats::ErrorKind::timeout,
                             "no complete response within --timeout", now);
            }
            break;
        case ConnState::finishing_send:
            if (passed) {
                abandon_send(slot, now);
            }
            break;
        case ConnState::backoff:
            expire_backoff(slot, now);
            return;
        case ConnState::closed:
        case ConnState::idle:
            return;
    }
    if (!passed) {
        watch_deadline(conn, conn.deadline_ns);
    }
}

// A backoff's reconnect; a slot waiting in the connect queue goes from there.
void Worker::expire_backoff(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    if (conn.retry_at_ns == connect_waiting_ns) {
        return;
    }
    if (now < conn.retry_at_ns) {
        watch_deadline(conn, conn.retry_at_ns);
    } else if (sending_allowed(now)) {
        open_connection(slot, now);
    } else {
        watch_deadline(conn, now);  // stays in backoff, looked at each period as before
    }
}

// How long the ring may sleep: until the next arrival (if a connection is
// free to take it), the interval boundary, the deadline scan, or the end.
int64_t Worker::wait_budget_ns(int64_t now) const {
    // Intervals stop rolling while draining: their boundary no longer wakes us.
    int64_t until =
        drain_.active ? next_deadline_scan_ns_ : std::min(interval_end_ns_, next_deadline_scan_ns_);
    until = std::min(until, drain_.active ? drain_.deadline_ns : shared_->end_ns);
    if (!drain_.active && shard_ != nullptr && !idle_slots_.empty() &&
        shard_->next_ns() != schedule::no_more_arrivals) {
        until = std::min(until, std::max(next_dispatch_ns_, shared_->start_ns + shard_->next_ns()));
    }
    if (!drain_.active) {
        until = std::min(until, users_.next_wake_ns());
    }
    if (pipelined_batch()) {
        until = std::min(until, now + pipeline_batch_ns_max);  // see pipelined_batch
    }
    return std::max<int64_t>(0, until - now);
}

// Open loop with a free connection has nothing to do before the next arrival
// (wait_budget_ns wakes us for it): responses that come meanwhile carry the
// kernel's receive time, so they can wait and be reaped together, which saves
// a wake-up per response. It pays when the sleep is long; when the next
// wake-up is closer than batch_sleep_ns_min, reaping at once was measured
// cheaper (20k req/s, one worker: 2.8 against 3.4 CPU s per 100k requests).
// Anything whose timing is taken on reaping (connects, handshakes), a request
// that waits for a connection or whose next TLS chunk waits for a send, the
// drain, closed loop, and reads without timestamps reap every completion at once;
// so do task groups, whose next step goes out when the response is reaped.
unsigned Worker::completions_to_wait_for(int64_t sleep_ns) const {
    const bool batch = shard_ != nullptr && !drain_.active && sleep_ns >= batch_sleep_ns_min &&
                       !sessions_.has_transactions() && rx_.enabled && !rx_.missed &&
                       rx_.reads > 0 && !idle_slots_.empty() && connections_opening_ == 0 &&
                       sends_continuing_ == 0;
    // More than can ever be ready: the wait ends at its timeout.
    if (batch) {
        return ring_->cq_entries();
    }
    return pipelined_batch() ? pipeline_batch_completions_ : 1;
}

// Pipelined closed loop keeps several requests in flight on every connection,
// so it need not wake for each read: it waits for reads from a share of the
// connections, or pipeline_batch_ns_max, whichever comes first. The responses
// carry the kernel's receive time; the refills go out together after the wait.
bool Worker::pipelined_batch() const {
    return pipeline_depth_ > 1 && shard_ == nullptr && !drain_.active && rx_.enabled &&
           !rx_.missed && connections_opening_ == 0 && sends_continuing_ == 0;
}

}  // namespace barrage::engine::detail
