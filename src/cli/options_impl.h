#pragma once
// A small table-driven option parser shared by the subcommands: `--flag=value`,
// `--flag value`, `-f value`, `-fvalue`, options before or after positionals,
// `--` ends options. Private to cli.

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/excerpt.h"
#include "barrage/base/nearest.h"
#include "barrage/base/result.h"
#include "barrage/cli/command_catalog.h"

namespace barrage::cli::detail {

using base::make_error;
using base::Ok;
using base::Result;
using base::Status;

// One option of a subcommand. `apply` gets the flag as it is shown in messages.
template <typename Args>
struct OptionSpec {
    char short_name;  // '\0' = long form only
    std::string_view long_name;
    bool takes_value;
    Status (*apply)(Args& args, std::string_view flag, std::string_view value);
};

template <typename Args>
std::string display_name(const OptionSpec<Args>& spec) {
    if (spec.short_name == '\0') {
        return fmt::format("--{}", spec.long_name);
    }
    return fmt::format("-{}/--{}", spec.short_name, spec.long_name);
}

// Stores a parsed value, or passes the parse error on.
template <typename Field, typename Parsed>
Status store(Result<Parsed> parsed, Field& field) {
    if (!parsed) {
        return parsed.error();
    }
    field = static_cast<Field>(std::move(parsed).value());
    return Ok{};
}

// An argument matched against a spec table: the spec (null if unknown), the
// option's name as typed, and a value written in the same argument.
template <typename Args>
struct Match {
    const OptionSpec<Args>* spec = nullptr;
    std::string_view name;
    std::optional<std::string_view> inline_value;
};

template <typename Args>
Match<Args> match_option(std::string_view arg, std::span<const OptionSpec<Args>> specs) {
    Match<Args> match;
    if (arg.starts_with("--")) {
        const auto equals = arg.find('=');
        match.name = arg.substr(0, equals);
        if (equals != std::string_view::npos) {
            match.inline_value = arg.substr(equals + 1);
        }
        for (const auto& spec : specs) {
            if (match.name.substr(2) == spec.long_name) {
                match.spec = &spec;
            }
        }
        return match;
    }
    match.name = arg.substr(0, 2);
    if (arg.size() > 2) {
        // "-c10" and "-c=10" both mean "-c 10".
        match.inline_value = arg.substr(arg[2] == '=' ? 3 : 2);
    }
    for (const auto& spec : specs) {
        if (spec.short_name != '\0' && arg[1] == spec.short_name) {
            match.spec = &spec;
        }
    }
    return match;
}

// "; did you mean '--duration'?" for a mistyped long option ("--duraton"), else "".
// A one-letter option has no near miss worth naming.
template <typename Args>
std::string nearest_option(std::string_view typed, std::span<const OptionSpec<Args>> specs) {
    if (!typed.starts_with("--")) {
        return "";
    }
    std::vector<std::string> names;
    for (const auto& spec : specs) {
        names.push_back(fmt::format("--{}", spec.long_name));
    }
    return base::did_you_mean(typed, names);
}

// The names in a spec table, with -h/--help, which every parser answers.
template <typename Args>
std::vector<OptionName> option_names(std::span<const OptionSpec<Args>> specs) {
    std::vector<OptionName> names{{'h', "help", false}};
    for (const auto& spec : specs) {
        names.push_back({spec.short_name, std::string(spec.long_name), spec.takes_value});
    }
    return names;
}

inline bool is_option_like(std::string_view arg) { return arg.size() >= 2 && arg[0] == '-'; }

inline bool is_help(std::string_view arg) { return arg == "-h" || arg == "--help"; }

// --time-scale F: a plain number in (0, 1000]; 0.1 runs a plan in a tenth of its time.
inline Result<double> parse_time_scale(std::string_view flag, std::string_view text) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) ||
        value <= 0 || value > 1000) {
        return make_error(fmt::format(
            "{}: '{}' is not a factor above 0 and at most 1000; expected e.g. 0.1 (a tenth "
            "of the time)",
            flag, base::excerpt(text)));
    }
    return value;
}

// The value of a value-taking option: written in the same argument, or the
// next one (then `next` moves past it).
template <typename Args>
Result<std::string_view> take_value(const Match<Args>& match, std::span<const char* const> argv,
                                    size_t& next, std::span<const OptionSpec<Args>> specs,
                                    const std::string& flag) {
    if (match.inline_value) {
        return *match.inline_value;
    }
    // A known option where the value should be means the value was forgotten;
    // anything else (even "-5") is taken as the value and judged by its parser.
    if (next >= argv.size() || is_help(argv[next]) ||
        (is_option_like(argv[next]) && match_option(argv[next], specs).spec != nullptr)) {
        return make_error(fmt::format("{} needs a value", flag));
    }
    return std::string_view(argv[next++]);
}

// Walks the arguments of one subcommand: options go to `args`, the rest to
// `positionals`. Returns true when help was asked for.
template <typename Args>
Result<bool> parse_options(std::span<const char* const> argv, std::string_view command,
                           std::span<const OptionSpec<Args>> specs, Args& args,
                           std::vector<std::string_view>& positionals) {
    bool only_positionals = false;
    for (size_t next = 0; next < argv.size();) {
        const std::string_view arg = argv[next++];
        if (!only_positionals && arg == "--") {
            only_positionals = true;
            continue;
        }
        if (only_positionals || !is_option_like(arg)) {
            positionals.push_back(arg);
            continue;
        }
        if (is_help(arg)) {
            return true;
        }
        const auto match = match_option(arg, specs);
        if (match.spec == nullptr) {
            const std::string hint = nearest_option(match.name, specs);
            return make_error(fmt::format("unknown option '{}' for '{}'{}{} '{} --help'",
                                          base::excerpt(match.name), command, hint,
                                          hint.empty() ? "; see" : " See", command));
        }
        const std::string flag = display_name(*match.spec);
        if (!match.spec->takes_value && match.inline_value) {
            return make_error(
                fmt::format("{} takes no value (got '{}')", flag, base::excerpt(arg)));
        }
        auto value = match.spec->takes_value ? take_value(match, argv, next, specs, flag)
                                             : Result<std::string_view>(std::string_view{});
        if (!value) {
            return value.error();
        }
        if (auto status = match.spec->apply(args, flag, value.value()); !status) {
            return status.error();
        }
    }
    return false;
}

}  // namespace barrage::cli::detail
