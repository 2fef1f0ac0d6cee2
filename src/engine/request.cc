// The request in flight on a connection: started (rendered, counted, handed
// to the transport), answered (parsed, timed, judged), failed or abandoned.

#include <algorithm>
#include <span>

#include "barrage/base/assert.h"
#include "transport_impl.h"

namespace barrage::engine::detail {

// Starts the next request of the connection's session at `now`; `intended_ns`
// is when it was due (open loop: its arrival; closed loop: now). scheduled: an
// arrival of the open-loop schedule, whose lag is recorded.
void Worker::start_request(uint32_t slot, int64_t intended_ns, int64_t now, bool scheduled) {
    if (pipeline_depth_ > 1) {
        start_pipelined(slot, intended_ns, now, scheduled);
        return;
    }
    Connection& conn = connections_[slot];
    // Nothing of an earlier request is still on its way (TLS may still be
    // sending a handshake's last flight; the transport waits for that send).
    BARRAGE_ASSERT(conn.state == ConnState::idle && !conn.socket.send_continues);
    set_state(conn, ConnState::busy);
    set_deadline(conn, now + plan_.timeout_ns);
    // A request started in a turn that began in the warm-up belongs to it, even
    // if its intended time is a hair past the warm-up's end: its counts must all
    // land on one side (the interval rolls only at the top of the next turn).
    conn.request = RequestInFlight{
        .intended_ns = intended_ns,
        .sent_ns = now,
        .measured = intended_ns >= shared_->measured_start_ns && interval_index_ >= 0,
    };
    const bool rendered =
        sessions_.prepare_request(conn, request_snapshot(conn), now + realtime_minus_monotonic_ns_);
    // Sent = started: from here the request ends exactly once, as completed,
    // failed, or unfinished at the end of the run.
    ++request_snapshot(conn).counters.requests_sent;
    ++in_flight_;
    if (scheduled) {
        BARRAGE_ASSERT(now >= intended_ns);
        request_snapshot(conn).schedule_lag_us.record_value(to_us(now - intended_ns));
    }
    if (!rendered) {
        // Started, so it fails like any sent request (the identities hold); the
        // connection carried nothing of it, but reopening keeps one path.
        static_assert(http::RequestTemplate::rendered_bytes_max == 64 << 20);
        fail_request(slot, stats::ErrorKind::templating,
                     "a request rendered larger than 64 MiB and was not sent (see its "
                     "request name's errors)",
                     now);
        return;
    }
    transport_send_request(slot, now);
}

void Worker::on_bytes(uint32_t slot, const char* data, std::size_t len, int64_t now) {
    if (pipeline_depth_ > 1) {
        on_pipelined_bytes(slot, data, len, now);
        return;
    }
    Connection& conn = connections_[slot];
    if (conn.state != ConnState::busy) {
        note_error(slot, stats::ErrorKind::protocol, "bytes received with no request in flight");
        current_->counters.count_error(stats::ErrorKind::protocol);
        reopen_connection(slot, now);
        return;
    }
    std::size_t consumed = 0;
    switch (conn.parser.feed(std::span<const char>(data, len), consumed)) {
        case http::ParseStatus::partial:
            return;
        case http::ParseStatus::invalid:
            fail_request(slot, stats::ErrorKind::protocol, conn.parser.error(), now);
            return;
        case http::ParseStatus::complete:
            break;
    }
    const uint32_t generation = conn.generation;
    complete_request(slot, now);
    if (consumed < len && conn.generation == generation) {
        // Without pipelining nothing may follow a response.
        note_error(slot, stats::ErrorKind::protocol, "bytes after the end of a response");
        current_->counters.count_error(stats::ErrorKind::protocol);
        reopen_connection(slot, now);
    }
}

void Worker::complete_request(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    BARRAGE_ASSERT(now >= conn.request.intended_ns && now >= conn.request.sent_ns);
    const int64_t done_ns = response_time_ns(conn, now);
    stats::Snapshot& snapshot = request_snapshot(conn);
    snapshot.counters.responses_timed_on_arrival += conn.request.received_ns != 0 ? 1 : 0;
    snapshot.latency_us.record_value(to_us(done_ns - conn.request.intended_ns));
    const bool passed =
        sessions_.judge_response(conn, snapshot, done_ns - conn.request.intended_ns);
    snapshot.service_time_us.record_value(to_us(done_ns - conn.request.sent_ns));
    ++snapshot.counters.requests_completed;
    snapshot.counters.count_status(conn.parser.status_code());
    --in_flight_;
    if (Sessions::in_transaction(conn)) {
        end_transaction_step(slot, passed, done_ns);  // before a reopen could cut it short
    }
    if (pipeline_depth_ > 1) {
        complete_pipelined(slot, now);
        return;
    }
    if (plan_.new_connection_per_request || !conn.parser.keep_alive()) {
        if (!plan_.new_connection_per_request) {
            ++current_->counters.reconnects;  // --new-conn reopens by design, not a reconnect
        }
        reopen_connection(slot, now);  // the rest of an early-answered request is dropped
        return;
    }
    if (transport_bytes_left(conn)) {
        // An early answer (a 413, a `return 200` that ignores the body): the next
        // request must not follow a partial body, so the rest goes first; until then
        // the connection is not offered to the schedule. The deadline still holds.
        set_state(conn, ConnState::finishing_send);
        return;
    }
    become_idle(slot, now);
}

void Worker::fail_request(uint32_t slot, stats::ErrorKind kind, std::string_view detail,
                          int64_t now) {
    BARRAGE_ASSERT(connections_[slot].state == ConnState::busy);
    note_error(slot, kind, detail);
    const Connection& conn = connections_[slot];
    stats::Snapshot& snapshot = request_snapshot(conn);
    snapshot.counters.count_request_failure(kind);
    snapshot.failure_time_us.record_value(
        to_us(std::max<int64_t>(0, now - conn.request.intended_ns)));
    ++snapshot.by_name[conn.request.index].errors;
    --in_flight_;
    if (Sessions::in_transaction(conn)) {
        fail_transaction(connections_[slot]);
    }
    if (pipeline_depth_ > 1) {
        fail_behind_head(slot, kind, now);  // the connection ends under them too
    }
    reopen_connection(slot, now);
}

// Task groups: the step of the connection's transaction ends with its response.
void Worker::end_transaction_step(uint32_t slot, bool passed, int64_t done_ns) {
    Connection& conn = connections_[slot];
    sessions_.end_step(conn, passed, transaction_snapshot(conn), done_ns);
}

// A connection in a transaction is not offered to the schedule nor paced as a
// user: its next step goes at once, or after a repeat's interval (a wake-up
// on the users' heap, which open loop shares for this).
void Worker::continue_transaction(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    const int64_t at_ns = conn.session.cursor.next_try_ns;
    if (at_ns > now) {
        users_.wait(conn.user, slot, at_ns);
        return;
    }
    start_request(slot, now, now, false);
}

// A request of the connection's transaction went unanswered: the transaction fails.
void Worker::fail_transaction(Connection& conn) {
    sessions_.fail_transaction(conn, transaction_snapshot(conn));
}

// As request_snapshot, by the transaction's first request: a transaction
// counts wholly on one side of the warm-up's end.
stats::Snapshot& Worker::transaction_snapshot(const Connection& conn) {
    return conn.session.cursor.task_measured || interval_index_ < 0 ? *current_ : warmup_leftovers_;
}

// The rest of an answered request did not go within the request's deadline
// (a server that answered early and stopped reading): the connection cannot
// carry another request, so it is replaced. The request itself completed.
void Worker::abandon_send(uint32_t slot, int64_t now) {
    BARRAGE_ASSERT(connections_[slot].state == ConnState::finishing_send);
    note_error(slot, stats::ErrorKind::timeout,
               "the server answered early but did not take the rest of the request within "
               "--timeout");
    current_->counters.count_error(stats::ErrorKind::timeout);
    ++current_->counters.reconnects;
    reopen_connection(slot, now);
}

// When the response was complete: when the kernel received its last bytes
// where the socket said so, else now (when its completion was reaped). The
// clamp guards against a step of the wall clock between the two readings.
int64_t Worker::response_time_ns(const Connection& conn, int64_t now) const {
    if (conn.request.received_ns == 0) {
        return now;
    }
    return std::clamp(conn.request.received_ns, conn.request.sent_ns, now);
}

void Worker::note_rx_timestamp(Connection& conn, int64_t rx_realtime_ns) {
    if (rx_realtime_ns == 0) {
        rx_.missed = true;
        conn.request.received_ns = 0;
        return;
    }
    ++rx_.reads;
    conn.request.received_ns = rx_realtime_ns - realtime_minus_monotonic_ns_;
}

}  // namespace barrage::engine::detail
