#include "man_page.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "barrage/base/assert.h"
#include "barrage/cli/command_catalog.h"
#include "barrage/cli/command_line.h"
#include "barrage/gate/exit_code.h"
#include "help_text.h"
#include "roff.h"

namespace barrage::docgen {
namespace {

std::string_view trim_left(std::string_view text) {
    const std::size_t first = text.find_first_not_of(' ');
    return first == std::string_view::npos ? std::string_view{} : text.substr(first);
}

void render_option(const HelpOption& option, std::string& out) {
    std::string tag;
    for (const std::string& name : option.names) {
        tag += (tag.empty() ? "" : ", ") + roff_bold(name);
    }
    if (!option.metavar.empty()) {
        tag += " " + roff_italic(option.metavar);
    }
    out += fmt::format(".TP\n{}\n{}\n", tag, roff_escape(option.description));
}

// "TIME: 500ms, ..." opens a line of its own in prose, like a definition.
bool starts_definition(std::string_view line) {
    const std::size_t colon = line.find(": ");
    return colon != std::string_view::npos && colon > 0 &&
           line.substr(0, colon).find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ.") ==
               std::string_view::npos;
}

void render_lines(const std::vector<std::string>& lines, bool literal, std::string& out) {
    out += literal ? ".PP\n.nf\n" : ".PP\n";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const bool definition = !literal && starts_definition(lines[i]);
        if (definition && i > 0) {
            out += ".br\n";
        }
        out += roff_escape(literal ? std::string_view(lines[i]) : trim_left(lines[i])) + "\n";
        if (definition && i + 1 < lines.size()) {
            out += ".br\n";
        }
    }
    out += literal ? ".fi\n" : "";
}

// One command's --help text as roff: its usage lines, prose, options, examples.
void render_help(std::string_view help, std::string& out) {
    for (const HelpBlock& block : parse_help_text(help)) {
        switch (block.kind) {
            case BlockKind::usage:
            case BlockKind::literal:
                render_lines(block.lines, true, out);
                break;
            case BlockKind::heading:
                out += ".PP\n" + roff_bold(block.lines.front()) + "\n";
                break;
            case BlockKind::text:
                render_lines(block.lines, false, out);
                break;
            case BlockKind::option:
                render_option(block.option, out);
                break;
        }
    }
}

// NAME, SYNOPSIS and DESCRIPTION from the program's own usage text.
void render_overview(std::string& out) {
    const std::vector<HelpBlock> blocks = parse_help_text(cli::usage_text());
    BARRAGE_ASSERT(!blocks.empty() && blocks.front().kind == BlockKind::text);
    const std::string& title = blocks.front().lines.front();
    const std::size_t dash = title.find(" - ");
    BARRAGE_ASSERT(dash != std::string::npos);
    out += ".SH NAME\nbarrage \\- " + roff_escape(title.substr(dash + 3)) + "\n";
    std::vector<CommandLine> commands;
    for (std::size_t i = 0; i + 1 < blocks.size(); ++i) {
        if (blocks[i].kind == BlockKind::heading && blocks[i].lines.front() == "Usage:") {
            for (const std::string& line : blocks[i + 1].lines) {
                commands.push_back(split_command_line(line));
            }
        }
    }
    BARRAGE_ASSERT(!commands.empty());
    out += ".SH SYNOPSIS\n.nf\n";
    for (const CommandLine& command : commands) {
        out += roff_escape(command.synopsis) + "\n";
    }
    out += ".fi\n.SH DESCRIPTION\n";
    out +=
        "barrage sends HTTP/1.1 and TLS load from one pinned io_uring worker per core, at "
        "intended times from an open\\-loop schedule (latency counted from those times) or "
        "in a closed loop, and reports HdrHistogram percentiles as a summary, JSON, CSV, "
        "interval logs and an HTML report; thresholds turn a run into a CI gate.\n";
    for (const CommandLine& command : commands) {
        out +=
            fmt::format(".TP\n{}\n{}\n", roff_bold(command.synopsis), roff_escape(command.summary));
    }
}

void render_exit_status(std::string& out) {
    const std::pair<int, std::string_view> codes[] = {
        {gate::exit_ok, "the command did its job"},
        {gate::exit_thresholds_failed,
         "a --threshold failed, compare found a regression, or find-max's lowest rate broke the "
         "SLO"},
        {gate::exit_usage, "usage or configuration error; nothing was sent"},
        {gate::exit_run_failed,
         "the run could not do its job (target unresolvable or unreachable, nothing completed)"},
        {gate::exit_output_failed, "an output file could not be written after the run"},
    };
    out += ".SH EXIT STATUS\n";
    for (const auto& [code, meaning] : codes) {
        out += fmt::format(".TP\n{}\n{}\n", roff_bold(std::to_string(code)), roff_escape(meaning));
    }
    out += fmt::format(
        ".TP\n{}\n{}\n", roff_bold(fmt::format("{} + signal", gate::exit_signal_base)),
        roff_escape("interrupted by SIGHUP, SIGINT or SIGTERM (129, 130, 143); every output is "
                    "written for what ran"));
}

}  // namespace

std::string man_page(const ManPageInputs& inputs) {
    std::string out = fmt::format(
        ".\\\" Generated by barrage-docgen from barrage's own --help texts; do not edit.\n"
        ".TH BARRAGE 1 \"\" \"barrage {}\" \"User Commands\"\n"
        // No hyphenation: option names and paths must read as typed.
        ".nh\n",
        roff_escape(inputs.version));
    render_overview(out);
    out += ".SH COMMANDS\n";
    for (const cli::CommandEntry& command : cli::command_catalog()) {
        out += ".SS " + roff_escape("barrage " + command.name) + "\n";
        render_help(command.usage, out);
    }
    render_exit_status(out);
    out += ".SH FILES\n.TP\n" + roff_italic(fmt::format("{}/profiles/", inputs.data_dir)) +
           "\nexample profiles (" + roff_escape("barrage run PROFILE.toml") + ")\n";
    out += ".SH SEE ALSO\n" + roff_italic(inputs.doc_dir) +
           " (profiles.md, templates.md, output.md),\n.BR wrk (1),\n.BR curl (1)\n";
    return out;
}

}  // namespace barrage::docgen
