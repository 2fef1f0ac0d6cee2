// Whether the verdicts a command prints go out in colour (--color, NO_COLOR).

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "app_impl.h"

namespace barrage::app::detail {

// As no-color.org asks: NO_COLOR set to anything but "" turns colour off by
// default, and a flag (--color always) still wins over it.
bool use_color(plan::ColorMode mode, std::FILE* stream) {
    switch (mode) {
        case plan::ColorMode::always:
            return true;
        case plan::ColorMode::never:
            return false;
        case plan::ColorMode::automatic:
            break;
    }
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && no_color[0] != '\0') {
        return false;
    }
    const char* term = std::getenv("TERM");
    if (term != nullptr && std::string_view(term) == "dumb") {
        return false;  // a terminal that shows escape codes as text
    }
    return isatty(fileno(stream)) != 0;
}

}  // namespace barrage::app::detail
