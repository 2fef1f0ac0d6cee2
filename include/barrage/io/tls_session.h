#pragma once
// One client TLS connection over memory BIOs. The session never touches a
// socket: the caller feeds it the ciphertext it received and sends the
// ciphertext it takes out, so all socket I/O stays on the caller's ring.
// Calls return small enums and never allocate beyond what OpenSSL does per
// connection; the first failure's reason is kept as text for the summary.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "barrage/base/result.h"
#include "barrage/io/tls_context.h"

struct ssl_st;
struct ssl_session_st;

namespace barrage::io {

enum class TlsStatus : uint8_t {
    ok,         // the step finished (handshake done, bytes moved)
    want_more,  // needs more ciphertext from the peer; feed it and call again
    closed,     // the peer sent close_notify
    failed,     // fatal: see error_reason()
};

// The last session a worker's connections received, offered to its next
// connection (resumption). One per worker; never shared between threads.
class TlsSessionCache {
public:
    TlsSessionCache() = default;
    ~TlsSessionCache();
    TlsSessionCache(const TlsSessionCache&) = delete;
    TlsSessionCache& operator=(const TlsSessionCache&) = delete;

    // Takes ownership of `session` (one reference), dropping the previous one.
    void store(ssl_session_st* session);
    ssl_session_st* last() const { return last_; }

private:
    ssl_session_st* last_ = nullptr;
};

class TlsSession {
public:
    // Longest reason text kept; longer reasons are cut.
    static constexpr std::size_t error_reason_bytes_max = 160;

    TlsSession() = default;
    ~TlsSession();
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    // Starts a client session. `server_name` is sent as SNI (unless it is an
    // IP literal, which SNI may not carry) and is the name the certificate must
    // match when the context verifies. `cache` (may be null) offers its last
    // session and receives the tickets this connection gets. A started session
    // is ended first. Fails only when OpenSSL cannot allocate.
    base::Status start(const TlsContext& context, const char* server_name, TlsSessionCache* cache);
    // Frees the connection's OpenSSL state; the session can be started again.
    void end();

    // Advances the handshake. ok once it is complete.
    TlsStatus handshake();
    bool handshake_done() const;
    // True when the completed handshake resumed an earlier session.
    bool resumed() const;

    // Hands ciphertext received from the peer to the session (copied).
    void feed_ciphertext(const char* data, std::size_t len);
    // Bytes of ciphertext waiting to be sent.
    std::size_t ciphertext_pending() const;
    // Moves up to `capacity` bytes of pending ciphertext into `out`; returns the count.
    std::size_t take_ciphertext(char* out, std::size_t capacity);

    // Decrypts into out[0, capacity): ok with got > 0, want_more with got == 0
    // when no full record is buffered, closed or failed.
    TlsStatus read_plaintext(char* out, std::size_t capacity, std::size_t& got);
    // Encrypts all of data[0, len) into pending ciphertext (ok), or says why not.
    TlsStatus write_plaintext(const char* data, std::size_t len);

    // The reason for the first failure, e.g. "certificate verify failed:
    // self-signed certificate"; empty while nothing failed.
    std::string_view error_reason() const { return std::string_view(error_, error_len_); }

private:
    TlsStatus status_after(int rc);
    void note_reason(std::string_view reason);

    ssl_st* ssl_ = nullptr;
    char error_[error_reason_bytes_max] = {};
    std::size_t error_len_ = 0;
};

}  // namespace barrage::io
