#pragma once
// Character classes shared by the request serializer and the response parser.
// Private to src/http.

#include <array>
#include <cstdint>
#include <string>
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

// application/x-www-form-urlencoded (WHATWG URL): bytes sent as they are; a
// space becomes '+', every other byte %XX.
inline bool is_form_unreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*' ||
           c == '-' || c == '.' || c == '_';
}

// Bytes from `from` on percent-encoded in place (no allocation beyond out's growth).
inline void form_urlencode_tail(std::string& out, std::size_t from) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::size_t extra = 0;
    for (std::size_t i = from; i < out.size(); ++i) {
        extra += is_form_unreserved(out[i]) || out[i] == ' ' ? 0 : 2;
    }
    std::size_t read = out.size();
    out.resize(out.size() + extra);
    std::size_t write = out.size();
    while (read > from) {  // backwards, so each byte is read before it is overwritten
        const char c = out[--read];
        if (is_form_unreserved(c)) {
            out[--write] = c;
        } else if (c == ' ') {
            out[--write] = '+';
        } else {
            out[--write] = hex[static_cast<unsigned char>(c) & 0xF];
            out[--write] = hex[static_cast<unsigned char>(c) >> 4];
            out[--write] = '%';
        }
    }
}

}  // namespace barrage::http::detail
