#include "barrage/http/basic_auth.h"

#include <array>
#include <cstdint>

namespace barrage::http {
namespace {

constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view bytes) {
    std::string encoded;
    encoded.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t left = bytes.size() - i;
        std::array<uint32_t, 3> octets{};
        for (std::size_t k = 0; k < 3 && k < left; ++k) {
            octets[k] = static_cast<unsigned char>(bytes[i + k]);
        }
        const uint32_t triple = octets[0] << 16 | octets[1] << 8 | octets[2];
        for (std::size_t k = 0; k < 4; ++k) {
            // Two bytes left give three characters, one gives two; '=' pads to four.
            encoded += k <= left ? base64_alphabet[(triple >> (18 - 6 * k)) & 0x3f] : '=';
        }
    }
    return encoded;
}

}  // namespace

std::string basic_authorization(std::string_view user, std::string_view password) {
    std::string credentials(user);
    credentials += ':';
    credentials += password;
    return "Basic " + base64_encode(credentials);
}

}  // namespace barrage::http
