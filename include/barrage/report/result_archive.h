#pragma once
// The result archive: the lossless part of a result document (the JSON's
// top-level "archive" object, docs/output.md), so `barrage merge` can sum the
// results of a test's shards into exactly the result one process would have
// produced. It holds every count of a stats::RunResult, every histogram (V2
// compressed, base64, with its clamped count beside it) in totals, per request
// name, per task, per phase, per scenario and per interval, and what of the plan
// the reports read (target, phases, scenarios, thresholds).

#include <string_view>

#include "barrage/base/result.h"
#include "barrage/plan/plan.h"
#include "barrage/report/json_writer.h"
#include "barrage/stats/run_result.h"

namespace barrage::report {

// Bumped when the archive changes in a way an older reader would misread.
inline constexpr int archive_format = 1;

// Writes the key "archive" and its object into the open top-level object.
void write_archive(JsonWriter& json, const plan::RunPlan& plan, const stats::RunResult& result);

// A result read back from its archive.
struct ArchivedRun {
    stats::RunResult result;  // result.shard from the document's "shard" object
    // What the reports read of the plan: target, load (phases, scenarios, the
    // first request's method, headers and body size), pool, timeouts, intervals,
    // command line, request and task names, thresholds. No templates, data
    // files or TLS: it is not a plan to run, and outputs are empty.
    plan::RunPlan plan;
    std::string version;  // the barrage that wrote it
};

// Reads a result document's archive; `source` names it in errors.
// Errors: not JSON, not a barrage result ("'tool' is not \"barrage\""), no
// archive (written by an older barrage: the message says so and how to fix),
// an archive of a later format, or a field missing or of the wrong type
// ("x.json: archive/totals/by_name/2: 'sent' is missing or not an integer").
base::Result<ArchivedRun> read_archive(std::string_view text, std::string_view source);

}  // namespace barrage::report
