#pragma once
// UTF-8 decoding: the one place that knows which byte sequences are well formed.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace barrage::base {

struct Utf8Char {
    uint32_t code_point = 0;
    std::size_t length = 0;  // 0: not a well-formed sequence
};

// The character whose UTF-8 sequence starts at text[at] (at < text.size()).
// Length 0 when the bytes there are not one: a lone or stray byte, overlong,
// a UTF-16 surrogate, above U+10FFFF, or truncated (Unicode Table 3-7).
Utf8Char decode_utf8(std::string_view text, std::size_t at);

}  // namespace barrage::base
