#include "leak_impl.h"

namespace barrage::serve::detail {

namespace {
constexpr std::size_t page_bytes = 4096;
}  // namespace

void Leak::on_request() {
    if (bytes_per_request_ == 0 || bytes_held_ + bytes_per_request_ > bytes_max_) {
        return;
    }
    // Not value-initialized: a fresh mmap'd block is zero pages the kernel has
    // not backed yet; only writing to each page makes it resident.
    std::unique_ptr<char[]> block(new char[bytes_per_request_]);
    for (std::size_t at = 0; at < bytes_per_request_; at += page_bytes) {
        block[at] = 1;
    }
    blocks_.push_back(std::move(block));
    bytes_held_ += bytes_per_request_;
}

}  // namespace barrage::serve::detail
