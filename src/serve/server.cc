#include "barrage/serve/server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "barrage/base/assert.h"
#include "barrage/io/ring.h"
#include "server_thread_impl.h"

namespace barrage::serve {
namespace {

using detail::Shared;

constexpr int listen_backlog = 4096;

// One SO_REUSEPORT socket per thread, all on the port the first one got.
struct ListenSockets {
    std::vector<int> fds;
    uint16_t port = 0;

    ListenSockets() = default;
    ListenSockets(const ListenSockets&) = delete;
    ListenSockets& operator=(const ListenSockets&) = delete;
    ~ListenSockets() {
        for (int fd : fds) {
            ::close(fd);
        }
    }
    base::Status open(sockaddr_storage address, socklen_t len, int count);
};

// SO_REUSEPORT would let a second server join a port already taken by another
// one and silently take half its connections; a plain bind first refuses that.
base::Status check_port_free(const sockaddr* sa, socklen_t len) {
    const int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return base::make_error(fmt::format("cannot create socket: {}", std::strerror(errno)));
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));  // TIME_WAIT is no owner
    const int bound = ::bind(fd, sa, len);
    const int err = errno;
    ::close(fd);
    if (bound != 0) {
        return base::make_error(fmt::format(
            "cannot listen on port {}: {}{}",
            ntohs(sa->sa_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port
                                            : reinterpret_cast<const sockaddr_in*>(sa)->sin_port),
            std::strerror(err), err == EADDRINUSE ? " (choose another --port, or 0 for any)" : ""));
    }
    return base::Ok{};
}

base::Status ListenSockets::open(sockaddr_storage address, socklen_t len, int count) {
    auto* sa = reinterpret_cast<sockaddr*>(&address);
    if (auto status = check_port_free(sa, len); !status.ok()) {
        return status;
    }
    for (int i = 0; i < count; ++i) {
        auto fd = io::make_listen_socket(sa, len, listen_backlog);
        if (!fd.ok()) {
            return fd.error();
        }
        fds.push_back(fd.value());
        if (i > 0) {
            continue;
        }
        socklen_t bound_len = len;
        if (::getsockname(fds[0], sa, &bound_len) != 0) {
            return base::make_error(fmt::format("getsockname: {}", std::strerror(errno)));
        }
        port = ntohs(address.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(sa)->sin6_port
                                                   : reinterpret_cast<sockaddr_in*>(sa)->sin_port);
    }
    return base::Ok{};
}

base::Status make_address(const plan::ServePlan& plan, sockaddr_storage& address, socklen_t& len) {
    address = {};
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    if (inet_pton(AF_INET, plan.host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(plan.port);
        len = sizeof(sockaddr_in);
        return base::Ok{};
    }
    if (inet_pton(AF_INET6, plan.host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(plan.port);
        len = sizeof(sockaddr_in6);
        return base::Ok{};
    }
    return base::make_error(fmt::format("'{}' is not an IP address", plan.host));
}

// SIGINT/SIGTERM blocked for the server's life; threads inherit the mask.
class BlockedStopSignals {
public:
    BlockedStopSignals() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set_, &previous_);
    }
    ~BlockedStopSignals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
    BlockedStopSignals(const BlockedStopSignals&) = delete;
    BlockedStopSignals& operator=(const BlockedStopSignals&) = delete;

    // Returns when a stop signal arrives or a thread has failed.
    void wait(const Shared& shared) const {
        const timespec poll{0, detail::stop_poll_ns};
        while (!shared.failed.load()) {
            if (sigtimedwait(&set_, nullptr, &poll) > 0) {
                return;
            }
        }
    }

private:
    sigset_t set_{};
    sigset_t previous_{};
};

}  // namespace

base::Status run_server(const plan::ServePlan& plan) {
    BARRAGE_ASSERT(plan.threads >= 1 && plan.connections_max >= 1 && plan.delay_ns >= 0);
    sockaddr_storage address{};
    socklen_t address_len = 0;
    ListenSockets sockets;
    if (auto status = make_address(plan, address, address_len); !status.ok()) {
        return status;
    }
    if (auto status = sockets.open(address, address_len, plan.threads); !status.ok()) {
        return status;
    }
    const BlockedStopSignals signals;
    Shared shared{plan, detail::build_ok_response(plan.body)};
    const auto threads = static_cast<std::size_t>(plan.threads);
    const std::size_t per_thread =
        (static_cast<std::size_t>(plan.connections_max) + threads - 1) / threads;
    std::latch ready(plan.threads);
    std::vector<std::string> errors(threads);
    std::vector<std::jthread> workers;
    for (std::size_t i = 0; i < threads; ++i) {
        workers.emplace_back(detail::serve_on_thread, std::ref(shared), sockets.fds[i], per_thread,
                             static_cast<uint32_t>(i), std::ref(ready), std::ref(errors[i]));
    }
    ready.wait();
    if (!shared.failed.load()) {
        const bool v6 = plan.host.find(':') != std::string::npos;
        fmt::print("listening on http://{}{}{}:{}\n", v6 ? "[" : "", plan.host, v6 ? "]" : "",
                   sockets.port);
        std::fflush(stdout);
        signals.wait(shared);
    }
    shared.stop = true;
    workers.clear();  // joins
    for (const std::string& error : errors) {
        if (!error.empty()) {
            return base::make_error(error);
        }
    }
    return base::Ok{};
}

}  // namespace barrage::serve
