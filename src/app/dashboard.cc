// --dashboard: once per measured interval the coordinator judges the thresholds
// so far and hands the endpoint a copy of the result so far; the endpoint's
// thread renders it as the --html report (the same code) with a live banner and
// a script that fetches / again every interval and swaps the page in. At the
// end the endpoint serves the run's --html page itself, which has no banner:
// the script sees that, swaps it in and stops.

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "app_impl.h"
#include "barrage/base/assert.h"
#include "barrage/base/cpu.h"
#include "barrage/base/stop_signal.h"
#include "barrage/gate/evaluation.h"
#include "barrage/report/html/html_page.h"
#include "barrage/report/html/html_report.h"
#include "barrage/report/run_report.h"

namespace barrage::app::detail {

namespace {

constexpr std::string_view dashboard_flag = "--dashboard";

// Polls its own origin (the only fetch the live page's policy allows), swaps
// the new body in keeping the scroll position, runs the new body's scripts
// (the charts' hover and zoom), and stops once a page without #live arrives:
// the final report. If the endpoint is gone, says so on the banner and stops.
constexpr std::string_view live_script = R"js(
(function () {
  if (window.barrageLive) { return; }
  window.barrageLive = true;
  var live = document.getElementById('live');
  var period = +live.getAttribute('data-interval-ms') || 1000, misses = 0;
  function swap(text) {
    var doc = new DOMParser().parseFromString(text, 'text/html');
    var y = window.scrollY, root = document.documentElement;
    root.setAttribute('data-live-swaps', +(root.getAttribute('data-live-swaps') || 0) + 1);
    document.title = doc.title;
    document.body.replaceWith(document.adoptNode(doc.body));
    Array.prototype.forEach.call(document.body.querySelectorAll('script'), function (old) {
      var s = document.createElement('script');
      s.textContent = old.textContent;
      old.replaceWith(s);
    });
    window.scrollTo(0, y);
    return document.getElementById('live') !== null;
  }
  // The reader is looking: a pointer on a chart, a zoom or a hidden series
  // would be lost with the old body, so the next page waits.
  function held() {
    if (document.querySelector('svg.chart:hover, .legend-item.off')) { return true; }
    return Array.prototype.some.call(document.querySelectorAll('.zoom-hint'), function (h) {
      return h.textContent.indexOf('double-click') === 0;
    });
  }
  function poll() {
    var now = document.getElementById('live');
    if (held()) {
      now.setAttribute('data-state', 'held');
      now.querySelector('.live-held').textContent = ' (updates wait while you zoom, hide a series or point at a chart)';
      setTimeout(poll, period);
      return;
    }
    fetch(location.pathname, {cache: 'no-store'}).then(function (r) {
      if (!r.ok) { throw new Error('HTTP ' + r.status); }
      return r.text();
    }).then(function (text) {
      misses = 0;
      if (swap(text)) { setTimeout(poll, period); }
    }).catch(function () {
      if (++misses < 3) { setTimeout(poll, period); return; }
      if (now) {
        now.setAttribute('data-state', 'disconnected');
        now.querySelector('.live-state').textContent = 'DISCONNECTED';
      }
    });
  }
  setTimeout(poll, period);
})();
)js";

constexpr std::string_view live_style =
    "#live{position:sticky;top:0;z-index:5;background:#fffbe6;border:1px solid #e0c36c;"
    "padding:.5em .8em;margin:0 0 1em;font-size:.95em}#live .live-state{color:#b00;"
    "font-weight:bold}#live .pass{color:#2ca02c}#live .fail{color:#d62728;font-weight:bold}";

// The phase the run is in `so_far.duration_s` into the measured period ("" when none).
std::string_view phase_now(const stats::RunResult& so_far) {
    for (const stats::PhaseResult& phase : so_far.phases) {
        if (so_far.duration_s < phase.end_s) {
            return phase.name;
        }
    }
    return so_far.phases.empty() ? std::string_view() : so_far.phases.back().name;
}

// "connect 3, timeout 1" from the request-level and connection errors so far.
std::string errors_text(const stats::Counters& counters) {
    std::string text;
    for (int i = 0; i < stats::error_kind_count; ++i) {
        const int64_t count = counters.errors[static_cast<std::size_t>(i)];
        if (count > 0) {
            text += fmt::format("{}{} {}", text.empty() ? "" : ", ",
                                stats::error_kind_name(static_cast<stats::ErrorKind>(i)), count);
        }
    }
    return text.empty() ? "none" : text;
}

std::string thresholds_text(std::span<const gate::ThresholdOutcome> outcomes) {
    if (outcomes.empty()) {
        return "none";
    }
    const auto failed = std::count_if(outcomes.begin(), outcomes.end(),
                                      [](const gate::ThresholdOutcome& o) { return !o.passed; });
    const auto passed = static_cast<long>(outcomes.size()) - failed;
    return failed == 0 ? fmt::format("<span class=\"pass\">{} pass</span>", passed)
                       : fmt::format(
                             "<span class=\"pass\">{} pass</span>, <span "
                             "class=\"fail\">{} FAIL</span>",
                             passed, failed);
}

// The banner: what the run is doing now, as text and as data attributes (for tests).
std::string banner(const plan::RunPlan& plan, const stats::RunResult& so_far,
                   std::span<const gate::ThresholdOutcome> outcomes) {
    const stats::Counters& c = so_far.totals.counters;
    // Unfinished is known at the end; mid-run the identity's missing part is in flight.
    const int64_t in_flight =
        std::max<int64_t>(0, c.requests_sent - c.requests_completed - c.requests_errors);
    const bool failing = std::any_of(outcomes.begin(), outcomes.end(),
                                     [](const gate::ThresholdOutcome& o) { return !o.passed; });
    const std::string phase = report::html_escape(phase_now(so_far));
    const std::string attributes = fmt::format(
        "data-state=\"running\" data-interval-ms=\"{}\" data-elapsed-s=\"{:.3f}\" "
        "data-sent=\"{}\" data-answered=\"{}\" data-failed=\"{}\" data-in-flight=\"{}\" "
        "data-phase=\"{}\" data-thresholds=\"{}\"",
        plan.interval_ns / 1'000'000, so_far.duration_s, c.requests_sent, c.requests_completed,
        c.requests_errors, in_flight, phase,
        outcomes.empty() ? "none" : (failing ? "FAIL" : "pass"));
    const std::string text = fmt::format(
        "{:.1f} s of {:g} s measured &middot; phase <b>{}</b> &middot; sent {} &middot; answered "
        "{} &middot; failed {} &middot; in flight {} &middot; errors: {} &middot; thresholds so "
        "far: {} &middot; updated every interval; becomes the final report when the run ends",
        so_far.duration_s, static_cast<double>(plan::measured_ns(plan)) / 1e9, phase,
        c.requests_sent, c.requests_completed, c.requests_errors, in_flight,
        report::html_escape(errors_text(c)), thresholds_text(outcomes));
    return fmt::format(
        "<style>{}</style><div id=\"live\" {}><span class=\"live-state\">LIVE</span><span "
        "class=\"live-held\"></span> {}</div>\n",
        live_style, attributes, text);
}

// `page` (a barrage page) made live: its policy lets it fetch its own origin,
// `banner_html` opens its body and the polling script closes it.
std::string made_live(std::string page, std::string_view banner_html) {
    const std::string_view policy = "default-src 'none';";
    const std::size_t at_policy = page.find(policy);
    BARRAGE_ASSERT(at_policy != std::string::npos);
    page.insert(at_policy + policy.size(), " connect-src 'self';");
    const std::string_view body = "<body data-report=\"barrage\">\n";
    const std::size_t at_body = page.find(body);
    BARRAGE_ASSERT(at_body != std::string::npos);
    page.insert(at_body + body.size(), banner_html);
    const std::size_t at_end = page.rfind("</body>");
    BARRAGE_ASSERT(at_end != std::string::npos);
    page.insert(at_end, fmt::format("<script>{}</script>\n", live_script));
    return page;
}

// The page before the first measured interval (warm-up included).
class StartingPage : public live::PageSource {
public:
    explicit StartingPage(const plan::RunPlan& plan) : plan_(plan) {}
    std::string render() const override {
        const stats::RunResult nothing;
        return made_live(report::html::page_open("barrage: starting") +
                             "<p>Waiting for the first measured interval.</p>\n" +
                             report::html::page_close("barrage live dashboard"),
                         banner(plan_, nothing, {}));
    }

private:
    const plan::RunPlan& plan_;
};

// The result so far, rendered as the report when a browser asks.
class LivePage : public live::PageSource {
public:
    LivePage(const plan::RunPlan& plan, stats::RunResult so_far,
             std::vector<gate::ThresholdOutcome> outcomes)
        : plan_(plan), so_far_(std::move(so_far)), outcomes_(std::move(outcomes)) {}
    std::string render() const override {
        auto page =
            report::html_report_from_json(report::format_json(plan_, so_far_, outcomes_), "live");
        if (!page.ok()) {
            return made_live(report::html::page_open("barrage: live") + "<p>" +
                                 report::html_escape(page.error().message) + "</p>\n" +
                                 report::html::page_close("barrage live dashboard"),
                             banner(plan_, so_far_, outcomes_));
        }
        return made_live(std::move(page).value(), banner(plan_, so_far_, outcomes_));
    }

private:
    const plan::RunPlan& plan_;
    const stats::RunResult so_far_;
    const std::vector<gate::ThresholdOutcome> outcomes_;
};

// A page that is exactly the text it was given: the final report.
class FixedPage : public live::PageSource {
public:
    explicit FixedPage(std::string text) : text_(std::move(text)) {}
    std::string render() const override { return text_; }

private:
    std::string text_;
};

}  // namespace

