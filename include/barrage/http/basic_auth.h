#pragma once
// HTTP Basic authentication (RFC 7617): the Authorization value that curl -u,
// hey and oha send for a URL's user:password.

#include <string>
#include <string_view>

namespace barrage::http {

// "Basic " + base64(user ":" password), standard alphabet with padding. The
// bytes are sent as given (no charset conversion), as curl does.
std::string basic_authorization(std::string_view user, std::string_view password);

}  // namespace barrage::http
