#include "barrage/report/streamed_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace barrage::report {

base::Result<StreamedFile> StreamedFile::open(const std::string& path) {
    if (path == "-") {
        StreamedFile file(path, -1);
        file.is_stdout_ = true;
        return file;
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        return base::make_error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
    }
    return StreamedFile(path, fd);
}

StreamedFile::StreamedFile(StreamedFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      is_stdout_(std::exchange(other.is_stdout_, false)),
      error_(std::move(other.error_)) {}

StreamedFile& StreamedFile::operator=(StreamedFile&& other) noexcept {
    if (this != &other) {
        (void)close();
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
        is_stdout_ = std::exchange(other.is_stdout_, false);
        error_ = std::move(other.error_);
    }
    return *this;
}

StreamedFile::~StreamedFile() { (void)close(); }

void StreamedFile::append(std::string_view text) {
    if (!error_.empty()) {
        return;
    }
    if (is_stdout_) {
        if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
            std::fflush(stdout) != 0) {
            error_ = std::strerror(errno);
        }
        return;
    }
    if (fd_ < 0) {
        error_ = "written after it was closed";
        return;
    }
    while (!text.empty()) {
        const ssize_t written = ::write(fd_, text.data(), text.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written < 0) {
            error_ = std::strerror(errno);
            return;
        }
        text.remove_prefix(static_cast<std::size_t>(written));
    }
}

base::Status StreamedFile::close() {
    if (fd_ >= 0) {
        // Sync like the atomic writes do, so the file survives a power loss as they do.
        if (::fsync(fd_) != 0 && error_.empty()) {
            error_ = std::strerror(errno);
        }
        if (::close(fd_) != 0 && error_.empty()) {
            error_ = std::strerror(errno);
        }
        fd_ = -1;
    }
    if (!error_.empty()) {
        return base::make_error(fmt::format("cannot write '{}': {}", path_, error_));
    }
    return base::Ok{};
}

}  // namespace barrage::report
