#pragma once
// What the unit tests share: death tests for assertions, scratch directories,
// loopback listeners and small string checks. Header-only, test code only.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace barrage::test {

// Runs `fn` in a child process and reports whether it died of SIGABRT (what a
// failed BARRAGE_ASSERT does in every build type). The child is quiet: no
// assertion message and no doctest crash report.
template <typename Fn>
bool aborts(Fn fn) {
    const pid_t pid = fork();
    if (pid == 0) {
        std::signal(SIGABRT, SIG_DFL);
        const int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        fn();
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

inline bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// The whole file at `path` ("" when it cannot be read).
inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}

// A fresh directory under the temporary directory, removed with everything in
// it when the test ends. `name` goes into the directory's name (for strays).
class ScratchDirectory {
public:
    explicit ScratchDirectory(std::string_view name = "barrage_test") {
        std::string pattern =
            (std::filesystem::temp_directory_path() / (std::string(name) + ".XXXXXX")).string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~ScratchDirectory() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    ScratchDirectory(const ScratchDirectory&) = delete;
    ScratchDirectory& operator=(const ScratchDirectory&) = delete;

    const std::string& path() const { return path_; }
    // The path of `name` inside the directory (nothing is created).
    std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }
    // Writes `text` to `name` (parent folders created) and returns its path.
    std::string write(std::string_view name, std::string_view text) const {
        const std::string full = file(name);
        std::filesystem::create_directories(std::filesystem::path(full).parent_path());
        std::ofstream(full, std::ios::binary) << text;
        return full;
    }

private:
    std::string path_;
};

// A TCP socket listening on 127.0.0.1 at a port the kernel chose; closed at
// the end. Tests accept on fd() from a thread of their own.
class LoopbackListener {
public:
    explicit LoopbackListener(int backlog = 64) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
        REQUIRE(::listen(fd_, backlog) == 0);
        socklen_t length = sizeof(address);
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port_ = ntohs(address.sin_port);
    }
    ~LoopbackListener() { close(); }
    LoopbackListener(const LoopbackListener&) = delete;
    LoopbackListener& operator=(const LoopbackListener&) = delete;

    int fd() const { return fd_; }
    uint16_t port() const { return port_; }
    // Wakes a thread blocked in accept() and closes the socket (idempotent).
    void close() {
        if (fd_ >= 0) {
            ::shutdown(fd_, SHUT_RDWR);
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

}  // namespace barrage::test
