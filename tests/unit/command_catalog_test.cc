// cli/command_catalog.h: the catalog the man page and shell completion are
// generated from agrees with what the parser accepts and what --help prints.

#include "barrage/cli/command_catalog.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "barrage/cli/command_line.h"

namespace cli = barrage::cli;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// The long options that a help text lists as entries ("  -c, --connections N"
// or "      --no-pin"), without the "--".
std::set<std::string> documented_options(const std::string& usage) {
    std::set<std::string> names;
    for (const std::string& line : lines_of(usage)) {
        std::size_t at = std::string::npos;
        if (line.starts_with("      --")) {
            at = 8;
        } else if (line.size() > 8 && line.starts_with("  -") && line.substr(4, 4) == ", --") {
            at = 8;
        }
        if (at != std::string::npos) {
            const std::size_t end = std::min(line.find_first_of(" =", at), line.size());
            names.insert(line.substr(at, end - at));
        }
    }
    return names;
}

std::string help_of(const std::string& command) {
    const char* argv[] = {"barrage", command.c_str(), "--help"};
    auto parsed = cli::parse_command_line(3, argv);
    REQUIRE(parsed.ok());
    const auto* help = std::get_if<cli::HelpRequest>(&parsed.value());
    REQUIRE(help != nullptr);
    return help->text;
}

}  // namespace

TEST_CASE("each catalog entry's usage is what `barrage NAME --help` prints") {
    for (const cli::CommandEntry& entry : cli::command_catalog()) {
        CAPTURE(entry.name);
        CHECK(entry.usage == help_of(entry.name));
    }
}

TEST_CASE("every command in `barrage --help` has a catalog entry, and no other") {
    std::set<std::string> listed;
    for (const std::string& line : lines_of(cli::usage_text())) {
        if (line.starts_with("  barrage ") && line.size() > 10 && line[10] != '-') {
            const std::string name = line.substr(10, line.find(' ', 10) - 10);
            if (name != "help") {
                listed.insert(name);
            }
        }
    }
    std::set<std::string> catalog;
    for (const cli::CommandEntry& entry : cli::command_catalog()) {
        catalog.insert(entry.name);
    }
    CHECK(listed == catalog);
}

TEST_CASE("every option a parser accepts is documented in its command's help, and back") {
    for (const cli::CommandEntry& entry : cli::command_catalog()) {
        CAPTURE(entry.name);
        std::set<std::string> accepted;
        for (const cli::OptionName& option : entry.options) {
            accepted.insert(option.long_name);
            if (option.short_name != '\0') {
                // The short form is shown beside the long one: "-c, --connections".
                const std::string pair =
                    std::string("  -") + option.short_name + ", --" + option.long_name;
                CAPTURE(pair);
                CHECK(entry.usage.find(pair) != std::string::npos);
            }
        }
        CHECK(documented_options(entry.usage) == accepted);
    }
}

TEST_CASE("find-max passes the run options it does not set itself to each step") {
    const auto catalog = cli::command_catalog();
    const auto find_max = std::find_if(catalog.begin(), catalog.end(),
                                       [](const auto& entry) { return entry.name == "find-max"; });
    REQUIRE(find_max != catalog.end());
    std::set<std::string> passed;
    for (const cli::OptionName& option : find_max->passed_options) {
        passed.insert(option.long_name);
    }
    CHECK(passed.count("connections") == 1);
    CHECK(passed.count("insecure") == 1);
    // find-max sets these per step or owns them.
    for (const char* own : {"rate", "duration", "warmup", "threshold", "json", "help"}) {
        CAPTURE(own);
        CHECK(passed.count(own) == 0);
    }
}
