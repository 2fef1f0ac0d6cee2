// Resolving a target's host name: the one system call of the target.

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

#include "barrage/base/excerpt.h"
#include "barrage/cli/command_line.h"

namespace barrage::cli {
namespace {

using base::make_error;
using base::Ok;
using base::Status;

std::string address_text(const sockaddr* address) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (address->sa_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
        inet_ntop(AF_INET6, &v6->sin6_addr, text.data(), text.size());
        return fmt::format("[{}]:{}", text.data(), ntohs(v6->sin6_port));
    }
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &v4->sin_addr, text.data(), text.size());
    return fmt::format("{}:{}", text.data(), ntohs(v4->sin_port));
}

// --unix-socket: the address is the path; whether a server listens there is
// the connect's to find out (a missing path is a connect error of the run).
Status unix_address(plan::Target& target) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (target.unix_socket_path.size() >= sizeof(address.sun_path)) {
        return make_error(
            fmt::format("--unix-socket: '{}' is {} bytes long; a Unix socket path has at most {}",
                        base::excerpt(target.unix_socket_path), target.unix_socket_path.size(),
                        sizeof(address.sun_path) - 1));
    }
    std::memcpy(address.sun_path, target.unix_socket_path.data(), target.unix_socket_path.size());
    static_assert(sizeof(address) <= sizeof(target.address));
    std::memcpy(&target.address, &address, sizeof(address));
    target.address_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                                target.unix_socket_path.size() + 1);
    target.address_text = "unix:" + target.unix_socket_path;
    return Ok{};
}

}  // namespace

Status resolve_target(plan::Target& target) {
    if (!target.unix_socket_path.empty()) {
        return unix_address(target);
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    // --connect-to and --resolve change where to connect, never Host or SNI.
    const std::string& host = target.connect_host.empty() ? target.host : target.connect_host;
    const std::string port =
        std::to_string(target.connect_port == 0 ? target.port : target.connect_port);
    addrinfo* found = nullptr;
    // Numeric hosts never touch DNS. Names prefer the families this host has
    // configured, then fall back to any (a box with only loopback has none).
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
    for (const int flags : {AI_NUMERICSERV | AI_ADDRCONFIG, AI_NUMERICSERV}) {
        if (rc == 0) {
            break;
        }
        hints.ai_flags = flags;
        rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
    }
    if (rc != 0) {
        const char* reason = rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc);
        return make_error(fmt::format("cannot resolve host '{}': {}", base::excerpt(host), reason));
    }
    BARRAGE_ASSERT(found != nullptr && found->ai_addrlen <= sizeof(target.address));
    std::memcpy(&target.address, found->ai_addr, found->ai_addrlen);
    target.address_len = found->ai_addrlen;
    target.address_text = address_text(found->ai_addr);
    freeaddrinfo(found);
    return Ok{};
}

Status resolve_targets(plan::RunPlan& plan) {
    if (auto status = resolve_target(plan.target); !status.ok()) {
        return status;
    }
    for (plan::Target& target : plan.more_targets) {
        if (auto status = resolve_target(target); !status.ok()) {
            return status;
        }
    }
    return Ok{};
}

}  // namespace barrage::cli
