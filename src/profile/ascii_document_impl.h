#pragma once
// Private to profile: the document toml++ parses is pure ASCII.
//
// toml++ 3.3 tests code points for whitespace in places that depend on how it
// tokenizes (after values, in bare runs, after backslashes), and for some
// non-ASCII code points that test reaches __builtin_unreachable (a gap in its
// generated tables; found again and again by tests/fuzz/profile_fuzz). So no
// non-ASCII byte reaches it: inside strings each non-ASCII character becomes
// the TOML escape of the same character (a literal string that holds one
// becomes the equivalent basic string); in comments it becomes '?'. The
// parsed values are the same; only toml++'s columns after such a string on
// its line may differ.

#include <cstddef>
#include <string>
#include <string_view>

namespace barrage::profile::detail {

struct AsciiDocument {
    std::string text;  // valid when refused_at == npos
    // Where the original is refused, and why (a phrase for "syntax error: ...").
    std::size_t refused_at = std::string_view::npos;
    std::string_view reason;
};

// TOML allows non-ASCII only inside strings and comments; elsewhere, after a
// backslash (no TOML escape), as invalid UTF-8, or in an unterminated literal
// string it is refused.
AsciiDocument ascii_document(std::string_view text);

}  // namespace barrage::profile::detail
