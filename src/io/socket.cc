#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "barrage/io/ring.h"

namespace barrage::io {

int make_tcp_socket(int family, bool rx_timestamps) {
    const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    // Requests are small and latency is the product: never let Nagle hold them.
    // (A Unix socket, --unix-socket, has no Nagle to turn off.)
    const int one = 1;
    if (family != AF_UNIX) {
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    if (rx_timestamps) {
        ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
    }
    return fd;
}

int bind_source_address(int fd, const sockaddr* source, socklen_t len) {
    const int one = 1;
    // Without it bind picks the port at once, and every source shares one range.
    if (::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) != 0) {
        return -errno;
    }
    return ::bind(fd, source, len) == 0 ? 0 : -errno;
}

base::Result<int> make_listen_socket(const sockaddr* addr, socklen_t len, int backlog) {
    const int fd = ::socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return base::make_error("cannot create socket: " + std::string(std::strerror(errno)));
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::bind(fd, addr, len) != 0 || ::listen(fd, backlog) != 0) {
        const int err = errno;
        ::close(fd);
        return base::make_error("cannot listen: " + std::string(std::strerror(err)));
    }
    return fd;
}

}  // namespace barrage::io
