#pragma once
// --connect-to and --resolve, curl's forms: connections to a target go to
// another host or port while its Host header and TLS SNI stay as the URL has
// them. Pure text work, like url.h; resolving the result is cli::resolve_target.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"

namespace barrage::plan {

// One --connect-to HOST:PORT:TO_HOST:TO_PORT or --resolve HOST:PORT:ADDR.
struct ConnectRoute {
    std::string typed;     // as given, for messages
    std::string host;      // lowercase, IPv6 without brackets; empty = any host
    uint16_t port = 0;     // 0 = any port
    std::string to_host;   // empty = the host connected to so far
    uint16_t to_port = 0;  // 0 = the port connected to so far
};

// Every route of a run, in the order given; the first that matches wins.
struct ConnectRoutes {
    std::vector<ConnectRoute> connect_to;
    std::vector<ConnectRoute> resolve;
};

// HOST:PORT:TO_HOST:TO_PORT. As in curl, an empty HOST or PORT matches any, an
// empty TO_HOST or TO_PORT keeps the target's; IPv6 addresses go in brackets.
// Errors name `flag` and show the expected form.
base::Result<ConnectRoute> parse_connect_to(std::string_view flag, std::string_view text);

// HOST:PORT:ADDR: connections to HOST:PORT go to the IP address ADDR (v4, or
// v6 with or without brackets) on PORT. HOST '*' matches any host (curl 7.86).
base::Result<ConnectRoute> parse_resolve(std::string_view flag, std::string_view text);

// Sets connect_host and connect_port of every target of `plan` (plan.target
// and more_targets): the first --connect-to that matches the URL's host and
// port, then the first --resolve that matches the host and port connected to
// after that. Refuses a route that matches no target: it was meant for one,
// and without it the load would go where DNS says.
base::Status route_targets(RunPlan& plan, const ConnectRoutes& routes);

}  // namespace barrage::plan
