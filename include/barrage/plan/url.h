#pragma once
// URL parsing for targets: http://host[:port][/path][?query]. IPv6 hosts in
// brackets. Pure text work, below profile and cli, which both read URLs;
// resolving the host is cli::resolve_target.

#include <string_view>

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"

namespace barrage::plan {

// Fills scheme, host, port, path, host_header. Errors say what is wrong:
// missing scheme, unsupported scheme, empty host, bad port, spaces, fragments.
base::Result<Target> parse_url(std::string_view url);

}  // namespace barrage::plan
