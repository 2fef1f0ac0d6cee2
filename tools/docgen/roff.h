#pragma once
// Escaping text for roff (man(7)) source.

#include <string>
#include <string_view>

namespace barrage::docgen {

// `text` as roff prints it literally: backslashes as \e, every '-' as \- (so
// options copied from the page are ASCII hyphen-minus), and a leading '.' or
// '\'' guarded so it is not read as a request.
std::string roff_escape(std::string_view text);

// `text` escaped, in bold (\fB...\fR) or italics (\fI...\fR).
std::string roff_bold(std::string_view text);
std::string roff_italic(std::string_view text);

}  // namespace barrage::docgen
