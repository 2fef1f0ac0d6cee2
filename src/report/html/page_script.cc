// The script of every barrage page (run report, trend, find-max): hover
// values, legend toggles and zoom for the inline SVG charts, from the data
// render_line_chart puts on them. No fetch, no library: the page's CSP allows
// inline script only.

#include "page_script_impl.h"

namespace barrage::report::detail {

// Marks the page once it ran, so a headless browser test sees that the page
// loaded and its script executed without an error. Why our SVG and not a
// charting library: see svg_chart.cc.
const char* const page_script = R"js(
(function () {
  var charts = document.querySelectorAll('svg.chart');
  var tip = document.createElement('div');
  tip.id = 'chart-tip';
  tip.setAttribute('role', 'tooltip');
  document.body.appendChild(tip);
  function num(v) {
    if (v === null || v === undefined) { return 'n/a'; }
    var a = Math.abs(v);
    if (a >= 1e6) { return +(v / 1e6).toPrecision(3) + 'M'; }
    if (a >= 1e4) { return +(v / 1e3).toPrecision(3) + 'k'; }
    return String(+v.toPrecision(4));
  }
  function xText(svg, xs, labels, i) {
    var kind = svg.getAttribute('data-xkind');
    if (kind === 'runs') { return labels[i] || 'run ' + (i + 1); }
    if (kind === 'percentile') { return xs[i] === 100 ? 'max' : 'p' + xs[i]; }
    if (kind === 'rate') { return num(xs[i]) + ' req/s asked'; }
    if (kind === 'latency') { return 'up to ' + num(xs[i]) + ' ' + svg.getAttribute('data-xunit'); }
    return num(xs[i]) + ' s';
  }
  function row(parent, text, color) {
    var line = document.createElement(color ? 'div' : 'b');
    if (color) {
      var swatch = document.createElement('i');
      swatch.style.background = color;
      line.appendChild(swatch);
    }
    line.appendChild(document.createTextNode(text));
    parent.appendChild(line);
  }
  function nearest(px, x) {
    var best = 0;
    for (var i = 1; i < px.length; i++) {
      if (Math.abs(px[i] - x) < Math.abs(px[best] - x)) { best = i; }
    }
    return best;
  }
  var SVG = 'http://www.w3.org/2000/svg';
  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function niceStep(span) {
    var raw = span / 8, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    return [1, 2, 5, 10].map(function (f) { return f * mag; }).filter(function (s) { return s >= raw; })[0];
  }
  // Time charts: drag across the plot to zoom into that stretch, double-click to go back.
  // view.map takes an x as drawn (data-px) to where it shows now.
  function zoomable(svg, px, frame) {
    var L = +frame.getAttribute('x'), R = L + +frame.getAttribute('width');
    var top = +frame.getAttribute('y'), bottom = top + +frame.getAttribute('height');
    var view = {a: L, b: R};
    view.map = function (p) { return L + (p - view.a) * (R - L) / (view.b - view.a); };
    var n = px.length;
    if (svg.getAttribute('data-xkind') !== 'seconds' || n < 2 || px[n - 1] === px[0]) { return view; }
    var xs = JSON.parse(svg.getAttribute('data-x'));
    var xAt = function (p) { return xs[0] + (p - px[0]) * (xs[n - 1] - xs[0]) / (px[n - 1] - px[0]); };
    var pxAt = function (x) { return px[0] + (x - xs[0]) * (px[n - 1] - px[0]) / (xs[n - 1] - xs[0]); };
    var lines = Array.prototype.map.call(svg.querySelectorAll('polyline.series'), function (line) {
      return {el: line, pts: line.getAttribute('points').split(' ').map(function (p) { return p.split(','); })};
    });
    var bands = Array.prototype.map.call(svg.querySelectorAll('rect.band'), function (r) {
      return {el: r, x: +r.getAttribute('x'), w: +r.getAttribute('width'), label: r.nextElementSibling};
    });
    var ticks = el('g', {'class': 'zoom-ticks'});
    svg.insertBefore(ticks, svg.querySelector('.series'));  // grid under the lines
    var hint = el('text', {'class': 'zoom-hint', x: R, y: 16, 'text-anchor': 'end'}, 'drag to zoom');
    svg.appendChild(hint);
    function redraw() {
      var zoomed = view.a !== L || view.b !== R;
      lines.forEach(function (l) {
        l.el.setAttribute('points', l.pts.map(function (p) { return view.map(+p[0]).toFixed(1) + ',' + p[1]; }).join(' '));
      });
      bands.forEach(function (b) {
        var x1 = Math.max(L, Math.min(R, view.map(b.x))), x2 = Math.max(x1, Math.min(R, view.map(b.x + b.w)));
        b.el.setAttribute('x', x1);
        b.el.setAttribute('width', x2 - x1);
        b.label.setAttribute('x', x1 + 4);
        b.label.style.display = x2 - x1 < 30 ? 'none' : '';
      });
      Array.prototype.forEach.call(svg.querySelectorAll('.xtick'), function (t) { t.style.display = zoomed ? 'none' : ''; });
      ticks.textContent = '';
      hint.textContent = zoomed ? 'double-click: whole run' : 'drag to zoom';
      if (!zoomed) { return; }
      var xa = xAt(view.a), xb = xAt(view.b), step = niceStep(xb - xa);
      for (var t = Math.ceil(xa / step) * step; t <= xb + step * 1e-9; t += step) {
        var x = view.map(pxAt(t)).toFixed(1);
        ticks.appendChild(el('line', {x1: x, x2: x, y1: top, y2: bottom, stroke: '#eee'}));
        ticks.appendChild(el('text', {x: x, y: bottom + 16, 'text-anchor': 'middle'}, String(+t.toPrecision(6))));
      }
    }
    var start = null, sel = el('rect', {'class': 'zoom-sel', y: top, height: bottom - top, width: 0});
    function plotX(e) {
      var m = svg.getScreenCTM();
      return Math.max(L, Math.min(R, (e.clientX - m.e) / m.a));
    }
    svg.addEventListener('mousedown', function (e) {
      start = plotX(e);
      sel.setAttribute('x', start);
      sel.setAttribute('width', 0);
      svg.appendChild(sel);
      e.preventDefault();
    });
    svg.addEventListener('mousemove', function (e) {
      if (start === null) { return; }
      var x = plotX(e);
      sel.setAttribute('x', Math.min(start, x));
      sel.setAttribute('width', Math.abs(x - start));
    });
    svg.addEventListener('mouseup', function (e) {
      if (start === null) { return; }
      var x = plotX(e), lo = Math.min(start, x), hi = Math.max(start, x);
      start = null;
      if (sel.parentNode) { svg.removeChild(sel); }
      if (hi - lo < 4) { return; }
      // From the shown positions back to the drawn ones, so a zoom can zoom further.
      var back = function (p) { return view.a + (p - L) * (view.b - view.a) / (R - L); };
      var a = back(lo), b = back(hi);
      view.a = a;
      view.b = b;
      redraw();
    });
    svg.addEventListener('dblclick', function () {
      view.a = L;
      view.b = R;
      redraw();
    });
    return view;
  }
  function wire(svg) {
    var xs = JSON.parse(svg.getAttribute('data-x'));
    var px = JSON.parse(svg.getAttribute('data-px'));
    var labels = JSON.parse(svg.getAttribute('data-xlabels') || '[]');
    var unit = svg.getAttribute('data-unit');
    var series = Array.prototype.map.call(svg.querySelectorAll('.series'), function (el) {
      return {el: el, label: el.getAttribute('data-label'), y: JSON.parse(el.getAttribute('data-y')),
              color: el.getAttribute('stroke') || el.getAttribute('fill')};
    });
    var frame = svg.querySelector('rect.frame');
    var view = zoomable(svg, px, frame);
    var cursor = document.createElementNS(SVG, 'line');
    cursor.setAttribute('class', 'cursor');
    cursor.setAttribute('y1', frame.getAttribute('y'));
    cursor.setAttribute('y2', +frame.getAttribute('y') + +frame.getAttribute('height'));
    cursor.style.display = 'none';
    svg.appendChild(cursor);
    svg.addEventListener('mousemove', function (e) {
      var m = svg.getScreenCTM();
      if (!m) { return; }
      var shown = px.map(view.map);
      var i = nearest(shown, (e.clientX - m.e) / m.a);
      cursor.setAttribute('x1', shown[i]);
      cursor.setAttribute('x2', shown[i]);
      cursor.style.display = '';
      tip.textContent = '';
      row(tip, xText(svg, xs, labels, i));
      series.forEach(function (s) {
        if (!s.el.classList.contains('off')) { row(tip, s.label + ': ' + num(s.y[i]) + ' ' + unit, s.color); }
      });
      tip.style.display = 'block';
      var left = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 4);
      tip.style.left = Math.max(0, left) + 'px';
      tip.style.top = Math.max(0, e.clientY - tip.offsetHeight - 10) + 'px';
    });
    svg.addEventListener('mouseleave', function () {
      tip.style.display = 'none';
      cursor.style.display = 'none';
    });
    Array.prototype.forEach.call(svg.querySelectorAll('.legend-item'), function (item) {
      item.addEventListener('click', function () {
        var off = item.classList.toggle('off');
        var lines = svg.querySelectorAll('.series.s' + item.getAttribute('data-series'));
        Array.prototype.forEach.call(lines, function (el) { el.classList.toggle('off', off); });
      });
    });
  }
  Array.prototype.forEach.call(charts, function (svg) {
    if (svg.hasAttribute('data-x')) { wire(svg); }
  });
  document.body.setAttribute('data-charts', String(charts.length));
  document.body.setAttribute('data-rendered', 'ok');
})();
)js";

}  // namespace barrage::report::detail
