#include "barrage/profile/profile_loader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "ascii_document_impl.h"
#include "barrage/base/excerpt.h"
#include "profile_impl.h"

namespace barrage::profile {
namespace {

using base::make_error;
using base::Result;
using detail::Diagnostics;
using detail::TableReader;

// Seeds templates and picks when neither the profile nor --seed gives one:
// runs are reproducible by default.
constexpr uint64_t seed_default = 1;

std::string directory_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash + 1);
}

// The target's path is the first step's, as a report shows it (see plan.h).
void fill_target_path(plan::RunPlan& plan) { plan.target.path = plan::first_request(plan).path; }

void read_document(TableReader& root, const std::string& base_dir, plan::RunPlan& plan) {
    Diagnostics& diagnostics = root.diagnostics();
    // Every top-level key is named first, so a misspelt section is reported
    // as unknown rather than as the section it should have been missing.
    for (const char* key : {"name", "description", "seed", "target", "data", "requests", "session",
                            "phases", "thresholds", "abort_grace", "scenario", "tasks"}) {
        root.node(key);
    }
    root.finish();
    plan.profile_name = root.string("name", "\"checkout journey\"").value_or("");
    root.string("description", "\"what this profile is for\"");
    if (const auto seed = root.integer("seed", 0, INT64_MAX)) {
        plan.seed = static_cast<uint64_t>(*seed);
    }
    std::vector<plan::Header> target_headers;
    read_target(root, base_dir, plan, target_headers);
    read_data_files(root, base_dir, plan);
    read_scenario_data(root, base_dir, plan);
    read_requests(root, base_dir, target_headers, plan);
    if (root.node("scenario") != nullptr) {
        read_scenarios(root, plan);
    } else {
        read_session(root, plan);
        read_phases(root, plan);
    }
    read_thresholds(root, plan);
    if (diagnostics.ok()) {
        fill_target_path(plan);
    }
}

}  // namespace

namespace detail {

std::string resolve_path(const std::string& base_dir, const std::string& path) {
    if (path.starts_with('/') || base_dir == ".") {
        return path;
    }
    return base_dir + path;
}

Result<std::string> read_small_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return make_error(
            fmt::format("cannot read '{}': {}", base::excerpt(path), std::strerror(errno)));
    }
    std::string text;
    std::array<char, 64 * 1024> chunk{};
    int read_errno = 0;
    while (static_cast<int64_t>(text.size()) <= body_bytes_max) {
        const ssize_t got = ::read(fd, chunk.data(), chunk.size());
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            read_errno = got < 0 ? errno : 0;
            break;
        }
        text.append(chunk.data(), static_cast<size_t>(got));
    }
    ::close(fd);
    if (read_errno != 0) {
        return make_error(
            fmt::format("cannot read '{}': {}", base::excerpt(path), std::strerror(read_errno)));
    }
    if (static_cast<int64_t>(text.size()) > body_bytes_max) {
        return make_error(
            fmt::format("'{}' is larger than {} MiB", base::excerpt(path), body_bytes_max >> 20));
    }
    return text;
}

}  // namespace detail

Result<plan::RunPlan> load_profile_text(std::string_view text, const std::string& path,
                                        const ProfileOverrides& overrides) {
    auto parsed = detail::parse_toml(text, path);
    if (!parsed) {
        return parsed.error();
    }
    toml::table document = std::move(parsed).value();
    Diagnostics diagnostics(path);
    // The file's own values first: a --set value is taken as typed (the shell expanded it).
    detail::substitute_environment(document, text, overrides.environment, diagnostics);
    if (diagnostics.ok()) {
        detail::apply_sets(document, overrides.sets, diagnostics);
    }
    if (overrides.target_url) {
        detail::override_target_url(document, *overrides.target_url);
    }
    plan::RunPlan plan;
    plan.requests.clear();  // the profile's own, not the URL run's default
    plan.session = {};
    plan.phases.clear();
    plan.threads = 0;  // 0 = not given: assigned below like `barrage run URL`
    plan.profile_path = path;
    plan.seed = seed_default;
    TableReader root(diagnostics, document, "the profile");
    if (diagnostics.ok()) {
        read_document(root, directory_of(path), plan);
    }
    if (!diagnostics.ok()) {
        return diagnostics.error();
    }
    // -c and --timeout set [target]'s keys, but a --set of the same key wins
    // (docs/profiles.md).
    RunFlags flags = overrides;
    if (diagnostics.set_by_flag("target.connections")) {
        flags.connections.reset();
    }
    if (diagnostics.set_by_flag("target.timeout")) {
        flags.timeout_ns.reset();
    }
    if (auto status = apply_run_flags(plan, flags); !status) {
        return status.error();
    }
    if (auto status = plan::validate_run_plan(plan); !status) {
        return make_error(fmt::format("{}: {}", path, status.error().message));
    }
    return plan;
}

Result<plan::RunPlan> load_profile(const std::string& path, const ProfileOverrides& overrides) {
    auto text = detail::read_small_file(path);
    if (!text) {
        return make_error(
            fmt::format("{}; expected the path of a TOML profile", text.error().message));
    }
    return load_profile_text(text.value(), path, overrides);
}

bool is_profile_argument(std::string_view argument) {
    if (argument.ends_with(".toml")) {
        return true;
    }
    struct stat info {};
    return ::stat(std::string(argument).c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

}  // namespace barrage::profile
