#include <fmt/format.h>

#include <cstdio>

#include "barrage/app/commands.h"

namespace barrage::app {

int fail(const std::string& message, int code) {
    fmt::print(stderr, "barrage: {}\n", message);
    return code;
}

}  // namespace barrage::app
