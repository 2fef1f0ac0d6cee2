#pragma once
// "Did you mean ...?": the known name nearest to a mistyped one, for every
// refusal of an unknown key, flag or command.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace barrage::base {

// Edit distance (optimal string alignment: insert, delete, substitute, swap two
// neighbours), ASCII case folded: "duraton" -> "duration" is 1, "rn" -> "run" 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `typed` when it is close enough to be a typo: at
// most 1 edit for names of up to 4 characters, 2 up to 8, 3 beyond (counted on
// the longer of the two). Ties go to the earlier candidate; none when nothing
// is close or `typed` equals a candidate exactly.
std::optional<std::string> nearest_name(std::string_view typed,
                                        std::span<const std::string_view> candidates);
std::optional<std::string> nearest_name(std::string_view typed,
                                        std::span<const std::string> candidates);

// "; did you mean 'NAME'?" for the nearest candidate, "" when none is close:
// appended to an "unknown ..." message.
std::string did_you_mean(std::string_view typed, std::span<const std::string_view> candidates);
std::string did_you_mean(std::string_view typed, std::span<const std::string> candidates);

}  // namespace barrage::base
