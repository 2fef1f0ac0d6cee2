#pragma once
// User input quoted in an error message: short and printable, whatever the
// input (a megabyte of binary body, a pasted file). Every message that quotes
// what a user gave (a flag's value, a template, a header) goes through here.

#include <cstddef>
#include <string>
#include <string_view>

namespace barrage::base {

inline constexpr std::size_t excerpt_chars_max = 80;

// `text` with at most `chars_max` characters, then "..." if there was more.
// Well-formed UTF-8 stays as it is; control bytes, DEL and bytes that are not
// UTF-8 become \xNN (counted as the 4 characters they show). No quotes are added.
std::string excerpt(std::string_view text, std::size_t chars_max = excerpt_chars_max);

}  // namespace barrage::base
