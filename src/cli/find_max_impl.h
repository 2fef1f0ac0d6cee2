#pragma once
// `barrage find-max` arguments (find_max_args.cc). Private to cli.

#include <span>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/cli/command_catalog.h"
#include "barrage/cli/command_line.h"

namespace barrage::cli::detail {

extern const std::string_view find_max_usage;

base::Result<Command> parse_find_max(std::span<const char* const> argv);

// `barrage run ...` (command_line.cc); argv[0] and argv[1] are "barrage" "run".
base::Result<Command> parse_run(std::span<const char* const> argv);

// The option names of `barrage run` (command_line.cc) and of find-max: its
// own, and the run options it passes to each step (for cli/command_catalog.h).
std::vector<OptionName> run_option_names();
std::vector<OptionName> find_max_option_names();
std::vector<OptionName> find_max_passed_option_names();

}  // namespace barrage::cli::detail
