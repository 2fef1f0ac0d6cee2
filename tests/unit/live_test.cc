#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "barrage/live/exposition.h"
#include "barrage/live/metrics_frame.h"
#include "barrage/live/metrics_server.h"
#include "barrage/live/scrape_request.h"
#include "barrage/stats/histogram.h"
#include "barrage/watch/prometheus_text.h"
#include "test_support.h"

namespace live = barrage::live;
namespace stats = barrage::stats;
using barrage::test::contains;

namespace {

// The lines of `text` that start with `prefix`, in order.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
    std::vector<std::string> found;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = text.find('\n', at);
        const std::string line = text.substr(at, end - at);
        if (line.starts_with(prefix)) {
            found.push_back(line);
        }
        at = end == std::string::npos ? text.size() : end + 1;
    }
    return found;
}

live::MetricsFrame sample_frame() {
    live::MetricsFrame frame;
    frame.run_id = "abc";
    frame.counters.requests_sent = 10;
    frame.counters.requests_completed = 7;
    frame.counters.requests_errors = 2;
    frame.counters.request_failures[static_cast<std::size_t>(stats::ErrorKind::timeout)] = 2;
    frame.counters.errors[static_cast<std::size_t>(stats::ErrorKind::timeout)] = 2;
    frame.counters.errors[static_cast<std::size_t>(stats::ErrorKind::connect)] = 3;
    frame.counters.status_class[2] = 6;
    frame.counters.status_class[5] = 1;
    frame.counters.stall_ns = 1'500'000'000;
    frame.by_name.push_back({"login", 6, 5, 1});
    frame.by_name.push_back({"a \"quoted\\\" \nname", 4, 2, 1});
    return frame;
}

// A socket connected to `url`'s port on 127.0.0.1.
int connect_to(const std::string& url) {
    const std::size_t colon = url.rfind(':');
    const int port = std::stoi(url.substr(colon + 1));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    return fd;
}

// Sends `request`, reads until `responses` answers are complete (by
// Content-Length) or the server closes.
std::string exchange(int fd, const std::string& request, int responses) {
    REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
    std::string got;
    char buffer[4096];
    int complete = 0;
    while (complete < responses) {
        const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
        if (n <= 0) {
            break;
        }
        got.append(buffer, static_cast<std::size_t>(n));
        complete = 0;
        std::size_t at = 0;
        for (;;) {
            const std::size_t head_end = got.find("\r\n\r\n", at);
            if (head_end == std::string::npos) {
                break;
            }
            const std::size_t cl = got.find("Content-Length: ", at);
            const std::size_t length = std::stoul(got.substr(cl + 16));
            const bool head_only = request.starts_with("HEAD");
            const std::size_t end = head_end + 4 + (head_only ? 0 : length);
            if (end > got.size()) {
                break;
            }
            ++complete;
            at = end;
        }
    }
    return got;
}

}  // namespace

