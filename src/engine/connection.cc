// The lifecycle of a client connection: the completion switch and every
// transition of the socket (connect, receive, idle, fail, close, reconnect).
// The request in flight is request.cc's; moving bytes is the transport's.

#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>

#include "barrage/base/assert.h"
#include "barrage/io/user_data.h"
#include "transport_impl.h"

namespace barrage::engine::detail {

namespace {

constexpr int64_t backoff_ns_min = 10'000'000;     // first retry after a failed connect
constexpr int64_t backoff_ns_max = 1'000'000'000;  // retries never wait longer

stats::ErrorKind connect_error_kind(int err) {
    switch (err) {
        case EADDRNOTAVAIL:
            return stats::ErrorKind::port_exhausted;
        case EMFILE:
        case ENFILE:
            return stats::ErrorKind::fd_limit;
        case ETIMEDOUT:
            return stats::ErrorKind::connect_timeout;
        default:
            return stats::ErrorKind::connect;
    }
}

}  // namespace

stats::ErrorKind transfer_error_kind(int err) {
    switch (err) {
        case ECONNRESET:
        case EPIPE:
        case ECONNABORTED:
            return stats::ErrorKind::reset;
        case ETIMEDOUT:
            return stats::ErrorKind::timeout;
        default:
            return stats::ErrorKind::io;
    }
}

uint64_t Worker::user_data(Op op, uint32_t slot) const {
    return io::UserData{op, connections_[slot].generation, slot}.pack();
}

// The one switch on completions. A completion from an earlier use of the
// slot (older generation) is dropped; its provided buffer goes back, and the
// bytes of a send cut short by the close still count as sent (a 413 that
// closes the connection mid-body must not leave bytes.sent at 0).
void Worker::handle_completion(const io::Completion& completion, int64_t now) {
    const auto ud = io::UserData::unpack(completion.user_data);
    BARRAGE_ASSERT(ud.slot < connections_.size());
    const Connection& conn = connections_[ud.slot];
    if (ud.generation != (conn.generation & io::UserData::generation_mask)) {
        if (completion.has_buffer()) {
            ring_->recycle_buffer(completion.buffer_id());
        }
        if (ud.op == op_send && completion.res > 0) {
            current_->counters.bytes_sent += completion.res;
        }
        return;
    }
    switch (ud.op) {
        case op_connect:
            on_connect(ud.slot, completion.res, now);
            break;
        case op_send:
            transport_on_send(ud.slot, completion.res, now);
            break;
        case op_recv:
        case op_recvmsg:
            on_recv(ud.slot, completion, ud.op == op_recvmsg, now);
            break;
        default:
            BARRAGE_ASSERT_MSG(false, "completion with an unknown operation");
    }
}

// Opens the slot's connection now, or, past --connect-rate, when its turn
// comes (open_waiting_connections, in order). A slot already waiting keeps its place.
void Worker::open_connection(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    if (conn.retry_at_ns == connect_waiting_ns) {
        set_state(conn, ConnState::backoff);
        return;
    }
    if (connect_bucket_.limited() && (!connect_queue_.empty() || !connect_bucket_.take(now))) {
        set_state(conn, ConnState::backoff);
        conn.retry_at_ns = connect_waiting_ns;
        connect_queue_.push(slot);
        return;
    }
    connect_now(slot, now);
}

// The waiting slots whose tokens have come; one closed meanwhile is skipped.
void Worker::open_waiting_connections(int64_t now) {
    while (!connect_queue_.empty() && connect_bucket_.take(now)) {
        const uint32_t slot = connect_queue_.pop();
        Connection& conn = connections_[slot];
        BARRAGE_ASSERT(conn.retry_at_ns == connect_waiting_ns);
        conn.retry_at_ns = 0;
        if (conn.state == ConnState::backoff) {
            connect_now(slot, now);
        }
    }
}

void Worker::connect_now(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    BARRAGE_ASSERT(conn.socket.fd < 0);
    const plan::Target& target = plan::target_of(plan_, conn.target);
    const int fd = io::make_tcp_socket(target.address.ss_family, rx_.enabled);
    if (fd < 0) {
        set_state(conn, ConnState::connecting);
        fail_connect(slot, connect_error_kind(-fd), std::strerror(-fd), now);
        return;
    }
    conn.socket.fd = fd;
    set_state(conn, ConnState::connecting);
    conn.socket.connect_start_ns = now;
    set_deadline(conn, now + plan_.timeout_ns);
    if (!plan_.sources.empty()) {
        if (const int rc = bind_source(slot, fd); rc < 0) {
            // Checked before the run (cli::check_connection_limits): an address
            // removed since, or every port of this source and target taken.
            fail_connect(slot, connect_error_kind(-rc), std::strerror(-rc), now);
            return;
        }
    }
    ring_->prep_connect(fd, reinterpret_cast<const sockaddr*>(&target.address), target.address_len,
                        user_data(op_connect, slot));
}

// --source: connection c of the test binds to source (c / targets) % sources,
// so each target's connections go round robin over every source. Returns 0 or -errno.
int Worker::bind_source(uint32_t slot, int fd) const {
    const auto global = static_cast<std::size_t>(slice_.global(static_cast<int64_t>(slot)));
    const std::size_t index = (global / plan::target_count(plan_)) % plan_.sources.size();
    const plan::SourceAddress& source = plan_.sources[index];
    return io::bind_source_address(fd, reinterpret_cast<const sockaddr*>(&source.address),
                                   source.address_len);
}

void Worker::on_connect(uint32_t slot, int res, int64_t now) {
    Connection& conn = connections_[slot];
    BARRAGE_ASSERT(conn.state == ConnState::connecting);
    if (res < 0) {
        fail_connect(slot, connect_error_kind(-res), std::strerror(-res), now);
        return;
    }
    ++current_->counters.connections_opened;
    current_->connect_time_us.record_value(to_us(now - conn.socket.connect_start_ns));
    arm_recv(slot);
    transport_connected(slot, now);
}

// The connection can carry requests now (https: after its handshake).
void Worker::mark_established(uint32_t slot, int64_t now) {
    connections_[slot].connect_failures = 0;
    if (!channel_->connection_established.load(std::memory_order_relaxed)) {
        channel_->connection_established.store(true, std::memory_order_relaxed);
    }
    ++connected_;
    channel_->connections_established_max =
        std::max(channel_->connections_established_max, connected_);
    sessions_.begin(connections_[slot]);
    if (pipeline_depth_ > 1 && pipeline_.lane(slot).resend) {
        resend_queued(slot, now);  // what a Connection: close left unanswered goes first
        return;
    }
    become_idle(slot, now);
}

void Worker::arm_recv(uint32_t slot) {
    Connection& conn = connections_[slot];
    if (rx_.enabled) {
        ring_->prep_recvmsg_multishot(conn.socket.fd, 1, user_data(op_recvmsg, slot));
    } else if (use_buffer_ring_) {
        ring_->prep_recv_multishot(conn.socket.fd, 1, user_data(op_recv, slot));
    } else {
        ring_->prep_recv(conn.socket.fd, conn.recv_buffer.get(), 8192, user_data(op_recv, slot));
    }
}

// A connection with nothing in flight: closed loop sends again at once, open
// loop offers it to the schedule once its session's setup steps are done.
void Worker::become_idle(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    const bool was_finishing_send = conn.state == ConnState::finishing_send;
    if (conn.state != ConnState::idle) {
        conn.idle_since_ns = now;  // connections ready before the start keep their time
    }
    set_state(conn, ConnState::idle);
    if (started_ && sending_allowed(now)) {
        if (Sessions::in_transaction(conn)) {
            continue_transaction(slot, now);
            return;
        }
        if (shard_ == nullptr) {
            pace_user(slot, now);
            return;
        }
        if (sessions_.in_setup(conn)) {
            start_request(slot, now, now, false);  // setup steps do not wait for the schedule
            return;
        }
    }
    if (pipeline_depth_ > 1 && was_finishing_send) {
        return;  // pipelined: listed since it had room for another request
    }
    idle_slots_.push_back(slot);
}

void Worker::on_recv(uint32_t slot, const io::Completion& completion, bool timestamped,
                     int64_t now) {
    Connection& conn = connections_[slot];
    const uint32_t generation = conn.generation;
    if (completion.res < 0) {
        const int err = -completion.res;
        if (err == ENOBUFS) {
            arm_recv(slot);  // out of provided buffers: back-pressure, not failure
        } else if (err == EINVAL && timestamped) {
            // A kernel without multishot recvmsg (before 6.0): plain reads, reaped promptly.
            rx_.enabled = false;
            arm_recv(slot);
        } else if (conn.state == ConnState::handshaking) {
            fail_tls(slot, fmt::format("{} during the TLS handshake", std::strerror(err)), now);
        } else if (conn.state == ConnState::busy) {
            fail_request(slot, transfer_error_kind(err), std::strerror(err), now);
        } else {
            ++current_->counters.reconnects;
            reopen_connection(slot, now);
        }
        return;
    }
    const char* data = completion.has_buffer() ? ring_->buffer_data(completion.buffer_id())
                                               : conn.recv_buffer.get();
    std::size_t len = static_cast<std::size_t>(completion.res);
    if (timestamped && completion.has_buffer() && len > 0) {
        const io::Received received = ring_->received_message(completion);
        data = received.data;
        len = received.len;
        if (len > 0) {
            note_rx_timestamp(conn, received.rx_realtime_ns);
        }
    }
    if (len == 0) {
        if (completion.has_buffer()) {
            ring_->recycle_buffer(completion.buffer_id());
        }
        on_eof(slot, now);
        return;
    }
    current_->counters.bytes_received +=
        static_cast<int64_t>(len);  // on the wire (TLS: ciphertext)
    transport_on_bytes(slot, data, len, now);
    if (completion.has_buffer()) {
        ring_->recycle_buffer(completion.buffer_id());
    }
    // Re-arm when the kernel ended the multishot (or always, for single-shot
    // recv), unless the connection was closed while handling the bytes.
    if (conn.generation == generation && conn.socket.fd >= 0 && !completion.has_more()) {
        arm_recv(slot);
    }
}

void Worker::on_eof(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    if (conn.state == ConnState::handshaking) {
        fail_tls(slot, "the server closed the connection during the TLS handshake", now);
        return;
    }
    if (conn.state == ConnState::busy) {
        if (conn.parser.finish_on_eof() == http::ParseStatus::complete) {
            complete_request(slot, now);  // close-delimited body; reconnects
        } else {
            fail_request(slot, stats::ErrorKind::eof, conn.parser.error(), now);
        }
        return;
    }
    // The server closed an idle keep-alive connection: open a new one.
    ++current_->counters.reconnects;
    reopen_connection(slot, now);
}

// The one place a connection changes state; keeps the count of connections
// whose set-up is under way (their completions are timed on arrival).
void Worker::set_state(Connection& conn, ConnState state) {
    const auto opening = [](ConnState s) {
        return s == ConnState::connecting || s == ConnState::handshaking;
    };
    connections_opening_ += (opening(state) ? 1 : 0) - (opening(conn.state) ? 1 : 0);
    conn.state = state;
    BARRAGE_ASSERT(connections_opening_ >= 0);
}

void Worker::set_send_continues(Connection& conn, bool continues) {
    sends_continuing_ += (continues ? 1 : 0) - (conn.socket.send_continues ? 1 : 0);
    conn.socket.send_continues = continues;
    BARRAGE_ASSERT(sends_continuing_ >= 0);
}

// A connect that failed retries after an exponential backoff, so a refused
// port costs a handful of attempts per second, not a busy loop.
// A failed TLS handshake takes the same path.
void Worker::fail_connect(uint32_t slot, stats::ErrorKind kind, std::string_view detail,
                          int64_t now) {
    Connection& conn = connections_[slot];
    BARRAGE_ASSERT(conn.state == ConnState::connecting || conn.state == ConnState::handshaking);
    note_error(slot, kind, detail);
    current_->counters.count_error(kind);
    if (pipeline_depth_ > 1) {
        fail_behind_head(slot, kind, now);  // requests waiting to be re-sent on it
    }
    if (!channel_->connect_failed.load(std::memory_order_relaxed)) {
        channel_->connect_failed.store(true, std::memory_order_relaxed);
    }
    close_connection(slot);
    const int shift = static_cast<int>(std::min<uint32_t>(conn.connect_failures, 7));
    conn.retry_at_ns = now + std::min(backoff_ns_max, backoff_ns_min << shift);
    ++conn.connect_failures;
    set_state(conn, ConnState::backoff);
    watch_deadline(conn, conn.retry_at_ns);
}

// Closes synchronously: shutdown first so the ring's pending recv on this
// socket completes (it holds a reference that close alone would not drop).
void Worker::close_connection(uint32_t slot) {
    Connection& conn = connections_[slot];
    if (conn.state == ConnState::idle) {
        auto it = std::find(idle_slots_.begin(), idle_slots_.end(), slot);
        if (it != idle_slots_.end()) {
            idle_slots_.erase(it);  // keeps the order: the front stays the longest idle
        }
    }
    if (conn.state == ConnState::idle || conn.state == ConnState::busy ||
        conn.state == ConnState::finishing_send) {
        --connected_;
    }
    if (conn.socket.fd >= 0) {
        ::shutdown(conn.socket.fd, SHUT_RDWR);
        ::close(conn.socket.fd);
    }
    transport_close(conn);
    if (pipeline_depth_ > 1) {
        pipeline_closed(slot);
    }
    set_send_continues(conn, false);  // keeps sends_continuing_ in step before the reset
    conn.socket = SocketState{};
    ++conn.generation;
    set_state(conn, ConnState::closed);
}

// Replaces a connection that ended; after the send phase it stays closed.
void Worker::reopen_connection(uint32_t slot, int64_t now) {
    close_connection(slot);
    if (sending_allowed(now)) {
        open_connection(slot, now);
    }
}

// Keeps the first detail of each error kind for the summary (allocates once
// per kind per worker, never again).
void Worker::note_error(uint32_t slot, stats::ErrorKind kind, std::string_view detail) {
    std::string& first = channel_->first_error_detail[static_cast<std::size_t>(kind)];
    if (first.empty()) {  // the slot's own target: with [target] urls, not always the first
        first = fmt::format("{}: {} ({})", stats::error_kind_name(kind), detail,
                            plan::target_of(plan_, connections_[slot].target).address_text);
    }
}

}  // namespace barrage::engine::detail
