// parse -> plan -> run -> report -> exit code.

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <utility>
#include <variant>

#include "barrage/cli/command_line.h"
#include "barrage/engine/run.h"
#include "barrage/report/run_report.h"
#include "barrage/serve/server.h"

namespace {

using namespace barrage;

int fail(const std::string& message, int code) {
    fmt::print(stderr, "barrage: {}\n", message);
    return code;
}

// Progress goes to stderr: a rewritten line on a terminal, plain lines otherwise.
engine::IntervalCallback progress_printer(const plan::RunPlan& plan) {
    if (plan.outputs.quiet) {
        return {};
    }
    const bool tty = isatty(STDERR_FILENO) != 0;
    return [tty](const stats::IntervalRow& row, double elapsed_s, double total_s, bool warmup) {
        const std::string line = report::format_progress_line(row, elapsed_s, total_s, warmup);
        if (tty) {
            fmt::print(stderr, "\r\033[K{}", line);
        } else {
            fmt::print(stderr, "{}\n", line);
        }
        std::fflush(stderr);
    };
}

int write_outputs(const plan::RunPlan& plan, const stats::RunResult& result) {
    int code = report::exit_code_for(result);
    // With `--json -` or `--csv -` stdout carries only that document, so it pipes into jq.
    const bool stdout_taken = plan.outputs.json_path == "-" || plan.outputs.csv_path == "-";
    if (!plan.outputs.quiet || !stdout_taken) {
        fmt::print(stdout_taken ? stderr : stdout, "{}", report::format_summary(plan, result));
    }
    std::fflush(stdout);
    if (!plan.outputs.json_path.empty()) {
        auto status = report::write_file_atomically(plan.outputs.json_path,
                                                    report::format_json(plan, result));
        if (!status.ok()) {
            code = fail(status.error().message, report::exit_usage);
        }
    }
    if (!plan.outputs.csv_path.empty()) {
        auto status =
            report::write_file_atomically(plan.outputs.csv_path, report::format_csv(result));
        if (!status.ok()) {
            code = fail(status.error().message, report::exit_usage);
        }
    }
    return code;
}

int run_command(plan::RunPlan& plan) {
    if (plan.outputs.json_path == "-" && plan.outputs.csv_path == "-") {
        return fail("--json - and --csv - both ask for stdout; send one of them to a file",
                    report::exit_usage);
    }
    const std::pair<const std::string*, const char*> outputs[] = {
        {&plan.outputs.json_path, "--json file"}, {&plan.outputs.csv_path, "--csv file"}};
    for (const auto& [path, what] : outputs) {
        if (auto status = report::check_writable(*path, what); !status.ok()) {
            return fail(status.error().message, report::exit_usage);
        }
    }
    if (auto status = cli::resolve_target(plan.target); !status.ok()) {
        return fail(status.error().message, report::exit_run_failed);
    }
    const auto on_interval = progress_printer(plan);
    auto result = engine::run_load(plan, on_interval);
    if (!plan.outputs.quiet && isatty(STDERR_FILENO) != 0) {
        fmt::print(stderr, "\n");
    }
    if (!result.ok()) {
        return fail(result.error().message, report::exit_run_failed);
    }
    return write_outputs(plan, result.value());
}

}  // namespace

int main(int argc, char** argv) {
    auto command = cli::parse_command_line(argc, argv);
    if (!command.ok()) {
        return fail(command.error().message, report::exit_usage);
    }
    auto& value = command.value();
    if (auto* help = std::get_if<cli::HelpRequest>(&value)) {
        fmt::print("{}", help->text);
        return report::exit_ok;
    }
    if (std::holds_alternative<cli::VersionRequest>(value)) {
        fmt::print("barrage {}\n", BARRAGE_VERSION);
        return report::exit_ok;
    }
    if (auto* serve_plan = std::get_if<plan::ServePlan>(&value)) {
        auto status = serve::run_server(*serve_plan);
        return status.ok() ? report::exit_ok
                           : fail(status.error().message, report::exit_run_failed);
    }
    return run_command(std::get<plan::RunPlan>(value));
}
