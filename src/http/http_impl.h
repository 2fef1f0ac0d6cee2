#pragma once
// Character classes shared by the request serializer and the response parser.
// Private to src/http.

#include <array>
#include <cstdint>
#include <string_view>

namespace barrage::http::detail {

// RFC 9110 tchar: the bytes allowed in a token (methods, header names).
inline constexpr std::array<bool, 256> kTchar = [] {
    std::array<bool, 256> table{};
    for (int c = '0'; c <= '9'; ++c) {
        table[static_cast<std::size_t>(c)] = true;
    }
    for (int c = 'a'; c <= 'z'; ++c) {
        table[static_cast<std::size_t>(c)] = true;
        table[static_cast<std::size_t>(c - 'a' + 'A')] = true;
    }
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) {
        table[static_cast<unsigned char>(c)] = true;
    }
    return table;
}();

inline bool is_tchar(char c) { return kTchar[static_cast<unsigned char>(c)]; }

inline char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// True when `text` equals `lower` (already lowercase) ignoring ASCII case.
inline bool equals_ignore_case(std::string_view text, std::string_view lower) {
    if (text.size() != lower.size()) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (ascii_lower(text[i]) != lower[i]) {
            return false;
        }
    }
    return true;
}

}  // namespace barrage::http::detail
