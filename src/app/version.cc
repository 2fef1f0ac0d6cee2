// barrage --version: one line a script can read, then how this binary was built.

#include <fmt/format.h>

#include <string>

#include "barrage/app/commands.h"
#include "barrage/gate/exit_code.h"
#include "build_commit.h"
#include "build_options.h"

namespace barrage::app {

std::string version_text() {
    std::string text = fmt::format("barrage {} ({}, {}, {})\n", BARRAGE_VERSION, BARRAGE_COMMIT,
                                   BARRAGE_BUILD_TYPE, BARRAGE_LINKING);
    text += fmt::format("commit:     {}\n", BARRAGE_COMMIT);
    text += fmt::format("build type: {}\n", BARRAGE_BUILD_TYPE);
    text += fmt::format("linking:    {}\n", BARRAGE_LINKING_DETAIL);
    text += fmt::format("compiler:   {}\n", BARRAGE_COMPILER);
    // The versions the build was compiled and linked against (pkg-config's);
    // a static binary carries exactly these.
    text += fmt::format(
        "libraries:  OpenSSL {}, liburing {}, fmt {}, simdjson {}, toml++ {}, "
        "zlib {}\n",
        BARRAGE_OPENSSL_VERSION, BARRAGE_LIBURING_VERSION, BARRAGE_FMT_VERSION,
        BARRAGE_SIMDJSON_VERSION, BARRAGE_TOMLPLUSPLUS_VERSION, BARRAGE_ZLIB_VERSION);
    return text;
}

int version_command() {
    fmt::print("{}", version_text());
    return gate::exit_ok;
}

}  // namespace barrage::app
