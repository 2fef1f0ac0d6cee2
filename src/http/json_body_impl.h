#pragma once
// JsonBody's insides, shared by response_check.cc and capture.cc. Private to
// src/http: simdjson stays out of the public headers.

#include <simdjson.h>

#include <cstddef>
#include <memory>
#include <string_view>

#include "barrage/http/response_check.h"

namespace barrage::http {

// RFC 6901: "" or "/"-separated tokens where '~' is only "~0" or "~1".
inline bool valid_json_pointer(std::string_view pointer) {
    if (!pointer.empty() && pointer.front() != '/') {
        return false;
    }
    for (std::size_t i = 0; i < pointer.size(); ++i) {
        if (pointer[i] == '~' &&
            (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1'))) {
            return false;
        }
    }
    return true;
}

struct JsonBody::Impl {
    explicit Impl(std::size_t body_bytes_max);

    // The element at `pointer` (RFC 6901); false when the body is not JSON,
    // is over the limit, or has nothing there.
    bool at(std::string_view pointer, simdjson::dom::element& out);

    simdjson::dom::parser parser;
    std::unique_ptr<char[]> buffer;  // body copy + SIMDJSON_PADDING, as simdjson requires
    std::size_t capacity = 0;
    std::string_view body;
    enum class State : uint8_t { unparsed, parsed, not_json } state = State::unparsed;
    simdjson::dom::element root;
};

}  // namespace barrage::http
