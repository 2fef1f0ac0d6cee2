#include "help_text.h"

#include <algorithm>
#include <cstddef>

namespace barrage::docgen {
namespace {

// The column where option descriptions start in every help text.
constexpr std::size_t description_column = 27;

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t end = std::min(text.find('\n'), text.size());
        lines.push_back(text.substr(0, end));
        text.remove_prefix(std::min(end + 1, text.size()));
    }
    return lines;
}

std::size_t indent_of(std::string_view line) {
    const std::size_t first = line.find_first_not_of(' ');
    return first == std::string_view::npos ? line.size() : first;
}

std::string_view trim(std::string_view text) {
    const std::size_t first = text.find_first_not_of(' ');
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

bool is_option_line(std::string_view line) {
    // "  -c, --connections N" or "      --no-pin": a short form, or a long one alone.
    const bool short_form =
        line.size() > 8 && line.starts_with("  -") && line[3] != '-' && line.substr(4, 4) == ", --";
    const bool long_only = line.size() > 8 && line.starts_with("      --") && line[8] != ' ';
    return short_form || long_only;
}

// "-c, --connections N" -> names and metavar.
void split_flags(std::string_view flags, HelpOption& option) {
    while (!flags.empty() && flags.front() == '-') {
        const std::size_t end = std::min(flags.find_first_of(", "), flags.size());
        option.names.emplace_back(flags.substr(0, end));
        flags.remove_prefix(end);
        while (!flags.empty() && (flags.front() == ',' || flags.front() == ' ')) {
            flags.remove_prefix(1);
        }
    }
    option.metavar = std::string(trim(flags));
}

void append_words(std::string& description, std::string_view words) {
    if (!description.empty() && !words.empty()) {
        description += ' ';
    }
    description += std::string(trim(words));
}

// Reads the option entry starting at lines[i]; i moves past its last line.
HelpOption read_option(const std::vector<std::string_view>& lines, std::size_t& i) {
    const std::string_view first = lines[i++];
    HelpOption option;
    const bool has_description = first.size() > description_column &&
                                 first[description_column - 1] == ' ' &&
                                 first[description_column] != ' ';
    split_flags(trim(has_description ? first.substr(0, description_column) : first), option);
    if (has_description) {
        append_words(option.description, first.substr(description_column));
    }
    while (i < lines.size() && indent_of(lines[i]) >= description_column - 2 &&
           !trim(lines[i]).empty()) {
        append_words(option.description, lines[i++]);
    }
    return option;
}

bool is_heading(std::string_view line) {
    return !line.empty() && line.front() != ' ' && line.back() == ':';
}

// Lines of one kind from lines[i] while `belongs` holds; i moves past them.
template <typename Predicate>
HelpBlock read_run(BlockKind kind, const std::vector<std::string_view>& lines, std::size_t& i,
                   Predicate belongs) {
    HelpBlock block{kind, {std::string(lines[i++])}, {}};
    while (i < lines.size() && !trim(lines[i]).empty() && belongs(lines[i])) {
        block.lines.emplace_back(lines[i++]);
    }
    return block;
}

}  // namespace

std::vector<HelpBlock> parse_help_text(std::string_view text) {
    const std::vector<std::string_view> lines = split_lines(text);
    std::vector<HelpBlock> blocks;
    for (std::size_t i = 0; i < lines.size();) {
        const std::string_view line = lines[i];
        if (trim(line).empty()) {
            ++i;
        } else if (line.starts_with("Usage: ")) {
            blocks.push_back(read_run(BlockKind::usage, lines, i,
                                      [](std::string_view l) { return l.front() == ' '; }));
        } else if (is_option_line(line)) {
            blocks.push_back({BlockKind::option, {}, read_option(lines, i)});
        } else if (line.front() == ' ') {
            blocks.push_back(read_run(BlockKind::literal, lines, i, [](std::string_view l) {
                return l.front() == ' ' && !is_option_line(l);
            }));
        } else if (is_heading(line)) {
            blocks.push_back({BlockKind::heading, {std::string(line)}, {}});
            ++i;
        } else {
            blocks.push_back(read_run(BlockKind::text, lines, i, [](std::string_view l) {
                return l.front() != ' ' && !is_heading(l);
            }));
        }
    }
    return blocks;
}

std::vector<HelpOption> help_options(std::string_view text) {
    std::vector<HelpOption> options;
    for (HelpBlock& block : parse_help_text(text)) {
        if (block.kind == BlockKind::option) {
            options.push_back(std::move(block.option));
        }
    }
    return options;
}

CommandLine split_command_line(std::string_view line) {
    constexpr std::size_t summary_column = 31;
    std::size_t split = line.find("  ", indent_of(line));
    if (line.size() > summary_column && line[summary_column - 1] == ' ' &&
        line[summary_column] != ' ') {
        split = std::min(split, summary_column);
    }
    if (split == std::string_view::npos) {
        return {std::string(trim(line)), ""};
    }
    return {std::string(trim(line.substr(0, split))), std::string(trim(line.substr(split)))};
}

std::string short_description(const HelpOption& option) {
    const std::string& text = option.description;
    std::size_t end = text.size();
    for (const std::string_view stop : {". ", "; ", " ("}) {
        end = std::min(end, text.find(stop));
    }
    std::string first = text.substr(0, end);
    if (first.ends_with('.')) {
        first.pop_back();
    }
    return first;
}

}  // namespace barrage::docgen
