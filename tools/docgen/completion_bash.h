#pragma once
// The bash completion script for barrage (share/bash-completion/completions/barrage).

#include <string>

namespace barrage::docgen {

// A script that defines _barrage and registers it with `complete -F`. Works in
// plain bash (no bash-completion helpers needed): commands, each command's
// options, files for FILE/PATH options and for profile or result arguments.
std::string bash_completion();

}  // namespace barrage::docgen
