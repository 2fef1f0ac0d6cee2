// tools/docgen: help texts read back into their parts, roff escaping, and the
// generated completion scripts' shape.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "completion_bash.h"
#include "completion_zsh.h"
#include "help_text.h"
#include "man_page.h"
#include "roff.h"

using namespace barrage::docgen;

namespace {

constexpr const char* sample_help =
    R"(Usage: barrage demo URL [options]
       barrage demo PROFILE.toml

Says hello to URL. A second line of prose
that carries on.

Load:
  -c, --connections N      open connections (default 10)
  -H, --header 'N: V'      add a request header; repeat for more
      --connect-grace TIME stop with exit 3 when no connection has opened and
                           connects kept failing for TIME (default 2s)
      --max-header-bytes SIZE
                           largest response header accepted (default 64k)
      --no-pin             do not pin workers
  -r and -d change the main phase of a profile.

Example:
  barrage demo http://127.0.0.1:8080/
)";

}  // namespace

TEST_CASE("a help text splits into usage, prose, headings, options and literal lines") {
    const auto blocks = parse_help_text(sample_help);
    REQUIRE(blocks.size() == 11);
    CHECK(blocks[0].kind == BlockKind::usage);
    CHECK(blocks[0].lines.size() == 2);
    CHECK(blocks[1].kind == BlockKind::text);
    CHECK(blocks[1].lines.size() == 2);
    CHECK(blocks[2].kind == BlockKind::heading);
    CHECK(blocks[2].lines.front() == "Load:");
    for (int i = 3; i <= 7; ++i) {
        CHECK(blocks[static_cast<std::size_t>(i)].kind == BlockKind::option);
    }
    CHECK(blocks[8].kind == BlockKind::literal);  // "-r and -d ..." is a note, not an option
    CHECK(blocks[9].kind == BlockKind::heading);
    CHECK(blocks[10].kind == BlockKind::literal);
}

TEST_CASE("an option entry gives its names, value and whole description") {
    const auto options = help_options(sample_help);
    REQUIRE(options.size() == 5);
    CHECK(options[0].names == std::vector<std::string>{"-c", "--connections"});
    CHECK(options[0].metavar == "N");
    CHECK(options[0].description == "open connections (default 10)");
    CHECK(options[1].metavar == "'N: V'");
    // A description that starts at column 27 right after a long flag, and goes on.
    CHECK(options[2].names == std::vector<std::string>{"--connect-grace"});
    CHECK(options[2].metavar == "TIME");
    CHECK(options[2].description ==
          "stop with exit 3 when no connection has opened and connects kept failing for TIME "
          "(default 2s)");
    // A flag too long for the column: its description is on the next line.
    CHECK(options[3].metavar == "SIZE");
    CHECK(options[3].description == "largest response header accepted (default 64k)");
    CHECK(options[4].metavar.empty());
    CHECK(short_description(options[1]) == "add a request header");
    CHECK(short_description(options[0]) == "open connections");
}

TEST_CASE("a line of the command list splits at column 31, even with one space") {
    const auto wide = split_command_line("  barrage run URL [options]    send load to URL");
    CHECK(wide.synopsis == "barrage run URL [options]");
    CHECK(wide.summary == "send load to URL");
    const auto tight =
        split_command_line("  barrage find-max URL --slo E find the highest rate the target");
    CHECK(tight.synopsis == "barrage find-max URL --slo E");
    CHECK(tight.summary == "find the highest rate the target");
}

TEST_CASE("roff escaping keeps hyphens, backslashes and leading dots literal") {
    CHECK(roff_escape("--rate") == "\\-\\-rate");
    CHECK(roff_escape("a\\b") == "a\\eb");
    CHECK(roff_escape(".hidden") == "\\&.hidden");
    CHECK(roff_escape("'quoted'") == "\\&'quoted'");
    CHECK(roff_bold("-c") == "\\fB\\-c\\fR");
}

TEST_CASE("the generated files cover every command of the catalog") {
    const std::string bash = bash_completion();
    const std::string zsh = zsh_completion();
    const std::string man = man_page({"9.9.9", "/doc", "/data"});
    const std::vector<std::string> commands{"run",    "serve",    "compare", "trend",
                                            "report", "find-max", "suite",   "merge"};
    for (const std::string& command : commands) {
        CAPTURE(command);
        CHECK(bash.find("    " + command + ")\n") != std::string::npos);
        CHECK(zsh.find("    " + command + ")\n") != std::string::npos);
        CHECK(man.find(".SS barrage " + roff_escape(command) + "\n") != std::string::npos);
    }
    CHECK(bash.find("complete -F _barrage barrage\n") != std::string::npos);
    CHECK(zsh.starts_with("#compdef barrage\n"));
    CHECK(man.find(".TH BARRAGE 1 \"\" \"barrage 9.9.9\"") != std::string::npos);
}
