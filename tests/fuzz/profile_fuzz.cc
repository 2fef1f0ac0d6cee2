// libFuzzer target for the profile loader: any text either loads into a plan
// that validates, or fails with a message that says where ("FILE..." or
// "--set ..."). It must never crash, hang or assert. The ASCII rewrite that
// shields toml++ (ascii_document_impl.h) is checked on every input too. Relative data and body
// files resolve against a directory that does not exist, so fuzzing reads
// nothing from the disk.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../../src/profile/ascii_document_impl.h"
#include "barrage/profile/profile_loader.h"
#include "fuzz_check.h"

namespace {

constexpr std::string_view file_name = "/nonexistent-fuzz-dir/fuzz.toml";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    // What toml++ gets is pure ASCII, and an ASCII document passes unchanged.
    const auto ascii = barrage::profile::detail::ascii_document(text);
    if (ascii.refused_at == std::string_view::npos) {
        for (const char c : ascii.text) {
            FUZZ_CHECK(static_cast<unsigned char>(c) < 0x80);
        }
    }
    bool text_is_ascii = true;
    for (const char c : text) {
        text_is_ascii = text_is_ascii && static_cast<unsigned char>(c) < 0x80;
    }
    if (text_is_ascii) {
        FUZZ_CHECK(ascii.refused_at == std::string_view::npos && ascii.text == text);
    }
    barrage::profile::ProfileOverrides overrides;
    auto loaded = barrage::profile::load_profile_text(text, std::string(file_name), overrides);
    if (loaded) {
        FUZZ_CHECK(barrage::plan::validate_run_plan(loaded.value()).ok());
        FUZZ_CHECK(!loaded.value().phases.empty());
        FUZZ_CHECK(!loaded.value().session.steps.empty());
    } else {
        const std::string& message = loaded.error().message;
        FUZZ_CHECK(message.starts_with(file_name) || message.starts_with("--"));
    }
    return 0;
}
