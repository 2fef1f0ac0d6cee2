#pragma once
// Verdicts in colour on a terminal (FAIL red, pass green, warnings yellow):
// the ANSI SGR codes every terminal reads. Whether to colour at all is the
// caller's decision (--color, NO_COLOR, a terminal): app/color.cc.

#include <string>
#include <string_view>

namespace barrage::base {

enum class AnsiColor { red, green, yellow };

// `text` between the colour's code and the reset when `enabled`, else as it is.
inline std::string paint(std::string_view text, AnsiColor color, bool enabled) {
    if (!enabled || text.empty()) {
        return std::string(text);
    }
    const std::string_view code = color == AnsiColor::red     ? "\x1b[31m"
                                  : color == AnsiColor::green ? "\x1b[32m"
                                                              : "\x1b[33m";
    std::string painted(code);
    painted += text;
    painted += "\x1b[0m";
    return painted;
}

}  // namespace barrage::base
