#include "barrage/plan/url.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>

#include "barrage/base/excerpt.h"

namespace barrage::plan {
namespace {

using base::make_error;
using base::Result;

constexpr std::string_view url_forms =
    "write http://host[:port][/path], e.g. http://127.0.0.1:8080/";

std::string to_lower(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower;
}

// Spaces, control bytes and non-ASCII would reach the request line as written.
std::optional<base::Error> reject_bytes(std::string_view url) {
    for (const char c : url) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == ' ') {
            return make_error(
                fmt::format("URL '{}' contains a space; write it as %20", base::excerpt(url)));
        }
        if (byte < 0x20 || byte == 0x7f) {
            return make_error(fmt::format("URL '{}' contains a control character (0x{:02x})",
                                          base::excerpt(url), static_cast<unsigned>(byte)));
        }
        if (byte >= 0x80) {
            return make_error(fmt::format(
                "URL '{}' contains a non-ASCII byte; percent-encode it (%XX)", base::excerpt(url)));
        }
    }
    return std::nullopt;
}

base::Error no_scheme(std::string_view url) {
    const auto colon = url.find(':');
    const std::string before_colon = to_lower(url.substr(0, colon));
    if (colon != std::string_view::npos && (before_colon == "http" || before_colon == "https")) {
        return make_error(fmt::format("URL '{}' needs '//' after '{}:'; {}", base::excerpt(url),
                                      before_colon, url_forms));
    }
    const bool has_path = url.find_first_of("/?") != std::string_view::npos;
    return make_error(fmt::format("'{}' has no scheme; write http://{}{}", base::excerpt(url),
                                  base::excerpt(url.starts_with("//") ? url.substr(2) : url),
                                  has_path ? "" : "/"));
}

bool is_host_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

Result<uint16_t> parse_port(std::string_view url, std::string_view text) {
    if (text.empty()) {
        return make_error(
            fmt::format("URL '{}' has an empty port after ':'; {}", base::excerpt(url), url_forms));
    }
    uint32_t port = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return make_error(fmt::format("port '{}' in URL '{}' is not a number",
                                          base::excerpt(text), base::excerpt(url)));
        }
        port = port * 10 + static_cast<uint32_t>(c - '0');
        if (port > 65535) {
            break;
        }
    }
    if (port == 0 || port > 65535) {
        return make_error(fmt::format("port '{}' in URL '{}' is out of range; use 1 to 65535",
                                      base::excerpt(text), base::excerpt(url)));
    }
    return static_cast<uint16_t>(port);
}

struct HostPort {
    std::string host;
    std::optional<uint16_t> port;
    bool is_ipv6 = false;
};

// Splits "[v6]:port" / "name:port" and checks each part.
Result<HostPort> parse_authority(std::string_view url, std::string_view authority) {
    HostPort result;
    std::string_view host = authority;
    std::string_view rest;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return make_error(
                fmt::format("URL '{}' has '[' without ']' around its host", base::excerpt(url)));
        }
        host = authority.substr(1, close - 1);
        rest = authority.substr(close + 1);
        in6_addr address{};
        if (inet_pton(AF_INET6, std::string(host).c_str(), &address) != 1) {
            return make_error(fmt::format("'[{}]' in URL '{}' is not an IPv6 address",
                                          base::excerpt(host), base::excerpt(url)));
        }
        result.is_ipv6 = true;
        if (!rest.empty() && rest.front() != ':') {
            return make_error(fmt::format("URL '{}' has '{}' after its host; {}",
                                          base::excerpt(url), base::excerpt(rest), url_forms));
        }
    } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        rest = authority.substr(colon);
        if (rest.find(':', 1) != std::string_view::npos) {
            return make_error(fmt::format(
                "URL '{}' has more than one ':' in its host; IPv6 addresses go in brackets: "
                "http://[::1]:8080/",
                base::excerpt(url)));
        }
    }
    if (host.empty()) {
        return make_error(fmt::format("URL '{}' has no host; {}", base::excerpt(url), url_forms));
    }
    if (!result.is_ipv6 && !std::all_of(host.begin(), host.end(), is_host_name_char)) {
        return make_error(
            fmt::format("host '{}' in URL '{}' has a character not allowed in a host name",
                        base::excerpt(host), base::excerpt(url)));
    }
    result.host = std::string(host);
    if (!rest.empty()) {
        auto port = parse_port(url, rest.substr(1));
        if (!port) {
            return port.error();
        }
        result.port = port.value();
    }
    return result;
}

