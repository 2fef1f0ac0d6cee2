// What a run's connections need from this machine, checked before any
// traffic: file descriptors, and with --source local addresses and ports.

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

#include "barrage/base/cpu.h"
#include "barrage/cli/command_line.h"
#include "barrage/plan/shard.h"

namespace barrage::cli {
namespace {

using base::make_error;
using base::Ok;
using base::Status;

// Descriptors besides the sockets: the rings, files, pipes, the metrics listener.
constexpr long fds_spare = 64;
constexpr const char* port_range_path = "/proc/sys/net/ipv4/ip_local_port_range";

std::string source_text(const plan::SourceAddress& source) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    const void* bytes = &reinterpret_cast<const sockaddr_in*>(&source.address)->sin_addr;
    if (source.address.ss_family == AF_INET6) {
        bytes = &reinterpret_cast<const sockaddr_in6*>(&source.address)->sin6_addr;
    }
    inet_ntop(source.address.ss_family, bytes, text.data(), text.size());
    return text.data();
}

// The connections this process opens (its shard's part of the test).
int own_connections(const plan::RunPlan& plan) {
    return plan::shard_connections(plan.connections, plan.shard);
}

Status check_fd_limit(const plan::RunPlan& plan) {
    const long limit = base::raise_fd_limit();
    const long needed = own_connections(plan) + fds_spare;
    if (limit < 0 || limit >= needed) {
        return Ok{};
    }
    return make_error(fmt::format(
        "-c/--connections: {} connections need about {} file descriptors, but the open-file "
        "limit is {} (its hard limit; barrage raised the soft one to it). Raise it, e.g. "
        "`ulimit -Hn {}` as root or LimitNOFILE= in a systemd unit, or use fewer connections",
        own_connections(plan), needed, limit, needed));
}

// Binds a throwaway socket to `source` the way each connection will.
Status check_source_is_local(const plan::SourceAddress& source) {
    const int fd = ::socket(source.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return make_error(fmt::format("--source: cannot create a socket for {}: {}",
                                      source_text(source), std::strerror(errno)));
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
    const int rc =
        ::bind(fd, reinterpret_cast<const sockaddr*>(&source.address), source.address_len);
    const int err = errno;
    ::close(fd);
    if (rc == 0) {
        return Ok{};
    }
    if (err == EADDRNOTAVAIL) {
        return make_error(fmt::format(
            "--source: {} is not an address of this machine (bind: {}); give addresses that "
            "`ip addr` lists (every 127.x.y.z is local on loopback), or add it, e.g. `ip addr "
            "add {}/32 dev eth0`",
            source_text(source), std::strerror(err), source_text(source)));
    }
    return make_error(
        fmt::format("--source: cannot bind to {}: {}", source_text(source), std::strerror(err)));
}

// The size of the kernel's local port range; 0 when it cannot be read.
int64_t local_port_count() {
    std::ifstream in(port_range_path);
    int64_t low = 0;
    int64_t high = -1;
    if (!(in >> low >> high) || high < low) {
        return 0;
    }
    return high - low + 1;
}

// Connection c goes to target c % T (plan::target_of); targets that share
// an address and port add up.
std::map<std::string, int64_t> connections_per_destination(const plan::RunPlan& plan) {
    std::map<std::string, int64_t> count;
    const auto targets = static_cast<int64_t>(plan::target_count(plan));
    const int64_t connections = own_connections(plan);
    for (int64_t i = 0; i < targets; ++i) {
        const plan::Target& target = plan::target_of(plan, static_cast<std::size_t>(i));
        count[target.address_text] += connections / targets + (i < connections % targets ? 1 : 0);
    }
    return count;
}

Status check_sources_fit(const plan::RunPlan& plan) {
    const int64_t ports = local_port_count();
    if (ports == 0) {
        return Ok{};  // no /proc: connects that find no port count as port_exhausted
    }
    const std::size_t sources = plan.sources.size();
    for (const auto& [destination, connections] : connections_per_destination(plan)) {
        if (connections <= plan::connections_per_destination_max(sources, ports)) {
            continue;
        }
        return make_error(fmt::format(
            "--source: {} connections to {} cannot fit: each of the {} source address{} has "
            "{} local ports ({}) per destination, {} in all. Give more source addresses "
            "(e.g. --source 127.0.0.2-127.0.0.{} on loopback), widen the port range (sysctl "
            "net.ipv4.ip_local_port_range=\"1024 65535\"), or use fewer connections",
            connections, destination, sources, sources == 1 ? "" : "es", ports, port_range_path,
            plan::connections_per_destination_max(sources, ports),
            std::min<int64_t>(254, 1 + (connections + ports - 1) / ports)));
    }
    return Ok{};
}

Status check_sources(const plan::RunPlan& plan) {
    for (std::size_t i = 0; i < plan::target_count(plan); ++i) {
        const plan::Target& target = plan::target_of(plan, i);
        if (!target.unix_socket_path.empty()) {
            return make_error(
                "--source: the target is a Unix socket (--unix-socket), which "
                "has no source address; drop one of them");
        }
        if (target.address.ss_family != plan.sources.front().address.ss_family) {
            return make_error(fmt::format(
                "--source: {} is {} but the target {} is {}; give source addresses of the "
                "target's family",
                source_text(plan.sources.front()),
                plan.sources.front().address.ss_family == AF_INET6 ? "IPv6" : "IPv4",
                target.address_text, target.address.ss_family == AF_INET6 ? "IPv6" : "IPv4"));
        }
    }
    for (const plan::SourceAddress& source : plan.sources) {
        if (auto status = check_source_is_local(source); !status.ok()) {
            return status;
        }
    }
    return check_sources_fit(plan);
}

}  // namespace

Status check_connection_limits(const plan::RunPlan& plan) {
    if (!plan.sources.empty()) {
        if (auto status = check_sources(plan); !status.ok()) {
            return status;
        }
    }
    return check_fd_limit(plan);
}

}  // namespace barrage::cli
