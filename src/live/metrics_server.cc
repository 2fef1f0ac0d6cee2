// The metrics endpoint's thread: one poll over the wake-up eventfd, the
// listening socket and the clients. Non-blocking sockets, so a slow scraper
// never holds the others; nothing here touches the run's workers.

#include "barrage/live/metrics_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "barrage/base/assert.h"
#include "barrage/base/clock.h"
#include "barrage/live/scrape_request.h"

namespace barrage::live {

namespace {

using base::make_error;

struct Client {
    int fd = -1;
    std::string in;
    std::string out;
    std::size_t out_sent = 0;
    bool close_after = false;  // once `out` is sent
    int64_t active_ns = 0;     // when it last sent or received
};

constexpr int poll_timeout_ms = 1000;  // how often idle clients are looked at

std::string format_syntax(std::string_view flag, std::string_view text) {
    return fmt::format(
        "{} '{}': expected ADDR:PORT, e.g. 127.0.0.1:9464, [::1]:9464 or :9464 (every "
        "address); port 0 picks a free one",
        flag, text);
}

// The bound address of `fd` as host:port text (IPv6 in brackets).
std::string bound_text(int fd) {
    sockaddr_storage address{};
    socklen_t len = sizeof(address);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &len) != 0) {
        return "?";
    }
    char host[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
        ::inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
        return fmt::format("[{}]:{}", host, ntohs(v6->sin6_port));
    }
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
    return fmt::format("{}:{}", host, ntohs(v4->sin_port));
}

// A listening, non-blocking socket on the first address `address` resolves to.
base::Result<int> listen_on(std::string_view flag, const ListenAddress& address) {
    addrinfo hints{};
    hints.ai_family = address.host.empty() ? AF_INET : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(address.port);
    const int rc = ::getaddrinfo(address.host.empty() ? nullptr : address.host.c_str(),
                                 port.c_str(), &hints, &found);
    if (rc != 0 || found == nullptr) {
        return make_error(fmt::format("{} {}:{}: cannot resolve '{}': {}", flag, address.host,
                                      address.port, address.host, ::gai_strerror(rc)));
    }
    const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int error = fd < 0 ? errno : 0;
    if (fd >= 0) {
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
            error = errno;
            ::close(fd);
        }
    }
    ::freeaddrinfo(found);
    if (error != 0) {
        return make_error(fmt::format(
            "{} {}:{}: cannot listen: {}; pick another address or port (0: any free port)", flag,
            address.host, address.port, std::strerror(error)));
    }
    return fd;
}

// Sends what it can of `client.out` without blocking. False: the client is gone.
bool flush(Client& client) {
    while (client.out_sent < client.out.size()) {
        const ssize_t n = ::send(client.fd, client.out.data() + client.out_sent,
                                 client.out.size() - client.out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        }
        client.out_sent += static_cast<std::size_t>(n);
    }
    client.out.clear();
    client.out_sent = 0;
    return !client.close_after;
}

}  // namespace

base::Result<ListenAddress> parse_listen_address(std::string_view flag, std::string_view text) {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return make_error(format_syntax(flag, text));
    }
    std::string_view host = text.substr(0, colon);
    const std::string_view port_text = text.substr(colon + 1);
    if (host.starts_with('[') && host.ends_with(']')) {
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
        return make_error(format_syntax(flag, text));  // IPv6 needs its brackets
    }
    unsigned port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || error != std::errc{} || end != port_text.data() + port_text.size() ||
        port > 65535 || (host.empty() && text.starts_with('['))) {
        return make_error(format_syntax(flag, text));
    }
    return ListenAddress{std::string(host), static_cast<uint16_t>(port)};
}

base::Result<std::unique_ptr<MetricsServer>> MetricsServer::start(std::string_view flag,
                                                                  const ListenAddress& address,
                                                                  int64_t client_idle_ns_max,
                                                                  Serves serves) {
    BARRAGE_ASSERT(client_idle_ns_max > 0);
    auto fd = listen_on(flag, address);
    if (!fd) {
        return fd.error();
    }
    const int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd < 0) {
        ::close(fd.value());
        return make_error(fmt::format("{}: eventfd: {}", flag, std::strerror(errno)));
    }
    std::unique_ptr<MetricsServer> server(
        new MetricsServer(fd.value(), wake_fd,
                          fmt::format("http://{}/{}", bound_text(fd.value()),
                                      serves == Serves::metrics ? "metrics" : "")));
    server->idle_ns_max_ = client_idle_ns_max;
    server->serves_ = serves;
    // The thread inherits a mask that blocks every signal: SIGINT and SIGTERM
    // stay with the thread that waits for them.
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    server->thread_ = std::thread([s = server.get()] { s->serve(); });
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return server;
}

