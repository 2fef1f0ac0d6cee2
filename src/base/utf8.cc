#include "barrage/base/utf8.h"

#include "barrage/base/assert.h"

namespace barrage::base {

Utf8Char decode_utf8(std::string_view text, std::size_t at) {
    BARRAGE_ASSERT(at < text.size());
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(at);
    if (lead < 0x80) {
        return {lead, 1};
    }
    std::size_t length = 0;
    uint32_t code_point = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        code_point = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        code_point = lead & 0x0Fu;
        second_min = lead == 0xE0 ? 0xA0 : second_min;  // overlong
        second_max = lead == 0xED ? 0x9F : second_max;  // UTF-16 surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        code_point = lead & 0x07u;
        second_min = lead == 0xF0 ? 0x90 : second_min;  // overlong
        second_max = lead == 0xF4 ? 0x8F : second_max;  // above U+10FFFF
    } else {
        return {};
    }
    if (at + length > text.size() || byte(at + 1) < second_min || byte(at + 1) > second_max) {
        return {};
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xC0u) != 0x80u) {
            return {};
        }
        code_point = (code_point << 6) | (byte(at + i) & 0x3Fu);
    }
    return {code_point, length};
}

}  // namespace barrage::base
