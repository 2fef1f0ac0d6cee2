// `barrage merge FILE...`: the result files of a test's shards and the
// outputs of the merged whole. The files themselves are read by app/merge.cc.

#include <fmt/format.h>

#include <array>

#include "merge_impl.h"
#include "options_impl.h"

namespace barrage::cli::detail {

const std::string_view merge_usage =
    R"(Usage: barrage merge RESULT.json... [--json FILE] [--html FILE] [--csv FILE]
                     [--csv-requests FILE] [--history FILE] [--label L]
                     [--threshold EXPR]... [--allow-missing] [-q]

Sums the --json results of the shards of one test ('barrage run --shard I/N',
every file with its lossless "archive") into exactly the result one process
would have produced: counts add, every percentile comes from the summed
histograms, intervals align by wall clock. Prints the summary 'barrage run'
prints, with a Shards line (start skew between the shards; a warning above
5 ms), and writes the same outputs. The shards' thresholds and --threshold are
judged on the merged whole (exit 1 when one fails; windowed and sustained ones
over the merged intervals). Any saturated shard makes the merged run saturated.

Refused with exit 2: a file that is not a barrage result or has no archive
(written by an older barrage), files of different tests (test_id or shard
count differ), a shard given twice, a missing shard (unless --allow-missing),
a whole-test file (no shard) merged with others.

      --json FILE          write the merged result as JSON ('-' = stdout; the
                           summary then goes to stderr)
      --html FILE          write the HTML report of the merged result
      --csv FILE           write the merged per-interval CSV ('-' = stdout)
      --csv-requests FILE  write one CSV row per request name
      --history FILE       append the merged run to a JSON Lines history file
      --label L            the label of the --history line
      --threshold EXPR     judge EXPR on the merged result (repeatable), as
                           'barrage run --threshold'
      --allow-missing      merge although shards are missing; every output
                           says which
  -q, --quiet              with --json - or --csv -: no summary at all
  -h, --help               show this help
)";

namespace {

template <std::string MergeRequest::*path>
Status set_path(MergeRequest& r, std::string_view, std::string_view v) {
    r.*path = std::string(v);
    return Ok{};
}

const std::array<OptionSpec<MergeRequest>, 9> merge_options{{
    {'\0', "json", true, set_path<&MergeRequest::json_path>},
    {'\0', "html", true, set_path<&MergeRequest::html_path>},
    {'\0', "csv", true, set_path<&MergeRequest::csv_path>},
    {'\0', "csv-requests", true, set_path<&MergeRequest::csv_requests_path>},
    {'\0', "history", true, set_path<&MergeRequest::history_path>},
    {'\0', "label", true, set_path<&MergeRequest::label>},
    {'\0', "threshold", true,
     [](MergeRequest& r, std::string_view, std::string_view v) {
         r.thresholds.emplace_back(v);  // parsed by app/merge.cc against the merged plan
         return Status(Ok{});
     }},
    {'\0', "allow-missing", false,
     [](MergeRequest& r, std::string_view, std::string_view) {
         r.allow_missing = true;
         return Status(Ok{});
     }},
    {'q', "quiet", false,
     [](MergeRequest& r, std::string_view, std::string_view) {
         r.quiet = true;
         return Status(Ok{});
     }},
}};

}  // namespace

Result<Command> parse_merge(std::span<const char* const> argv) {
    MergeRequest request;
    std::vector<std::string_view> positionals;
    auto help = parse_options<MergeRequest>(argv.subspan(2), "barrage merge", merge_options,
                                            request, positionals);
    if (!help) {
        return help.error();
    }
    if (help.value()) {
        return Command(HelpRequest{std::string(merge_usage)});
    }
    if (positionals.empty()) {
        return make_error(
            "barrage merge: expected the shards' result files, e.g. barrage merge out-*.json "
            "--json all.json (see 'barrage merge --help')");
    }
    for (const std::string_view path : positionals) {
        request.paths.emplace_back(path);
    }
    return Command(std::move(request));
}

}  // namespace barrage::cli::detail
