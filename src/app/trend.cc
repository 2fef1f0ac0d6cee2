#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "barrage/app/commands.h"
#include "barrage/gate/exit_code.h"
#include "barrage/report/history.h"
#include "barrage/report/html/html_report.h"
#include "barrage/report/run_report.h"

namespace barrage::app {

// Exit 0: printed (and the page written); 2: the history is unreadable or the page failed.
int trend_command(const cli::TrendRequest& request) {
    if (auto status = report::check_writable(request.html_path, "--html file"); !status.ok()) {
        return fail(status.error().message, gate::exit_usage);
    }
    auto entries = report::read_history_file(request.history_path);
    if (!entries) {
        return fail(entries.error().message, gate::exit_usage);
    }
    // With --html - the page owns stdout.
    fmt::print(request.html_path == "-" ? stderr : stdout, "{}",
               report::format_trend(entries.value()));
    if (!request.html_path.empty()) {
        const std::string page = report::format_trend_html(entries.value(), request.history_path);
        if (auto status = report::write_file_atomically(request.html_path, page); !status.ok()) {
            return fail(status.error().message, gate::exit_usage);
        }
    }
    return gate::exit_ok;
}

}  // namespace barrage::app
