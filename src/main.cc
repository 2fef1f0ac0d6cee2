// barrage: parse the command line, run the command, exit with its code
// (gate/exit_code.h). The commands live in src/app/.

#include <fmt/format.h>

#include <variant>

#include "barrage/app/commands.h"
#include "barrage/cli/command_line.h"
#include "barrage/gate/exit_code.h"

int main(int argc, char** argv) {
    using namespace barrage;
    auto command = cli::parse_command_line(argc, argv);
    if (!command.ok()) {
        return app::fail(command.error().message, gate::exit_usage);
    }
    auto& value = command.value();
    if (auto* help = std::get_if<cli::HelpRequest>(&value)) {
        if (help->missing_command) {
            fmt::print(stderr, "{}", help->text);
            return gate::exit_usage;
        }
        fmt::print("{}", help->text);
        return gate::exit_ok;
    }
    if (std::holds_alternative<cli::VersionRequest>(value)) {
        return app::version_command();
    }
    if (auto* serve_plan = std::get_if<plan::ServePlan>(&value)) {
        return app::serve_command(*serve_plan);
    }
    if (auto* compare = std::get_if<cli::CompareRequest>(&value)) {
        return app::compare_command(*compare);
    }
    if (auto* trend = std::get_if<cli::TrendRequest>(&value)) {
        return app::trend_command(*trend);
    }
    if (auto* report_request = std::get_if<cli::ReportRequest>(&value)) {
        return app::report_command(*report_request);
    }
    if (auto* merge = std::get_if<cli::MergeRequest>(&value)) {
        return app::merge_command(*merge);
    }
    if (auto* suite = std::get_if<cli::SuiteRequest>(&value)) {
        return app::suite_command(*suite);
    }
    if (auto* levels = std::get_if<cli::LevelsRequest>(&value)) {
        return app::levels_command(*levels);
    }
    if (auto* find_max = std::get_if<cli::FindMaxRequest>(&value)) {
        return app::find_max_command(*find_max);
    }
    return app::run_command(std::get<plan::RunPlan>(value));
}
