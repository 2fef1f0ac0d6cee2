#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "barrage/base/excerpt.h"
#include "barrage/http/data_file.h"
#include "barrage/http/form_body.h"
#include "barrage/http/request.h"
#include "barrage/http/response_check.h"
#include "barrage/http/template.h"
#include "profile_impl.h"

namespace barrage::profile::detail {
namespace {

std::string join(const std::vector<std::string>& names) {
    std::string joined;
    for (const std::string& name : names) {
        joined += joined.empty() ? name : ", " + name;
    }
    return joined.empty() ? "(none)" : joined;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

bool has_column(const std::vector<plan::DataFilePlan>& files, const std::string& name) {
    return std::any_of(files.begin(), files.end(), [&](const plan::DataFilePlan& file) {
        const std::vector<std::string>& columns = file.file->columns;
        return std::find(columns.begin(), columns.end(), name) != columns.end();
    });
}

// A column of the profile's [[data]] or of a scenario's (read before the requests).
bool is_data_column(const plan::RunPlan& plan, const std::string& name) {
    return has_column(plan.data_files, name) ||
           std::any_of(plan.scenarios.begin(), plan.scenarios.end(),
                       [&](const plan::ScenarioPlan& scenario) {
                           return has_column(scenario.data_files, name);
                       });
}

// Who defines a variable: a data-file column (one only), or captures and
// {{set}}s, which may share one (the last write wins, like a reassignment).
enum class Definer { column, assignment };

void add_variable(Diagnostics& diagnostics, const toml::node* where, const std::string& name,
                  plan::RunPlan& plan, Definer definer = Definer::column) {
    if (!http::is_variable_name(name)) {
        diagnostics.fail_at(where, fmt::format("'{}' cannot be a template variable; expected 1 to "
                                               "64 letters, digits, '_', '-' or '.', and not a "
                                               "generator name (int, float, choice, seq, uuid, "
                                               "now, now_ms)",
                                               base::excerpt(name)));
        return;
    }
    if (std::find(plan.variables.begin(), plan.variables.end(), name) != plan.variables.end()) {
        if (definer == Definer::assignment && !is_data_column(plan, name)) {
            return;  // another capture or {{set}} of the same variable
        }
        diagnostics.fail_at(where, fmt::format("variable '{}' is defined twice (a data-file column "
                                               "cannot be captured, set, or repeat); expected "
                                               "unique names",
                                               base::excerpt(name)));
        return;
    }
    plan.variables.push_back(name);
}

void read_data_file(TableReader& data, const std::string& base_dir, plan::RunPlan& plan) {
    Diagnostics& diagnostics = data.diagnostics();
    plan::DataFilePlan file;
    const auto path = data.string("path", "\"users.csv\"");
    const auto order = data.string("order", "\"round-robin\"");
    const auto shard = data.string("shard", "\"partition\"");
    data.finish();
    if (!diagnostics.ok()) {
        return;
    }
    if (!path && !data.refuse_near_miss("path")) {
        diagnostics.fail_at(&data.source(), "[[data]] has no path; expected path = \"users.csv\"");
    }
    if (!path) {
        return;
    }
    if (order && *order != "round-robin" && *order != "random") {
        diagnostics.fail_at(data.node("order"), fmt::format("order '{}' is unknown; expected "
                                                            "\"round-robin\" or \"random\"",
                                                            base::excerpt(*order)));
        return;
    }
    if (shard && *shard != "shared" && *shard != "partition") {
        diagnostics.fail_at(data.node("shard"),
                            fmt::format("shard '{}' is unknown; expected \"shared\" (every shard "
                                        "may use every row) or \"partition\" (each shard its own "
                                        "rows)",
                                        base::excerpt(*shard)));
        return;
    }
    file.order = order == "random" ? http::RowOrder::random : http::RowOrder::round_robin;
    file.partition = shard == "partition";
    file.path = resolve_path(base_dir, *path);
    auto loaded = http::DataFile::load(file.path);
    if (!loaded) {
        diagnostics.fail_at(data.node("path"), fmt::format("{}; expected a readable CSV file "
                                                           "with a header row",
                                                           loaded.error().message));
        return;
    }
    if (loaded.value().row_count() == 0) {
        diagnostics.fail_at(data.node("path"),
                            fmt::format("'{}' has no rows below its header; expected at least one",
                                        base::excerpt(file.path)));
        return;
    }
    for (const std::string& column : loaded.value().columns) {
        add_variable(diagnostics, data.node("path"), column, plan);
    }
    file.file = std::make_shared<const http::DataFile>(std::move(loaded).value());
    plan.data_files.push_back(std::move(file));
}

// capture = { token = { json = "/token" }, session = { header = "X-Session" } }
void read_captures(TableReader& request, plan::NamedRequest& out, plan::RunPlan& plan) {
    Diagnostics& diagnostics = request.diagnostics();
    const toml::table* captures = request.table("capture");
    if (captures == nullptr) {
        return;
    }
    for (auto&& [key, value] : *captures) {
        const auto* source = value.as_table();
        if (source == nullptr) {
            diagnostics.fail_at(&value, fmt::format("capture '{}' is {}; expected {{ json = "
                                                    "\"/token\" }} or {{ header = \"X-Token\" }}",
                                                    base::excerpt(key.str()), type_name(value)));
            return;
        }
        TableReader capture(diagnostics, *source,
                            fmt::format("capture '{}'", base::excerpt(key.str())));
        http::CaptureSpec spec;
        spec.variable = std::string(key.str());
        spec.json_pointer = capture.string("json", "\"/token\"").value_or("");
        spec.header = capture.string("header", "\"X-Token\"").value_or("");
        capture.finish();
        if (diagnostics.ok() && spec.json_pointer.empty() == spec.header.empty()) {
            diagnostics.fail_at(&value, fmt::format("capture '{}' needs exactly one of json = "
                                                    "\"/pointer\" or header = \"Name\"",
                                                    base::excerpt(key.str())));
        }
        if (diagnostics.ok() && !spec.json_pointer.empty() && spec.json_pointer[0] != '/') {
            diagnostics.fail_at(capture.node("json"),
                                fmt::format("json pointer '{}' must start with '/'; expected "
                                            "e.g. \"/token\" or \"/data/0/id\"",
                                            base::excerpt(spec.json_pointer)));
        }
        add_variable(diagnostics, &value, spec.variable, plan, Definer::assignment);
        out.captures.push_back(std::move(spec));
    }
}

// files = [{ field = "upload", path = "a.png", type = "image/png", name = "a.png" }]
void read_files(TableReader& request, const std::string& base_dir,
                std::vector<http::FormFile>& files) {
    Diagnostics& diagnostics = request.diagnostics();
    const toml::array* list = request.array("files");
    std::size_t bytes = 0;
    for (std::size_t i = 0; list != nullptr && i < list->size() && diagnostics.ok(); ++i) {
        const toml::node& node = *list->get(i);
        if (node.as_table() == nullptr) {
            diagnostics.fail_at(&node,
                                "a file must be a table; expected e.g. { field = "
                                "\"upload\", path = \"data/a.png\", type = "
                                "\"image/png\" }");
            return;
        }
        TableReader entry(diagnostics, *node.as_table(), "a file in files");
        http::FormFile file;
        file.field = entry.string("field", "\"upload\"").value_or("");
        const auto path = entry.string("path", "\"data/a.png\"");
        file.content_type =
            entry.string("type", "\"image/png\"").value_or("application/octet-stream");
        const auto name = entry.string("name", "\"a.png\"");
        entry.finish();
        if (diagnostics.ok() && (file.field.empty() || !path)) {
            diagnostics.fail_at(&node,
                                "a file needs field and path; expected e.g. { field = "
                                "\"upload\", path = \"data/a.png\" }");
        }
        if (!diagnostics.ok()) {
            return;
        }
        file.filename = name.value_or(path->substr(path->rfind('/') + 1));
        auto content = read_small_file(resolve_path(base_dir, *path));
        bytes += content ? content.value().size() : 0;
        if (!content || bytes > static_cast<std::size_t>(body_bytes_max)) {
            diagnostics.fail_at(
                entry.node("path"),
                fmt::format("{}; expected readable files of at most {} MiB in all",
                            content ? "the files are too large" : content.error().message,
                            body_bytes_max >> 20));
            return;
        }
        file.content = std::move(content).value();
        files.push_back(std::move(file));
    }
}

// form = { name = "value" } and files = [...]: the body (multipart/form-data
// with files, else urlencoded) and its Content-Type among the request's own headers.
void read_form(TableReader& request, const std::string& base_dir, plan::NamedRequest& out,
               std::vector<plan::Header>& own) {
    Diagnostics& diagnostics = request.diagnostics();
    std::vector<http::FormField> fields;
    const toml::table* form = request.table("form");
    for (auto it = form ? form->begin() : toml::table::const_iterator{};
         form != nullptr && it != form->end() && diagnostics.ok(); ++it) {
        const auto* text = it->second.as_string();
        if (text == nullptr) {
            diagnostics.fail_at(&it->second,
                                fmt::format("form field '{}' is {}; expected a "
                                            "string (a template)",
                                            base::excerpt(it->first.str()), type_name(it->second)));
            return;
        }
        fields.push_back({std::string(it->first.str()), text->get()});
    }
    std::vector<http::FormFile> files;
    read_files(request, base_dir, files);
    if (!diagnostics.ok() || (form == nullptr && !request.has("files"))) {
        return;
    }
    const toml::node* where = form != nullptr ? request.node("form") : request.node("files");
    if (request.has("body") || request.has("body_file")) {
        diagnostics.fail_at(where,
                            "form or files and body or body_file both give a body; "
                            "expected one of them");
        return;
    }
    for (const plan::Header& header : own) {
        if (equal_ignoring_case(header.name, "Content-Type")) {
            diagnostics.fail_at(where,
                                "a form sets Content-Type itself (with the multipart "
                                "boundary); expected no Content-Type header");
            return;
        }
    }
    auto body = http::build_form_body(fields, files);
    if (!body) {
        diagnostics.fail_at(
            where, fmt::format("{}; expected a form as in docs/profiles.md", body.error().message));
        return;
    }
    out.body = std::move(body.value().body_template);
    out.body_form_urlencoded = body.value().urlencoded;
    own.push_back(plan::Header{"Content-Type", body.value().content_type});
}

void read_body(TableReader& request, const std::string& base_dir, plan::NamedRequest& out) {
    Diagnostics& diagnostics = request.diagnostics();
    const auto body = request.string("body", "'{\"id\": {{int 1 100}}}'");
    const auto body_file = request.string("body_file", "\"payload.json\"");
    if (!diagnostics.ok()) {
        return;
    }
    if (body && body_file) {
        diagnostics.fail_at(request.node("body_file"),
                            "body and body_file both give a body; expected one of them");
        return;
    }
    if (body) {
        out.body = *body;
    } else if (body_file) {
        auto text = read_small_file(resolve_path(base_dir, *body_file));
        if (!text) {
            diagnostics.fail_at(request.node("body_file"),
                                fmt::format("{}; expected a readable file of at most {} MiB",
                                            text.error().message, body_bytes_max >> 20));
            return;
        }
        out.body = std::move(text).value();
    }
}

void read_request(TableReader& request, const std::string& base_dir,
                  const std::vector<plan::Header>& target_headers, plan::RunPlan& plan) {
    Diagnostics& diagnostics = request.diagnostics();
    plan::NamedRequest out;
    out.name = request.string("name", "\"login\"").value_or("");
    // A misspelt `name` is the likelier mistake: name the key written.
    const bool misspelt = !request.has("name") && request.refuse_near_miss("name");
    if (diagnostics.ok() && out.name.empty() && !misspelt) {
        diagnostics.fail_at(&request.source(), "a request has no name; expected name = \"...\"");
    }
    for (const plan::NamedRequest& other : plan.requests) {
        if (diagnostics.ok() && other.name == out.name) {
            diagnostics.fail_at(request.node("name"),
                                fmt::format("request name '{}' is used twice; expected unique "
                                            "names",
                                            base::excerpt(out.name)));
        }
    }
    out.method = request.string("method", "\"POST\"").value_or("GET");
    if (diagnostics.ok() && !http::is_token(out.method)) {
        diagnostics.fail_at(request.node("method"),
                            fmt::format("'{}' is not a method; expected letters like GET, POST, "
                                        "PUT",
                                        base::excerpt(out.method)));
    }
    out.path = request.string("path", "\"/api/items/{{int 1 1000}}\"").value_or(plan.target.path);
    std::vector<plan::Header> own;
    read_headers_of(request, own);
    read_form(request, base_dir, out, own);
    // [target] defaults first, unless the request sets the same header itself.
    for (const plan::Header& header : target_headers) {
        const bool replaced = std::any_of(own.begin(), own.end(), [&](const plan::Header& mine) {
            return equal_ignoring_case(mine.name, header.name);
        });
        if (!replaced) {
            out.headers.push_back(header);
        }
    }
    out.headers.insert(out.headers.end(), own.begin(), own.end());
    read_body(request, base_dir, out);
    if (const toml::node* weight = request.node("weight"); weight && diagnostics.ok()) {
        const auto number = number_of(diagnostics, *weight, "weight");
        if (number && !(*number >= 0 && *number <= 1e9)) {
            diagnostics.fail_at(weight, fmt::format("weight {} is out of range; expected 0 to "
                                                    "1000000000",
                                                    *number));
        }
        out.weight = number.value_or(1);
    }
    read_checks(request, out);
    read_captures(request, out, plan);
    request.finish();
    if (diagnostics.ok() && !out.path.starts_with('/')) {
        diagnostics.fail_at(request.node("path"),
                            fmt::format("path '{}' must start with '/'; expected e.g. \"/api\"",
                                        base::excerpt(out.path)));
    }
    plan.requests.push_back(std::move(out));
}

void compile_template(Diagnostics& diagnostics, const toml::node* where, std::string_view what,
                      const std::string& text, const http::TemplateScope& scope) {
    auto compiled = http::Template::compile(text, scope);
    if (!compiled && diagnostics.ok()) {
        diagnostics.fail_at(where,
                            fmt::format("{}: {}; expected a variable from a [[data]] file, "
                                        "a capture or a {{{{set}}}} (known: {}), or a generator "
                                        "from docs/templates.md",
                                        what, compiled.error().message, join(scope.variables)));
    }
}

// {{set NAME = ...}} in a request's path, headers or body declares NAME, like a capture.
void declare_sets(Diagnostics& diagnostics, const toml::array& requests, plan::RunPlan& plan) {
    for (size_t i = 0; i < plan.requests.size() && diagnostics.ok(); ++i) {
        const plan::NamedRequest& request = plan.requests[i];
        std::vector<std::string_view> texts = {request.path, request.body};
        for (const plan::Header& header : request.headers) {
            texts.push_back(header.value);
        }
        for (const std::string_view text : texts) {
            for (const std::string& name : http::Template::variables_set(text)) {
                add_variable(diagnostics, requests.get(i), name, plan, Definer::assignment);
            }
        }
    }
}

// Templates are compiled after every request is read: a capture of a later
// request may be used by an earlier one in a sequence that loops.
void compile_templates(Diagnostics& diagnostics, const toml::array& requests,
                       const plan::RunPlan& plan) {
    const http::TemplateScope scope{plan.variables};
    for (size_t i = 0; i < plan.requests.size() && diagnostics.ok(); ++i) {
        const plan::NamedRequest& request = plan.requests[i];
        const toml::table& table = *requests.get(i)->as_table();
        const toml::node* path = table.get("path");
        compile_template(diagnostics, path ? path : &table, "path", request.path, scope);
        const toml::node* headers = table.get("headers");
        for (const plan::Header& header : request.headers) {
            const toml::node* own =
                headers && headers->as_table() ? headers->as_table()->get(header.name) : nullptr;
            compile_template(diagnostics, own ? own : &table, "header " + header.name, header.value,
                             scope);
        }
        const toml::node* body = table.get("body") ? table.get("body") : table.get("body_file");
        body = body ? body : table.get("form");
        compile_template(diagnostics, body ? body : &table, "body", request.body, scope);
    }
}

}  // namespace

void read_data_files(TableReader& root, const std::string& base_dir, plan::RunPlan& plan) {
    Diagnostics& diagnostics = root.diagnostics();
    const toml::array* files = root.array("data");
    if (files == nullptr) {
        return;
    }
    for (const toml::node& node : *files) {
        const auto* table = node.as_table();
        if (table == nullptr) {
            diagnostics.fail_at(&node,
                                "[[data]] entries must be tables; expected [[data]] path = "
                                "\"users.csv\"");
            return;
        }
        TableReader data(diagnostics, *table, "[[data]]");
        read_data_file(data, base_dir, plan);
    }
}

void read_requests(TableReader& root, const std::string& base_dir,
                   const std::vector<plan::Header>& target_headers, plan::RunPlan& plan) {
    Diagnostics& diagnostics = root.diagnostics();
    const toml::array* requests = root.array("requests");
    if (diagnostics.ok() && (requests == nullptr || requests->empty())) {
        diagnostics.fail(diagnostics.file(),
                         "no [[requests]]; expected at least one, e.g. "
                         "[[requests]] name = \"home\" path = \"/\"");
    }
    if (diagnostics.ok() && requests->size() > plan::request_names_max) {
        diagnostics.fail_at(requests->get(plan::request_names_max),
                            plan::too_many_request_names(requests->size()));
    }
    if (!diagnostics.ok()) {
        return;
    }
    for (const toml::node& node : *requests) {
        const auto* table = node.as_table();
        if (table == nullptr) {
            diagnostics.fail_at(&node, "[[requests]] entries must be tables");
            return;
        }
        TableReader request(diagnostics, *table, "[[requests]]");
        read_request(request, base_dir, target_headers, plan);
        if (!diagnostics.ok()) {
            return;
        }
    }
    declare_sets(diagnostics, *requests, plan);
    compile_templates(diagnostics, *requests, plan);
}

}  // namespace barrage::profile::detail
