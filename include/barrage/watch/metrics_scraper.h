#pragma once
// Fetches a Prometheus text endpoint for --watch-url: one blocking GET per
// scrape, on the watcher's thread (never a load worker), with a deadline.

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "barrage/base/result.h"

namespace barrage::watch {

struct MetricsUrl {
    std::string host;  // without brackets for IPv6
    uint16_t port = 80;
    std::string path = "/metrics";  // path + query; "/metrics" when the URL has none
    std::string host_header;        // "host[:port]"
};

// "http://host[:port][/path]". Errors name the URL and what is wrong with it
// (https is refused: the endpoint is scraped in plain HTTP).
base::Result<MetricsUrl> parse_metrics_url(std::string_view text);

class MetricsScraper {
public:
    // Parses and resolves `url` (a host name is looked up once, here).
    // Errors start with "--watch-url URL: ".
    static base::Result<MetricsScraper> open(std::string_view url, int64_t timeout_ns);

    // The body of one 200 response. Errors: connect/read failures, the
    // deadline, a status other than 200, a body over 8 MiB.
    base::Result<std::string> fetch() const;

    const std::string& url_text() const { return url_text_; }

private:
    MetricsScraper() = default;

    std::string url_text_;
    MetricsUrl url_;
    sockaddr_storage address_{};
    socklen_t address_len_ = 0;
    int64_t timeout_ns_ = 0;
};

}  // namespace barrage::watch
