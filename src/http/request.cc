#include "barrage/http/request.h"

#include <charconv>
#include <string>

#include "barrage/base/excerpt.h"
#include "http_impl.h"

namespace barrage::http {
namespace {

using detail::equals_ignore_case;

#ifndef BARRAGE_VERSION
#error "BARRAGE_VERSION must be defined by the build"
#endif

bool has_header(const RequestSpec& spec, std::string_view lower_name) {
    for (const auto& [name, value] : spec.headers) {
        if (equals_ignore_case(name, lower_name)) {
            return true;
        }
    }
    return false;
}

// A control byte or space would end the request-target early or split the line.
bool is_valid_path(std::string_view path) {
    if (path != "*" && (path.empty() || path.front() != '/')) {
        return false;
    }
    for (char c : path) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7F) {
            return false;
        }
    }
    return true;
}

// CR or LF would let a value start a new header line (header injection).
bool is_valid_value(std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string_view trim_ows(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

// A Content-Length that disagrees with the body would desynchronize every
// later response on the keep-alive connection, so it is refused up front.
base::Status check_content_length(std::string_view value, std::size_t body_size) {
    const std::string_view digits = trim_ows(value);
    std::size_t declared = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), declared);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
        declared != body_size) {
        return base::make_error("header 'Content-Length: " + base::excerpt(value) +
                                "' does not match the body size of " + std::to_string(body_size) +
                                " bytes; remove it and barrage will compute it");
    }
    return base::Ok{};
}

base::Status check_spec(const RequestSpec& spec) {
    if (!is_token(spec.method)) {
        return base::make_error("method '" + base::excerpt(spec.method) +
                                "' is not a valid HTTP token; use letters, digits and "
                                "!#$%&'*+-.^_`|~ (e.g. GET, POST)");
    }
    if (!is_valid_path(spec.path)) {
        return base::make_error("request path '" + base::excerpt(spec.path) +
                                "' must start with '/' (or be '*') and contain no spaces or "
                                "control characters; percent-encode them");
    }
    if (!is_valid_value(spec.host_header)) {
        return base::make_error("Host value contains CR, LF or NUL");
    }
    for (const auto& [name, value] : spec.headers) {
        if (!is_token(name)) {
            return base::make_error("header name '" + base::excerpt(name) +
                                    "' is not a valid token; use letters, digits and "
                                    "!#$%&'*+-.^_`|~ without spaces or ':'");
        }
        if (!is_valid_value(value)) {
            return base::make_error("header '" + base::excerpt(name) +
                                    "' has a value with CR, LF or NUL; a value must be one line");
        }
        if (equals_ignore_case(name, "content-length")) {
            if (auto status = check_content_length(value, spec.body_bytes().size()); !status) {
                return status;
            }
        }
    }
    return base::Ok{};
}

bool needs_content_length(const RequestSpec& spec) {
    if (has_header(spec, "content-length") || has_header(spec, "transfer-encoding")) {
        return false;  // the user framed the body themselves
    }
    return !spec.body_bytes().empty() || spec.method == "POST" || spec.method == "PUT" ||
           spec.method == "PATCH";
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
}

}  // namespace

bool is_token(std::string_view name) {
    for (char c : name) {
        if (!detail::is_tchar(c)) {
            return false;
        }
    }
    return !name.empty();
}

base::Result<std::string> serialize_request(const RequestSpec& spec) {
    if (auto status = check_spec(spec); !status) {
        return status.error();
    }
    BARRAGE_ASSERT(spec.body.empty() || !spec.body_verbatim);
    const std::string_view body = spec.body_bytes();
    std::string out;
    out.reserve(128 + spec.path.size() + spec.host_header.size() + body.size());
    out.append(spec.method).append(" ").append(spec.path).append(" HTTP/1.1\r\n");
    if (!has_header(spec, "host")) {
        append_header(out, "Host", spec.host_header);
    }
    if (!has_header(spec, "user-agent")) {
        append_header(out, "User-Agent", "barrage/" BARRAGE_VERSION);
    }
    for (const auto& [name, value] : spec.headers) {
        append_header(out, name, value);
    }
    if (needs_content_length(spec)) {
        append_header(out, "Content-Length", std::to_string(body.size()));
    }
    if (!spec.keep_alive) {
        append_header(out, "Connection", "close");
    }
    out.append("\r\n");
    out.append(body);
    return out;
}

}  // namespace barrage::http
