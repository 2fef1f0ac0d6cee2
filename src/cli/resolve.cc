// Resolving a target's host name: the one system call of the target.

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>

#include <array>
#include <cerrno>
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

}  // namespace

Status resolve_target(plan::Target& target) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    const std::string port = std::to_string(target.port);
    addrinfo* found = nullptr;
    // Numeric hosts never touch DNS. Names prefer the families this host has
    // configured, then fall back to any (a box with only loopback has none).
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    int rc = getaddrinfo(target.host.c_str(), port.c_str(), &hints, &found);
    for (const int flags : {AI_NUMERICSERV | AI_ADDRCONFIG, AI_NUMERICSERV}) {
        if (rc == 0) {
            break;
        }
        hints.ai_flags = flags;
        rc = getaddrinfo(target.host.c_str(), port.c_str(), &hints, &found);
    }
    if (rc != 0) {
        const char* reason = rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc);
        return make_error(
            fmt::format("cannot resolve host '{}': {}", base::excerpt(target.host), reason));
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
