#pragma once
// Private to engine: one worker = one pinned thread that owns its ring,
// connections, schedule shard and snapshots. Nothing here is shared with
// other workers; the coordinator talks to it only through the SPSC rings in
// WorkerChannel and the read-only RunShared.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/spsc_ring.h"
#include "barrage/io/ring.h"
#include "barrage/io/tls_context.h"
#include "barrage/io/tls_session.h"
#include "barrage/plan/plan.h"
#include "barrage/schedule/arrival_schedule.h"
#include "barrage/stats/snapshot.h"
#include "connect_pacer_impl.h"
#include "connection_impl.h"
#include "deadline_wheel_impl.h"
#include "load_model_impl.h"
#include "pipeline_impl.h"
#include "session_impl.h"
#include "users_impl.h"

namespace barrage::engine::detail {

// Read-only after start; written once by the coordinator for stop.
struct RunShared {
    const plan::RunPlan* plan = nullptr;
    const Workload* workload = nullptr;  // the requests and how sessions pick them
    const LoadModel* load = nullptr;     // phases: the schedule, or the virtual users
    const schedule::ArrivalSchedule* schedule = nullptr;  // null in closed loop
    int64_t start_ns = 0;           // schedule time zero (warm-up starts here)
    int64_t measured_start_ns = 0;  // start + warm-up
    int64_t end_ns = 0;             // sending stops here
    // Written once by the coordinator when every worker has connected (or
    // the connect grace ran out); start/measured_start/end are valid after it.
    std::atomic<bool> started{false};
    std::atomic<int> workers_ready{0};
    std::atomic<bool> stop_requested{false};  // first SIGINT/SIGTERM: stop sending, drain briefly
    std::atomic<bool> abort_drain{false};     // second signal: stop now
};

// How long a worker drains in-flight requests after a signal.
inline constexpr int64_t drain_after_signal_ns_max = 2'000'000'000;

inline constexpr std::size_t snapshots_per_worker = 8;

// Snapshots travel as pointers: filled ones to the coordinator, emptied ones back.
struct WorkerChannel {
    base::SpscRing<stats::Snapshot*, snapshots_per_worker * 2> filled;
    base::SpscRing<stats::Snapshot*, snapshots_per_worker * 2> empty;
    std::vector<std::unique_ptr<stats::Snapshot>>
        pool;  // owned here, touched by one side at a time
    // Written by the worker before it exits; read by the coordinator after join.
    std::array<std::string, stats::error_kind_count> first_error_detail;
    int connections_established_max = 0;
    std::string setup_error;  // non-empty: the worker could not start
    // Set once by the worker (connect events only, never per request), read by
    // the coordinator each tick: is the target reachable at all?
    std::atomic<bool> connection_established{false};
    std::atomic<bool> connect_failed{false};
    // Closed loop by count: set once when this worker has sent its share
    // (count_done_ns first, then count_done), read by the coordinator each tick.
    int64_t count_done_ns = 0;
    std::atomic<bool> count_done{false};
};

// The TLS context options of a plan (https targets).
io::TlsContextOptions tls_options_of(const plan::RunPlan& plan);

// Operation codes packed into user_data.
// op_recvmsg: a recv whose buffers carry the kernel's header and receive timestamp.
// Connections close synchronously (close_connection), so no op closes through the ring.
enum Op : uint8_t { op_connect = 1, op_send = 2, op_recv = 3, op_recvmsg = 4 };

// The error kind of a failed send or receive (-res of its completion).
stats::ErrorKind transfer_error_kind(int err);

// How a worker's connections move bytes (transport_impl.h).
enum class Transport : uint8_t { plain, tls };

// https only, one per worker: the context, the session offered to new
// connections, and the scratch that decrypted bytes land in.
struct TlsShared {
    std::unique_ptr<io::TlsContext> context;
    io::TlsSessionCache session_cache;
    std::string server_name;
    std::unique_ptr<char[]> plaintext;
};

// Receive timestamps: reads go through recvmsg and carry the kernel's
// arrival time, so a response's time does not depend on when it is reaped.
struct ReceiveTimestamps {
    bool enabled = false;
    bool missed = false;  // a read came without one: reap promptly from now on
    int64_t reads = 0;    // reads that carried one
};

// The end of the send phase: in-flight requests drain until they are done
// or the deadline passes.
struct Drain {
    bool active = false;
    int64_t send_stop_ns = 0;  // when sending stopped (the end, or when a stop was seen)
    int64_t deadline_ns = 0;
};

// What the connections opened before the start measured. They serve the
// measured run, so they join its totals even when the run begins with a
// warm-up (intervals.cc).
struct OpeningTotals {
    stats::Histogram connect_us = stats::Histogram::for_latency_us();
    stats::Histogram tls_handshake_us = stats::Histogram::for_latency_us();
    int64_t tls_handshakes_full = 0;
    int64_t tls_handshakes_resumed = 0;
    int64_t connections_opened = 0;  // so `opened` agrees with the connect times
    // Moves the opening's counts out of a warm-up snapshot.
    void take_from(stats::Snapshot& snapshot);
    // Adds them to the final snapshot.
    void add_to(stats::Snapshot& snapshot) const;
};

class Worker {
public:
    Worker(RunShared* shared, WorkerChannel* channel, int worker_index, int worker_count,
           int connections, int cpu);
    // Thread body: pins, builds the ring, runs until the send phase ends and
    // in-flight requests drain, hands over the final snapshot.
    void run();

private:
    // worker.cc: the thread, the loop, open-loop dispatch, timeouts.
    base::Status setup();
    void connect_all_and_wait_for_start();
    void loop();
    void start_drain(int64_t now);
    void finish();
    void dispatch_due(int64_t now);
    void check_deadlines(int64_t now);
    void expire_deadline(uint32_t slot, int64_t due_ns, int64_t now);
    void expire_backoff(uint32_t slot, int64_t now);
    inline void set_deadline(Connection& conn, int64_t deadline_ns);
    inline void watch_deadline(Connection& conn, int64_t at_ns);
    int64_t wait_budget_ns(int64_t now) const;
    unsigned completions_to_wait_for(int64_t sleep_ns) const;
    bool pipelined_batch() const;
    bool sending_allowed(int64_t now) const;
    // intervals.cc: intervals and the snapshots handed to the coordinator.
    void roll_interval(int64_t now);
    void publish_snapshot(bool final);
    int64_t interval_index_at(int64_t now) const;
    void prepare_snapshots();
    stats::Snapshot& request_snapshot(const Connection& conn);

