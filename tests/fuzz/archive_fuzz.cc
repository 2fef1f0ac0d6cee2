// libFuzzer target for `barrage merge`'s reader of result archives: any file
// named on merge's command line reaches it, so none may crash or trip UBSan.
// When a document is accepted, what it holds must be usable: two accepted
// copies of it add up (the sum merge makes) without tripping an assertion.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "barrage/report/result_archive.h"
#include "barrage/stats/result_sum.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto archived = barrage::report::read_archive(text, "fuzz.json");
    if (!archived) {
        FUZZ_CHECK(!archived.error().message.empty());
        return 0;
    }
    const barrage::stats::RunResult& result = archived.value().result;
    const std::vector<barrage::stats::RunResult> parts = {result, result};
    (void)barrage::stats::sum_run_results(parts, archived.value().plan.interval_ns);
    return 0;
}
