// The little HTTP a scrape needs: a request line, Accept and Connection, no bodies.

#include "barrage/live/scrape_request.h"

#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <cctype>

#include "barrage/base/assert.h"

namespace barrage::live {

namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

bool equals_nocase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool contains_nocase(std::string_view text, std::string_view word) {
    const auto it = std::search(text.begin(), text.end(), word.begin(), word.end(),
                                [](char x, char y) { return std::tolower(x) == std::tolower(y); });
    return it != text.end();
}

// The request line: METHOD SP TARGET SP HTTP/1.x. False when it is not one.
bool parse_request_line(std::string_view line, ScrapeRequest& request, bool& http11,
                        std::string_view& method) {
    const std::size_t first = line.find(' ');
    const std::size_t second = line.find(' ', first == std::string_view::npos ? 0 : first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos || first == 0) {
        return false;
    }
    method = line.substr(0, first);
    std::string_view target = line.substr(first + 1, second - first - 1);
    const std::string_view version = line.substr(second + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        return false;
    }
    http11 = version == "HTTP/1.1";
    target = target.substr(0, target.find('?'));
    request.kind =
        target == "/metrics" ? ScrapeRequest::Kind::metrics : ScrapeRequest::Kind::not_found;
    if (target == "/" || target == "/index.html") {
        request.kind = ScrapeRequest::Kind::page;
    }
    return true;
}

}  // namespace

std::size_t request_head_end(std::string_view buffer) {
    const std::size_t end = buffer.find("\r\n\r\n");
    return end == std::string_view::npos ? end : end + 4;
}

ScrapeRequest parse_scrape_request(std::string_view head) {
    ScrapeRequest request;
    std::size_t line_end = head.find("\r\n");
    bool http11 = false;
    std::string_view method;
    if (line_end == std::string_view::npos ||
        !parse_request_line(head.substr(0, line_end), request, http11, method)) {
        return ScrapeRequest{};
    }
    request.keep_alive = http11;
    bool has_body = false;
    for (std::size_t at = line_end + 2; at < head.size(); at = line_end + 2) {
        line_end = head.find("\r\n", at);
        if (line_end == std::string_view::npos || line_end == at) {
            break;
        }
        const std::string_view line = head.substr(at, line_end - at);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            return ScrapeRequest{};
        }
        const std::string_view name = line.substr(0, colon);
        const std::string_view value = trim(line.substr(colon + 1));
        if (equals_nocase(name, "accept")) {
            request.format = format_for_accept(value);
        } else if (equals_nocase(name, "connection")) {
            if (contains_nocase(value, "close")) {
                request.keep_alive = false;
            } else if (contains_nocase(value, "keep-alive")) {
                request.keep_alive = true;
            }
        } else if (equals_nocase(name, "content-length")) {
            has_body = has_body || value != "0";
        } else if (equals_nocase(name, "transfer-encoding")) {
            has_body = true;
        }
    }
    request.head = method == "HEAD";
    if (method != "GET" && method != "HEAD") {
        request.kind = ScrapeRequest::Kind::bad_method;
    }
    if (has_body) {
        // Its body would be read as the next request: answer, then close.
        request.kind = request.kind == ScrapeRequest::Kind::bad_method
                           ? ScrapeRequest::Kind::bad_method
                           : ScrapeRequest::Kind::bad_request;
        request.keep_alive = false;
    }
    if (request.kind == ScrapeRequest::Kind::bad_method) {
        request.keep_alive = false;
    }
    return request;
}

std::string response_head(int status, std::string_view content_type, std::size_t content_length,
                          bool keep_alive) {
    std::string_view reason = "OK";
    switch (status) {
        case 200:
            break;
        case 400:
            reason = "Bad Request";
            break;
        case 404:
            reason = "Not Found";
            break;
        case 405:
            reason = "Method Not Allowed";
            break;
        case 431:
            reason = "Request Header Fields Too Large";
            break;
        default:
            BARRAGE_ASSERT(false);
    }
    return fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}Connection: {}\r\n\r\n",
        status, reason, content_type, content_length, status == 405 ? "Allow: GET, HEAD\r\n" : "",
        keep_alive ? "keep-alive" : "close");
}

int status_of(ScrapeRequest::Kind kind) {
    switch (kind) {
        case ScrapeRequest::Kind::metrics:
        case ScrapeRequest::Kind::page:
            return 200;
        case ScrapeRequest::Kind::not_found:
            return 404;
        case ScrapeRequest::Kind::bad_method:
            return 405;
        case ScrapeRequest::Kind::bad_request:
            return 400;
    }
    BARRAGE_ASSERT(false);
    return 400;
}

std::string_view error_body(ScrapeRequest::Kind kind) {
    switch (kind) {
        case ScrapeRequest::Kind::metrics:
        case ScrapeRequest::Kind::page:
            break;
        case ScrapeRequest::Kind::not_found:
            return "not found: the metrics are at /metrics (with --dashboard, the page at /)\n";
        case ScrapeRequest::Kind::bad_method:
            return "method not allowed: use GET or HEAD\n";
        case ScrapeRequest::Kind::bad_request:
            return "bad request\n";
    }
    BARRAGE_ASSERT(false);
    return "";
}

}  // namespace barrage::live
