#pragma once
// Plain counters a worker keeps per interval. Mergeable by addition; no
// atomics (each worker owns its own copy).

#include <array>
#include <cstdint>
#include <string_view>

namespace barrage::stats {

// Why a request or connection failed. Each kind is counted separately and
// named in the summary and the JSON `errors` object.
enum class ErrorKind : uint8_t {
    connect,          // connect() failed (refused, unreachable, ...)
    connect_timeout,  // connect did not finish within the timeout
    timeout,          // response did not complete within the request timeout
    reset,            // ECONNRESET / EPIPE while sending or receiving
    eof,              // server closed the connection mid-response (or before answering)
    protocol,         // response was not valid HTTP/1.1 (garbage, oversized headers)
    fd_limit,         // EMFILE/ENFILE: out of file descriptors
    port_exhausted,   // EADDRNOTAVAIL: out of local ports
    tls,              // TLS handshake or record error (TLS issue)
    io,               // any other socket error
    // "template": the request rendered larger than RequestTemplate::rendered_bytes_max
    // and was not sent (counted as sent and failed, so the identities hold).
    templating,
};
inline constexpr int error_kind_count = 11;

// Stable name used in JSON keys and the summary ("connect", "timeout", ...).
std::string_view error_kind_name(ErrorKind kind);

struct Counters {
    int64_t requests_sent = 0;       // started: first bytes to the kernel (https: to TLS)
    int64_t requests_completed = 0;  // full response received (any status)
    int64_t requests_errors = 0;     // failed requests (sum of request-level error kinds)
    int64_t requests_late = 0;       // open loop: waited for a free connection
    // Open loop: sent more than the run's behind limit after its intended time,
    // or never sent, although a connection was free: the generator fell behind.
    int64_t requests_behind = 0;
    // Worker loop turns that resumed more than 1 ms after the time they asked
    // to wake at (the worker was starved of CPU or busy), and their total delay.
    int64_t stalls = 0;
    int64_t stall_ns = 0;
    // Responses timed by the kernel's receive timestamp rather than when the
    // worker reaped them (open loop reaps them in batches between arrivals).
    int64_t responses_timed_on_arrival = 0;
    int64_t requests_unfinished = 0;  // still in flight when the run ended
    int64_t requests_unsent = 0;      // open loop: scheduled before the end but never sent
    int64_t connections_opened = 0;
    int64_t reconnects = 0;  // server said Connection: close, we reopened
    // --pipeline: requests sent again on a new connection because the server
    // closed (Connection: close) before answering them; each still counts once in sent.
    int64_t requests_resent = 0;
    int64_t bytes_sent = 0;
    int64_t bytes_received = 0;
    int64_t tls_handshakes_full = 0;     // completed TLS handshakes without resumption
    int64_t tls_handshakes_resumed = 0;  // completed TLS handshakes that resumed a session
    std::array<int64_t, error_kind_count> errors{};
    // The failed requests among `errors`, by kind (requests_errors is their
    // sum); the rest of `errors` are connections that failed to open.
    std::array<int64_t, error_kind_count> request_failures{};
    std::array<int64_t, 6> status_class{};   // index 1..5 = 1xx..5xx; 0 = outside 100..599
    std::array<int64_t, 600> status_code{};  // exact code, 100..599

    void count_error(ErrorKind kind) { ++errors[static_cast<size_t>(kind)]; }
    // A request that got no answer: counted in errors, request_failures and requests_errors.
    void count_request_failure(ErrorKind kind) {
        count_error(kind);
        ++request_failures[static_cast<size_t>(kind)];
        ++requests_errors;
    }
    void count_status(int code);
    void add(const Counters& other);
    int64_t errors_total() const;
};

}  // namespace barrage::stats
