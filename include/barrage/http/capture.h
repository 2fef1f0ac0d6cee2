#pragma once
// Captures: a value read from a response, from a JSON pointer into the body or
// from a header, stored in a session variable for later templates (a login's
// token reused as "Authorization: Bearer {{token}}").

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/http/response_check.h"
#include "barrage/http/response_parser.h"
#include "barrage/http/template.h"

namespace barrage::http {

enum class CaptureStatus : uint8_t {
    found,      // the variable now holds the value
    not_found,  // no such header, body not JSON, nothing (or null) at the pointer
    truncated,  // the value or the body was longer than the keep limits
};

class Capture {
public:
    // Resolves the variable in `scope`. Errors: an unknown variable, neither
    // or both of json_pointer and header set, an invalid JSON pointer, a
    // header name that is not a token.
    static base::Result<Capture> compile(const CaptureSpec& spec, const TemplateScope& scope);

    // Reads the value from a response kept by the parser into the context's
    // variable; `json` must have been reset() to kept.body(). A JSON string
    // is captured unescaped, a number or boolean as written in JSON, an object
    // or array as compact JSON. Anything but found leaves the variable as it was.
    CaptureStatus apply(const ResponseKeep& kept, JsonBody& json, TemplateContext& context) const;

    std::size_t variable() const { return variable_; }
    // The header to keep (lowercase), or "" for a JSON capture.
    const std::string& header() const { return header_; }
    bool needs_body() const { return header_.empty(); }
    // For reports: "token from /auth/token" or "session from header set-cookie".
    std::string name() const;

private:
    CaptureSpec spec_;
    std::string header_;
    std::size_t variable_ = 0;
};

// The distinct header names `captures` read, for ResponseKeep::create.
std::vector<std::string> headers_to_keep(std::span<const Capture> captures);

}  // namespace barrage::http
