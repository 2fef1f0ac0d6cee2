#pragma once
// A command's --help text read back into its parts: usage lines, headings,
// prose, option entries and literal lines (examples, tables). The help texts
// follow one layout (src/cli): options indented 2 ("-c, --connections N") or
// 6 ("--no-pin") columns, their description at column 27 or on the next lines.

#include <string>
#include <string_view>
#include <vector>

namespace barrage::docgen {

// One option entry: "-c, --connections N      open connections (default 10)".
struct HelpOption {
    std::vector<std::string> names;  // "-c", "--connections"
    std::string metavar;             // "N"; "" for a flag
    std::string description;         // its lines joined by single spaces
};

enum class BlockKind {
    usage,    // "Usage: ..." and its continuation lines
    heading,  // an unindented line ending in ':' ("Load:")
    text,     // unindented prose lines
    option,   // one option entry
    literal,  // indented lines that are not options, kept as they are
};

struct HelpBlock {
    BlockKind kind = BlockKind::text;
    std::vector<std::string> lines;  // usage, heading, text, literal: the lines
    HelpOption option;               // option only
};

// The blocks of `text` in order. A blank line ends a block.
std::vector<HelpBlock> parse_help_text(std::string_view text);

// The option entries of `text`, in order.
std::vector<HelpOption> help_options(std::string_view text);

// A line of the command list in `barrage --help` ("  barrage run URL [options]    send load
// to URL"; the summary starts at column 31) split into its synopsis and summary.
struct CommandLine {
    std::string synopsis;  // "barrage run URL [options]"
    std::string summary;   // "send load to URL, ..."
};
CommandLine split_command_line(std::string_view line);

// The first sentence of an option's description, for completion menus.
std::string short_description(const HelpOption& option);

}  // namespace barrage::docgen
