#pragma once
// TOML traffic profiles -> a validated plan::RunPlan (schema: docs/profiles.md).
// Everything is checked before any traffic: syntax, unknown keys, types,
// ranges, weights, templates (undefined variables), data and body files,
// phases. Errors read "FILE:LINE:COL: what; expected ..." (exit 2).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"
#include "barrage/profile/run_flags.h"

namespace barrage::profile {

// Command-line changes to a profile, applied in this order: every --set on
// the TOML document (so its value is checked like the file's), then target_url
// (`barrage run PROFILE URL`, --target: [target] url = URL, urls removed), then the other
// flags on the plan read from it (apply_run_flags: --rate and --duration on
// the main phase, -c, --timeout, --seed, ...). -c and --timeout change
// [target], but a --set of the same key wins.
//
// --set "KEY=VALUE": KEY is a dotted path: table keys, array indexes from 0, or
// for [[requests]] and [[phases]] an element's name ("phases.main.rate",
// "phases.1.duration", "requests.login.weight", "target.connections").
// VALUE is read as a TOML value (50, 2.5, true, "30s"); if that fails, as
// a string (so --set phases.0.duration=30s works unquoted). Only scalars
// and arrays of scalars can be set; the key must exist or be a known key
// of its table.
using ProfileOverrides = RunFlags;

// Reads the file at `path`; relative body_file and data paths resolve against
// the profile's directory; lays the flags over it and validates the result
// once. Errors of the document and of validation name the file; those of a
// flag name the flag.
base::Result<plan::RunPlan> load_profile(const std::string& path,
                                         const ProfileOverrides& overrides);

// The same from text already in memory; `path` names it in messages and
// anchors relative paths (tests, fuzzing).
base::Result<plan::RunPlan> load_profile_text(std::string_view text, const std::string& path,
                                              const ProfileOverrides& overrides);

// True when a `barrage run` argument names a profile: it ends in ".toml", or
// it is an existing regular file.
bool is_profile_argument(std::string_view argument);

}  // namespace barrage::profile
