#pragma once
// `barrage suite` arguments (suite_args.cc). Private to cli.

#include <span>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/cli/command_catalog.h"
#include "barrage/cli/command_line.h"

namespace barrage::cli::detail {

extern const std::string_view suite_usage;

// argv[0] and argv[1] are "barrage" "suite".
base::Result<Command> parse_suite(std::span<const char* const> argv);

// The option names of `barrage suite` (for cli/command_catalog.h).
std::vector<OptionName> suite_option_names();

}  // namespace barrage::cli::detail
