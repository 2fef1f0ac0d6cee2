#pragma once
// user_data packing: {op, generation, slot}. A completion whose generation
// does not match the slot's current generation belongs to a previous use of
// the slot and is dropped.

#include <cstdint>

namespace barrage::io {

struct UserData {
    uint8_t op = 0;           // caller-defined operation code
    uint32_t generation = 0;  // 24 bits used
    uint32_t slot = 0;        // connection index

    static constexpr uint32_t generation_mask = 0xFF'FFFF;

    constexpr uint64_t pack() const {
        return (static_cast<uint64_t>(op) << 56) |
               (static_cast<uint64_t>(generation & generation_mask) << 32) | slot;
    }
    static constexpr UserData unpack(uint64_t value) {
        return UserData{static_cast<uint8_t>(value >> 56),
                        static_cast<uint32_t>((value >> 32) & generation_mask),
                        static_cast<uint32_t>(value & 0xFFFF'FFFFu)};
    }
};

static_assert(UserData::unpack(UserData{3, 0x123456, 0xDEADBEEF}.pack()).op == 3);
static_assert(UserData::unpack(UserData{3, 0x123456, 0xDEADBEEF}.pack()).generation == 0x123456);
static_assert(UserData::unpack(UserData{3, 0x123456, 0xDEADBEEF}.pack()).slot == 0xDEADBEEF);

}  // namespace barrage::io
