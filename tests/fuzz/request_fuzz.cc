// libFuzzer target for request serialization: arbitrary specs either fail
// with a message or produce a request whose framing cannot be subverted (no
// header injection, one line per header, the body after the blank line).

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "barrage/http/request.h"
#include "fuzz_check.h"

namespace {

using barrage::http::is_token;
using barrage::http::RequestSpec;

bool one_line(std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool lower_equals(std::string_view text, std::string_view lower) {
    if (text.size() != lower.size()) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] + 32) : text[i];
        if (c != lower[i]) {
            return false;
        }
    }
    return true;
}

bool user_has(const RequestSpec& spec, std::string_view lower) {
    for (const auto& header : spec.headers) {
        if (lower_equals(header.first, lower)) {
            return true;
        }
    }
    return false;
}

// What the serializer may refuse, judged independently of its code.
bool refusable(const RequestSpec& spec) {
    bool path_ok = spec.path == "*" || (!spec.path.empty() && spec.path[0] == '/');
    for (char c : spec.path) {
        path_ok = path_ok && static_cast<unsigned char>(c) > 0x20 && c != 0x7F;
    }
    bool headers_ok = true;
    for (const auto& [name, value] : spec.headers) {
        headers_ok = headers_ok && is_token(name) && one_line(value);
    }
    return !is_token(spec.method) || !path_ok || !one_line(spec.host_header) || !headers_ok ||
           user_has(spec, "content-length");
}

void check_request(const RequestSpec& spec, const std::string& out) {
    FUZZ_CHECK(out.size() >= spec.body.size());
    FUZZ_CHECK(out.compare(out.size() - spec.body.size(), spec.body.size(), spec.body) == 0);
    const std::string_view head(out.data(), out.size() - spec.body.size());
    FUZZ_CHECK(head.size() >= 4 && head.substr(head.size() - 4) == "\r\n\r\n");
    const std::string request_line = spec.method + " " + spec.path + " HTTP/1.1\r\n";
    FUZZ_CHECK(head.substr(0, request_line.size()) == request_line);
    // Every CR and LF of the head belongs to a CRLF that ends a line.
    std::size_t lines = 0;
    std::size_t line_start = request_line.size();
    for (std::size_t i = request_line.size(); i < head.size(); ++i) {
        if (head[i] == '\r') {
            FUZZ_CHECK(i + 1 < head.size() && head[i + 1] == '\n');
            const std::string_view line = head.substr(line_start, i - line_start);
            FUZZ_CHECK(!line.empty() || i + 2 == head.size());  // one blank line, the last
            if (!line.empty()) {
                const std::size_t colon = line.find(':');
                FUZZ_CHECK(colon != std::string_view::npos && is_token(line.substr(0, colon)));
                ++lines;
            }
            line_start = i + 2;
            ++i;
        } else {
            FUZZ_CHECK(head[i] != '\n');
        }
    }
    const std::size_t expected = spec.headers.size() + (user_has(spec, "host") ? 0 : 1) +
                                 (user_has(spec, "user-agent") ? 0 : 1) + (spec.keep_alive ? 0 : 1);
    FUZZ_CHECK(lines == expected || lines == expected + 1);  // + an automatic Content-Length
    if (!spec.body.empty() && !user_has(spec, "transfer-encoding")) {
        FUZZ_CHECK(head.find("Content-Length: " + std::to_string(spec.body.size()) + "\r\n") !=
                       std::string_view::npos ||
                   user_has(spec, "content-length"));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    FuzzedDataProvider provider(data, size);
    RequestSpec spec;
    spec.method = provider.ConsumeRandomLengthString(16);
    spec.path = provider.ConsumeRandomLengthString(64);
    spec.host_header = provider.ConsumeRandomLengthString(32);
    spec.keep_alive = provider.ConsumeBool();
    const int header_count = provider.ConsumeIntegralInRange(0, 6);
    for (int i = 0; i < header_count; ++i) {
        std::string name = provider.ConsumeRandomLengthString(24);
        std::string value = provider.ConsumeRandomLengthString(48);
        spec.headers.emplace_back(std::move(name), std::move(value));
    }
    spec.body = provider.ConsumeRemainingBytesAsString();

    auto result = barrage::http::serialize_request(spec);
    if (!result.ok()) {
        FUZZ_CHECK(!result.error().message.empty());
        FUZZ_CHECK(refusable(spec));
        return 0;
    }
    check_request(spec, result.value());
    return 0;
}
