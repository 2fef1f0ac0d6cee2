#pragma once
// Private to io: OpenSSL glue shared by tls_context.cc and tls_session.cc.

#include <string>

struct ssl_st;
struct ssl_session_st;

namespace barrage::io::detail {

// The reason of the oldest error on this thread's OpenSSL error queue
// ("wrong version number"), then clears the queue. "" when it is empty.
std::string take_openssl_reason();

// SSL_CTX new-session callback: hands the session to the connection's
// TlsSessionCache (its SSL app data). Returns 1: the cache keeps the reference.
int on_new_session(ssl_st* ssl, ssl_session_st* session);

}  // namespace barrage::io::detail
