#pragma once
// URL parsing for targets: http://host[:port][/path][?query]. IPv6 hosts in
// brackets. https:// parses (scheme kept) for the TLS issue.

#include <string_view>

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"

namespace barrage::cli {

// Fills scheme, host, port, path, host_header. Errors say what is wrong:
// missing scheme, unsupported scheme, empty host, bad port, spaces, fragments.
base::Result<plan::Target> parse_url(std::string_view url);

}  // namespace barrage::cli
