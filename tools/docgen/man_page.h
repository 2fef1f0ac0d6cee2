#pragma once
// The man page barrage.1, written from the command line's own help texts
// (cli/command_catalog.h, cli::usage_text), so it names every command and
// option that --help does.

#include <string>
#include <string_view>

namespace barrage::docgen {

struct ManPageInputs {
    std::string_view version;   // "0.1.0"
    std::string_view doc_dir;   // where the docs are installed, for SEE ALSO
    std::string_view data_dir;  // where the example profiles are installed, for FILES
};

// The whole page as roff source (man(7) macros).
std::string man_page(const ManPageInputs& inputs);

}  // namespace barrage::docgen
