#pragma once
// The command line as data: each command's --help text and the options its
// parser accepts, read from the same tables that parse and print them. The man
// page and the shell completion are generated from this (tools/docgen), and
// tests check that help, man page and parser name the same options.

#include <string>
#include <vector>

namespace barrage::cli {

struct OptionName {
    char short_name = '\0';  // '\0' = long form only
    std::string long_name;   // without the leading "--"
    bool takes_value = false;
};

struct CommandEntry {
    std::string name;                 // "run", as typed after `barrage`
    std::string usage;                // exactly what `barrage NAME --help` prints
    std::vector<OptionName> options;  // the command's own options, -h/--help included
    // Options the command hands on to another parser (find-max passes run's
    // options to each step); accepted, but documented in that command's help.
    std::vector<OptionName> passed_options;
};

// Every command that has options, in the order of `barrage --help`. The words
// `help` and `version` (and `--help`, `--version`) take none and are not listed.
std::vector<CommandEntry> command_catalog();

}  // namespace barrage::cli
