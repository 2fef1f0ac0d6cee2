#include "completion_model.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "barrage/base/assert.h"
#include "barrage/cli/command_catalog.h"
#include "barrage/cli/command_line.h"
#include "help_text.h"

namespace barrage::docgen {
namespace {

// The help entry that documents `long_name` ("connections"), searched in `texts`.
const HelpOption* find_help(const std::vector<std::vector<HelpOption>>& texts,
                            const std::string& long_name) {
    for (const auto& options : texts) {
        for (const HelpOption& option : options) {
            const auto& names = option.names;
            if (std::find(names.begin(), names.end(), "--" + long_name) != names.end()) {
                return &option;
            }
        }
    }
    return nullptr;
}

void add_option(const cli::OptionName& name, const std::vector<std::vector<HelpOption>>& texts,
                CompletionCommand& command) {
    const HelpOption* help = find_help(texts, name.long_name);
    CompletionOption option;
    option.description = help != nullptr ? short_description(*help) : "";
    option.metavar = name.takes_value
                         ? (help != nullptr && !help->metavar.empty() ? help->metavar : "VALUE")
                         : "";
    option.takes_file = option.metavar.find("FILE") != std::string::npos ||
                        option.metavar.find("PATH") != std::string::npos;
    option.name = "--" + name.long_name;
    command.options.push_back(option);
    if (name.short_name != '\0') {
        option.name = std::string("-") + name.short_name;
        command.options.push_back(option);
    }
}

// True when `line` has a word ending in ".EXT" ("RESULT.json", not "HISTORY.jsonl" for json).
bool names_extension(const std::string& line, std::string_view ext) {
    const std::string suffix = "." + std::string(ext);
    for (std::size_t at = line.find(suffix); at != std::string::npos;
         at = line.find(suffix, at + 1)) {
        const std::size_t end = at + suffix.size();
        if (end == line.size() || !std::isalnum(static_cast<unsigned char>(line[end]))) {
            return true;
        }
    }
    return false;
}

// File kinds named in the usage lines: "PROFILE.toml", "RESULT.json", "URL|PROFILE".
std::vector<std::string> positional_extensions(const std::string& usage) {
    std::vector<std::string> extensions;
    for (const HelpBlock& block : parse_help_text(usage)) {
        if (block.kind != BlockKind::usage) {
            continue;
        }
        for (const std::string& line : block.lines) {
            for (const std::string_view ext : {"toml", "jsonl", "json"}) {
                const bool named = names_extension(line, ext) ||
                                   (ext == "toml" && line.find("PROFILE") != std::string::npos);
                if (named &&
                    std::find(extensions.begin(), extensions.end(), ext) == extensions.end()) {
                    extensions.emplace_back(ext);
                }
            }
        }
    }
    return extensions;
}

// The summary of `name` in `barrage --help` ("  barrage run URL [options]    send load ...").
std::string command_summary(const std::string& name) {
    for (const HelpBlock& block : parse_help_text(cli::usage_text())) {
        for (const std::string& line : block.lines) {
            if (block.kind == BlockKind::literal &&
                line.find("barrage " + name + " ") == line.find_first_not_of(' ')) {
                return split_command_line(line).summary;
            }
        }
    }
    return "";
}

}  // namespace

std::vector<CompletionCommand> completion_commands() {
    std::vector<CompletionCommand> commands;
    const std::vector<cli::CommandEntry> catalog = cli::command_catalog();
    const auto run = std::find_if(catalog.begin(), catalog.end(),
                                  [](const cli::CommandEntry& c) { return c.name == "run"; });
    BARRAGE_ASSERT(run != catalog.end());
    for (const cli::CommandEntry& entry : catalog) {
        CompletionCommand command{
            entry.name, command_summary(entry.name), {}, positional_extensions(entry.usage)};
        const std::vector<std::vector<HelpOption>> texts{help_options(entry.usage),
                                                         help_options(run->usage)};
        for (const cli::OptionName& name : entry.options) {
            add_option(name, texts, command);
        }
        for (const cli::OptionName& name : entry.passed_options) {
            add_option(name, texts, command);
        }
        commands.push_back(std::move(command));
    }
    return commands;
}

std::string single_quoted(const std::string& text) {
    std::string out = "'";
    for (const char c : text) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

}  // namespace barrage::docgen
