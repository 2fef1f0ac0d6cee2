// TlsContext and TlsSession against an in-process OpenSSL server. Both ends
// talk through memory only: the test moves ciphertext between them, as the
// engine does with its ring.

#include <doctest/doctest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "barrage/io/tls_context.h"
#include "barrage/io/tls_session.h"

using barrage::io::TlsContext;
using barrage::io::TlsContextOptions;
using barrage::io::TlsSession;
using barrage::io::TlsSessionCache;
using barrage::io::TlsStatus;

namespace {

// A self-signed certificate for "localhost" and 127.0.0.1, written to a temp
// PEM file the client can trust with ca_file.
struct TestCertificate {
    EVP_PKEY* key = nullptr;
    X509* cert = nullptr;
    std::string pem_path;

    TestCertificate() {
        key = EVP_EC_gen("P-256");
        REQUIRE(key != nullptr);
        cert = X509_new();
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
        X509_gmtime_adj(X509_getm_notBefore(cert), -60);
        X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
        X509_set_pubkey(cert, key);
        X509_NAME* name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
        X509_set_issuer_name(cert, name);
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
        X509_EXTENSION* san =
            X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
        REQUIRE(san != nullptr);
        X509_add_ext(cert, san, -1);
        X509_EXTENSION_free(san);
        REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);
        char path[] = "/tmp/barrage-tls-test-XXXXXX";
        const int fd = mkstemp(path);
        REQUIRE(fd >= 0);
        FILE* file = fdopen(fd, "w");
        PEM_write_X509(file, cert);
        std::fclose(file);
        pem_path = path;
    }
    ~TestCertificate() {
        ::unlink(pem_path.c_str());
        X509_free(cert);
        EVP_PKEY_free(key);
    }
};

TestCertificate& certificate() {
    static TestCertificate shared;
    return shared;
}

// One server SSL over memory BIOs, with session tickets on (OpenSSL's default).
struct TestServer {
    SSL_CTX* ctx = nullptr;
    SSL* ssl = nullptr;

    TestServer() {
        ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_use_certificate(ctx, certificate().cert);
        SSL_CTX_use_PrivateKey(ctx, certificate().key);
        SSL_CTX_set_session_id_context(ctx, reinterpret_cast<const unsigned char*>("t"), 1);
    }
    void accept() {
        SSL_free(ssl);
        ssl = SSL_new(ctx);
        SSL_set_bio(ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
        BIO_set_mem_eof_return(SSL_get_rbio(ssl), -1);
        SSL_set_accept_state(ssl);
    }
    ~TestServer() {
        SSL_free(ssl);
        SSL_CTX_free(ctx);
    }
};

// Moves ciphertext both ways until neither side has anything to say.
void pump(TlsSession& client, TestServer& server) {
    char buffer[4096];
    for (int round = 0; round < 20; ++round) {
        bool moved = false;
        while (std::size_t n = client.take_ciphertext(buffer, sizeof(buffer))) {
            BIO_write(SSL_get_rbio(server.ssl), buffer, static_cast<int>(n));
            moved = true;
        }
        if (!SSL_is_init_finished(server.ssl)) {
            SSL_do_handshake(server.ssl);  // then writes its tickets (TLS 1.3)
        }
        int n = 0;
        while ((n = BIO_read(SSL_get_wbio(server.ssl), buffer, sizeof(buffer))) > 0) {
            client.feed_ciphertext(buffer, static_cast<std::size_t>(n));
            moved = true;
        }
        if (!client.handshake_done()) {
            (void)client.handshake();
        }
        if (!moved) {
            return;
        }
    }
}

// Starts `client` towards `host` against a fresh connection of `server` and
// moves the handshake along until neither side has anything to say; the
// caller checks how it ended (handshake_done, error_reason, resumed).
void handshake(TlsSession& client, const TlsContext& context, TestServer& server, const char* host,
               TlsSessionCache* cache = nullptr) {
    server.accept();
    REQUIRE(client.start(context, host, cache).ok());
    (void)client.handshake();
    pump(client, server);
}

TlsContextOptions trusting_test_certificate() {
    TlsContextOptions options;
    options.ca_file = certificate().pem_path;
    return options;
}

std::unique_ptr<TlsContext> make_context(const TlsContextOptions& options) {
    auto context = TlsContext::create(options);
    REQUIRE_MESSAGE(context.ok(), (context.ok() ? "" : context.error().message));
    return std::move(context).value();
}

// Reads what the client has decrypted (tickets are processed on the way).
std::string read_all(TlsSession& client) {
    std::string text;
    char buffer[256];
    std::size_t got = 0;
    while (client.read_plaintext(buffer, sizeof(buffer), got) == TlsStatus::ok) {
        text.append(buffer, got);
    }
    return text;
}

}  // namespace

