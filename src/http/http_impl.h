#pragma once
// Character classes shared by the request serializer and the response parser.
// Private to src/http.

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
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

// The first byte of [p, end) that is not a tchar, or end. Letters and '-',
// nearly all of a header name, are tested 8 bytes at a time; the first other
// byte (a digit, '_', ':', ...) goes to the table byte by byte.
inline const char* tchar_run_end(const char* p, const char* end) {
    if constexpr (std::endian::native == std::endian::little) {
        constexpr uint64_t kOnes = 0x0101010101010101;
        constexpr uint64_t kHigh = kOnes * 0x80;
        while (end - p >= 8) {
            uint64_t x = 0;
            std::memcpy(&x, p, sizeof x);
            // On a 7-bit byte, adding 0x80 - bound sets its high bit exactly when
            // byte >= bound, with no carry into the next byte. A byte >= 0x80 may
            // carry into later bytes only: it is bad itself (~x), so the first
            // bad byte is still found exactly.
            const uint64_t folded = x | (kOnes * 0x20);
            const uint64_t letter =
                (folded + kOnes * (0x80 - 'a')) & ~(folded + kOnes * (0x80 - 'z' - 1));
            const uint64_t dash_xor = x ^ (kOnes * '-');
            const uint64_t dash = ~(((dash_xor & ~kHigh) + ~kHigh) | dash_xor);
            const uint64_t good = (letter | dash) & ~x & kHigh;
            if (good != kHigh) {
                p += std::countr_zero(~good & kHigh) / 8;
                break;
            }
            p += 8;
        }
    }
    while (p < end && is_tchar(*p)) {
        ++p;
    }
    return p;
}

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
