#pragma once
// What shell completion needs to know of each command, gathered from the
// command catalog and the help texts: its options, which take a value, which
// take a file, and which files its positional arguments are.

#include <string>
#include <vector>

namespace barrage::docgen {

struct CompletionOption {
    std::string name;         // "-c" or "--connections"
    std::string description;  // first sentence of its help
    std::string metavar;      // "N", "FILE"; "" = takes no value
    bool takes_file = false;  // metavar FILE or PATH
};

struct CompletionCommand {
    std::string name;     // "run"
    std::string summary;  // its line in `barrage --help`
    std::vector<CompletionOption> options;
    std::vector<std::string> file_extensions;  // of positionals: "toml", "json"; none = no files
};

// Every command of the catalog, in the order of `barrage --help`.
std::vector<CompletionCommand> completion_commands();

// Escapes `text` for a single-quoted shell word ('...').
std::string single_quoted(const std::string& text);

}  // namespace barrage::docgen
