#pragma once
// `barrage merge` arguments (merge_args.cc). Private to cli.

#include <span>
#include <string_view>

#include "barrage/base/result.h"
#include "barrage/cli/command_line.h"

namespace barrage::cli::detail {

extern const std::string_view merge_usage;

// argv[0] and argv[1] are "barrage" "merge".
base::Result<Command> parse_merge(std::span<const char* const> argv);

}  // namespace barrage::cli::detail
