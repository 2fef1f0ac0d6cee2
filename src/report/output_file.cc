// Writing result files: checked before the run (so a typo in --json costs
// nothing), written atomically after it (so a crash never leaves half a file).

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "barrage/report/run_report.h"

namespace barrage::report {
namespace {

using base::make_error;
using base::Ok;
using base::Status;

// The directory a new file at `path` lands in.
std::string parent_directory(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
        return ".";
    }
    return slash == 0 ? "/" : path.substr(0, slash);
}

base::Error cannot_write(std::string_view what, const std::string& path, std::string_view reason) {
    if (what.empty()) {
        return make_error(fmt::format("cannot write '{}': {}", path, reason));
    }
    return make_error(fmt::format("cannot write {} '{}': {}", what, path, reason));
}

// 0 or the errno of the failed write.
int write_all(int fd, std::string_view content) {
    while (!content.empty()) {
        const ssize_t written = ::write(fd, content.data(), content.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        content.remove_prefix(static_cast<std::size_t>(written));
    }
    return 0;
}

// 0 or the errno of the first step that failed; closes fd in every case.
int write_and_sync(int fd, std::string_view content) {
    int error = write_all(fd, content);
    if (error == 0 && ::fsync(fd) != 0) {
        error = errno;
    }
    if (::close(fd) != 0 && error == 0) {
        error = errno;
    }
    return error;
}

// So the rename itself survives a crash. Best effort: the data is already safe.
void sync_directory(const std::string& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

Status write_stdout(const std::string& content) {
    // stdio, not write(2): the summary went through stdout's buffer and must come first.
    if (std::fwrite(content.data(), 1, content.size(), stdout) != content.size() ||
        std::fflush(stdout) != 0) {
        return make_error(fmt::format("cannot write to stdout: {}", std::strerror(errno)));
    }
    return Ok{};
}

// Why the directory `path` would be created in cannot take it; "" when it can.
std::string directory_problem(const std::string& path) {
    const std::string directory = parent_directory(path);
    struct stat info {};
    if (::stat(directory.c_str(), &info) != 0) {
        return fmt::format("directory '{}': {}", directory, std::strerror(errno));
    }
    if (!S_ISDIR(info.st_mode)) {
        return fmt::format("'{}' is not a directory", directory);
    }
    if (::access(directory.c_str(), W_OK) != 0) {
        return fmt::format("directory '{}' is not writable: {}", directory, std::strerror(errno));
    }
    return "";
}

}  // namespace

Status write_file_atomically(const std::string& path, const std::string& content) {
    if (path == "-") {
        return write_stdout(content);
    }
    if (path.empty()) {
        return make_error("cannot write a file with an empty name");
    }
    const std::string temp_path = fmt::format("{}.tmp.{}", path, ::getpid());
    const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        const int open_error = errno;
        const std::string problem = directory_problem(path);
        return cannot_write("", path, problem.empty() ? std::strerror(open_error) : problem);
    }
    int error = write_and_sync(fd, content);
    if (error == 0 && std::rename(temp_path.c_str(), path.c_str()) != 0) {
        error = errno;
    }
    if (error != 0) {
        ::unlink(temp_path.c_str());
        return cannot_write("", path, std::strerror(error));
    }
    sync_directory(parent_directory(path));
    return Ok{};
}

Status check_writable(const std::string& path) { return check_writable(path, ""); }

Status check_writable(const std::string& path, std::string_view what) {
    if (path.empty() || path == "-") {
        return Ok{};
    }
    if (const std::string problem = directory_problem(path); !problem.empty()) {
        return cannot_write(what, path, problem);
    }
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT) {
            return Ok{};  // created after the run
        }
        return cannot_write(what, path, std::strerror(errno));
    }
    if (S_ISDIR(info.st_mode)) {
        return cannot_write(what, path, "it is a directory");
    }
    // The result replaces the file by rename; doing that to a device would be wrong.
    if (!S_ISREG(info.st_mode)) {
        return cannot_write(what, path, "not a regular file (use '-' for stdout)");
    }
    if (::access(path.c_str(), W_OK) != 0) {
        return cannot_write(what, path, std::strerror(errno));
    }
    return Ok{};
}

}  // namespace barrage::report
