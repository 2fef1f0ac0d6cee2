// barrage-docgen: writes barrage's man page or shell completion, generated from
// the command line's own tables and help texts, for meson to install.
// Usage: barrage-docgen man|bash|zsh OUTPUT [VERSION DOC_DIR DATA_DIR]

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "completion_bash.h"
#include "completion_zsh.h"
#include "man_page.h"

namespace {

int write_file(const char* path, const std::string& text) {
    std::FILE* file = std::fopen(path, "w");
    if (file == nullptr) {
        fmt::print(stderr, "barrage-docgen: cannot write '{}': {}\n", path, std::strerror(errno));
        return 1;
    }
    const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
    if (std::fclose(file) != 0 || !written) {
        fmt::print(stderr, "barrage-docgen: cannot write '{}'\n", path);
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace barrage::docgen;
    const std::string_view what = argc > 2 ? argv[1] : "";
    if (what == "man" && argc == 6) {
        return write_file(argv[2], man_page({argv[3], argv[4], argv[5]}));
    }
    if (what == "bash" && argc == 3) {
        return write_file(argv[2], bash_completion());
    }
    if (what == "zsh" && argc == 3) {
        return write_file(argv[2], zsh_completion());
    }
    fmt::print(stderr,
               "usage: barrage-docgen man OUTPUT VERSION DOC_DIR DATA_DIR\n"
               "       barrage-docgen bash|zsh OUTPUT\n");
    return 2;
}