    // connection.cc: the completion switch and a connection's lifecycle.
    void handle_completion(const io::Completion& completion, int64_t now);
    uint64_t user_data(Op op, uint32_t slot) const;
    void open_connection(uint32_t slot, int64_t now);
    void connect_now(uint32_t slot, int64_t now);
    int bind_source(uint32_t slot, int fd) const;
    void open_waiting_connections(int64_t now);
    void on_connect(uint32_t slot, int res, int64_t now);
    void on_recv(uint32_t slot, const io::Completion& completion, bool timestamped, int64_t now);
    void on_eof(uint32_t slot, int64_t now);
    void arm_recv(uint32_t slot);
    void mark_established(uint32_t slot, int64_t now);
    void become_idle(uint32_t slot, int64_t now);
    void fail_connect(uint32_t slot, stats::ErrorKind kind, std::string_view detail, int64_t now);
    void close_connection(uint32_t slot);
    void reopen_connection(uint32_t slot, int64_t now);
    void set_state(Connection& conn, ConnState state);
    void set_send_continues(Connection& conn, bool continues);
    void note_error(uint32_t slot, stats::ErrorKind kind, std::string_view detail);
    // request.cc: the request in flight, from its start to its end.
    void start_request(uint32_t slot, int64_t intended_ns, int64_t now, bool scheduled);
    void on_bytes(uint32_t slot, const char* data, std::size_t len, int64_t now);
    void complete_request(uint32_t slot, int64_t now);
    void fail_request(uint32_t slot, stats::ErrorKind kind, std::string_view detail, int64_t now);
    void abandon_send(uint32_t slot, int64_t now);
    int64_t response_time_ns(const Connection& conn, int64_t now) const;
    void note_rx_timestamp(Connection& conn, int64_t rx_realtime_ns);
    // pipeline.cc: --pipeline N > 1, several requests in flight per connection.
    void start_pipelined(uint32_t slot, int64_t intended_ns, int64_t now, bool scheduled);
    void fill_pipeline(uint32_t slot, int64_t now);
    bool has_room(uint32_t slot) const;
    void pipeline_one(uint32_t slot, int64_t intended_ns, int64_t now, bool scheduled);
    void enqueue(uint32_t slot, RequestInFlight record);
    void make_head(Connection& conn, RequestInFlight record);
    void flush_pipeline(uint32_t slot, int64_t now);
    bool take_staged(uint32_t slot);
    void on_pipelined_bytes(uint32_t slot, const char* data, std::size_t len, int64_t now);
    void complete_pipelined(uint32_t slot, int64_t now);
    void resend_on_new_connection(uint32_t slot, int64_t now);
    void resend_queued(uint32_t slot, int64_t now);
    void end_unfinished(uint32_t slot);
    void fail_behind_head(uint32_t slot, stats::ErrorKind kind, int64_t now);
    void fail_record(const RequestInFlight& record, stats::ErrorKind kind, int64_t now);
    stats::Snapshot& record_snapshot(const RequestInFlight& record);
    void pipeline_closed(uint32_t slot);
    // request.cc: task groups, a transaction of several requests on one session.
    void end_transaction_step(uint32_t slot, bool passed, int64_t done_ns);
    void continue_transaction(uint32_t slot, int64_t now);
    void fail_transaction(Connection& conn);
    stats::Snapshot& transaction_snapshot(const Connection& conn);

