#pragma once
// The --metrics-listen endpoint: a small HTTP/1.1 server on its own thread
// (blocking sockets and poll, never the workers' rings) that answers
// GET /metrics (and HEAD) with the latest published MetricsFrame, rendered on
// this thread, in the format the Accept header asks for. The --dashboard
// endpoint is the same server answering GET / with the latest published
// PageSource, rendered on this thread too. Other paths get 404,
// other methods 405. Keeps connections alive (HTTP/1.1, unless `Connection:
// close`) and serves several scrapers at once, up to clients_max.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "barrage/base/result.h"
#include "barrage/live/exposition.h"
#include "barrage/live/metrics_frame.h"

namespace barrage::live {

// Where to listen, as given: "127.0.0.1:9464", "[::1]:9464", "localhost:9464",
// or ":9464" (every IPv4 address). Port 0: any free port.
struct ListenAddress {
    std::string host;  // "" = every address
    uint16_t port = 0;
};

// Errors name `flag` and say what is expected. No system call.
base::Result<ListenAddress> parse_listen_address(std::string_view flag, std::string_view text);

// A page the --dashboard endpoint serves at /: the caller's data, turned into
// HTML on the endpoint's thread when a browser asks (once per published page).
class PageSource {
public:
    virtual ~PageSource() = default;
    virtual std::string render() const = 0;
};

class MetricsServer {
public:
    // What the server answers: /metrics (--metrics-listen) or / (--dashboard).
    enum class Serves { metrics, page };

    static constexpr int clients_max = 64;
    static constexpr std::size_t request_bytes_max = 16 * 1024;

    // A scraper that neither asks nor reads for this long is closed, so a
    // stuck client cannot keep its slot (of clients_max) from the next one.
    static constexpr int64_t client_idle_ns_default = 60'000'000'000;

    // Binds and listens (errors: the address does not resolve, is busy, or
    // cannot be bound; each names `flag`), then starts the thread. Signals are
    // blocked on that thread: SIGINT stays the run's.
    static base::Result<std::unique_ptr<MetricsServer>> start(
        std::string_view flag, const ListenAddress& address,
        int64_t client_idle_ns_max = client_idle_ns_default, Serves serves = Serves::metrics);
    ~MetricsServer();  // stop()
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // The bound address as a URL: "http://127.0.0.1:40123/metrics" (Serves::page:
    // "http://127.0.0.1:40123/").
    const std::string& url() const { return url_; }

    // Makes `frame` what scrapes answer from now on (any thread; cheap: a
    // pointer swap under the mutex, the rendering happens on scrape).
    void publish(MetricsFrame frame);

    // Makes `page` what GET / answers from now on (Serves::page; any thread;
    // a pointer swap, `page` renders on the endpoint's thread when asked).
    void publish_page(std::shared_ptr<const PageSource> page);

    // Stops the thread and closes every socket. Idempotent.
    void stop();

private:
    MetricsServer(int listen_fd, int wake_fd, std::string url);
    void serve();
    // The answer to one scrape, rendered once per published frame and format.
    std::shared_ptr<const std::string> body_for(Format format);
    std::shared_ptr<const std::string> page_body();

    int listen_fd_;
    int wake_fd_;  // eventfd: stop() wakes the poll
    int64_t idle_ns_max_ = client_idle_ns_default;
    std::string url_;
    std::mutex mutex_;  // guards frame_ and rendered_
    std::shared_ptr<const MetricsFrame> frame_;
    struct Rendered {
        std::shared_ptr<const MetricsFrame> frame;  // what `body` was rendered from
        std::shared_ptr<const std::string> body;
    };
    Rendered rendered_[2];  // by Format
    Serves serves_ = Serves::metrics;
    std::shared_ptr<const PageSource> page_;  // guarded by mutex_
    struct RenderedPage {
        std::shared_ptr<const PageSource> page;  // what `body` was rendered from
        std::shared_ptr<const std::string> body;
    } page_rendered_;
    std::thread thread_;
};

}  // namespace barrage::live
