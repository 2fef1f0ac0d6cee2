#pragma once
// CSV data files for templates: the header row names the columns, each later
// row is one set of values ({{column}} in a template). Loaded once before the
// run; a DataCursor picks a row per session.
//
// Format (RFC 4180): fields separated by ',', rows by LF or CRLF; a field in
// double quotes may hold ',', '"' (written "") and line breaks. Blank lines
// are skipped; a UTF-8 byte order mark is ignored.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "barrage/base/result.h"
#include "barrage/http/template.h"

namespace barrage::http {

struct DataFile {
    std::vector<std::string> columns;
    std::vector<std::string> cells;  // row-major: row r, column c at r * columns.size() + c

    std::size_t row_count() const { return columns.empty() ? 0 : cells.size() / columns.size(); }
    std::string_view cell(std::size_t row, std::size_t column) const;
    // Index of the column named `name`, or -1.
    int column_index(std::string_view name) const;

    // Reads and parses the file at `path`. Errors start with the path and
    // the line: "users.csv:4: row has 2 fields, the header has 3 columns".
    static base::Result<DataFile> load(const std::string& path);
    // Parses CSV text; `name` stands for the file in errors.
    static base::Result<DataFile> parse(std::string_view text, std::string_view name);
};

enum class RowOrder : uint8_t {
    round_robin,  // rows first, first + stride, ... wrapping around
    random,       // a uniformly random row each time
};

// The rows a cursor may pick: [begin, begin + count); count 0 = every row.
// A shard's own block when a data file is partitioned over shards.
struct RowRange {
    std::size_t begin = 0;
    std::size_t count = 0;
};

// Picks the row for each new session and binds its cells to template
// variables. One per worker; the DataFile must outlive it.
class DataCursor {
public:
    // variable_of_column[c]: the TemplateContext variable that column c fills.
    // first_row / row_stride spread round-robin rows over workers (worker
    // index / worker count); rows wrap around when the file is shorter.
    // `range` limits both orders to its rows; first_row counts from its begin.
    DataCursor(const DataFile& file, RowOrder order, std::vector<std::size_t> variable_of_column,
               std::size_t first_row = 0, std::size_t row_stride = 1, RowRange range = {});

    // The row for the next session (uses context's rng in random order).
    std::size_t next_row(Rng& rng);
    // Picks the next row and binds its cells into `context` (no copy, no allocation).
    std::size_t bind_next(TemplateContext& context);

private:
    const DataFile* file_;
    RowOrder order_;
    std::vector<std::size_t> variable_of_column_;
    std::size_t row_;
    std::size_t row_stride_;
    RowRange range_;
};

}  // namespace barrage::http
