#pragma once
// `barrage run URL --levels c=1,10,25,50` (levels_args.cc). Private to cli.

#include <span>
#include <string_view>

#include "barrage/base/result.h"
#include "barrage/cli/command_line.h"

namespace barrage::cli::detail {

// The request of a URL run with --levels TEXT: `url_plan` has the URL's target
// and nothing else; `flags` are the run's flags, laid over it at each level.
// Refuses the outputs and gates of a single run (each level is a run of its own).
base::Result<Command> make_levels_request(const plan::RunPlan& url_plan,
                                          const profile::RunFlags& flags, std::string_view text);

}  // namespace barrage::cli::detail
