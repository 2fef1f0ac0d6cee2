#include "barrage/plan/source_addresses.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>

#include "barrage/base/excerpt.h"

namespace barrage::plan {
namespace {

using base::make_error;
using base::Result;

constexpr std::string_view source_form =
    "expected a comma list of local IP addresses or IPv4 ranges FIRST-LAST, e.g. "
    "127.0.0.2-127.0.0.9 or 10.0.0.5,10.0.0.6 or fd00::5,fd00::6 (one family)";

std::string excerpt_of(std::string_view text) { return std::string(base::excerpt(text)); }

base::Error form_error(std::string_view flag, std::string_view item, std::string_view why) {
    return base::Error{fmt::format("{}: '{}' {}; {}", flag, excerpt_of(item), why, source_form)};
}

SourceAddress ipv4_source(uint32_t host_order) {
    SourceAddress source;
    auto* in = reinterpret_cast<sockaddr_in*>(&source.address);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(host_order);
    source.address_len = sizeof(sockaddr_in);
    return source;
}

std::optional<uint32_t> parse_ipv4(std::string_view text) {
    in_addr address{};
    if (inet_pton(AF_INET, std::string(text).c_str(), &address) != 1) {
        return std::nullopt;
    }
    return ntohl(address.s_addr);
}

// One item: an address, or an IPv4 range, appended to `out`.
base::Status parse_item(std::string_view flag, std::string_view item,
                        std::vector<SourceAddress>& out) {
    if (const std::size_t dash = item.find('-'); dash != std::string_view::npos) {
        const auto first = parse_ipv4(item.substr(0, dash));
        const auto last = parse_ipv4(item.substr(dash + 1));
        if (!first || !last) {
            return form_error(flag, item, "is not a range of two IPv4 addresses");
        }
        if (*last < *first) {
            return form_error(flag, item, "ends before it starts");
        }
        if (*last - *first >= source_addresses_max) {
            return form_error(flag, item,
                              fmt::format("has more than {} addresses", source_addresses_max));
        }
        for (uint64_t a = *first; a <= *last; ++a) {
            out.push_back(ipv4_source(static_cast<uint32_t>(a)));
        }
        return base::Ok{};
    }
    if (const auto v4 = parse_ipv4(item)) {
        out.push_back(ipv4_source(*v4));
        return base::Ok{};
    }
    SourceAddress source;
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&source.address);
    if (inet_pton(AF_INET6, std::string(item).c_str(), &in6->sin6_addr) != 1) {
        return form_error(flag, item, "is not an IP address");
    }
    in6->sin6_family = AF_INET6;
    source.address_len = sizeof(sockaddr_in6);
    out.push_back(source);
    return base::Ok{};
}

// The address bytes of a source (4 or 16), for finding repeats.
std::string address_bytes(const SourceAddress& source) {
    if (source.address.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&source.address);
        return std::string(reinterpret_cast<const char*>(&in->sin_addr), sizeof(in->sin_addr));
    }
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&source.address);
    return std::string(reinterpret_cast<const char*>(&in6->sin6_addr), sizeof(in6->sin6_addr));
}

// Every address of one family, none twice (a repeat would double that
// address's share of connections without the user meaning it).
base::Status check_distinct(std::string_view flag, std::string_view text,
                            const std::vector<SourceAddress>& sources) {
    const sa_family_t family = sources.front().address.ss_family;
    std::vector<std::string> seen;
    seen.reserve(sources.size());
    for (const SourceAddress& source : sources) {
        if (source.address.ss_family != family) {
            return form_error(flag, text, "mixes IPv4 and IPv6 addresses");
        }
        seen.push_back(address_bytes(source));
    }
    std::sort(seen.begin(), seen.end());
    if (std::adjacent_find(seen.begin(), seen.end()) != seen.end()) {
        return form_error(flag, text, "names an address twice");
    }
    return base::Ok{};
}

}  // namespace

Result<std::vector<SourceAddress>> parse_source_addresses(std::string_view flag,
                                                          std::string_view text) {
    std::vector<SourceAddress> sources;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) {
            comma = text.size();
        }
        const std::string_view item = text.substr(start, comma - start);
        if (item.empty()) {
            return form_error(flag, text, "has an empty item");
        }
        if (auto status = parse_item(flag, item, sources); !status) {
            return status.error();
        }
        if (sources.size() > source_addresses_max) {
            return form_error(flag, text,
                              fmt::format("has more than {} addresses", source_addresses_max));
        }
        start = comma + 1;
    }
    if (auto status = check_distinct(flag, text, sources); !status) {
        return status.error();
    }
    return sources;
}

}  // namespace barrage::plan
