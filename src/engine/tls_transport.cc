// The TLS side of a connection (https targets): handshake, moving ciphertext
// between the session's memory BIOs and the ring, and decrypting responses.
// Every socket operation still goes through the worker's ring; OpenSSL only
// sees memory.

#include <algorithm>
#include <cstring>

#include "barrage/base/assert.h"
#include "worker_impl.h"

namespace barrage::engine::detail {

namespace {

int64_t to_us(int64_t ns) { return ns / 1000; }

}  // namespace

io::TlsContextOptions tls_options_of(const plan::RunPlan& plan) {
    io::TlsContextOptions options;
    options.verify_peer = !plan.tls.insecure;
    options.ca_file = plan.tls.ca_file;
    options.cert_file = plan.tls.cert_file;
    options.key_file = plan.tls.key_file;
    options.version_min =
        plan.tls.version_min == 13 ? io::TlsVersion::tls1_3 : io::TlsVersion::tls1_2;
    options.ciphers = plan.tls.ciphers;
    options.ciphersuites = plan.tls.ciphersuites;
    options.resume = plan.tls.resume;
    return options;
}

// Built on the worker's thread, like the ring: the context, one session and
// one send buffer per connection, all before the first connect.
base::Status Worker::setup_tls() {
    auto context = io::TlsContext::create(tls_options_of(plan_));
    if (!context.ok()) {
        return context.error();
    }
    tls_context_ = std::move(context).value();
    tls_server_name_ = plan_.tls.sni.empty() ? plan_.target.host : plan_.tls.sni;
    tls_plaintext_ = std::make_unique<char[]>(tls_plaintext_buffer_bytes);
    for (Connection& conn : connections_) {
        conn.tls = std::make_unique<io::TlsSession>();
        conn.tls_send_buffer = std::make_unique<char[]>(tls_send_buffer_bytes);
    }
    tls_ = true;
    return base::Ok{};
}

void Worker::start_handshake(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    set_state(conn, ConnState::handshaking);
    conn.handshake_start_ns = now;
    conn.deadline_ns = now + plan_.timeout_ns;
    io::TlsSessionCache* cache = plan_.tls.resume ? &tls_session_cache_ : nullptr;
    if (auto status = conn.tls->start(*tls_context_, tls_server_name_.c_str(), cache);
        !status.ok()) {
        fail_tls(slot, status.error().message, now);
        return;
    }
    continue_handshake(slot, now);
}

void Worker::continue_handshake(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    BARRAGE_ASSERT(conn.state == ConnState::handshaking);
    const io::TlsStatus status = conn.tls->handshake();
    if (status == io::TlsStatus::failed) {
        fail_tls(slot, conn.tls->error_reason(), now);
        return;
    }
    if (status == io::TlsStatus::closed) {
        fail_tls(slot, "the server ended TLS during the handshake", now);
        return;
    }
    tls_flush(slot, now);  // the next flight (ClientHello, Finished, certificate)
    if (status == io::TlsStatus::want_more || conn.state != ConnState::handshaking) {
        return;
    }
    current_->tls_handshake_us.record_value(to_us(now - conn.handshake_start_ns));
    if (conn.tls->resumed()) {
        ++current_->counters.tls_handshakes_resumed;
    } else {
        ++current_->counters.tls_handshakes_full;
    }
    mark_established(slot, now);
}

void Worker::on_tls_bytes(uint32_t slot, const char* data, std::size_t len, int64_t now) {
    Connection& conn = connections_[slot];
    conn.tls->feed_ciphertext(data, len);
    if (conn.state == ConnState::handshaking) {
        continue_handshake(slot, now);
        return;  // the server speaks only after our request
    }
    read_tls_plaintext(slot, now);
}

// Decrypts every complete record and hands the plaintext to the HTTP side.
// Stops when the connection was closed on the way (its generation moved).
void Worker::read_tls_plaintext(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    const uint32_t generation = conn.generation;
    for (;;) {
        std::size_t got = 0;
        switch (conn.tls->read_plaintext(tls_plaintext_.get(), tls_plaintext_buffer_bytes, got)) {
            case io::TlsStatus::ok:
                on_bytes(slot, tls_plaintext_.get(), got, now);
                if (conn.generation != generation) {
                    return;
                }
                continue;
            case io::TlsStatus::want_more:
                break;
            case io::TlsStatus::closed:
                on_eof(slot, now);
                return;
            case io::TlsStatus::failed:
                fail_tls(slot, conn.tls->error_reason(), now);
                return;
        }
        break;
    }
    tls_flush(slot, now);  // reading may have produced bytes to send (alerts, key updates)
}

// Keeps one send in flight: gives the request to SSL in chunks once earlier
// ciphertext is out, and sends what SSL produced. A request answered early
// (finishing_send) is still sent to its end, so the next one never starts in
// the middle of its body; when nothing is left, the connection is free.
void Worker::tls_flush(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    if (conn.send_pending || conn.fd < 0) {
        return;  // on_tls_send calls again
    }
    const std::string_view bytes = conn.send_bytes;
    const bool sending_request =
        conn.state == ConnState::busy || conn.state == ConnState::finishing_send;
    if (sending_request && conn.send_offset < bytes.size() && conn.tls->ciphertext_pending() == 0) {
        const std::size_t chunk =
            std::min(bytes.size() - conn.send_offset, tls_plaintext_chunk_bytes);
        const io::TlsStatus status =
            conn.tls->write_plaintext(bytes.data() + conn.send_offset, chunk);
        if (status == io::TlsStatus::failed) {
            fail_tls(slot, conn.tls->error_reason(), now);
            return;
        }
        if (status == io::TlsStatus::ok) {
            conn.send_offset += chunk;
        }
    }
    const std::size_t len =
        conn.tls->take_ciphertext(conn.tls_send_buffer.get(), tls_send_buffer_bytes);
    if (len > 0) {
        conn.tls_send_len = len;
        conn.tls_send_done = 0;
        conn.send_pending = true;
        // Whether the request needs this worker again when the send completes.
        set_send_continues(conn, sending_request && (conn.send_offset < bytes.size() ||
                                                     conn.tls->ciphertext_pending() > 0));
        ring_->prep_send(conn.fd, conn.tls_send_buffer.get(), len, user_data(op_send, slot));
        return;
    }
    if (conn.state == ConnState::finishing_send && !request_bytes_left(conn)) {
        become_idle(slot, now);
    }
}

void Worker::on_tls_send(uint32_t slot, int res, int64_t now) {
    Connection& conn = connections_[slot];
    conn.send_pending = false;
    set_send_continues(conn, false);
    if (res < 0) {
        const int err = -res;
        if (conn.state == ConnState::handshaking) {
            fail_tls(slot, std::strerror(err), now);
        } else if (conn.state == ConnState::busy) {
            fail_request(
                slot,
                err == EPIPE || err == ECONNRESET ? stats::ErrorKind::reset : stats::ErrorKind::io,
                std::strerror(err), now);
        } else {
            ++current_->counters.reconnects;
            reopen_connection(slot, now);
        }
        return;
    }
    current_->counters.bytes_sent += res;
    conn.tls_send_done += static_cast<std::size_t>(res);
    BARRAGE_ASSERT(conn.tls_send_done <= conn.tls_send_len);
    if (conn.tls_send_done < conn.tls_send_len) {
        // Short send: the socket buffer was full; send the rest of this buffer.
        conn.send_pending = true;
        ring_->prep_send(conn.fd, conn.tls_send_buffer.get() + conn.tls_send_done,
                         conn.tls_send_len - conn.tls_send_done, user_data(op_send, slot));
        return;
    }
    conn.tls_send_len = 0;
    conn.tls_send_done = 0;
    tls_flush(slot, now);
}

// A TLS failure ends the connection. During the handshake it is a failed
// connect (backoff, retry); on a request, a failed request; else a reconnect.
void Worker::fail_tls(uint32_t slot, std::string_view detail, int64_t now) {
    Connection& conn = connections_[slot];
    switch (conn.state) {
        case ConnState::handshaking:
            fail_connect(slot, stats::ErrorKind::tls, detail, now);
            return;
        case ConnState::busy:
            fail_request(slot, stats::ErrorKind::tls, detail, now);
            return;
        default:
            note_error(stats::ErrorKind::tls, detail);
            current_->counters.count_error(stats::ErrorKind::tls);
            reopen_connection(slot, now);
            return;
    }
}

}  // namespace barrage::engine::detail