base::Result<std::unique_ptr<Dashboard>> Dashboard::open(const plan::RunPlan& plan) {
    if (plan.outputs.dashboard_listen.empty()) {
        if (plan.outputs.dashboard_linger_ns > 0) {
            return base::make_error(
                "--dashboard-linger: there is no dashboard to keep serving; add --dashboard "
                "ADDR:PORT");
        }
        return std::unique_ptr<Dashboard>();
    }
    auto address = live::parse_listen_address(dashboard_flag, plan.outputs.dashboard_listen);
    if (!address) {
        return address.error();
    }
    auto server = live::MetricsServer::start(dashboard_flag, address.value(),
                                             live::MetricsServer::client_idle_ns_default,
                                             live::MetricsServer::Serves::page);
    if (!server) {
        return server.error();
    }
    auto dashboard = std::make_unique<Dashboard>(plan, std::move(server).value());
    // Always printed (even with -q): with port 0 it is the only way to find it.
    fmt::print(stderr, "dashboard: {}\n", dashboard->server_->url());
    std::fflush(stderr);
    return dashboard;
}

Dashboard::Dashboard(const plan::RunPlan& plan, std::unique_ptr<live::MetricsServer> server)
    : plan_(plan), server_(std::move(server)) {
    server_->publish_page(std::make_shared<const StartingPage>(plan_));
}

