// Pipelining (--pipeline N > 1): up to N requests in flight on a connection,
// answered in order. The head (Connection::request) is the one the parser
// reads; the others wait in pipeline_ (a RequestQueue). Requests started
// together go back to back in one send; those started while a send is on its
// way are staged and go in one send when it completes. Each keeps its own
// intended time (latency), send time (service time, deadline) and name.
//
// Faults: a response with Connection: close leaves the requests behind it
// unprocessed by the server (RFC 9112 9.6), so they go again on the next
// connection with their intended times (counted as resent, never twice as
// sent). Any other end of the connection fails the head with its error's kind
// and every request behind it with the same kind: the server may have
// processed them, so sending them again could repeat a side effect.

#include <algorithm>
#include <span>

#include "barrage/base/assert.h"
#include "transport_impl.h"

namespace barrage::engine::detail {

// Open loop takes one arrival (dispatch_due took the slot from idle_slots_;
// it goes back while the connection has room). Closed loop fills to the depth.
void Worker::start_pipelined(uint32_t slot, int64_t intended_ns, int64_t now, bool scheduled) {
    if (shard_ == nullptr) {
        fill_pipeline(slot, now);
        return;
    }
    pipeline_one(slot, intended_ns, now, scheduled);
    if (has_room(slot)) {
        idle_slots_.push_back(slot);  // LIFO as before: the next arrival may join it
    }
    flush_pipeline(slot, now);
}

// Closed loop: starts requests until the connection has `depth` in flight,
// then sends what was started in one write.
void Worker::fill_pipeline(uint32_t slot, int64_t now) {
    while (has_room(slot) && started_ && sending_allowed(now)) {
        pipeline_one(slot, now, now, false);
    }
    flush_pipeline(slot, now);
}

// Whether the open connection on `slot` can take one more request.
bool Worker::has_room(uint32_t slot) const {
    const Connection& conn = connections_[slot];
    switch (conn.state) {
        case ConnState::idle:
        case ConnState::finishing_send:
            return true;
        case ConnState::busy:
            return !pipeline_.full(slot);
        default:
            return false;
    }
}

// Starts one request: picked, rendered into the staged bytes, counted as
// sent, queued behind the head (or made the head). Not sent yet: the caller
// flushes once it started what it will.
void Worker::pipeline_one(uint32_t slot, int64_t intended_ns, int64_t now, bool scheduled) {
    Connection& conn = connections_[slot];
    RequestInFlight record{
        .intended_ns = intended_ns,
        .sent_ns = now,
        .measured = intended_ns >= shared_->measured_start_ns && interval_index_ >= 0,
    };
    stats::Snapshot& snapshot = record_snapshot(record);
    const bool rendered =
        sessions_.prepare_pipelined(conn, record, snapshot, now + realtime_minus_monotonic_ns_);
    ++snapshot.counters.requests_sent;
    ++in_flight_;
    if (scheduled) {
        BARRAGE_ASSERT(now >= intended_ns);
        snapshot.schedule_lag_us.record_value(to_us(now - intended_ns));
    }
    if (!rendered) {
        // Nothing of it reached the connection, which carries on with the others.
        note_error(slot, stats::ErrorKind::templating,
                   "a request rendered larger than 64 MiB and was not sent (see its request "
                   "name's errors)");
        fail_record(record, stats::ErrorKind::templating, now);
        return;
    }
    pipeline_.lane(slot).staged.append(record.bytes);
    enqueue(slot, record);
}

// A started request joins the connection's requests in flight: behind the
// head, or as the head when none is in flight.
void Worker::enqueue(uint32_t slot, RequestInFlight record) {
    Connection& conn = connections_[slot];
    if (conn.state == ConnState::busy) {
        pipeline_.push(slot, record);
        return;
    }
    BARRAGE_ASSERT(conn.state == ConnState::idle || conn.state == ConnState::finishing_send ||
                   conn.state == ConnState::connecting || conn.state == ConnState::handshaking);
    make_head(conn, record);
    set_state(conn, ConnState::busy);
}

// `record` becomes the request whose response the parser reads. The
// connection's send (Connection::request.bytes, send_offset) is not the
// head's but the connection's, so it carries over.
void Worker::make_head(Connection& conn, RequestInFlight record) {
    record.bytes = conn.request.bytes;
    record.send_offset = conn.request.send_offset;
    conn.request = record;
    set_deadline(conn, record.sent_ns + plan_.timeout_ns);  // its own --timeout
    sessions_.arm_parser(conn, record.index);
}

// Sends the staged requests unless a send is on its way (its completion
// takes them: take_staged). Open loop reaps that completion promptly.
void Worker::flush_pipeline(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    if (conn.socket.fd < 0) {
        return;
    }
    if (conn.socket.send_pending || conn.request.send_offset < conn.request.bytes.size()) {
        if (!pipeline_.lane(slot).staged.empty()) {
            set_send_continues(conn, true);
        }
        return;
    }
    if (take_staged(slot)) {
        transport_send_request(slot, now);
    }
}

// The send on its way is done: the staged requests become the next send.
bool Worker::take_staged(uint32_t slot) {
    Connection& conn = connections_[slot];
    PipelineLane& lane = pipeline_.lane(slot);
    if (lane.staged.empty()) {
        return false;
    }
    BARRAGE_ASSERT(conn.request.send_offset == conn.request.bytes.size());
    lane.sending.swap(lane.staged);
    lane.staged.clear();
    conn.request.bytes = lane.sending;
    conn.request.send_offset = 0;
    set_send_continues(conn, false);
    return true;
}

// Every complete response in `data`, in order; a response may end inside the
// next one. Closed loop refills the connection after the receive that
// answered its last request in flight: N requests in one write.
void Worker::on_pipelined_bytes(uint32_t slot, const char* data, std::size_t len, int64_t now) {
    Connection& conn = connections_[slot];
    const uint32_t generation = conn.generation;
    while (len > 0) {
        if (conn.state != ConnState::busy) {
            note_error(slot, stats::ErrorKind::protocol,
                       "bytes received with no request in flight (more responses than requests)");
            current_->counters.count_error(stats::ErrorKind::protocol);
            reopen_connection(slot, now);
            return;
        }
        std::size_t consumed = 0;
        switch (conn.parser.feed(std::span<const char>(data, len), consumed)) {
            case http::ParseStatus::partial:
                consumed = len;
                break;
            case http::ParseStatus::invalid:
                fail_request(slot, stats::ErrorKind::protocol, conn.parser.error(), now);
                return;
            case http::ParseStatus::complete:
                complete_request(slot, now);
                if (conn.generation != generation) {
                    return;
                }
                break;
        }
        data += consumed;
        len -= consumed;
    }
    // Closed loop refills a connection once all its requests are answered, all N
    // in one write, as wrk does: at 64 x 16 against nginx that cost 0.29-0.33 CPU s
    // per 100k requests against 0.45-0.55 refilling after every read (more, smaller
    // sends; on loopback each send also pays the receiver's TCP processing).
    if (shard_ == nullptr && started_ && conn.state != ConnState::busy) {
        fill_pipeline(slot, now);
    }
}

// The head was answered and counted (complete_request): the next request in
// flight becomes the head, or the connection is free, or (Connection: close)
// the requests behind it go again on a new connection.
void Worker::complete_pipelined(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    if (!conn.parser.keep_alive()) {
        ++current_->counters.reconnects;
        resend_on_new_connection(slot, now);
        return;
    }
    if (!pipeline_.empty(slot)) {
        const bool was_full = pipeline_.full(slot);
        RequestInFlight next = pipeline_.pop(slot);
        next.received_ns = conn.request.received_ns;  // its bytes so far came in that read
        make_head(conn, next);
        if (was_full && shard_ != nullptr) {
            conn.idle_since_ns = now;  // room for an arrival from now
            idle_slots_.push_back(slot);
        }
        return;
    }
    if (transport_bytes_left(conn)) {
        set_state(conn, ConnState::finishing_send);  // as complete_request: the rest goes first
        return;
    }
    // Open loop: it is in idle_slots_ already (it had room). Closed loop: the
    // receive's end tops it up (on_pipelined_bytes), so stray bytes after the
    // last response are not read as the answer to a request sent meanwhile.
    set_state(conn, ConnState::idle);
}

// Connection: close after the head: the requests behind it were not
// processed; they wait in the queue for the next connection (resend_queued),
// or end unfinished when sending has stopped.
void Worker::resend_on_new_connection(uint32_t slot, int64_t now) {
    PipelineLane& lane = pipeline_.lane(slot);
    lane.resend = !pipeline_.empty(slot);
    if (lane.resend && !sending_allowed(now)) {
        end_unfinished(slot);
    }
    reopen_connection(slot, now);
}

// The new connection is up: the requests a Connection: close left behind go
// first, with their intended times; then it fills (closed loop) or takes
// arrivals (open loop) as any.
void Worker::resend_queued(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    PipelineLane& lane = pipeline_.lane(slot);
    lane.resend = false;
    if (!sending_allowed(now)) {
        end_unfinished(slot);
        become_idle(slot, now);
        return;
    }
    const std::size_t count = pipeline_.size(slot);
    for (std::size_t i = 0; i < count; ++i) {
        // Its times stay: latency and service time include the reconnect, and
        // its --timeout still counts from its first send.
        RequestInFlight record = pipeline_.pop(slot);
        record.received_ns = 0;
        ++record_snapshot(record).counters.requests_resent;
        if (!sessions_.render(conn, record, now + realtime_minus_monotonic_ns_)) {
            fail_record(record, stats::ErrorKind::templating, now);
            continue;
        }
        lane.staged.append(record.bytes);
        enqueue(slot, record);
    }
    if (conn.state != ConnState::busy) {
        become_idle(slot, now);
        return;
    }
    if (shard_ == nullptr) {
        fill_pipeline(slot, now);
        return;
    }
    if (has_room(slot)) {
        conn.idle_since_ns = now;
        idle_slots_.push_back(slot);
    }
    flush_pipeline(slot, now);
}

// The requests queued for a re-send will not go (sending stopped): unfinished.
void Worker::end_unfinished(uint32_t slot) {
    const auto count = static_cast<int>(pipeline_.size(slot));
    current_->counters.requests_unfinished += count;
    in_flight_ -= count;
    pipeline_.clear(slot);
    pipeline_.lane(slot).resend = false;
}

// The connection ends without the head's response (fail_request counted the
// head): every request behind it fails with the same kind.
void Worker::fail_behind_head(uint32_t slot, stats::ErrorKind kind, int64_t now) {
    while (!pipeline_.empty(slot)) {
        fail_record(pipeline_.pop(slot), kind, now);
    }
    pipeline_.lane(slot).resend = false;
}

// Counts one request that ended without a response, as fail_request does.
void Worker::fail_record(const RequestInFlight& record, stats::ErrorKind kind, int64_t now) {
    stats::Snapshot& snapshot = record_snapshot(record);
    snapshot.counters.count_request_failure(kind);
    snapshot.failure_time_us.record_value(to_us(std::max<int64_t>(0, now - record.intended_ns)));
    ++snapshot.by_name[record.index].errors;
    --in_flight_;
}

// As request_snapshot, for a request that is not (or no longer) the head.
stats::Snapshot& Worker::record_snapshot(const RequestInFlight& record) {
    return record.measured || interval_index_ < 0 ? *current_ : warmup_leftovers_;
}

// The socket closed: its bytes on the way and staged go with it. Requests
// queued for a re-send stay; any other left behind stay in flight, and end
// unfinished (they were failed by fail_request before any error close).
void Worker::pipeline_closed(uint32_t slot) {
    Connection& conn = connections_[slot];
    PipelineLane& lane = pipeline_.lane(slot);
    lane.sending.clear();
    lane.staged.clear();
    conn.request.bytes = {};
    conn.request.send_offset = 0;
    if (!lane.resend) {
        pipeline_.clear(slot);
    }
    auto it = std::find(idle_slots_.begin(), idle_slots_.end(), slot);
    if (it != idle_slots_.end()) {
        idle_slots_.erase(it);  // a busy connection with room is listed too
    }
}

}  // namespace barrage::engine::detail
