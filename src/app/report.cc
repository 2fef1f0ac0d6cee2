// barrage report: the HTML page of a result document, with the spectrum of an
// .hlog (--hlog) and the trend of a history (--history) when given.
// Exit 0: the page was written; 2: an input is unreadable or not a result, or the output failed.

#include <string>
#include <utility>
#include <vector>

#include "barrage/app/commands.h"
#include "barrage/gate/exit_code.h"
#include "barrage/report/history.h"
#include "barrage/report/html/html_report.h"
#include "barrage/report/result_reader.h"
#include "barrage/report/run_report.h"
#include "barrage/stats/percentile_spectrum.h"

namespace barrage::app {
namespace {

// --hlog: the result's spectrum drawn from every count of the log instead.
base::Status replace_spectrum(report::ResultDocument& result, const std::string& hlog_path) {
    auto hlog_text = report::read_text_file(hlog_path);
    if (!hlog_text) {
        return hlog_text.error();
    }
    auto spectrum = stats::spectrum_from_hlog(hlog_text.value(), hlog_path);
    if (!spectrum) {
        return spectrum.error();
    }
    result.spectrum = std::move(spectrum.value());
    return base::Ok{};
}

}  // namespace

int report_command(const cli::ReportRequest& request) {
    if (auto status = report::check_writable(request.output_path, "-o file"); !status.ok()) {
        return fail(status.error().message, gate::exit_usage);
    }
    auto result = report::read_result_document_file(request.result_path);
    if (!result) {
        return fail(result.error().message, gate::exit_usage);
    }
    if (!request.hlog_path.empty()) {
        if (auto status = replace_spectrum(result.value(), request.hlog_path); !status.ok()) {
            return fail(status.error().message, gate::exit_usage);
        }
    }
    std::vector<report::HistoryEntry> history;
    if (!request.history_path.empty()) {
        auto entries = report::read_history_file(request.history_path);
        if (!entries) {
            return fail(entries.error().message, gate::exit_usage);
        }
        history = std::move(entries.value());
    }
    const std::string page = request.history_path.empty()
                                 ? report::format_html_report(result.value(), request.result_path)
                                 : report::format_html_report(result.value(), request.result_path,
                                                              history, request.history_path);
    if (auto status = report::write_file_atomically(request.output_path, page); !status.ok()) {
        return fail(status.error().message, gate::exit_usage);
    }
    return gate::exit_ok;
}

}  // namespace barrage::app