engine::ResultCallback Dashboard::hook(std::span<const gate::ThresholdSpec> thresholds,
                                       const gate::WindowGates* windows) {
    return [this, thresholds, windows](const stats::RunResult& so_far) {
        // Judged here, on the coordinator, which owns the window gates; the
        // rendering waits for a browser, on the endpoint's thread.
        auto outcomes =
            gate::evaluate_thresholds(thresholds, gate::RunResultMetrics(so_far), windows);
        server_->publish_page(std::make_shared<const LivePage>(plan_, so_far, std::move(outcomes)));
    };
}

void Dashboard::finish(std::string final_page) {
    server_->publish_page(std::make_shared<const FixedPage>(std::move(final_page)));
}

void linger_after_run(const plan::RunPlan& plan) {
    const int64_t linger_ns =
        std::max(plan.outputs.metrics_linger_ns, plan.outputs.dashboard_linger_ns);
    if (linger_ns <= 0) {
        return;
    }
    if (!plan.outputs.quiet) {
        fmt::print(stderr, "{}: serving the final {} for {:g}s (Ctrl-C ends it)\n",
                   plan.outputs.dashboard_linger_ns > 0 ? "dashboard" : "metrics",
                   plan.outputs.dashboard_linger_ns > 0 ? "report" : "values",
                   static_cast<double>(linger_ns) / 1e9);
    }
    base::block_stop_signals();  // taken below, not by their default action
    base::wait_stop_signal(linger_ns);
}

}  // namespace barrage::app::detail
