#pragma once
// The unit parsers live in plan (profile uses them too); cli keeps its names.

#include "barrage/plan/units.h"

namespace barrage::cli {

using plan::parse_count;
using plan::parse_duration_ns;
using plan::parse_rate_per_s;
using plan::parse_size_bytes;

}  // namespace barrage::cli
