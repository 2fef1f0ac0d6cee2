#pragma once
// Environment variables in profiles: `${NAME}` and `${NAME:-default}` in any
// string value of a profile are replaced before the profile is read (so a
// template, a URL or a header can take them); `$$` is a literal `$`, and any
// other `$` stays as written (`$.token` in a JSON check). The values come from
// --env-file (KEY=VALUE lines) first, then the process environment: like a
// CI system's variables or k6's __ENV. See docs/profiles.md "Environment".

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "barrage/base/result.h"

namespace barrage::profile {

// One KEY=VALUE of an --env-file, in file order (a later one wins).
struct EnvironmentValue {
    std::string name;
    std::string value;
};

// The lines of an env file: `KEY=VALUE`, `export KEY=VALUE`, blank lines and
// `# comments`; VALUE may be 'single-quoted' (taken as written) or
// "double-quoted" (\n, \t, \", \\ and \$ escapes), else it is the rest of the
// line without surrounding spaces and without a ` #comment`. Errors:
// "PATH:LINE: ..." naming what is wrong and the form expected.
base::Result<std::vector<EnvironmentValue>> parse_env_file(std::string_view text,
                                                           const std::string& path);
// Reads and parses the file at `path` ("--env-file: cannot read ..." when it cannot).
base::Result<std::vector<EnvironmentValue>> read_env_file(const std::string& path);

// A variable's value, nullopt when it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Looks `name` up in `values` (the last one given wins), then in the process environment.
std::optional<std::string> environment_value(const std::vector<EnvironmentValue>& values,
                                             std::string_view name);

// What expand_variables could not expand: why, and the offset of the `$` in the text.
struct ExpandError {
    std::string message;
    std::size_t offset = 0;
};

// `text` with every `${NAME}`, `${NAME:-default}` (the default when NAME is
// unset or empty) and `$$` replaced; a `$` before anything else stays. An
// unset NAME without a default, a bad name or a missing `}` is an ExpandError.
struct Expanded {
    std::string text;
    std::optional<ExpandError> error;
};
Expanded expand_variables(std::string_view text, const EnvironmentLookup& lookup);

// True when `text` has something expand_variables would change.
inline bool has_variables(std::string_view text) {
    return text.find("${") != std::string_view::npos || text.find("$$") != std::string_view::npos;
}

}  // namespace barrage::profile
