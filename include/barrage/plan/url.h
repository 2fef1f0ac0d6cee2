#pragma once
// URL parsing for targets: http://[user[:password]@]host[:port][/path][?query].
// IPv6 hosts in brackets. Pure text work, below profile and cli, which both read URLs;
// resolving the host is cli::resolve_target.

#include <string_view>

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"

namespace barrage::plan {

// Fills scheme, host, port, path, host_header, and credentials from the
// userinfo (percent-decoded; the user is what comes before its first ':').
// Errors say what is wrong: missing scheme, unsupported scheme, empty host, bad
// port, spaces, fragments, a bad %XX; they never show the password.
base::Result<Target> parse_url(std::string_view url);

// `url` with the password of its userinfo shown as "***" (user:***@host), for
// anything that echoes a URL as typed; other text comes back unchanged.
std::string mask_url_password(std::string_view url);

}  // namespace barrage::plan
