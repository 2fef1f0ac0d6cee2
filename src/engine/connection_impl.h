#pragma once
// Private to engine: one client connection slot, its state grouped by concern.
// A slot lives as long as its worker; its socket, TLS send and request in
// flight are replaced whole (a fresh struct) when they start over.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "barrage/base/clock.h"
#include "barrage/http/response_parser.h"
#include "barrage/io/tls_session.h"
#include "workload_impl.h"

namespace barrage::engine::detail {

// Histograms count microseconds; the engine keeps nanoseconds.
inline int64_t to_us(int64_t ns) { return ns / base::ns_per_us; }

// handshaking: TCP is up, the TLS handshake is not done yet (https only).
// finishing_send: the response came (keep-alive) before the request was fully
// sent; the rest still goes, so the next request cannot run into it. Free once
// it is out; closed if that takes past the request's deadline.
enum class ConnState : uint8_t {
    closed,
    backoff,
    connecting,
    handshaking,
    idle,
    busy,
    finishing_send
};

// Connection::retry_at_ns of a slot in the worker's ConnectQueue (--connect-rate):
// it connects when its turn comes, never by the backoff scan.
inline constexpr int64_t connect_waiting_ns = INT64_MAX;

// Connection::deadline_due_ns of a slot with no entry in the worker's deadline
// wheel (deadline_wheel_impl.h's no_entry_due_ns).
inline constexpr int64_t no_deadline_entry_ns = INT64_MAX;

// Ciphertext handed to one send; more waits in the session until it completes.
inline constexpr std::size_t tls_send_buffer_bytes = 8192;
// Plaintext given to SSL_write at a time, so one record fits one send buffer.
inline constexpr std::size_t tls_plaintext_chunk_bytes = tls_send_buffer_bytes - 256;
// Decrypted bytes are read into a per-worker scratch of one TLS record.
inline constexpr std::size_t tls_plaintext_buffer_bytes = 16 * 1024;

// TCP: one socket from its connect to its close; a fresh one per connect.
struct SocketState {
    int fd = -1;
    bool send_pending = false;    // a send SQE is in flight (TLS: of the handshake too)
    bool send_continues = false;  // TLS: more of the request goes once that send completes
    int64_t connect_start_ns = 0;
    int64_t handshake_start_ns = 0;  // https
};

// TLS: the ciphertext of the send in flight, within TlsLink::send_buffer.
struct TlsSend {
    std::size_t len = 0;   // bytes in the current send
    std::size_t done = 0;  // of which the kernel took this many
};

// https only: the session and its send buffer, allocated once per slot
// before the first connect; the send restarts with each socket.
struct TlsLink {
    std::unique_ptr<io::TlsSession> session;
    std::unique_ptr<char[]> send_buffer;
    TlsSend send;
};

// The request in flight; a fresh one for each request.
struct RequestInFlight {
    int64_t intended_ns = 0;  // intended send time
    int64_t sent_ns = 0;      // actual send time
    // When the kernel received the latest bytes of the response (CLOCK_MONOTONIC
    // from the socket's rx timestamp); 0: not known.
    int64_t received_ns = 0;
    uint32_t index = 0;     // in the workload
    bool measured = false;  // intended after the warm-up: its results count
    // Its bytes (a constant request's, or Connection::send_buffer where it was
    // rendered) and how many were already sent (TLS: given to SSL).
    std::string_view bytes;
    std::size_t send_offset = 0;
};

// Closed loop with pacing: when this virtual user sends next (0: not
// waiting) and the phase it was last started in (-1: none yet).
struct UserPacing {
    int64_t wake_ns = 0;
    int phase = -1;
};

// The connection's session: where it is in its journey, its own template
// variables, and the response kept for checks and captures (both only when
// the workload needs them).
struct SessionState {
    SessionCursor cursor;
    std::unique_ptr<http::TemplateContext> context;
    std::unique_ptr<http::ResponseKeep> keep;
};

// One client connection slot. At most one request in flight (no pipelining yet).
struct Connection {
    ConnState state = ConnState::closed;
    uint32_t generation = 0;        // bumped on every close; stale CQEs are dropped
    uint32_t connect_failures = 0;  // consecutive, for backoff
    uint32_t target = 0;            // plan::target_of: which of the run's targets it connects to
    int64_t retry_at_ns = 0;        // state backoff: when to reconnect; see connect_waiting_ns
    int64_t idle_since_ns = 0;      // when it last became free (open loop: late or behind?)
    int64_t deadline_ns = 0;        // connect, handshake or request (the request's covers its send)
    // When its live entry in the worker's deadline wheel comes due (set_deadline).
    int64_t deadline_due_ns = no_deadline_entry_ns;
    SocketState socket;
    TlsLink tls;
    RequestInFlight request;
    UserPacing user;
    // Kept for the slot's life, so the data path does not allocate.
    http::ResponseParser parser;
    std::unique_ptr<char[]> recv_buffer;  // only without a provided-buffer ring
    std::string send_buffer;              // where requests are rendered
    SessionState session;
};

}  // namespace barrage::engine::detail
