#include "barrage/plan/connect_route.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "barrage/base/excerpt.h"

namespace barrage::plan {
namespace {

using base::make_error;
using base::Ok;
using base::Result;
using base::Status;

constexpr std::string_view connect_to_form =
    "expected HOST:PORT:TO_HOST:TO_PORT, e.g. example.com:443:127.0.0.1:8443 (an empty HOST or "
    "PORT matches any, an empty TO_HOST or TO_PORT keeps the target's; IPv6 in brackets)";
constexpr std::string_view resolve_form =
    "expected HOST:PORT:ADDR, e.g. example.com:443:127.0.0.1 (ADDR an IP address; HOST '*' "
    "matches any)";

std::string to_lower(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower;
}

// Splits at ':' outside brackets into at most `count` fields; the last takes
// the rest of the text (an unbracketed IPv6 address of --resolve).
std::vector<std::string_view> split_fields(std::string_view text, std::size_t count) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    bool in_brackets = false;
    for (std::size_t i = 0; i < text.size() && fields.size() + 1 < count; ++i) {
        in_brackets = text[i] == '[' ? true : (text[i] == ']' ? false : in_brackets);
        if (text[i] == ':' && !in_brackets) {
            fields.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    fields.push_back(text.substr(start));
    return fields;
}

bool is_ipv6(std::string_view text) {
    in6_addr address{};
    return inet_pton(AF_INET6, std::string(text).c_str(), &address) == 1;
}

bool is_ip_address(std::string_view text) {
    in_addr address{};
    return is_ipv6(text) || inet_pton(AF_INET, std::string(text).c_str(), &address) == 1;
}

// A host field: a name, an IPv4 address or [IPv6]; brackets dropped, lowercase.
std::optional<std::string> host_field(std::string_view text) {
    if (text.starts_with('[')) {
        if (!text.ends_with(']') || !is_ipv6(text.substr(1, text.size() - 2))) {
            return std::nullopt;
        }
        return to_lower(text.substr(1, text.size() - 2));
    }
    const bool name_chars = std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
    });
    return name_chars ? std::optional<std::string>(to_lower(text)) : std::nullopt;
}

// A port field: 1 to 65535, or empty (0) where `empty_allowed`.
std::optional<uint16_t> port_field(std::string_view text, bool empty_allowed) {
    if (text.empty()) {
        return empty_allowed ? std::optional<uint16_t>(0) : std::nullopt;
    }
    if (text.size() > 5 || text.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    const int port = std::stoi(std::string(text));
    return port >= 1 && port <= 65535 ? std::optional<uint16_t>(static_cast<uint16_t>(port))
                                      : std::nullopt;
}

base::Error bad_route(std::string_view flag, std::string_view text, std::string_view what,
                      std::string_view form) {
    return make_error(fmt::format("{}: '{}' {}; {}", flag, base::excerpt(text), what, form));
}

bool matches(const ConnectRoute& route, std::string_view host, uint16_t port) {
    return (route.host.empty() || route.host == to_lower(host)) &&
           (route.port == 0 || route.port == port);
}

// The first route of `routes` that matches host:port moves it; notes every
// route that matches (one behind the first still names a target).
void follow_first(const std::vector<ConnectRoute>& routes, std::vector<bool>& matched,
                  std::string& host, uint16_t& port) {
    const ConnectRoute* first = nullptr;
    for (std::size_t i = 0; i < routes.size(); ++i) {
        if (matches(routes[i], host, port)) {
            first = first == nullptr ? &routes[i] : first;
            matched[i] = true;
        }
    }
    if (first != nullptr) {
        host = first->to_host.empty() ? host : first->to_host;
        port = first->to_port == 0 ? port : first->to_port;
    }
}

Status refuse_unmatched(std::string_view flag, const std::vector<ConnectRoute>& routes,
                        const std::vector<bool>& matched, std::string_view targets) {
    for (std::size_t i = 0; i < routes.size(); ++i) {
        if (!matched[i]) {
            return make_error(
                fmt::format("{} {}: matches no target ({}); without it the load would go where DNS "
                            "says: expected the HOST:PORT of the URL",
                            flag, base::excerpt(routes[i].typed), targets));
        }
    }
    return Ok{};
}

}  // namespace

Result<ConnectRoute> parse_connect_to(std::string_view flag, std::string_view text) {
    const auto fields = split_fields(text, 5);
    if (fields.size() != 4) {
        return bad_route(flag, text, "does not have four ':'-separated fields", connect_to_form);
    }
    const auto host = host_field(fields[0]);
    const auto to_host = host_field(fields[2]);
    if (!host || !to_host) {
        return bad_route(
            flag, text,
            fmt::format("has a bad host '{}'", base::excerpt(host ? fields[2] : fields[0])),
            connect_to_form);
    }
    const auto port = port_field(fields[1], true);
    const auto to_port = port_field(fields[3], true);
    if (!port || !to_port) {
        return bad_route(flag, text,
                         fmt::format("has a bad port '{}' (1 to 65535, or empty)",
                                     base::excerpt(port ? fields[3] : fields[1])),
                         connect_to_form);
    }
    return ConnectRoute{std::string(text), *host, *port, *to_host, *to_port};
}

Result<ConnectRoute> parse_resolve(std::string_view flag, std::string_view text) {
    const auto fields = split_fields(text, 3);
    if (fields.size() != 3) {
        return bad_route(flag, text, "does not have three ':'-separated fields", resolve_form);
    }
    const auto host = fields[0] == "*" ? std::optional<std::string>("") : host_field(fields[0]);
    if (!host || fields[0].empty()) {
        return bad_route(flag, text, fmt::format("has a bad host '{}'", base::excerpt(fields[0])),
                         resolve_form);
    }
    const auto port = port_field(fields[1], false);
    if (!port) {
        return bad_route(flag, text,
                         fmt::format("has a bad port '{}' (1 to 65535)", base::excerpt(fields[1])),
                         resolve_form);
    }
    std::string_view address = fields[2];
    if (address.size() > 2 && address.starts_with('[') && address.ends_with(']')) {
        address = address.substr(1, address.size() - 2);
    }
    if (!is_ip_address(address)) {
        return bad_route(flag, text,
                         fmt::format("has '{}' where an IP address goes (one address; a host "
                                     "name is for --connect-to)",
                                     base::excerpt(fields[2])),
                         resolve_form);
    }
    return ConnectRoute{std::string(text), *host, *port, std::string(address), 0};
}

Status route_targets(RunPlan& plan, const ConnectRoutes& routes) {
    std::vector<bool> connect_to_matched(routes.connect_to.size());
    std::vector<bool> resolve_matched(routes.resolve.size());
    std::string targets;
    for (std::size_t i = 0; i < target_count(plan); ++i) {
        Target& target = i == 0 ? plan.target : plan.more_targets[i - 1];
        std::string host = target.host;
        uint16_t port = target.port;
        follow_first(routes.connect_to, connect_to_matched, host, port);
        follow_first(routes.resolve, resolve_matched, host, port);
        target.connect_host = host == target.host ? "" : host;
        target.connect_port = port == target.port ? 0 : port;
        targets +=
            fmt::format("{}{}:{}", targets.empty() ? "" : ", ",
                        is_ipv6(target.host) ? "[" + target.host + "]" : target.host, target.port);
    }
    if (auto status =
            refuse_unmatched("--connect-to", routes.connect_to, connect_to_matched, targets);
        !status) {
        return status;
    }
    return refuse_unmatched("--resolve", routes.resolve, resolve_matched, targets);
}

}  // namespace barrage::plan
