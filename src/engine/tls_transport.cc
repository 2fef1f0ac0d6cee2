// The TLS transport (https targets): handshake, moving ciphertext between
// the session's memory BIOs and the ring, and decrypting responses.
// Every socket operation still goes through the worker's ring; OpenSSL only
// sees memory.

#include <algorithm>
#include <cstring>

#include "barrage/base/assert.h"
#include "worker_impl.h"

namespace barrage::engine::detail {

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
base::Status Worker::tls_setup() {
    auto context = io::TlsContext::create(tls_options_of(plan_));
    if (!context.ok()) {
        return context.error();
    }
    tls_.context = std::move(context).value();
    tls_.server_name = plan_.tls.sni.empty() ? plan_.target.host : plan_.tls.sni;
    tls_.plaintext = std::make_unique<char[]>(tls_plaintext_buffer_bytes);
    for (Connection& conn : connections_) {
        conn.tls.session = std::make_unique<io::TlsSession>();
        conn.tls.send_buffer = std::make_unique<char[]>(tls_send_buffer_bytes);
    }
    return base::Ok{};
}

void Worker::tls_start_handshake(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    set_state(conn, ConnState::handshaking);
    conn.socket.handshake_start_ns = now;
    set_deadline(conn, now + plan_.timeout_ns);
    io::TlsSessionCache* cache = plan_.tls.resume ? &tls_.session_cache : nullptr;
    if (auto status = conn.tls.session->start(*tls_.context, tls_.server_name.c_str(), cache);
        !status.ok()) {
        fail_tls(slot, status.error().message, now);
        return;
    }
    tls_continue_handshake(slot, now);
}

void Worker::tls_continue_handshake(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    BARRAGE_ASSERT(conn.state == ConnState::handshaking);
    const io::TlsStatus status = conn.tls.session->handshake();
    if (status == io::TlsStatus::failed) {
        fail_tls(slot, conn.tls.session->error_reason(), now);
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
    current_->tls_handshake_us.record_value(to_us(now - conn.socket.handshake_start_ns));
    if (conn.tls.session->resumed()) {
        ++current_->counters.tls_handshakes_resumed;
    } else {
        ++current_->counters.tls_handshakes_full;
    }
    mark_established(slot, now);
}

void Worker::tls_on_bytes(uint32_t slot, const char* data, std::size_t len, int64_t now) {
    Connection& conn = connections_[slot];
    conn.tls.session->feed_ciphertext(data, len);
    if (conn.state == ConnState::handshaking) {
        tls_continue_handshake(slot, now);
        return;  // the server speaks only after our request
    }
    tls_read_plaintext(slot, now);
}

// Decrypts every complete record and hands the plaintext to the HTTP side.
// Stops when the connection was closed on the way (its generation moved).
void Worker::tls_read_plaintext(uint32_t slot, int64_t now) {
    Connection& conn = connections_[slot];
    const uint32_t generation = conn.generation;
    for (;;) {
        std::size_t got = 0;
        switch (conn.tls.session->read_plaintext(tls_.plaintext.get(), tls_plaintext_buffer_bytes,
                                                 got)) {
            case io::TlsStatus::ok:
                on_bytes(slot, tls_.plaintext.get(), got, now);
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
                fail_tls(slot, conn.tls.session->error_reason(), now);
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
    if (conn.socket.send_pending || conn.socket.fd < 0) {
        return;  // tls_on_send calls again
    }
    if (pipeline_depth_ > 1 && conn.request.send_offset == conn.request.bytes.size() &&
        conn.tls.session->ciphertext_pending() == 0) {
        take_staged(slot);  // requests started while the last send was on its way
    }
    const std::string_view bytes = conn.request.bytes;
    const bool sending_request =
        conn.state == ConnState::busy || conn.state == ConnState::finishing_send;
    if (sending_request && conn.request.send_offset < bytes.size() &&
        conn.tls.session->ciphertext_pending() == 0) {
        const std::size_t chunk =
            std::min(bytes.size() - conn.request.send_offset, tls_plaintext_chunk_bytes);
        const io::TlsStatus status =
            conn.tls.session->write_plaintext(bytes.data() + conn.request.send_offset, chunk);
        if (status == io::TlsStatus::failed) {
            fail_tls(slot, conn.tls.session->error_reason(), now);
            return;
        }
        if (status == io::TlsStatus::ok) {
            conn.request.send_offset += chunk;
        }
    }
    const std::size_t len =
        conn.tls.session->take_ciphertext(conn.tls.send_buffer.get(), tls_send_buffer_bytes);
    if (len > 0) {
        conn.tls.send = TlsSend{.len = len};
        conn.socket.send_pending = true;
        // Whether the request needs this worker again when the send completes.
        set_send_continues(conn, sending_request && (conn.request.send_offset < bytes.size() ||
                                                     conn.tls.session->ciphertext_pending() > 0));
        ring_->prep_send(conn.socket.fd, conn.tls.send_buffer.get(), len, user_data(op_send, slot));
        return;
    }
    if (conn.state == ConnState::finishing_send && !tls_bytes_left(conn)) {
        become_idle(slot, now);
    }
}

void Worker::tls_on_send(uint32_t slot, int res, int64_t now) {
    Connection& conn = connections_[slot];
    conn.socket.send_pending = false;
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
    TlsSend& send = conn.tls.send;
    send.done += static_cast<std::size_t>(res);
    BARRAGE_ASSERT(send.done <= send.len);
    if (send.done < send.len) {
        // Short send: the socket buffer was full; send the rest of this buffer.
        conn.socket.send_pending = true;
        ring_->prep_send(conn.socket.fd, conn.tls.send_buffer.get() + send.done,
                         send.len - send.done, user_data(op_send, slot));
        return;
    }
    send = TlsSend{};
    tls_flush(slot, now);
}

// Request bytes not taken by the kernel yet: not given to TLS, or their
// ciphertext not sent.
bool Worker::tls_bytes_left(const Connection& conn) {
    return plain_bytes_left(conn) || conn.tls.session->ciphertext_pending() > 0;
}

void Worker::tls_close(Connection& conn) {
    if (conn.tls.session != nullptr) {  // null only when the worker's set-up failed
        conn.tls.session->end();        // frees OpenSSL's buffers now, not at the next connect
    }
    conn.tls.send = TlsSend{};
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
            note_error(slot, stats::ErrorKind::tls, detail);
            current_->counters.count_error(stats::ErrorKind::tls);
            reopen_connection(slot, now);
            return;
    }
}

}  // namespace barrage::engine::detail
