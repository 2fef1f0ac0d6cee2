#pragma once
// One HTTP/1.1 request to the metrics endpoint, read from its head, and the
// head of the answer. Pure text: the server (metrics_server.h) does the I/O.

#include <cstddef>
#include <string>
#include <string_view>

#include "barrage/live/exposition.h"

namespace barrage::live {

struct ScrapeRequest {
    // metrics: GET or HEAD /metrics (any query); page: / or /index.html (the
    // --dashboard page); the others answer 404, 405 (a method other than GET
    // or HEAD) or 400 (not an HTTP/1.x request head).
    enum class Kind { metrics, not_found, bad_method, bad_request, page };
    Kind kind = Kind::bad_request;
    bool head = false;        // HEAD: the answer without its body
    bool keep_alive = false;  // HTTP/1.1 unless `Connection: close`; 1.0 with `keep-alive`
    Format format = Format::prometheus_text;  // from the Accept header
};

// The end of the first request head in `buffer` (just past its blank line),
// or npos while it is incomplete.
std::size_t request_head_end(std::string_view buffer);

// `head`: one request head, up to and including its blank line. A request
// with a body (Content-Length > 0 or chunked) is bad_method or bad_request:
// scrapes have none, so the server answers and closes instead of reading it.
ScrapeRequest parse_scrape_request(std::string_view head);

// The answer's status line and headers, blank line included.
std::string response_head(int status, std::string_view content_type, std::size_t content_length,
                          bool keep_alive);

// The status code of a request's kind, and the body of an answer that is not metrics.
int status_of(ScrapeRequest::Kind kind);
std::string_view error_body(ScrapeRequest::Kind kind);

}  // namespace barrage::live
