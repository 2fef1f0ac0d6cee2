#include "barrage/base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace barrage::base::detail {

void assert_fail(const char* expr, const char* file, int line, const char* msg) {
    std::fprintf(stderr, "barrage: internal error: assertion failed: %s (%s:%d)%s%s\n", expr, file,
                 line, msg ? ": " : "", msg ? msg : "");
    std::fflush(stderr);
    std::abort();
}

}  // namespace barrage::base::detail