MetricsServer::MetricsServer(int listen_fd, int wake_fd, std::string url)
    : listen_fd_(listen_fd), wake_fd_(wake_fd), url_(std::move(url)) {}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::stop() {
    if (!thread_.joinable()) {
        return;
    }
    const uint64_t one = 1;
    const ssize_t written = ::write(wake_fd_, &one, sizeof(one));
    BARRAGE_ASSERT(written == sizeof(one));
    thread_.join();
    ::close(listen_fd_);
    ::close(wake_fd_);
}

void MetricsServer::publish(MetricsFrame frame) {
    auto shared = std::make_shared<const MetricsFrame>(std::move(frame));
    const std::lock_guard lock(mutex_);
    frame_ = std::move(shared);
}

std::shared_ptr<const std::string> MetricsServer::body_for(Format format) {
    std::shared_ptr<const MetricsFrame> frame;
    {
        const std::lock_guard lock(mutex_);
        frame = frame_;
    }
    // Only this thread renders, outside the lock: publish() never waits for a render.
    Rendered& rendered = rendered_[static_cast<std::size_t>(format)];
    if (!rendered.body || rendered.frame != frame) {
        // Before the first interval the run has no values yet: an empty answer
        // (valid in both formats).
        rendered.body = std::make_shared<const std::string>(
            frame ? render(*frame, format) : (format == Format::openmetrics ? "# EOF\n" : ""));
        rendered.frame = std::move(frame);
    }
    return rendered.body;
}

void MetricsServer::publish_page(std::shared_ptr<const PageSource> page) {
    BARRAGE_ASSERT(serves_ == Serves::page);
    const std::lock_guard lock(mutex_);
    page_ = std::move(page);
}

std::shared_ptr<const std::string> MetricsServer::page_body() {
    std::shared_ptr<const PageSource> page;
    {
        const std::lock_guard lock(mutex_);
        page = page_;
    }
    // As body_for: rendered here, outside the lock, once per published page.
    if (!page_rendered_.body || page_rendered_.page != page) {
        page_rendered_.body = std::make_shared<const std::string>(page ? page->render() : "");
        page_rendered_.page = std::move(page);
    }
    return page_rendered_.body;
}

