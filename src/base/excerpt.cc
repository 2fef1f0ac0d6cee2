#include "barrage/base/excerpt.h"

#include "barrage/base/utf8.h"

namespace barrage::base {

std::string excerpt(std::string_view text, std::size_t chars_max) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    std::size_t chars = 0;
    std::size_t at = 0;
    while (at < text.size() && chars < chars_max) {
        const auto byte = static_cast<unsigned char>(text[at]);
        const Utf8Char decoded = decode_utf8(text, at);
        if (decoded.length == 0 || byte < 0x20 || byte == 0x7F) {
            out.append("\\x").push_back(hex[byte >> 4]);
            out.push_back(hex[byte & 0xF]);
            at += 1;
            chars += 4;  // as wide as it shows
        } else {
            out.append(text.substr(at, decoded.length));
            at += decoded.length;
            chars += 1;
        }
    }
    if (at < text.size()) {
        out.append("...");
    }
    return out;
}

}  // namespace barrage::base
