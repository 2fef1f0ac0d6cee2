#pragma once
// A result file written as the run goes (--csv, --hlog): created (or truncated)
// when the schedule starts, and each interval's text handed to the kernel as the
// interval ends, so a run that is killed (SIGKILL, a crash, the OOM killer)
// leaves every interval so far. Written in place rather than through a
// temporary file and rename like the end-of-run outputs: a reader can follow it
// (tail -f) and a killed run keeps what it had; the price is that a reader may
// see the last line half written while the run goes.

#include <string>
#include <string_view>

#include "barrage/base/result.h"

namespace barrage::report {

class StreamedFile {
public:
    // "-" is stdout (through stdio, after what was printed there). Errors read
    // "cannot write '<path>': <reason>".
    static base::Result<StreamedFile> open(const std::string& path);
    StreamedFile(StreamedFile&& other) noexcept;
    StreamedFile& operator=(StreamedFile&& other) noexcept;
    StreamedFile(const StreamedFile&) = delete;
    StreamedFile& operator=(const StreamedFile&) = delete;
    ~StreamedFile();

    // Writes `text` at once (no buffer in this process). After a failure the
    // file takes nothing more; close() reports the first failure.
    void append(std::string_view text);
    // Syncs and closes; the first failure of any append, sync or close.
    base::Status close();

private:
    StreamedFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

    std::string path_;
    int fd_ = -1;  // -1: closed; stdout is written through stdio
    bool is_stdout_ = false;
    std::string error_;  // the first failure, "" while none
};

}  // namespace barrage::report