TEST_CASE("label values escape backslash, double quote and newline, and nothing else") {
    CHECK(live::escape_label_value("plain") == "plain");
    CHECK(live::escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
    CHECK(live::escape_label_value("tab\tand é") == "tab\tand é");
}

TEST_CASE("the text format has HELP and TYPE under the sample name and no EOF") {
    const std::string text = live::render(sample_frame(), live::Format::prometheus_text);
    CHECK(contains(text,
                   "# HELP barrage_requests_sent_total Requests sent (measured period).\n"
                   "# TYPE barrage_requests_sent_total counter\n"
                   "barrage_requests_sent_total{run_id=\"abc\"} 10\n"));
    CHECK(contains(
        text, "# TYPE barrage_run_info gauge\nbarrage_run_info{run_id=\"abc\",loop=\"open\"} 1\n"));
    CHECK(contains(text, "barrage_requests_failed_total{run_id=\"abc\",kind=\"timeout\"} 2\n"));
    CHECK(contains(text, "barrage_connection_errors_total{run_id=\"abc\",kind=\"connect\"} 3\n"));
    CHECK(contains(text, "barrage_responses_total{run_id=\"abc\",class=\"5xx\"} 1\n"));
    CHECK(contains(text, "barrage_generator_stall_seconds_total{run_id=\"abc\"} 1.5\n"));
    CHECK(!contains(text, "# UNIT"));
    CHECK(!contains(text, "# EOF"));
    CHECK(!contains(text, "shard="));
    // Every family has its HELP right before its TYPE.
    CHECK(lines_starting(text, "# HELP").size() == lines_starting(text, "# TYPE").size());
}

TEST_CASE("OpenMetrics names counter families without _total, gives units and ends with EOF") {
    const std::string text = live::render(sample_frame(), live::Format::openmetrics);
    CHECK(contains(text,
                   "# TYPE barrage_requests_sent counter\n"
                   "barrage_requests_sent_total{run_id=\"abc\"} 10\n"));
    CHECK(contains(text, "# TYPE barrage_run info\nbarrage_run_info{"));
    CHECK(contains(text,
                   "# TYPE barrage_latency_seconds histogram\n"
                   "# UNIT barrage_latency_seconds seconds\n"));
    CHECK(contains(text,
                   "# TYPE barrage_generator_stall_seconds counter\n"
                   "# UNIT barrage_generator_stall_seconds seconds\n"));
    CHECK(text.ends_with("\n# EOF\n"));
    CHECK(lines_starting(text, "# EOF").size() == 1);
}

TEST_CASE("a request name with quotes, backslashes and newlines is escaped in its label") {
    const std::string text = live::render(sample_frame(), live::Format::prometheus_text);
    CHECK(contains(text, "barrage_name_requests_sent_total{run_id=\"abc\",name=\"login\"} 6\n"));
    CHECK(contains(text,
                   "barrage_name_requests_sent_total{run_id=\"abc\",name=\"a "
                   "\\\"quoted\\\\\\\" \\nname\"} 4\n"));
    // No raw newline inside a sample line: every line is a comment or a sample.
    for (const std::string& line : lines_starting(text, "")) {
        CHECK((line.starts_with("# ") || line.starts_with("barrage_")));
    }
}

TEST_CASE("a sharded run labels every sample with its shard") {
    live::MetricsFrame frame = sample_frame();
    frame.shard_index = 2;
    frame.shard_count = 4;
    const std::string text = live::render(frame, live::Format::prometheus_text);
    const auto samples = lines_starting(text, "barrage_");
    REQUIRE(!samples.empty());
    for (const std::string& line : samples) {
        CHECK(contains(line, "{run_id=\"abc\",shard=\"2\""));
    }
}

TEST_CASE("histogram buckets are cumulative, +Inf is the count, and the sum is in seconds") {
    stats::Histogram histogram = stats::Histogram::for_latency_us();
    histogram.record_value(50);         // 50 us: below the first bound (100 us)
    histogram.record_value(1000);       // 1 ms: exactly on a bound counts below it
    histogram.record_value(1500);       // 1.5 ms: le 2 ms
    histogram.record_value(3'000'000);  // 3 s: le 5 s
    const live::Buckets buckets = live::buckets_of(histogram, 2);
    CHECK(buckets.at_or_below[0] == 1);   // le 0.0001
    CHECK(buckets.at_or_below[2] == 1);   // le 0.0005
    CHECK(buckets.at_or_below[3] == 2);   // le 0.001
    CHECK(buckets.at_or_below[4] == 3);   // le 0.002
    CHECK(buckets.at_or_below[13] == 3);  // le 2
    CHECK(buckets.at_or_below[14] == 4);  // le 5
    CHECK(buckets.at_or_below.back() == 4);
    CHECK(buckets.count == 6);  // two unanswered: only in +Inf
    CHECK(buckets.sum_s == doctest::Approx(3.00255).epsilon(0.001));
    for (std::size_t i = 1; i < buckets.at_or_below.size(); ++i) {
        CHECK(buckets.at_or_below[i] >= buckets.at_or_below[i - 1]);
    }

    live::MetricsFrame frame = sample_frame();
    frame.latency = buckets;
    const std::string text = live::render(frame, live::Format::prometheus_text);
    CHECK(contains(text, "barrage_latency_seconds_bucket{run_id=\"abc\",le=\"0.001\"} 2\n"));
    CHECK(contains(text,
                   "barrage_latency_seconds_bucket{run_id=\"abc\",le=\"100\"} 4\n"
                   "barrage_latency_seconds_bucket{run_id=\"abc\",le=\"+Inf\"} 6\n"
                   "barrage_latency_seconds_count{run_id=\"abc\"} 6\n"
                   "barrage_latency_seconds_sum{run_id=\"abc\"} "));
}

TEST_CASE("an empty histogram has zero buckets, count and sum") {
    const live::Buckets buckets = live::buckets_of(stats::Histogram::for_latency_us());
    CHECK(buckets.count == 0);
    CHECK(buckets.sum_s == 0);
    CHECK(buckets.at_or_below.back() == 0);
}

TEST_CASE("summary quantiles are NaN without data and +Inf where an unanswered request ranks") {
    stats::Histogram histogram = stats::Histogram::for_latency_us();
    for (int i = 1; i <= 100; ++i) {
        histogram.record_value(i * 1000);
    }
    const live::Quantiles answered = live::quantiles_of(histogram);
    CHECK(answered[0] == doctest::Approx(0.050).epsilon(0.002));
    CHECK(answered[3] == doctest::Approx(0.099).epsilon(0.002));
    // 6 unanswered of 106: the p95 rank (101) and the p99 rank (105) fall among them.
    const live::Quantiles judged = live::judged_quantiles_of(histogram, 6);
    CHECK(std::isfinite(judged[0]));
    CHECK(std::isfinite(judged[1]));
    CHECK(std::isinf(judged[2]));
    CHECK(std::isinf(judged[3]));
    const live::Quantiles none = live::quantiles_of(stats::Histogram::for_latency_us());
    CHECK(std::isnan(none[0]));

    live::MetricsFrame frame = sample_frame();
    frame.interval_judged_latency = judged;
    frame.interval_latency = none;
    const std::string text = live::render(frame, live::Format::prometheus_text);
    CHECK(contains(text,
                   "barrage_interval_judged_latency_seconds{run_id=\"abc\",quantile=\"0.99\"} "
                   "+Inf\n"));
    CHECK(
        contains(text, "barrage_interval_latency_seconds{run_id=\"abc\",quantile=\"0.5\"} NaN\n"));
}

TEST_CASE("closed and open loop show users or the target rate") {
    live::MetricsFrame frame = sample_frame();
    frame.closed_loop = true;
    frame.gauges = stats::Gauges{3, 1, 2};
    std::string text = live::render(frame, live::Format::prometheus_text);
    CHECK(contains(text, "barrage_users_active{run_id=\"abc\"} 4\n"));
    CHECK(contains(text, "barrage_requests_in_flight{run_id=\"abc\"} 2\n"));
    CHECK(!contains(text, "barrage_target_rate_requests_per_second"));
    frame.closed_loop = false;
    frame.target_rate_rps = 250.5;
    text = live::render(frame, live::Format::prometheus_text);
    CHECK(!contains(text, "barrage_users_active"));
    CHECK(contains(text, "barrage_target_rate_requests_per_second{run_id=\"abc\"} 250.5\n"));
}

TEST_CASE("the Accept header picks OpenMetrics, as Prometheus sends it") {
    CHECK(live::format_for_accept("application/openmetrics-text;version=1.0.0,application/"
                                  "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;"
                                  "q=0.5,*/*;q=0.1") == live::Format::openmetrics);
    CHECK(live::format_for_accept("text/plain") == live::Format::prometheus_text);
    CHECK(live::format_for_accept("") == live::Format::prometheus_text);
}

TEST_CASE("scrape requests: path, method, keep-alive by version and Connection, bodies") {
    using Kind = live::ScrapeRequest::Kind;
    auto parse = [](const std::string& head) { return live::parse_scrape_request(head); };
    live::ScrapeRequest r = parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(r.kind == Kind::metrics);
    CHECK(r.keep_alive);
    CHECK(!r.head);
    CHECK(parse("GET /metrics?x=1 HTTP/1.1\r\n\r\n").kind == Kind::metrics);
    CHECK(parse("GET / HTTP/1.1\r\n\r\n").kind == Kind::page);
    CHECK(parse("GET /index.html?x HTTP/1.1\r\n\r\n").kind == Kind::page);
    CHECK(parse("GET /index.htm HTTP/1.1\r\n\r\n").kind == Kind::not_found);
    CHECK(parse("GET /metricsx HTTP/1.1\r\n\r\n").kind == Kind::not_found);
    CHECK(parse("HEAD /metrics HTTP/1.1\r\n\r\n").head);
    CHECK(!parse("GET /metrics HTTP/1.1\r\nconnection: Close\r\n\r\n").keep_alive);
    CHECK(!parse("GET /metrics HTTP/1.0\r\n\r\n").keep_alive);
    CHECK(parse("GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
    r = parse("POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\n");
    CHECK(r.kind == Kind::bad_method);
    CHECK(!r.keep_alive);
    CHECK(parse("GET /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\n").kind == Kind::bad_request);
    CHECK(parse("nonsense\r\n\r\n").kind == Kind::bad_request);
    CHECK(parse("GET /metrics HTTP/2\r\n\r\n").kind == Kind::bad_request);
    CHECK(parse("GET /metrics HTTP/1.1\r\nno colon\r\n\r\n").kind == Kind::bad_request);
    CHECK(live::parse_scrape_request("GET /metrics HTTP/1.1\r\nAccept: "
                                     "application/openmetrics-text\r\n\r\n")
              .format == live::Format::openmetrics);
    CHECK(live::request_head_end("GET / HTTP/1.1\r\n") == std::string::npos);
    CHECK(live::request_head_end("GET / HTTP/1.1\r\n\r\nGET") == 18);
}

TEST_CASE("listen addresses: host and port, brackets for IPv6, an empty host, errors") {
    auto parsed = live::parse_listen_address("--metrics-listen", "127.0.0.1:9464");
    REQUIRE(parsed.ok());
    CHECK(parsed.value().host == "127.0.0.1");
    CHECK(parsed.value().port == 9464);
    parsed = live::parse_listen_address("--metrics-listen", "[::1]:0");
    REQUIRE(parsed.ok());
    CHECK(parsed.value().host == "::1");
    CHECK(parsed.value().port == 0);
    parsed = live::parse_listen_address("--metrics-listen", ":9464");
    REQUIRE(parsed.ok());
    CHECK(parsed.value().host.empty());
    for (const char* bad :
         {"9464", "127.0.0.1:", "127.0.0.1:70000", "::1:9464", "host:x", "127.0.0.1:-1", ""}) {
        const auto refused = live::parse_listen_address("--metrics-listen", bad);
        REQUIRE(!refused.ok());
        CHECK(contains(refused.error().message, "--metrics-listen"));
        CHECK(contains(refused.error().message, "expected ADDR:PORT"));
    }
}

TEST_CASE("the server answers scrapes with the latest frame, keeps alive, 404s and closes") {
    auto started = live::MetricsServer::start("--metrics-listen", {"127.0.0.1", 0});
    REQUIRE(started.ok());
    live::MetricsServer& server = *started.value();
    CHECK(server.url().starts_with("http://127.0.0.1:"));
    CHECK(server.url().ends_with("/metrics"));
    const int fd = connect_to(server.url().substr(0, server.url().size() - 8));
    // Before any frame: an empty answer.
    std::string got = exchange(fd, "GET /metrics HTTP/1.1\r\n\r\n", 1);
    CHECK(got.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(contains(got, "Content-Length: 0\r\n"));
    server.publish(sample_frame());
    // Two pipelined requests on the kept-alive connection, the second one 404.
    got = exchange(fd, "GET /metrics HTTP/1.1\r\n\r\nGET /other HTTP/1.1\r\n\r\n", 2);
    CHECK(contains(got, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    CHECK(contains(got, "barrage_requests_sent_total{run_id=\"abc\"} 10\n"));
    CHECK(contains(got, "HTTP/1.1 404 Not Found\r\n"));
    live::MetricsFrame next = sample_frame();
    next.counters.requests_sent = 11;
    server.publish(next);
    got = exchange(fd, "HEAD /metrics HTTP/1.1\r\nAccept: application/openmetrics-text\r\n\r\n", 1);
    CHECK(contains(got, "Content-Type: application/openmetrics-text; version=1.0.0"));
    CHECK(!contains(got, "barrage_requests_sent"));  // HEAD: no body
    got = exchange(fd, "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n", 1);
    CHECK(contains(got, "barrage_requests_sent_total{run_id=\"abc\"} 11\n"));
    CHECK(contains(got, "Connection: close\r\n"));
    char byte = 0;
    CHECK(::recv(fd, &byte, 1, 0) == 0);  // the server closed it
    ::close(fd);
    // A second scraper while a first stays connected.
    const int first = connect_to(server.url().substr(0, server.url().size() - 8));
    const int second = connect_to(server.url().substr(0, server.url().size() - 8));
    CHECK(contains(exchange(second, "GET /metrics HTTP/1.1\r\n\r\n", 1), " 11\n"));
    CHECK(contains(exchange(first, "GET /metrics HTTP/1.0\r\n\r\n", 1), " 11\n"));
    ::close(first);
    ::close(second);
    server.stop();
    server.stop();  // idempotent
}

namespace {
// A page that counts its renders.
class CountingPage : public live::PageSource {
public:
    explicit CountingPage(std::string text) : text_(std::move(text)) {}
    std::string render() const override {
        ++renders;
        return text_;
    }
    mutable int renders = 0;

private:
    std::string text_;
};
}  // namespace

TEST_CASE("a dashboard server answers / with the latest page, rendered once each; no /metrics") {
    auto started = live::MetricsServer::start("--dashboard", {"127.0.0.1", 0},
                                              live::MetricsServer::client_idle_ns_default,
                                              live::MetricsServer::Serves::page);
    REQUIRE(started.ok());
    live::MetricsServer& server = *started.value();
    CHECK(server.url().ends_with("/"));
    CHECK(!server.url().ends_with("//"));
    auto first = std::make_shared<CountingPage>("<p>one</p>");
    server.publish_page(first);
    const int fd = connect_to(server.url().substr(0, server.url().size() - 1));
    std::string got = exchange(fd, "GET / HTTP/1.1\r\n\r\nGET /index.html HTTP/1.1\r\n\r\n", 2);
    CHECK(contains(got, "Content-Type: text/html; charset=utf-8\r\n"));
    CHECK(contains(got, "<p>one</p>HTTP/1.1 200 OK"));
    CHECK(first->renders == 1);  // the second request reused the rendering
    server.publish_page(std::make_shared<CountingPage>("<p>two</p>"));
    got = exchange(fd, "GET /metrics HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n", 2);
    CHECK(got.starts_with("HTTP/1.1 404 Not Found\r\n"));
    CHECK(contains(got, "<p>two</p>"));
    ::close(fd);
    server.stop();
}

TEST_CASE("a metrics server answers / with 404") {
    auto started = live::MetricsServer::start("--metrics-listen", {"127.0.0.1", 0});
    REQUIRE(started.ok());
    const std::string& url = started.value()->url();
    const int fd = connect_to(url.substr(0, url.size() - 8));
    CHECK(exchange(fd, "GET / HTTP/1.1\r\n\r\n", 1).starts_with("HTTP/1.1 404 Not Found\r\n"));
    ::close(fd);
}

TEST_CASE("a busy port is refused with the flag, the address and what to do") {
    auto first = live::MetricsServer::start("--metrics-listen", {"127.0.0.1", 0});
    REQUIRE(first.ok());
    const std::string url = first.value()->url();
    const auto port = static_cast<uint16_t>(
        std::stoi(url.substr(url.rfind(':') + 1, url.size() - url.rfind(':') - 9)));
    auto second = live::MetricsServer::start("--metrics-listen", {"127.0.0.1", port});
    REQUIRE(!second.ok());
    CHECK(contains(second.error().message, "--metrics-listen 127.0.0.1:"));
    CHECK(contains(second.error().message, "Address already in use"));
    CHECK(contains(second.error().message, "0: any free port"));
}

TEST_CASE("a scraper that stays silent past the idle limit is closed; the next one is served") {
    constexpr int64_t idle_ns = 300'000'000;
    auto started = live::MetricsServer::start("--metrics-listen", {"127.0.0.1", 0}, idle_ns);
    REQUIRE(started.ok());
    const std::string url = started.value()->url();
    const int silent = connect_to(url.substr(0, url.size() - 8));
    // The server looks at idle clients once a second; give it a few.
    timeval wait{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(silent, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
    char byte = 0;
    CHECK(::recv(silent, &byte, 1, 0) == 0);  // closed by the server, not timed out here
    ::close(silent);
    const int next = connect_to(url.substr(0, url.size() - 8));
    CHECK(contains(exchange(next, "GET /metrics HTTP/1.1\r\n\r\n", 1), "200 OK"));
    ::close(next);
}

TEST_CASE("the text format reads back through --watch-url's parser, value for value") {
    live::MetricsFrame frame = sample_frame();
    frame.interval_latency = live::no_quantiles;
    const std::string text = live::render(frame, live::Format::prometheus_text);
    const std::vector<std::string> names = {"barrage_requests_sent_total",
                                            "barrage_name_requests_sent_total",
                                            "barrage_interval_latency_seconds"};
    const auto series = barrage::watch::parse_prometheus_text(text, names);
    REQUIRE(series.size() == 1 + 2 + 4);
    CHECK(series[0].key == "barrage_requests_sent_total{run_id=\"abc\"}");
    CHECK(series[0].value == 10);
    CHECK(series[2].value == 4);  // the name with quotes, backslashes and a newline
    CHECK(std::isnan(series[3].value));
    // Every sample line parses: as many as the text has.
    std::vector<std::string> every;
    for (const std::string& line : lines_starting(text, "barrage_")) {
        const std::string name = line.substr(0, line.find('{'));
        if (std::find(every.begin(), every.end(), name) == every.end()) {
            every.push_back(name);
        }
    }
    CHECK(barrage::watch::parse_prometheus_text(text, every).size() ==
          lines_starting(text, "barrage_").size());
}
