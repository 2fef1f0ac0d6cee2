#include "barrage/io/tls_context.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <string_view>

#include "barrage/base/assert.h"
#include "tls_impl.h"

namespace barrage::io {
namespace {

using base::make_error;

// ALPN wire format: length-prefixed names. Only HTTP/1.1 is spoken.
constexpr unsigned char alpn_http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

base::Error openssl_error(std::string_view what) {
    const std::string reason = detail::take_openssl_reason();
    return make_error(fmt::format("{}: {}", what, reason.empty() ? "unknown error" : reason));
}

base::Status load_trust(SSL_CTX* ctx, const TlsContextOptions& options) {
    if (!options.verify_peer) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
        return base::Ok{};
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (!options.ca_file.empty()) {
        // Like curl --cacert: the file replaces the system store.
        if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
            return openssl_error(fmt::format("--cacert: cannot load '{}'", options.ca_file));
        }
        return base::Ok{};
    }
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        return openssl_error(
            "cannot load the system CA store (install ca-certificates, or pass --cacert FILE "
            "or -k)");
    }
    return base::Ok{};
}

base::Status load_client_certificate(SSL_CTX* ctx, const TlsContextOptions& options) {
    if (options.cert_file.empty()) {
        return base::Ok{};
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1) {
        return openssl_error(fmt::format("--cert: cannot load '{}'", options.cert_file));
    }
    const std::string& key = options.key_file.empty() ? options.cert_file : options.key_file;
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        return openssl_error(fmt::format("--key: cannot load '{}'", key));
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        return openssl_error(
            fmt::format("--key: '{}' does not belong to --cert '{}'", key, options.cert_file));
    }
    return base::Ok{};
}

base::Status set_protocols(SSL_CTX* ctx, const TlsContextOptions& options) {
    const int version = options.version_min == TlsVersion::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
    if (SSL_CTX_set_min_proto_version(ctx, version) != 1) {
        return openssl_error("--tls-min: OpenSSL refused the version");
    }
    if (!options.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, options.ciphers.c_str()) != 1) {
        return openssl_error(fmt::format("--ciphers: no usable cipher in '{}'", options.ciphers));
    }
    if (!options.ciphersuites.empty() &&
        SSL_CTX_set_ciphersuites(ctx, options.ciphersuites.c_str()) != 1) {
        return openssl_error(
            fmt::format("--ciphersuites: no usable TLS 1.3 suite in '{}'", options.ciphersuites));
    }
    // set_alpn_protos returns 0 on success, unlike the rest of the API.
    if (SSL_CTX_set_alpn_protos(ctx, alpn_http11, sizeof(alpn_http11)) != 0) {
        return openssl_error("cannot set ALPN");
    }
    return base::Ok{};
}

// Sessions reach TlsSessionCache through the new-session callback, which
// fires for TLS 1.2 sessions and for TLS 1.3 tickets (those arrive after the
// handshake, so SSL_get1_session right after it would miss them).
void set_resumption(SSL_CTX* ctx, bool resume) {
    if (!resume) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        return;
    }
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, detail::on_new_session);
}

}  // namespace

base::Result<std::unique_ptr<TlsContext>> TlsContext::create(const TlsContextOptions& options) {
    ERR_clear_error();
    std::unique_ptr<TlsContext> context(new TlsContext());
    context->ctx_ = SSL_CTX_new(TLS_client_method());
    if (context->ctx_ == nullptr) {
        return openssl_error("cannot create a TLS context");
    }
    context->verify_peer_ = options.verify_peer;
    context->resume_ = options.resume;
    SSL_CTX* ctx = context->ctx_;
    // The engine may hand SSL_write the same request again after want_more.
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    for (const auto step : {load_trust, load_client_certificate, set_protocols}) {
        if (auto status = step(ctx, options); !status.ok()) {
            return status.error();
        }
    }
    set_resumption(ctx, options.resume);
    return context;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

}  // namespace barrage::io
