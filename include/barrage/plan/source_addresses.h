#pragma once
// --source: the local addresses connections bind to before they connect,
// round robin. Pure text work, like connect_route.h; binding them is the
// engine's, checking that they are local and that the connections fit is cli's.

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"

namespace barrage::plan {

// At most this many source addresses (an IPv4 range expands to one per address).
inline constexpr std::size_t source_addresses_max = 65536;

// One local address (port 0: the kernel picks one at connect time).
struct SourceAddress {
    sockaddr_storage address{};
    socklen_t address_len = 0;
};

// A comma list of items, each an IPv4 or IPv6 address or an IPv4 range
// FIRST-LAST (inclusive, in order, e.g. 127.0.0.2-127.0.0.9); every address
// of one family; none twice. Errors name `flag` and show the expected form.
base::Result<std::vector<SourceAddress>> parse_source_addresses(std::string_view flag,
                                                                std::string_view text);

// How many connections fit one destination address and port: each source
// address gives a connection per local port (IP_BIND_ADDRESS_NO_PORT lets the
// kernel pick the port per 4-tuple at connect time), so sources x ports.
inline int64_t connections_per_destination_max(std::size_t sources, int64_t local_ports) {
    return static_cast<int64_t>(sources) * local_ports;
}

}  // namespace barrage::plan