TEST_CASE("a handshake over memory completes and a request and its answer cross both ways") {
    auto context = make_context(trusting_test_certificate());
    TestServer server;
    server.accept();
    TlsSession client;
    REQUIRE(client.start(*context, "localhost", nullptr).ok());
    CHECK(client.handshake() == TlsStatus::want_more);
    CHECK(client.ciphertext_pending() > 0);  // the ClientHello
    pump(client, server);
    REQUIRE(client.handshake_done());
    CHECK_FALSE(client.resumed());

    const std::string request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    CHECK(client.write_plaintext(request.data(), request.size()) == TlsStatus::ok);
    pump(client, server);
    char received[256];
    const int got = SSL_read(server.ssl, received, sizeof(received));
    REQUIRE(got > 0);
    CHECK(std::string(received, static_cast<std::size_t>(got)) == request);

    const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    SSL_write(server.ssl, answer.data(), static_cast<int>(answer.size()));
    pump(client, server);
    CHECK(read_all(client) == answer);
    CHECK(client.error_reason().empty());
}

TEST_CASE("the IP address in the URL is checked against the certificate's IP names") {
    auto context = make_context(trusting_test_certificate());
    TestServer server;
    TlsSession client;
    handshake(client, *context, server, "127.0.0.1");
    CHECK(client.handshake_done());
}

TEST_CASE("the system store does not trust a self-signed certificate, and the reason says so") {
    auto context = make_context(TlsContextOptions{});
    TestServer server;
    TlsSession client;
    handshake(client, *context, server, "localhost");
    CHECK_FALSE(client.handshake_done());
    CHECK(client.handshake() == TlsStatus::failed);
    CHECK(client.error_reason() == "certificate verify failed: self-signed certificate");
}

TEST_CASE("a name the certificate does not carry fails with hostname mismatch") {
    auto context = make_context(trusting_test_certificate());
    TestServer server;
    TlsSession client;
    handshake(client, *context, server, "other.example");
    CHECK_FALSE(client.handshake_done());
    CHECK(client.error_reason() == "certificate verify failed: hostname mismatch");
}

TEST_CASE("insecure mode accepts a certificate nobody vouches for, under any name") {
    TlsContextOptions options;
    options.verify_peer = false;
    auto context = make_context(options);
    TestServer server;
    TlsSession client;
    handshake(client, *context, server, "other.example");
    CHECK(client.handshake_done());
}

TEST_CASE("a second connection resumes with the ticket the first one received") {
    auto context = make_context(trusting_test_certificate());
    TestServer server;
    TlsSessionCache cache;
    for (int connection = 0; connection < 3; ++connection) {
        TlsSession client;
        handshake(client, *context, server, "localhost", &cache);
        REQUIRE(client.handshake_done());
        CHECK(client.resumed() == (connection > 0));
        (void)read_all(client);  // TLS 1.3 tickets arrive after the handshake
        CHECK(cache.last() != nullptr);
        client.end();  // closed without close_notify, as --new-conn does
    }
}

TEST_CASE("without resumption no session is offered and every handshake is full") {
    TlsContextOptions options = trusting_test_certificate();
    options.resume = false;
    auto context = make_context(options);
    TestServer server;
    TlsSessionCache cache;
    for (int connection = 0; connection < 2; ++connection) {
        TlsSession client;
        handshake(client, *context, server, "localhost", &cache);
        REQUIRE(client.handshake_done());
        (void)read_all(client);
        CHECK_FALSE(client.resumed());
        CHECK(cache.last() == nullptr);
    }
}

TEST_CASE("garbage instead of a ServerHello fails with OpenSSL's reason") {
    auto context = make_context(trusting_test_certificate());
    TlsSession client;
    REQUIRE(client.start(*context, "localhost", nullptr).ok());
    (void)client.handshake();
    const std::string plain_http = "HTTP/1.1 400 Bad Request\r\n\r\n";
    client.feed_ciphertext(plain_http.data(), plain_http.size());
    CHECK(client.handshake() == TlsStatus::failed);
    CHECK(client.error_reason() == "wrong version number");
}

TEST_CASE("the peer's close_notify reads as closed") {
    auto context = make_context(trusting_test_certificate());
    TestServer server;
    TlsSession client;
    handshake(client, *context, server, "localhost");
    REQUIRE(client.handshake_done());
    (void)read_all(client);
    SSL_shutdown(server.ssl);
    pump(client, server);
    char buffer[64];
    std::size_t got = 0;
    CHECK(client.read_plaintext(buffer, sizeof(buffer), got) == TlsStatus::closed);
}

TEST_CASE("context errors name the option and the file") {
    TlsContextOptions options;
    options.ca_file = "/nonexistent/ca.pem";
    auto missing = TlsContext::create(options);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("--cacert: cannot load '/nonexistent/ca.pem'") == 0);

    TlsContextOptions ciphers;
    ciphers.ciphers = "NO-SUCH-CIPHER";
    auto bad = TlsContext::create(ciphers);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("--ciphers: no usable cipher in 'NO-SUCH-CIPHER'") == 0);

    TlsContextOptions suites;
    suites.ciphersuites = "TLS_NOPE";
    CHECK_FALSE(TlsContext::create(suites).ok());
}
