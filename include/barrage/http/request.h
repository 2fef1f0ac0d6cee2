#pragma once
// HTTP/1.1 request serialization. Requests are serialized once before the
// run; the data plane sends the same bytes over and over.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "barrage/base/result.h"

namespace barrage::http {

struct RequestSpec {
    std::string method = "GET";
    std::string path = "/";                                    // origin-form: "/x?y=1"
    std::string host_header;                                   // value of Host:
    std::vector<std::pair<std::string, std::string>> headers;  // user headers, in order
    std::string body;
    bool keep_alive = true;  // false: adds "Connection: close"
    // Bytes sent as they are (--body-file): never a template, and shared
    // rather than copied, however large. When set, `body` must be empty.
    std::shared_ptr<const std::string> body_verbatim;
    // The body is a urlencoded form: what its placeholders render is percent-encoded.
    bool body_form_urlencoded = false;

    std::string_view body_bytes() const { return body_verbatim ? *body_verbatim : body; }
};

// Builds "METHOD path HTTP/1.1\r\n" + headers + "\r\n" + body.
// Adds Host (unless the user gave one), "User-Agent: barrage/<version>" (unless
// given), Content-Length when there is a body or the method is POST/PUT/PATCH
// (unless given), Connection: close when !keep_alive.
// Errors: a method that is not an HTTP token, a path not starting with '/'
// (or "*"), a header name that is not a token, a header value with CR/LF/NUL.
base::Result<std::string> serialize_request(const RequestSpec& spec);

// True if `name` is a valid HTTP token (RFC 9110 tchar+).
bool is_token(std::string_view name);

}  // namespace barrage::http
