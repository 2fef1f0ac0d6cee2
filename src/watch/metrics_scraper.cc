#include "barrage/watch/metrics_scraper.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "barrage/base/clock.h"

namespace barrage::watch {
namespace {

using base::make_error;
using base::Result;
using base::Status;

constexpr std::size_t response_bytes_max = 8 * 1024 * 1024;

// Closes the socket on every return path.
struct Socket {
    int fd = -1;
    ~Socket() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

// Waits until `fd` is ready for `events` or the deadline passes; false on timeout.
bool wait_ready(int fd, short events, int64_t deadline_ns) {
    while (true) {
        const int64_t left_ms = (deadline_ns - base::now_ns()) / base::ns_per_ms;
        if (left_ms <= 0) {
            return false;
        }
        pollfd entry{fd, events, 0};
        const int ready = ::poll(&entry, 1, static_cast<int>(left_ms));
        if (ready > 0) {
            return true;
        }
        if (ready < 0 && errno != EINTR) {
            return false;
        }
    }
}

Result<int> connect_before(const sockaddr_storage& address, socklen_t length, int64_t deadline) {
    const int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return make_error(fmt::format("socket: {}", std::strerror(errno)));
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0 &&
        errno != EINPROGRESS) {
        const int error = errno;
        ::close(fd);
        return make_error(fmt::format("connect: {}", std::strerror(error)));
    }
    int error = 0;
    socklen_t error_len = sizeof(error);
    if (!wait_ready(fd, POLLOUT, deadline)) {
        ::close(fd);
        return make_error("connect: timed out");
    }
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_len);
    if (error != 0) {
        ::close(fd);
        return make_error(fmt::format("connect: {}", std::strerror(error)));
    }
    return fd;
}

Status send_all(int fd, std::string_view data, int64_t deadline) {
    while (!data.empty()) {
        const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (sent < 0 && errno == EAGAIN && wait_ready(fd, POLLOUT, deadline)) {
            continue;
        }
        if (sent < 0 && errno != EINTR) {
            return make_error(fmt::format("send: {}", std::strerror(errno)));
        }
        data.remove_prefix(static_cast<std::size_t>(std::max<ssize_t>(sent, 0)));
    }
    return base::Ok{};
}

Result<std::string> receive_all(int fd, int64_t deadline) {
    std::string response;
    std::array<char, 16 * 1024> chunk{};
    while (response.size() <= response_bytes_max) {
        const ssize_t got = ::recv(fd, chunk.data(), chunk.size(), 0);
        if (got > 0) {
            response.append(chunk.data(), static_cast<std::size_t>(got));
        } else if (got == 0) {
            return response;
        } else if (errno == EAGAIN) {
            if (!wait_ready(fd, POLLIN, deadline)) {
                return make_error("no complete response within the timeout");
            }
        } else if (errno != EINTR) {
            return make_error(fmt::format("recv: {}", std::strerror(errno)));
        }
    }
    return make_error(
        fmt::format("the response is larger than {} MiB", response_bytes_max / (1024 * 1024)));
}

// The body of a "HTTP/1.x 200" response (the request was HTTP/1.0: no chunked encoding).
Result<std::string> take_body(const std::string& response) {
    const auto head_end = response.find("\r\n\r\n");
    if (!response.starts_with("HTTP/1.") || head_end == std::string::npos || response.size() < 12) {
        return make_error("the answer is not an HTTP/1.x response");
    }
    if (response.compare(8, 4, " 200") != 0) {
        return make_error(
            fmt::format("status '{}', expected 200", response.substr(9, response.find('\r') - 9)));
    }
    return response.substr(head_end + 4);
}

}  // namespace

Result<MetricsUrl> parse_metrics_url(std::string_view text) {
    const auto bad = [&](std::string_view why) {
        return make_error(
            fmt::format("--watch-url {}: {}; write http://HOST[:PORT]/PATH, e.g. "
                        "http://127.0.0.1:9100/metrics",
                        text, why));
    };
    std::string_view rest = text;
    if (rest.starts_with("https://")) {
        return bad("https is not supported for scraping");
    }
    if (!rest.starts_with("http://")) {
        return bad("it does not start with http://");
    }
    rest.remove_prefix(7);
    const auto slash = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, slash);
    MetricsUrl url;
    if (slash != std::string_view::npos) {
        url.path = rest[slash] == '/' ? std::string(rest.substr(slash))
                                      : "/" + std::string(rest.substr(slash));
    }
    url.host_header = std::string(authority);
    std::string_view port_text;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return bad("the IPv6 address has no closing ']'");
        }
        url.host = std::string(authority.substr(1, close - 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) {
            return bad("expected ':PORT' after the IPv6 address");
        }
        port_text = after.empty() ? after : after.substr(1);
    } else {
        const auto colon = authority.rfind(':');
        url.host = std::string(authority.substr(0, colon));
        port_text =
            colon == std::string_view::npos ? std::string_view{} : authority.substr(colon + 1);
        if (colon != std::string_view::npos && port_text.empty()) {
            return bad("the port after ':' is empty");
        }
    }
    if (url.host.empty()) {
        return bad("the host is empty");
    }
    if (!port_text.empty()) {
        int port = 0;
        const auto [end, error] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (error != std::errc{} || end != port_text.data() + port_text.size() || port < 1 ||
            port > 65535) {
            return bad(fmt::format("'{}' is not a port (1 to 65535)", port_text));
        }
        url.port = static_cast<uint16_t>(port);
    }
    return url;
}

Result<MetricsScraper> MetricsScraper::open(std::string_view url_text, int64_t timeout_ns) {
    auto url = parse_metrics_url(url_text);
    if (!url) {
        return url.error();
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(url.value().port);
    const int code = ::getaddrinfo(url.value().host.c_str(), port.c_str(), &hints, &found);
    if (code != 0 || found == nullptr) {
        return make_error(fmt::format("--watch-url {}: cannot resolve '{}': {}", url_text,
                                      url.value().host, ::gai_strerror(code)));
    }
    MetricsScraper scraper;
    std::memcpy(&scraper.address_, found->ai_addr, found->ai_addrlen);
    scraper.address_len_ = found->ai_addrlen;
    ::freeaddrinfo(found);
    scraper.url_text_ = std::string(url_text);
    scraper.url_ = std::move(url).value();
    scraper.timeout_ns_ = timeout_ns;
    return scraper;
}

// HTTP/1.0 on purpose: the answer then ends at the connection's close and is
// never chunked, and every Prometheus exporter speaks it.
Result<std::string> MetricsScraper::fetch() const {
    const int64_t deadline = base::now_ns() + timeout_ns_;
    auto fd = connect_before(address_, address_len_, deadline);
    if (!fd) {
        return fd.error();
    }
    Socket socket{fd.value()};
    const std::string request = fmt::format(
        "GET {} HTTP/1.0\r\nHost: {}\r\nAccept: text/plain\r\nUser-Agent: barrage/{}\r\n\r\n",
        url_.path, url_.host_header, BARRAGE_VERSION);
    if (auto status = send_all(socket.fd, request, deadline); !status) {
        return status.error();
    }
    auto response = receive_all(socket.fd, deadline);
    if (!response) {
        return response.error();
    }
    return take_body(response.value());
}

}  // namespace barrage::watch
