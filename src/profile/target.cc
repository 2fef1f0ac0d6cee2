#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "barrage/base/excerpt.h"
#include "barrage/http/request.h"
#include "barrage/plan/source_addresses.h"
#include "barrage/plan/url.h"
#include "profile_impl.h"

namespace barrage::profile::detail {
namespace {

// Header values are template text; checked with the requests' templates.
void read_headers(Diagnostics& diagnostics, const toml::table& headers,
                  std::vector<plan::Header>& out) {
    for (auto&& [key, value] : headers) {
        const auto* text = value.as_string();
        if (text == nullptr) {
            diagnostics.fail_at(&value, fmt::format("header '{}' is {}; expected a string, e.g. "
                                                    "\"{}\" = \"value\"",
                                                    base::excerpt(key.str()), type_name(value),
                                                    base::excerpt(key.str())));
            return;
        }
        if (!http::is_token(key.str())) {
            diagnostics.fail_at(&value, fmt::format("'{}' is not a header name; expected letters, "
                                                    "digits and '-', no spaces",
                                                    base::excerpt(key.str())));
            return;
        }
        if (text->get().find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
            diagnostics.fail_at(&value, fmt::format("the value of header '{}' has a line break "
                                                    "or NUL byte; expected one line",
                                                    base::excerpt(key.str())));
            return;
        }
        out.push_back(plan::Header{std::string(key.str()), text->get()});
    }
}

// [target.tls]: the command line's TLS options, for an https:// url. Paths
// are relative to the profile's directory.
void read_tls(TableReader& target, const std::string& base_dir, plan::TlsPlan& tls) {
    const toml::table* table = target.table("tls");
    if (table == nullptr) {
        return;
    }
    TableReader reader(target.diagnostics(), *table, "[target.tls]");
    tls.insecure = reader.boolean("insecure").value_or(tls.insecure);
    tls.resume = reader.boolean("resume").value_or(tls.resume);
    const std::pair<const char*, std::string*> files[] = {
        {"cacert", &tls.ca_file}, {"cert", &tls.cert_file}, {"key", &tls.key_file}};
    for (const auto& [key, field] : files) {
        if (const auto path = reader.string(key, "\"certs/ca.pem\"")) {
            *field = resolve_path(base_dir, *path);
            // Checked now: a typo must not fail every handshake of the run.
            if (::access(field->c_str(), R_OK) != 0) {
                reader.diagnostics().fail_at(
                    reader.node(key),
                    fmt::format("{} = \"{}\": cannot read '{}': {}", base::excerpt(key),
                                base::excerpt(*path), base::excerpt(*field), std::strerror(errno)));
            }
        }
    }
    const std::pair<const char*, std::string*> texts[] = {
        {"sni", &tls.sni}, {"ciphers", &tls.ciphers}, {"ciphersuites", &tls.ciphersuites}};
    for (const auto& [key, field] : texts) {
        if (const auto text = reader.string(key, "\"...\"")) {
            *field = *text;
        }
    }
    if (const auto version = reader.string("min_version", "\"1.3\"")) {
        if (*version == "1.2" || *version == "1.3") {
            tls.version_min = *version == "1.2" ? 12 : 13;
        } else {
            reader.diagnostics().fail_at(reader.node("min_version"),
                                         fmt::format("min_version = \"{}\"; expected \"1.2\" or "
                                                     "\"1.3\"",
                                                     *version));
        }
    }
    reader.finish();
}

// urls = ["http://127.0.0.1:8081", "http://127.0.0.1:8082"]: several targets,
// one scheme and path (TLS options and request paths are the run's).
void read_urls(TableReader& target, const toml::array& urls, bool has_url, plan::RunPlan& plan) {
    Diagnostics& diagnostics = target.diagnostics();
    if (has_url || urls.empty()) {
        diagnostics.fail_at(&urls, has_url
                                       ? "url and urls both name targets; expected one of "
                                         "them"
                                       : "urls is empty; expected e.g. urls = "
                                         "[\"http://127.0.0.1:8081\", \"http://127.0.0.1:8082\"]");
        return;
    }
    for (std::size_t i = 0; i < urls.size() && diagnostics.ok(); ++i) {
        const toml::node& node = *urls.get(i);
        auto parsed = node.as_string() ? plan::parse_url(node.as_string()->get())
                                       : base::Result<plan::Target>(base::make_error(
                                             "urls holds a non-string; expected URL strings"));
        if (!parsed) {
            diagnostics.fail_at(&node, parsed.error().message);
        } else if (i > 0 && (parsed.value().scheme != plan.target.scheme ||
                             parsed.value().path != plan.target.path)) {
            diagnostics.fail_at(&node, fmt::format("'{}' differs from the first url in scheme or "
                                                   "path; expected every url with the scheme and "
                                                   "path of the first",
                                                   base::excerpt(node.as_string()->get())));
        } else if (i > 0 && parsed.value().scheme == "https") {
            diagnostics.fail_at(&node,
                                "several https targets are not supported yet (one TLS "
                                "server name per run); expected http:// urls, or one "
                                "https url");
        } else if (i == 0) {
            plan.target = std::move(parsed).value();
        } else {
            plan.more_targets.push_back(std::move(parsed).value());
        }
    }
}

// source (as --source) and connect_rate (as --connect-rate).
void read_connection_options(TableReader& target, plan::RunPlan& plan) {
    if (const auto source = target.string("source", "\"127.0.0.2-127.0.0.9\"")) {
        auto sources = plan::parse_source_addresses("[target] source", *source);
        if (sources) {
            plan.sources = std::move(sources).value();
        } else {
            target.diagnostics().fail_at(target.node("source"), sources.error().message);
        }
    }
    if (const auto rate = target.rate("connect_rate", false)) {
        plan.connect_rate_per_s = *rate;
    }
}

}  // namespace

void read_headers_of(TableReader& reader, std::vector<plan::Header>& out) {
    if (const toml::table* headers = reader.table("headers"); headers != nullptr) {
        read_headers(reader.diagnostics(), *headers, out);
    }
}

void read_target(TableReader& root, const std::string& base_dir, plan::RunPlan& plan,
                 std::vector<plan::Header>& headers) {
    Diagnostics& diagnostics = root.diagnostics();
    const toml::table* table = root.table("target");
    if (table == nullptr) {
        if (diagnostics.ok()) {
            diagnostics.fail(diagnostics.file(),
                             "no [target]; expected e.g. [target] url = "
                             "\"http://127.0.0.1:8080\", or the URL on the command line: "
                             "barrage run PROFILE.toml URL");
        }
        return;
    }
    TableReader target(diagnostics, *table, "[target]");
    const auto url = target.string("url", "\"http://127.0.0.1:8080\"");
    if (const toml::array* urls = target.array("urls"); urls != nullptr) {
        read_urls(target, *urls, url.has_value(), plan);
    } else if (diagnostics.ok() && !url && !target.refuse_near_miss("url")) {
        diagnostics.fail_at(table,
                            "[target] has no url; expected e.g. url = "
                            "\"http://127.0.0.1:8080\" (or urls = [...] for several)");
    }
    if (diagnostics.ok() && url) {
        auto parsed = plan::parse_url(*url);
        if (!parsed) {
            diagnostics.fail_at(target.node("url"), parsed.error().message);
        } else {
            plan.target = std::move(parsed).value();
        }
    }
    read_headers_of(target, headers);
    if (const auto connections = target.integer("connections", 1, plan::connections_max)) {
        plan.connections = static_cast<int>(*connections);
    }
    if (const auto threads = target.integer("threads", 1, plan::threads_max)) {
        plan.threads = static_cast<int>(*threads);
    }
    if (const auto timeout = target.duration_ns("timeout", false)) {
        plan.timeout_ns = *timeout;
    }
    plan.new_connection_per_request = target.boolean("new_conn").value_or(false);
    read_connection_options(target, plan);
    if (const auto pipeline = target.integer("pipeline", 1, plan::pipeline_max)) {
        plan.pipeline = static_cast<int>(*pipeline);
    }
    read_tls(target, base_dir, plan.tls);
    target.finish();
}

void override_target_url(toml::table& root, const std::string& url) {
    toml::table* target = root["target"].as_table();
    if (target == nullptr) {
        root.insert_or_assign("target", toml::table{});
        target = root["target"].as_table();
    }
    target->erase("urls");
    target->insert_or_assign("url", url);
}

}  // namespace barrage::profile::detail