namespace {

// Answers every complete request head in `client.in` (pipelined ones in
// order) until one asks to close; refuses a head that is too large.
template <typename BodyFor>
void answer_requests(Client& client, BodyFor&& body_for) {
    while (!client.close_after) {
        const std::size_t end = request_head_end(client.in);
        if (end == std::string::npos) {
            if (client.in.size() > MetricsServer::request_bytes_max) {
                const std::string_view body = "request head too large\n";
                client.out += response_head(431, "text/plain; charset=utf-8", body.size(), false);
                client.out += body;
                client.close_after = true;
            }
            return;
        }
        const ScrapeRequest request =
            parse_scrape_request(std::string_view(client.in).substr(0, end));
        client.in.erase(0, end);
        client.close_after = !request.keep_alive;
        // body_for answers null for the path this server does not serve (404).
        const std::shared_ptr<const std::string> body =
            request.kind == ScrapeRequest::Kind::metrics ||
                    request.kind == ScrapeRequest::Kind::page
                ? body_for(request)
                : nullptr;
        if (body) {
            client.out += response_head(200,
                                        request.kind == ScrapeRequest::Kind::page
                                            ? "text/html; charset=utf-8"
                                            : content_type(request.format),
                                        body->size(), request.keep_alive);
            if (!request.head) {
                client.out += *body;
            }
        } else {
            const ScrapeRequest::Kind kind = request.kind == ScrapeRequest::Kind::metrics ||
                                                     request.kind == ScrapeRequest::Kind::page
                                                 ? ScrapeRequest::Kind::not_found
                                                 : request.kind;
            const std::string_view text = error_body(kind);
            client.out += response_head(status_of(kind), "text/plain; charset=utf-8", text.size(),
                                        request.keep_alive);
            if (!request.head) {
                client.out += text;
            }
        }
    }
}

// Reads what arrived. False: the client closed or failed.
bool read_from(Client& client) {
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::recv(client.fd, buffer, sizeof(buffer), MSG_DONTWAIT);
        if (n > 0) {
            client.in.append(buffer, static_cast<std::size_t>(n));
            if (client.in.size() > 2 * MetricsServer::request_bytes_max) {
                return true;  // answer_requests refuses it
            }
            continue;
        }
        if (n == 0) {
            return false;
        }
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
}

// Answers and sends until the client's requests are answered or its socket is
// full. False: it is done (asked to close) or gone.
template <typename BodyFor>
bool progress(Client& client, BodyFor&& body_for) {
    for (;;) {
        answer_requests(client, body_for);
        if (client.out.empty()) {
            return !client.close_after;
        }
        if (!flush(client)) {
            return false;
        }
        if (!client.out.empty()) {
            return true;  // the socket is full: wait for POLLOUT
        }
    }
}

void accept_clients(int listen_fd, std::vector<Client>& clients) {
    for (;;) {
        const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return;  // EAGAIN: no more; anything else: the next poll tries again
        }
        if (clients.size() >= static_cast<std::size_t>(MetricsServer::clients_max)) {
            ::close(fd);  // bounded: a scraper beyond the limit is refused
            continue;
        }
        clients.push_back(Client{.fd = fd, .active_ns = base::now_ns()});
    }
}

// One poll's events for `clients` (their pollfds from `first` on): reads,
// answers, sends; the clients still open are returned.
template <typename BodyFor>
std::vector<Client> serve_clients(std::vector<Client>& clients, const pollfd* first,
                                  int64_t idle_ns_max, BodyFor&& body_for) {
    const int64_t now = base::now_ns();
    std::vector<Client> kept;
    for (std::size_t i = 0; i < clients.size(); ++i) {
        Client& client = clients[i];
        const short revents = first[i].revents;
        bool alive = (revents & (POLLERR | POLLNVAL)) == 0;
        if (alive && (revents & (POLLIN | POLLHUP)) != 0) {
            // A client that sent its request and shut down still gets the answer.
            const bool open = read_from(client);
            alive = progress(client, body_for) && open;
        } else if (alive && (revents & POLLOUT) != 0) {
            alive = progress(client, body_for);
        }
        if (revents != 0) {
            client.active_ns = now;
        }
        if (alive && now - client.active_ns < idle_ns_max) {
            kept.push_back(std::move(client));
        } else {
            ::close(client.fd);
        }
    }
    return kept;
}

}  // namespace

void MetricsServer::serve() {
    std::vector<Client> clients;
    std::vector<pollfd> fds;
    auto body_for_format =
        [this](const ScrapeRequest& request) -> std::shared_ptr<const std::string> {
        if (request.kind == ScrapeRequest::Kind::page) {
            return serves_ == Serves::page ? page_body() : nullptr;
        }
        return serves_ == Serves::metrics ? body_for(request.format) : nullptr;
    };
    for (;;) {
        fds.clear();
        fds.push_back(pollfd{.fd = wake_fd_, .events = POLLIN, .revents = 0});
        fds.push_back(pollfd{.fd = listen_fd_, .events = POLLIN, .revents = 0});
        for (const Client& client : clients) {
            const short events = client.out.empty() ? POLLIN : POLLOUT;
            fds.push_back(pollfd{.fd = client.fd, .events = events, .revents = 0});
        }
        if (::poll(fds.data(), fds.size(), poll_timeout_ms) < 0) {
            BARRAGE_ASSERT(errno == EINTR);
            continue;
        }
        if (fds[0].revents != 0) {
            break;
        }
        clients = serve_clients(clients, fds.data() + 2, idle_ns_max_, body_for_format);
        if (fds[1].revents != 0) {
            accept_clients(listen_fd_, clients);
        }
    }
    for (const Client& client : clients) {
        ::close(client.fd);
    }
}

}  // namespace barrage::live
