#pragma once
// The client TLS context (one OpenSSL SSL_CTX): trust store, client
// certificate, protocol floor, cipher lists, ALPN and session resumption.
// Only io uses OpenSSL; other modules see this class and plain structs.
//
// Each worker builds its own context on its own thread. A shared SSL_CTX would
// be thread-safe, but every handshake would then take the X509_STORE and
// session-cache locks of one object from all workers at once; a private one
// keeps the hot path free of cross-core locks (house rule: a worker owns its
// state). The cost is loading the trust store once per worker at start.

#include <cstdint>
#include <memory>
#include <string>

#include "barrage/base/result.h"

struct ssl_ctx_st;

namespace barrage::io {

enum class TlsVersion : uint8_t { tls1_2, tls1_3 };

struct TlsContextOptions {
    bool verify_peer = true;  // false = --insecure: no chain and no host name check
    std::string ca_file;      // "" = the system trust store
    std::string cert_file;    // client certificate chain (PEM), "" = none
    std::string key_file;     // its private key (PEM); required with cert_file
    TlsVersion version_min = TlsVersion::tls1_2;
    std::string ciphers;       // TLS 1.2 cipher list, "" = OpenSSL's default
    std::string ciphersuites;  // TLS 1.3 suites, "" = OpenSSL's default
    bool resume = true;        // offer sessions (tickets) from earlier connections
};

class TlsContext {
public:
    // Builds the context. Errors name the option and OpenSSL's reason:
    // "--cacert: cannot load 'ca.pem': no certificate or crl found".
    static base::Result<std::unique_ptr<TlsContext>> create(const TlsContextOptions& options);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    ssl_ctx_st* native() const { return ctx_; }
    bool verify_peer() const { return verify_peer_; }
    bool resume() const { return resume_; }

private:
    TlsContext() = default;

    ssl_ctx_st* ctx_ = nullptr;
    bool verify_peer_ = true;
    bool resume_ = true;
};

}  // namespace barrage::io
