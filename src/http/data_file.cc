#include "barrage/http/data_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "barrage/base/assert.h"
#include "barrage/base/excerpt.h"

namespace barrage::http {

namespace {

// Reads RFC 4180 records one by one, keeping line and column for errors.
class CsvReader {
public:
    CsvReader(std::string_view text, std::string_view name) : text_(text), name_(name) {
        if (text_.substr(0, 3) == "\xEF\xBB\xBF") {
            text_.remove_prefix(3);  // a UTF-8 byte order mark, as spreadsheets write it
        }
    }

    bool at_end() const { return pos_ >= text_.size(); }
    std::size_t line() const { return line_; }
    // Skips empty lines; true when one was skipped.
    bool skip_blank_line();
    base::Status read_record(std::vector<std::string>& fields);
    base::Error error_at(std::size_t line, std::string what) const;

private:
    base::Status quoted_field(std::string& field);
    base::Status unquoted_field(std::string& field);
    bool at_line_end() const;
    void take_line_end();
    std::size_t column() const { return pos_ - line_start_ + 1; }

    std::string_view text_;
    std::string_view name_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t line_start_ = 0;
};

base::Error CsvReader::error_at(std::size_t line, std::string what) const {
    return base::make_error(std::string(name_) + ":" + std::to_string(line) + ": " +
                            std::move(what));
}

bool CsvReader::at_line_end() const {
    return pos_ < text_.size() &&
           (text_[pos_] == '\n' || text_.substr(pos_, 2) == std::string_view("\r\n"));
}

void CsvReader::take_line_end() {
    pos_ += text_[pos_] == '\r' ? 2 : 1;
    ++line_;
    line_start_ = pos_;
}

bool CsvReader::skip_blank_line() {
    if (!at_line_end()) {
        return false;
    }
    take_line_end();
    return true;
}

base::Status CsvReader::read_record(std::vector<std::string>& fields) {
    fields.clear();
    while (true) {
        std::string& field = fields.emplace_back();
        base::Status status =
            pos_ < text_.size() && text_[pos_] == '"' ? quoted_field(field) : unquoted_field(field);
        if (!status) {
            return status;
        }
        if (at_end()) {
            return base::Ok{};
        }
        if (at_line_end()) {
            take_line_end();
            return base::Ok{};
        }
        BARRAGE_ASSERT(text_[pos_] == ',');
        ++pos_;
    }
}

base::Status CsvReader::quoted_field(std::string& field) {
    const std::size_t open_line = line_;
    const std::size_t open_column = column();
    ++pos_;
    while (true) {
        if (pos_ >= text_.size()) {
            return error_at(open_line, "unterminated quoted field: the '\"' at column " +
                                           std::to_string(open_column) + " is never closed");
        }
        const char c = text_[pos_];
        if (c == '"' && text_.substr(pos_, 2) == std::string_view("\"\"")) {
            field.push_back('"');
            pos_ += 2;
        } else if (c == '"') {
            ++pos_;
            break;
        } else {
            field.push_back(c);
            ++pos_;
            if (c == '\n') {
                ++line_;
                line_start_ = pos_;
            }
        }
    }
    if (!at_end() && !at_line_end() && text_[pos_] != ',') {
        return error_at(line_, "column " + std::to_string(column()) +
                                   ": unexpected character after a closing quote (write a quote "
                                   "inside a quoted field as \"\")");
    }
    return base::Ok{};
}

base::Status CsvReader::unquoted_field(std::string& field) {
    while (!at_end() && !at_line_end() && text_[pos_] != ',') {
        if (text_[pos_] == '"') {
            return error_at(line_, "column " + std::to_string(column()) +
                                       ": '\"' inside an unquoted field (quote the whole field "
                                       "and write the quote as \"\")");
        }
        field.push_back(text_[pos_]);
        ++pos_;
    }
    return base::Ok{};
}

base::Status check_header(const CsvReader& reader, std::size_t line,
                          const std::vector<std::string>& columns) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const std::string& name = columns[i];
        if (!is_variable_name(name)) {
            return reader.error_at(
                line, "column " + std::to_string(i + 1) + " is named '" + base::excerpt(name) +
                          "': a column name is 1 to 64 letters, digits, '_', '-' or '.' and "
                          "not a generator name (int, float, choice, seq, uuid, now, now_ms)");
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (columns[j] == name) {
                return reader.error_at(line,
                                       "column name '" + base::excerpt(name) + "' appears twice");
            }
        }
    }
    return base::Ok{};
}

}  // namespace

std::string_view DataFile::cell(std::size_t row, std::size_t column) const {
    BARRAGE_ASSERT(row < row_count() && column < columns.size());
    return cells[row * columns.size() + column];
}

int DataFile::column_index(std::string_view name) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i] == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

base::Result<DataFile> DataFile::parse(std::string_view text, std::string_view name) {
    CsvReader reader(text, name);
    DataFile file;
    std::vector<std::string> fields;
    bool have_header = false;
    while (!reader.at_end()) {
        if (reader.skip_blank_line()) {
            continue;
        }
        const std::size_t line = reader.line();
        if (auto status = reader.read_record(fields); !status) {
            return status.error();
        }
        if (!have_header) {
            if (auto status = check_header(reader, line, fields); !status) {
                return status.error();
            }
            file.columns = std::move(fields);
            fields = {};
            have_header = true;
            continue;
        }
        if (fields.size() != file.columns.size()) {
            return reader.error_at(line, "row has " + std::to_string(fields.size()) +
                                             " fields, the header has " +
                                             std::to_string(file.columns.size()) + " columns");
        }
        for (std::string& field : fields) {
            file.cells.push_back(std::move(field));
        }
    }
    if (!have_header) {
        return base::make_error(std::string(name) +
                                ": empty data file: expected a header row with column names");
    }
    if (file.cells.empty()) {
        return base::make_error(std::string(name) + ": no data rows after the header row");
    }
    return file;
}

base::Result<DataFile> DataFile::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return base::make_error(path + ": cannot open data file: " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return base::make_error(path + ": cannot read data file: " + std::strerror(errno));
    }
    return parse(text.str(), path);
}

// ---------------------------------------------------------------- DataCursor

DataCursor::DataCursor(const DataFile& file, RowOrder order,
                       std::vector<std::size_t> variable_of_column, std::size_t first_row,
                       std::size_t row_stride, RowRange range)
    : file_(&file),
      order_(order),
      variable_of_column_(std::move(variable_of_column)),
      row_(first_row),
      row_stride_(row_stride),
      range_(range.count == 0 ? RowRange{0, file.row_count()} : range) {
    BARRAGE_ASSERT_MSG(file.row_count() > 0, "a data file has at least one row");
    BARRAGE_ASSERT(variable_of_column_.size() == file.columns.size());
    BARRAGE_ASSERT(row_stride_ > 0);
    BARRAGE_ASSERT(range_.count > 0 && range_.begin + range_.count <= file.row_count());
}

std::size_t DataCursor::next_row(Rng& rng) {
    const std::size_t rows = range_.count;
    if (order_ == RowOrder::random) {
        return range_.begin + static_cast<std::size_t>(rng.below(rows));
    }
    const std::size_t row = row_ % rows;
    row_ = row + row_stride_ % rows;  // stays below 2 * rows: no overflow however long the run
    return range_.begin + row;
}

std::size_t DataCursor::bind_next(TemplateContext& context) {
    const std::size_t row = next_row(context.rng());
    for (std::size_t column = 0; column < variable_of_column_.size(); ++column) {
        context.bind_variable(variable_of_column_[column], file_->cell(row, column));
    }
    return row;
}

}  // namespace barrage::http