Result<Target> parse_plain_url(std::string_view url) {
    if (url.empty()) {
        return make_error(fmt::format("the URL is empty; {}", url_forms));
    }
    if (auto error = reject_bytes(url)) {
        return *error;
    }
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return no_scheme(url);
    }
    Target target;
    target.scheme = to_lower(url.substr(0, scheme_end));
    if (target.scheme != "http" && target.scheme != "https") {
        return make_error(fmt::format("URL '{}' has scheme '{}'; use http:// or https://",
                                      base::excerpt(url),
                                      base::excerpt(url.substr(0, scheme_end))));
    }
    if (const auto hash = url.find('#'); hash != std::string_view::npos) {
        return make_error(fmt::format(
            "URL '{}' has a fragment '{}'; fragments are never sent to the server, remove it",
            base::excerpt(url), base::excerpt(url.substr(hash))));
    }
    const auto rest = url.substr(scheme_end + 3);
    const auto authority_end = std::min(rest.find_first_of("/?"), rest.size());
    const auto authority = rest.substr(0, authority_end);
    auto host_port = parse_authority(url, authority);
    if (!host_port) {
        return host_port.error();
    }
    const uint16_t port_default = target.scheme == "https" ? 443 : 80;
    const std::string_view path = rest.substr(authority_end);
    target.host = std::move(host_port.value().host);
    target.port = host_port.value().port.value_or(port_default);
    // "http://h?q" asks for "/?q".
    target.path = fmt::format("{}{}", path.starts_with('/') ? "" : "/", path);
    target.host_header = host_port.value().is_ipv6 ? fmt::format("[{}]", target.host) : target.host;
    if (target.port != port_default) {
        target.host_header += fmt::format(":{}", target.port);
    }
    return target;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
}

// "%40" -> "@", as curl, hey and oha read user information.
Result<std::string> percent_decode(std::string_view shown_url, std::string_view text) {
    std::string decoded;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            decoded += text[i];
            continue;
        }
        const int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
        const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
        if (high < 0 || low < 0) {
            return make_error(fmt::format(
                "URL '{}' has a '%' not followed by two hex digits in its user information; "
                "write '%' as %25",
                base::excerpt(shown_url)));
        }
        decoded += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return decoded;
}

// "user:pw" before the authority's last '@' (a browser's reading; an '@' in a
// password should be written %40). An empty userinfo ("http://@h/") gives none.
Result<std::optional<Credentials>> parse_userinfo(std::string_view shown_url,
                                                  std::string_view userinfo) {
    if (userinfo.empty()) {
        return std::optional<Credentials>{};
    }
    const auto colon = userinfo.find(':');
    auto user = percent_decode(shown_url, userinfo.substr(0, colon));
    if (!user) {
        return user.error();
    }
    auto password =
        percent_decode(shown_url, colon == std::string_view::npos ? std::string_view{}
                                                                  : userinfo.substr(colon + 1));
    if (!password) {
        return password.error();
    }
    return std::optional<Credentials>(
        Credentials{std::move(user).value(), std::move(password).value()});
}

// Where the authority's userinfo ends ('@'), or npos.
std::size_t userinfo_end(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return std::string_view::npos;
    }
    const std::size_t start = scheme_end + 3;
    const std::size_t end = std::min(url.find_first_of("/?#", start), url.size());
    const std::size_t at = url.substr(start, end - start).rfind('@');
    return at == std::string_view::npos ? at : start + at;
}

}  // namespace

std::string mask_url_password(std::string_view url) {
    const std::size_t at = userinfo_end(url);
    if (at == std::string_view::npos) {
        return std::string(url);
    }
    const std::size_t start = url.find("://") + 3;
    const std::size_t colon = url.substr(start, at - start).find(':');
    if (colon == std::string_view::npos) {
        return std::string(url);  // a user name alone: nothing secret
    }
    return fmt::format("{}***{}", url.substr(0, start + colon + 1), url.substr(at));
}

Result<Target> parse_url(std::string_view typed_url) {
    // Messages name the URL with its password masked (shown_url), or without
    // its userinfo (what parse_plain_url reads), never as typed.
    const std::string shown_url = mask_url_password(typed_url);
    if (typed_url.find("://") == std::string_view::npos) {
        // "alice:pw@host/": the scheme is missing; the hint must not echo pw either.
        const std::string masked = mask_url_password(fmt::format("http://{}", typed_url));
        if (masked.compare(7, std::string::npos, typed_url) != 0) {
            return no_scheme(std::string_view(masked).substr(7));
        }
    }
    const std::size_t at = userinfo_end(typed_url);
    std::string_view userinfo;
    std::string without_userinfo(typed_url);
    if (at != std::string_view::npos) {
        const std::size_t start = typed_url.find("://") + 3;
        userinfo = typed_url.substr(start, at - start);
        without_userinfo.erase(start, at + 1 - start);
    }
    auto credentials = parse_userinfo(shown_url, userinfo);
    if (!credentials) {
        return credentials.error();
    }
    // Checked on the URL as shown, so that no message can echo the password.
    if (auto error = reject_bytes(shown_url)) {
        return *error;
    }
    auto target = parse_plain_url(without_userinfo);
    if (target) {
        target.value().credentials = std::move(credentials).value();
    }
    return target;
}

}  // namespace barrage::plan
