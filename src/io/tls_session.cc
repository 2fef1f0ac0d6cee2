#include "barrage/io/tls_session.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "barrage/base/assert.h"
#include "tls_impl.h"

namespace barrage::io {

namespace detail {

std::string take_openssl_reason() {
    const unsigned long error = ERR_get_error();
    ERR_clear_error();
    if (error == 0) {
        return {};
    }
    const char* reason = ERR_reason_error_string(error);
    if (reason != nullptr) {
        return reason;
    }
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof(buffer));
    return buffer;
}

int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* cache = static_cast<TlsSessionCache*>(SSL_get_app_data(ssl));
    if (cache == nullptr) {
        return 0;  // OpenSSL keeps (and frees) the session
    }
    cache->store(session);
    return 1;
}

}  // namespace detail

namespace {

bool is_ip_literal(const char* name) {
    unsigned char address[sizeof(in6_addr)];
    return inet_pton(AF_INET, name, address) == 1 || inet_pton(AF_INET6, name, address) == 1;
}

// The name the peer's certificate must carry: a DNS name or an IP address.
bool set_expected_name(SSL* ssl, const char* name) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (is_ip_literal(name)) {
        return X509_VERIFY_PARAM_set1_ip_asc(param, name) == 1;
    }
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return SSL_set1_host(ssl, name) == 1;
}

int clamp_to_int(std::size_t len) { return static_cast<int>(std::min<std::size_t>(len, INT_MAX)); }

}  // namespace

TlsSessionCache::~TlsSessionCache() { SSL_SESSION_free(last_); }

void TlsSessionCache::store(SSL_SESSION* session) {
    SSL_SESSION_free(last_);
    last_ = session;
}

TlsSession::~TlsSession() { end(); }

base::Status TlsSession::start(const TlsContext& context, const char* server_name,
                               TlsSessionCache* cache) {
    BARRAGE_ASSERT(server_name != nullptr && server_name[0] != '\0');
    end();
    error_len_ = 0;
    ssl_ = SSL_new(context.native());
    BIO* rbio = BIO_new(BIO_s_mem());
    BIO* wbio = BIO_new(BIO_s_mem());
    if (ssl_ == nullptr || rbio == nullptr || wbio == nullptr) {
        BIO_free(rbio);
        BIO_free(wbio);
        end();
        return base::make_error("cannot allocate a TLS session: " + detail::take_openssl_reason());
    }
    // An empty read BIO means "wait for more", never end of stream: the ring
    // reports the end of stream itself.
    BIO_set_mem_eof_return(rbio, -1);
    SSL_set_bio(ssl_, rbio, wbio);
    SSL_set_connect_state(ssl_);
    if (!is_ip_literal(server_name)) {
        SSL_set_tlsext_host_name(ssl_, server_name);
    }
    if (context.verify_peer() && !set_expected_name(ssl_, server_name)) {
        end();
        return base::make_error("cannot set the expected certificate name: " +
                                detail::take_openssl_reason());
    }
    if (context.resume() && cache != nullptr) {
        SSL_set_app_data(ssl_, cache);
        if (cache->last() != nullptr) {
            SSL_set_session(ssl_, cache->last());
        }
    }
    return base::Ok{};
}

void TlsSession::end() {
    if (ssl_ != nullptr) {
        // Freeing an SSL that never shut down marks its session (the one the
        // cache holds) not resumable. We close without close_notify on
        // purpose (--new-conn, server's Connection: close); only a failed
        // connection should spoil its session.
        if (error_len_ == 0 && SSL_is_init_finished(ssl_)) {
            SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        }
        SSL_free(ssl_);  // frees both BIOs
        ssl_ = nullptr;
    }
}

TlsStatus TlsSession::handshake() {
    BARRAGE_ASSERT(ssl_ != nullptr);
    return status_after(SSL_do_handshake(ssl_));
}

bool TlsSession::handshake_done() const { return ssl_ != nullptr && SSL_is_init_finished(ssl_); }

bool TlsSession::resumed() const { return ssl_ != nullptr && SSL_session_reused(ssl_) == 1; }

void TlsSession::feed_ciphertext(const char* data, std::size_t len) {
    BARRAGE_ASSERT(ssl_ != nullptr);
    BIO* rbio = SSL_get_rbio(ssl_);
    while (len > 0) {
        const int wrote = BIO_write(rbio, data, clamp_to_int(len));
        BARRAGE_ASSERT_MSG(wrote > 0, "a memory BIO refused bytes (out of memory)");
        data += wrote;
        len -= static_cast<std::size_t>(wrote);
    }
}

std::size_t TlsSession::ciphertext_pending() const {
    return ssl_ == nullptr ? 0 : BIO_ctrl_pending(SSL_get_wbio(ssl_));
}

std::size_t TlsSession::take_ciphertext(char* out, std::size_t capacity) {
    BARRAGE_ASSERT(ssl_ != nullptr);
    const int got = BIO_read(SSL_get_wbio(ssl_), out, clamp_to_int(capacity));
    return got > 0 ? static_cast<std::size_t>(got) : 0;
}

TlsStatus TlsSession::read_plaintext(char* out, std::size_t capacity, std::size_t& got) {
    BARRAGE_ASSERT(ssl_ != nullptr);
    got = 0;
    const int rc = SSL_read(ssl_, out, clamp_to_int(capacity));
    if (rc > 0) {
        got = static_cast<std::size_t>(rc);
        return TlsStatus::ok;
    }
    return status_after(rc);
}

TlsStatus TlsSession::write_plaintext(const char* data, std::size_t len) {
    BARRAGE_ASSERT(ssl_ != nullptr && len > 0);
    const int rc = SSL_write(ssl_, data, clamp_to_int(len));
    if (rc > 0) {
        // Memory BIOs grow, so without partial-write mode a write is all or nothing.
        BARRAGE_ASSERT(static_cast<std::size_t>(rc) == std::min<std::size_t>(len, INT_MAX));
        return TlsStatus::ok;
    }
    return status_after(rc);
}

// Maps an OpenSSL return code to a status; a failure keeps its first reason.
TlsStatus TlsSession::status_after(int rc) {
    switch (SSL_get_error(ssl_, rc)) {
        case SSL_ERROR_NONE:
            return TlsStatus::ok;
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return TlsStatus::want_more;
        case SSL_ERROR_ZERO_RETURN:
            return TlsStatus::closed;
        default:
            break;
    }
    // OpenSSL records a verify result even with -k; it is the reason only
    // when the handshake failed because of it.
    const bool verify_failed = ERR_GET_REASON(ERR_peek_error()) == SSL_R_CERTIFICATE_VERIFY_FAILED;
    const long verify = SSL_get_verify_result(ssl_);
    std::string reason = detail::take_openssl_reason();
    if (verify_failed && verify != X509_V_OK) {
        reason = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
    }
    note_reason(reason.empty() ? std::string_view("TLS failure without a reason") : reason);
    return TlsStatus::failed;
}

void TlsSession::note_reason(std::string_view reason) {
    if (error_len_ != 0) {
        return;
    }
    error_len_ = std::min(reason.size(), sizeof(error_));
    std::memcpy(error_, reason.data(), error_len_);
}

}  // namespace barrage::io
