#include "request_framer_impl.h"

namespace barrage::serve::detail {
namespace {

enum class LineStatus : uint8_t { complete, partial, invalid };

constexpr std::string_view job_path_prefix = "/jobs/";

// Reads the CRLF-terminated line at `pos` (without its CRLF) and moves pos past it.
LineStatus next_line(std::string_view window, std::size_t& pos, std::string_view& line) {
    const std::size_t lf = window.find('\n', pos);
    if (lf == std::string_view::npos) {
        return LineStatus::partial;
    }
    // A bare LF is how request smuggling starts: accept CRLF only.
    if (lf == pos || window[lf - 1] != '\r') {
        return LineStatus::invalid;
    }
    line = window.substr(pos, lf - 1 - pos);
    pos = lf + 1;
    return LineStatus::complete;
}

bool is_tchar(char c) {
    constexpr std::string_view extras = "!#$%&'*+-.^_`|~";
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           extras.find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
    for (char c : text) {
        if (!is_tchar(c)) {
            return false;
        }
    }
    return !text.empty();
}

// VCHAR, SP, HTAB and obs-text; no other control bytes.
bool is_field_value(std::string_view text) {
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte != '\t' && (byte < 0x20 || byte == 0x7F)) {
            return false;
        }
    }
    return true;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] + 32) : a[i];
        if (x != b[i]) {
            return false;
        }
    }
    return true;
}

std::string_view trim_ows(std::string_view text) {
    const std::size_t first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// Digits only, at most 18 of them so the value cannot overflow.
bool parse_decimal(std::string_view text, uint64_t& value) {
    if (text.empty() || text.size() > 18) {
        return false;
    }
    value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
}

void set_route(Route route, int response_status, FramedRequest& out) {
    out.route = route;
    out.response_status = response_status;
}

// /jobs and /jobs/ID: what the method and the query or id ask for.
void route_job(std::string_view method, std::string_view target, FramedRequest& out) {
    const std::size_t query_at = target.find('?');
    const std::string_view path = target.substr(0, query_at);
    const bool read = method == "GET" || method == "HEAD";
    if (path == "/jobs" && method != "POST") {
        set_route(Route::job_submit_method, 405, out);
    } else if (path == "/jobs") {
        const std::string_view query =
            query_at == std::string_view::npos ? std::string_view{} : target.substr(query_at + 1);
        const bool valid = parse_job_wait_ms(query, out.job_wait_ms);
        set_route(valid ? Route::job_submit : Route::job_bad_wait, valid ? 201 : 400, out);
    } else if (!read) {
        set_route(Route::job_poll_method, 405, out);
    } else {
        const bool valid = parse_job_id(path.substr(job_path_prefix.size()), out.job);
        set_route(valid ? Route::job_poll : Route::job_unknown, valid ? 200 : 404, out);
    }
}

void route(std::string_view method, std::string_view target, FramedRequest& out) {
    const std::string_view path = target.substr(0, target.find('?'));
    constexpr std::string_view status_prefix = "/status/";
    if (path == "/jobs" || path.substr(0, job_path_prefix.size()) == job_path_prefix) {
        route_job(method, target, out);
    } else if (path == "/close") {
        out.close = true;
    } else if (path == "/login") {
        out.route = Route::login;
    } else if (path == "/json") {
        out.route = Route::json;
    } else if (path.substr(0, status_prefix.size()) == status_prefix) {
        uint64_t code = 0;
        const std::string_view digits = path.substr(status_prefix.size());
        const bool valid =
            digits.size() == 3 && parse_decimal(digits, code) && code >= 200 && code <= 599;
        out.response_status = valid ? static_cast<int>(code) : 400;
    }
}

bool parse_request_line(std::string_view line, FramedRequest& out) {
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = line.find(' ', sp1 == std::string_view::npos ? sp1 : sp1 + 1);
    if (sp2 == std::string_view::npos || !is_token(line.substr(0, sp1))) {
        return false;
    }
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    for (char c : target) {
        if (c <= ' ' || c == 0x7F) {
            return false;
        }
    }
    if (target.empty() || (version != "HTTP/1.1" && version != "HTTP/1.0")) {
        return false;
    }
    out.http10 = version == "HTTP/1.0";
    out.head = line.substr(0, sp1) == "HEAD";
    route(line.substr(0, sp1), target, out);
    return true;
}

void read_connection_tokens(std::string_view value, FramedRequest& out, bool& keep_alive) {
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        const std::string_view option = trim_ows(value.substr(0, comma));
        out.close = out.close || equals_ignore_case(option, "close");
        keep_alive = keep_alive || equals_ignore_case(option, "keep-alive");
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    }
}

bool parse_header(std::string_view line, FramedRequest& out, bool& has_length, bool& keep_alive) {
    const std::size_t colon = line.find(':');
    // A token name also rules out obs-fold and space before the colon (RFC 9112 5.1).
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
        return false;
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (!is_field_value(value)) {
        return false;
    }
    if (equals_ignore_case(name, "content-length")) {
        uint64_t length = 0;
        // Two different lengths make the framing ambiguous.
        if (!parse_decimal(value, length) || (has_length && length != out.body_bytes)) {
            return false;
        }
        out.body_bytes = length;
        has_length = true;
    } else if (equals_ignore_case(name, "transfer-encoding")) {
        return false;  // a test target does not take chunked uploads
    } else if (equals_ignore_case(name, "connection")) {
        read_connection_tokens(value, out, keep_alive);
    }
    return true;
}

// Rejects garbage (a TLS hello, binary) before 16 KiB of it has arrived.
bool plausible_request_line_start(std::string_view rest) {
    return rest.empty() || rest == "\r" || is_token(rest.substr(0, rest.find(' ')));
}

FramedRequest rejected(FrameStatus status, int response_status) {
    FramedRequest out;
    out.status = status;
    out.response_status = response_status;
    out.close = true;
    return out;
}

}  // namespace

FramedRequest frame_request(std::string_view input) {
    const std::string_view window = input.substr(0, request_header_bytes_max);
    FramedRequest out;
    std::size_t pos = 0;
    // RFC 9112 2.2: ignore empty lines before a request line (a stray CRLF after a body).
    while (window.substr(pos, 2) == "\r\n") {
        pos += 2;
    }
    std::string_view line;
    LineStatus status = next_line(window, pos, line);
    if (status == LineStatus::partial && !plausible_request_line_start(window.substr(pos))) {
        status = LineStatus::invalid;
    } else if (status == LineStatus::complete && !parse_request_line(line, out)) {
        status = LineStatus::invalid;
    }
    bool has_length = false;
    bool keep_alive = false;
    while (status == LineStatus::complete) {
        status = next_line(window, pos, line);
        if (status == LineStatus::complete && line.empty()) {
            out.status = FrameStatus::complete;
            out.header_bytes = pos;
            out.close = out.close || (out.http10 && !keep_alive);
            return out;
        }
        if (status == LineStatus::complete && !parse_header(line, out, has_length, keep_alive)) {
            status = LineStatus::invalid;
        }
    }
    if (status == LineStatus::invalid) {
        return rejected(FrameStatus::invalid, 400);
    }
    if (window.size() == request_header_bytes_max) {
        return rejected(FrameStatus::too_large, 431);
    }
    return FramedRequest{};
}

}  // namespace barrage::serve::detail