    // transport_impl.h: the transport seam, the one place that tells plain
    // from TLS. Each forwards to plain_transport.cc or tls_transport.cc.
    base::Status transport_setup();
    void transport_connected(uint32_t slot, int64_t now);
    void transport_send_request(uint32_t slot, int64_t now);
    void transport_on_send(uint32_t slot, int res, int64_t now);
    void transport_on_bytes(uint32_t slot, const char* data, std::size_t len, int64_t now);
    bool transport_bytes_left(const Connection& conn) const;
    void transport_close(Connection& conn);
    // plain_transport.cc: the request's bytes go to the socket as they are.
    void plain_send(uint32_t slot);
    void plain_on_send(uint32_t slot, int res, int64_t now);
    static bool plain_bytes_left(const Connection& conn);
    // tls_transport.cc: handshake, ciphertext through memory BIOs (https).
    base::Status tls_setup();
    void tls_start_handshake(uint32_t slot, int64_t now);
    void tls_continue_handshake(uint32_t slot, int64_t now);
    void tls_on_bytes(uint32_t slot, const char* data, std::size_t len, int64_t now);
    void tls_read_plaintext(uint32_t slot, int64_t now);
    void tls_flush(uint32_t slot, int64_t now);
    void tls_on_send(uint32_t slot, int res, int64_t now);
    static bool tls_bytes_left(const Connection& conn);
    static void tls_close(Connection& conn);
    void fail_tls(uint32_t slot, std::string_view detail, int64_t now);

    // users.cc: closed-loop virtual users: spawning, sending, leaving.
    void pace_user(uint32_t slot, int64_t now);
    void act_for_user(uint32_t slot, int64_t now);
    void wake_due_users(int64_t now);
    void schedule_absent_users(int64_t now);
    bool take_counted_send(const Connection& conn, int64_t now);

    RunShared* shared_;
    WorkerChannel* channel_;
    const plan::RunPlan& plan_;
    int worker_index_;
    int worker_count_;
    int64_t behind_limit_ns_;
    WorkerSlice slice_;                 // its part of the whole (sharded) test
    std::size_t slots_per_worker_max_;  // connections of the busiest worker of any shard
    int cpu_;
    std::unique_ptr<io::Ring> ring_;
    std::vector<Connection> connections_;
    std::vector<uint32_t> idle_slots_;  // connected and free, LIFO: the front is the longest idle
    std::unique_ptr<schedule::ScheduleShard> shard_;
    stats::Snapshot* current_ = nullptr;
    int64_t interval_index_ = 0;
    int64_t interval_end_ns_ = 0;
    int64_t cpu_mark_ns_ = 0;       // thread CPU time at the last snapshot
    int64_t next_dispatch_ns_ = 0;  // no dispatch before (timer slack)
    int64_t next_deadline_scan_ns_ = 0;
    // The connections whose state has a deadline, by when (deadline_wheel_impl.h).
    DeadlineWheel deadlines_;
    int in_flight_ = 0;  // requests sent (started), not finished
    int connected_ = 0;
    Drain drain_;
    bool use_buffer_ring_ = false;
    int connections_opening_ = 0;   // connecting or handshaking: their completions are timed
    ConnectBucket connect_bucket_;  // --connect-rate (unlimited without)
    ConnectQueue connect_queue_;    // connects waiting for a token of connect_bucket_
    int sends_continuing_ = 0;      // connections with send_continues set
    ReceiveTimestamps rx_;
    // Wall clock minus monotonic: for {{now}} and the receive timestamps;
    // refreshed every interval, so a step of the wall clock is followed.
    int64_t realtime_minus_monotonic_ns_ = 0;
    bool started_ = false;                           // the coordinator released the schedule
    std::vector<stats::Snapshot*> spare_snapshots_;  // never handed out yet
    OpeningTotals opening_;                          // see OpeningTotals
    Transport transport_ = Transport::plain;
    TlsShared tls_;  // https only
    Sessions sessions_;
    UserPacer users_;                   // closed loop
    int64_t count_left_ = -1;           // closed loop by count: sends left to this worker; -1: none
    stats::Snapshot warmup_leftovers_;  // see request_snapshot()
    int pipeline_depth_ = 1;            // --pipeline: requests in flight per connection at most
    RequestQueue pipeline_;             // pipeline_depth_ > 1 only: the requests behind each head
    unsigned pipeline_batch_completions_ = 1;  // see pipelined_batch()
};

// Sets the deadline of the connection's state. On the hot path (the next
// request of a keep-alive connection) the deadline only moves later, which the
// entry already in the wheel covers: a compare, no new entry.
inline void Worker::set_deadline(Connection& conn, int64_t deadline_ns) {
    conn.deadline_ns = deadline_ns;
    watch_deadline(conn, deadline_ns);
}

// Makes sure the wheel looks at the connection by at_ns (a deadline or a
// backoff's retry), at most one period late.
inline void Worker::watch_deadline(Connection& conn, int64_t at_ns) {
    if (!deadlines_.covers(conn.deadline_due_ns, at_ns)) {
        const auto slot = static_cast<uint32_t>(&conn - connections_.data());
        conn.deadline_due_ns = deadlines_.add(slot, at_ns);
    }
}

}  // namespace barrage::engine::detail
