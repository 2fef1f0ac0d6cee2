#pragma once
// Strict, position-aware reading of a parsed TOML document. Private to profile.
//
// Every getter names the key it wants; finish() then refuses any key nobody
// asked for, so a typo is an error, not a silently ignored setting. The first
// error wins and later getters do nothing, so callers read a whole table and
// check ok() once, instead of threading a Result through every field.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "toml_impl.h"

namespace barrage::profile::detail {

// The file being read, where --set values came from, and the first error.
class Diagnostics {
public:
    explicit Diagnostics(std::string file) : file_(std::move(file)) {}

    // "FILE:LINE:COL" for a node read from the file, "--set KEY" for a value
    // given on the command line, "FILE" when nothing better is known.
    std::string where(const toml::node* node) const;
    std::string where(const toml::source_region& region) const;
    // Records "WHERE: what" unless an error is already recorded.
    void fail(const std::string& where, std::string_view what);
    void fail_at(const toml::node* node, std::string_view what) { fail(where(node), what); }

    bool ok() const { return !error_; }
    const base::Error& error() const { return *error_; }
    const std::string& file() const { return file_; }
    void note_set_origin(const toml::node* node, std::string key) {
        set_origins_[node] = std::move(key);
    }
    // True when a --set named `key` ("target.connections") as written.
    bool set_by_flag(std::string_view key) const {
        for (const auto& [node, set_key] : set_origins_) {
            if (set_key == key) {
                return true;
            }
        }
        return false;
    }

private:
    std::string file_;
    std::optional<base::Error> error_;
    std::map<const toml::node*, std::string> set_origins_;
};

// Reads one table; `what` names it in messages ("[target]", "[[phases]] 'spike'").
class TableReader {
public:
    TableReader(Diagnostics& diagnostics, const toml::table& table, std::string what);

    const toml::node* node(std::string_view key);  // nullptr when absent
    bool has(std::string_view key);

    std::optional<std::string> string(std::string_view key, std::string_view example);
    std::optional<bool> boolean(std::string_view key);
    std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max);
    // A number, or a string with a unit ("20k", "6000/m"); zero only when allow_zero.
    std::optional<double> rate(std::string_view key, bool allow_zero);
    // "30s", "1m30s", "250ms", or a number of seconds.
    std::optional<int64_t> duration_ns(std::string_view key, bool allow_zero);
    const toml::table* table(std::string_view key);
    const toml::array* array(std::string_view key);

    // Refuses keys that were never asked for. Call after reading every field.
    void finish();
    // For a required `key` that is missing: when a key of the table nobody
    // asked for is a near miss of it ("duraton"), refuses that one at its place
    // ("did you mean 'duration'?") and returns true, since the typo is the
    // mistake; false (nothing reported) otherwise.
    bool refuse_near_miss(std::string_view key);

    Diagnostics& diagnostics() { return diagnostics_; }
    const toml::table& source() const { return table_; }
    const std::string& what() const { return what_; }
    // Renames the table in messages once its kind is known ("a spike phase").
    void what_is(std::string what) { what_ = std::move(what); }

private:
    // The node at `key` when it exists and has the type, else reports it.
    template <typename T>
    const T* typed(std::string_view key, std::string_view expected);

    Diagnostics& diagnostics_;
    const toml::table& table_;
    std::string what_;
    std::vector<std::string> asked_;
};

// Element `node` of an array read as a duration or rate (think = ["1s", "3s"]).
std::optional<int64_t> duration_of(Diagnostics& diagnostics, const toml::node& node,
                                   std::string_view key, bool allow_zero);
std::optional<double> number_of(Diagnostics& diagnostics, const toml::node& node,
                                std::string_view key);

// `text` parsed as TOML, or "PATH:LINE:COL: syntax error: ..." (NUL bytes and
// what toml++ must not see are refused first: ascii_document_impl.h).
base::Result<toml::table> parse_toml(std::string_view text, const std::string& path);

// TOML type of a node in words, for "got ..." in messages.
std::string_view type_name(const toml::node& node);

}  // namespace barrage::profile::detail
