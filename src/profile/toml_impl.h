#pragma once
// The one way profile code includes toml++. Private to profile.
//
// toml++ 3.3 asserts on some malformed documents (e.g. "[[" at the end of a
// line) that its parser otherwise turns into an ordinary parse error; a
// profile with a typo must get that error with its line and column, not an
// abort. With the assertion off, the parser's own error path runs (checked by
// the profile fuzz target and a unit test).
#ifndef TOML_ASSERT
#define TOML_ASSERT(expr) static_assert(true)
#endif
#include <toml++/toml.h>
