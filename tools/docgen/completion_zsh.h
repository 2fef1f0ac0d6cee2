#pragma once
// The zsh completion function for barrage (share/zsh/site-functions/_barrage).

#include <string>

namespace barrage::docgen {

// A `#compdef barrage` file: commands with their summaries, each command's
// options with their descriptions (_arguments), files where a file is asked for.
std::string zsh_completion();

}  // namespace barrage::docgen
