package quantbridge.converters.report;

/**
 * The style sheet and the script of {@link HtmlReport}'s page, inlined into every page. The
 * script reads the page's JSON island ({@code #report-data}), draws the error chart, its legend
 * and the heatmap as SVG, and makes the tensor table sortable; it builds every element with DOM
 * calls and sets text with {@code textContent}, never parsing data as HTML.
 */
final class HtmlReportAssets {

    private HtmlReportAssets() {
    }

    static final String CSS = """
            :root { --fg: #1f2430; --muted: #5d6678; --line: #dde1e8; --panel: #f5f6f8; --grid: #e9ecf1; }
            * { box-sizing: border-box; }
            html { background: #ffffff; }
            body { margin: 0; color: var(--fg);
                   font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
            main { max-width: 1200px; margin: 0 auto; padding: 22px 28px 40px; }
            h1 { font-size: 22px; margin: 0 0 2px; }
            h2 { font-size: 17px; margin: 30px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
            h3 { font-size: 14px; margin: 16px 0 6px; color: var(--muted); font-weight: 600; }
            code, .path, td.name { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
            .sub { color: var(--muted); margin: 0 0 14px; overflow-wrap: anywhere; }
            .arrow { padding: 0 4px; }
            .facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 8px; margin: 0; }
            .fact { background: var(--panel); border-radius: 6px; padding: 7px 10px; }
            .fact dt { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
            .fact dd { margin: 1px 0 0; font-size: 15px; font-weight: 600; overflow-wrap: anywhere; }
            .warn { background: #fff5da; border-left: 4px solid #e0a100; padding: 5px 10px; margin: 10px 0 0; overflow-wrap: anywhere; }
            .note { color: var(--muted); margin: 4px 0 8px; }
            table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
            th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
            th { background: var(--panel); font-weight: 600; }
            tfoot td { font-weight: 600; border-bottom: none; }
            .num { text-align: right; }
            .mix { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 8px 32px; }
            .mixtable th, .mixtable td { padding: 3px 6px; }
            #tensor-table { font-size: 13px; }
            #tensor-table th, #tensor-table td { padding: 3px 6px; }
            .mixbar { display: flex; height: 18px; border-radius: 4px; overflow: hidden; margin: 4px 0 8px; background: var(--panel); }
            .mixbar span { display: block; height: 100%; min-width: 2px; }
            .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
            .legend { display: flex; flex-wrap: wrap; gap: 4px 6px; margin: 6px 0 4px; }
            .legend-item { font: inherit; font-size: 13px; border: 1px solid var(--line); background: #fff; border-radius: 14px;
                           padding: 2px 10px 2px 8px; cursor: pointer; color: var(--fg); }
            .legend-item .max { color: var(--muted); font-size: 11.5px; margin-left: 4px; }
            .legend-item.off { opacity: .35; }
            .chart { border: 1px solid var(--line); border-radius: 6px; padding: 6px; background: #fff; }
            .chart svg { display: block; width: 100%; height: auto; }
            .series.hidden { display: none; }
            svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, "Noto Sans", sans-serif; }
            .worst { margin: 4px 0 0; padding-left: 22px; }
            .scroll { overflow-x: auto; }
            #tensor-table th { position: sticky; top: 0; cursor: pointer; user-select: none; }
            #tensor-table th[data-dir="asc"]::after { content: " \\25B2"; font-size: 9px; }
            #tensor-table th[data-dir="desc"]::after { content: " \\25BC"; font-size: 9px; }
            #tensor-table tr.fallback td.name::after { content: "fallback"; margin-left: 6px; font: 10.5px system-ui, sans-serif;
                           background: #fde2d2; color: #8a3b12; border-radius: 3px; padding: 0 4px; }
            td.note { color: var(--muted); white-space: normal; min-width: 180px; font-size: 12px; }
            footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
            @media print { .legend-item { border: none; } main { max-width: none; } }
            """;

    static final String JS = """
            (function () {
              "use strict";
              var data = JSON.parse(document.getElementById("report-data").textContent);
              var SVG = "http://www.w3.org/2000/svg";
              var NL = String.fromCharCode(10);

              function node(name, attrs, parent) {
                var e = document.createElementNS(SVG, name);
                Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
                if (parent) parent.appendChild(e);
                return e;
              }
              function text(parent, x, y, s, attrs) {
                var a = Object.assign({ x: x, y: y }, attrs || {});
                var t = node("text", a, parent);
                t.textContent = s;
                return t;
              }
              function tip(e, s) { node("title", {}, e).textContent = s; }
              function strip(s) {
                if (s.indexOf(".") < 0 || s.indexOf("e") >= 0) return s;
                while (s.charAt(s.length - 1) === "0") s = s.slice(0, -1);
                if (s.charAt(s.length - 1) === ".") s = s.slice(0, -1);
                return s;
              }
              function pct(v) {
                var p = v * 100;
                return strip(p >= 10 ? p.toFixed(0) : p >= 1 ? p.toFixed(1) : p.toPrecision(2)) + "%";
              }
              function relText(v) { return !isFinite(v) ? "not finite" : v === 0 ? "0 (exact)" : pct(v); }
              function exp(v) { return v === null ? "not finite" : v.toExponential(2); }
              function describe(p) {
                return p.name + NL + p.from + " \\u2192 " + p.type + NL + "relative error " + relText(p.rel)
                    + ", rmse " + exp(p.rmse) + ", max |error| " + exp(p.max);
              }
              function niceStep(n, most) {
                var steps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000];
                for (var i = 0; i < steps.length; i++) if (n / steps[i] <= most) return steps[i];
                return steps[steps.length - 1];
              }
              function svgIn(id, w, h, label) {
                var host = document.getElementById(id);
                var svg = node("svg", { viewBox: "0 0 " + w + " " + h, role: "img", "aria-label": label }, host);
                svg.style.maxWidth = w + "px";
                return svg;
              }

              var colour = {};
              data.kinds.forEach(function (k) { colour[k.kind] = k.colour; });
              var pts = data.points;
              // a null error is a non-finite one (JSON has no infinity): drawn at the top, as the worst
              pts.forEach(function (p) { if (p.rel === null) p.rel = Infinity; });
              var inBlocks = pts.filter(function (p) { return p.block >= 0; });
              var outside = pts.filter(function (p) { return p.block < 0; });
              var series = {};
              var legendItems = {};

              function toggle(kind) {
                var off = !legendItems[kind].classList.contains("off");
                legendItems[kind].classList.toggle("off", off);
                legendItems[kind].setAttribute("aria-pressed", String(!off));
                (series[kind] || []).forEach(function (g) { g.classList.toggle("hidden", off); });
              }

              function legend() {
                var host = document.getElementById("legend");
                data.kinds.forEach(function (k) {
                  var mine = pts.filter(function (p) { return p.kind === k.kind; });
                  if (!mine.length) return;
                  var worst = mine.reduce(function (a, b) { return b.rel > a.rel ? b : a; });
                  var b = document.createElement("button");
                  b.type = "button";
                  b.className = "legend-item";
                  b.setAttribute("aria-pressed", "true");
                  b.setAttribute("data-kind", k.kind);
                  var sw = document.createElement("span");
                  sw.className = "swatch";
                  sw.style.background = k.colour;
                  b.appendChild(sw);
                  b.appendChild(document.createTextNode(k.kind));
                  var m = document.createElement("span");
                  m.className = "max";
                  m.textContent = "max " + relText(worst.rel) + (worst.block >= 0 ? " (block " + worst.block + ")" : "");
                  b.appendChild(m);
                  b.addEventListener("click", function () { toggle(k.kind); });
                  legendItems[k.kind] = b;
                  host.appendChild(b);
                });
              }

              function chart() {
                var W = 1100, H = 440, L = 78, R = 18, T = 26, B = 78;
                var positive = pts.filter(function (p) { return p.rel > 0 && isFinite(p.rel); }).map(function (p) { return p.rel; });
                var exact = pts.some(function (p) { return p.rel === 0; });
                // the y range: from a 1-2-5 value at or below the least error to one at or above the most, at least 4x wide
                function niceDown(v) { var e = Math.floor(Math.log10(v)), m = v / Math.pow(10, e); return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * Math.pow(10, e); }
                function niceUp(v) { var e = Math.floor(Math.log10(v)), m = v / Math.pow(10, e); return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * Math.pow(10, e); }
                var lo = -3, hi = -1;
                if (positive.length) {
                  lo = Math.log10(niceDown(Math.min.apply(null, positive)));
                  hi = Math.log10(niceUp(Math.max.apply(null, positive)));
                  while (hi - lo < 0.6) {
                    lo = Math.log10(niceDown(Math.pow(10, lo) * 0.99));
                    hi = Math.log10(niceUp(Math.pow(10, hi) * 1.01));
                  }
                }
                var svg = svgIn("chart", W, H, "relative error of each tensor by block and kind");
                svg.setAttribute("id", "error-chart");
                var nB = data.blocks, nO = outside.length;
                var plotW = W - L - R;
                var otherW = nO ? Math.min(plotW * 0.3, Math.max(120, 70 * nO)) : 0;
                var gap = nO && nB ? 30 : 0;
                var blockW = nB ? plotW - otherW - gap : 0;
                if (!nB) otherW = plotW;
                var top = T, bottom = H - B, logBottom = exact ? bottom - 30 : bottom;
                function y(v) {
                  if (!isFinite(v)) return top + 4;
                  if (v === 0) return bottom - 10;
                  var t = (Math.log10(v) - lo) / (hi - lo);
                  return logBottom - t * (logBottom - top);
                }
                function xb(i) { return L + (i + 0.5) * blockW / nB; }
                function xo(j) { return L + blockW + gap + (j + 0.5) * otherW / nO; }

                node("rect", { x: L, y: top, width: plotW, height: bottom - top, fill: "#fcfcfd", stroke: "none" }, svg);
                var grid = node("g", { "class": "axis" }, svg);
                var decades = hi - lo;
                for (var d = Math.floor(lo); d <= Math.ceil(hi); d++) {
                  [1, 2, 5].forEach(function (m) {
                    var v = m * Math.pow(10, d), lv = Math.log10(v);
                    if (lv < lo - 1e-9 || lv > hi + 1e-9) return;
                    var major = m === 1;
                    if (!major && decades > 3.5) return;
                    var yy = y(v);
                    node("line", { x1: L, x2: L + plotW, y1: yy, y2: yy, stroke: major ? "#d5d9e0" : "#eceef2", "stroke-width": 1 }, grid);
                    if (major || decades <= 2.4) {
                      text(grid, L - 8, yy + 4, pct(v), { "text-anchor": "end", "font-size": major ? 12 : 11,
                        fill: major ? "#3c4454" : "#5d6678" });
                    }
                  });
                }
                if (exact) {
                  node("line", { x1: L, x2: L + plotW, y1: bottom - 10, y2: bottom - 10, stroke: "#d5d9e0", "stroke-dasharray": "2 3" }, grid);
                  text(grid, L - 8, bottom - 6, "exact", { "text-anchor": "end", "font-size": 12, fill: "#3c4454" });
                }
                node("line", { x1: L, x2: L + plotW, y1: bottom, y2: bottom, stroke: "#8a92a3" }, grid);
                node("line", { x1: L, x2: L, y1: top, y2: bottom, stroke: "#8a92a3" }, grid);

                if (nB) {
                  var step = niceStep(nB, Math.max(4, Math.floor(blockW / 38)));
                  for (var i = 0; i < nB; i += step) {
                    node("line", { x1: xb(i), x2: xb(i), y1: bottom, y2: bottom + 5, stroke: "#8a92a3" }, grid);
                    text(grid, xb(i), bottom + 18, String(i), { "text-anchor": "middle", "font-size": 12, fill: "#3c4454" });
                  }
                  text(svg, L + blockW / 2, H - 30, "block (layer) index", { "text-anchor": "middle", "font-size": 13, fill: "#1f2430",
                    "font-weight": 600, "class": "axis-title" });
                }
                if (nO) {
                  var sep = L + blockW + gap / 2;
                  if (nB) node("line", { x1: sep, x2: sep, y1: top, y2: bottom, stroke: "#b8bfcc", "stroke-dasharray": "4 4" }, grid);
                  text(svg, L + blockW + gap + otherW / 2, top - 8, "outside the blocks", { "text-anchor": "middle", "font-size": 12,
                    fill: "#5d6678", "font-style": "italic" });
                  outside.forEach(function (p, j) {
                    node("line", { x1: xo(j), x2: xo(j), y1: bottom, y2: bottom + 5, stroke: "#8a92a3" }, grid);
                    text(grid, xo(j), bottom + 18, p.kind.length > 16 ? p.kind.slice(0, 15) + "\\u2026" : p.kind,
                      { "text-anchor": "middle", "font-size": 11.5, fill: "#3c4454" });
                  });
                }
                var yt = text(svg, 0, 0, "relative error (log scale)", { "text-anchor": "middle", "font-size": 13, fill: "#1f2430",
                  "font-weight": 600, "class": "axis-title", transform: "translate(18 " + ((top + bottom) / 2) + ") rotate(-90)" });
                yt.removeAttribute("x");
                yt.removeAttribute("y");

                data.kinds.forEach(function (k) {
                  var mine = inBlocks.filter(function (p) { return p.kind === k.kind; }).sort(function (a, b) { return a.block - b.block; });
                  var out = outside.map(function (p, j) { return { p: p, j: j }; }).filter(function (o) { return o.p.kind === k.kind; });
                  if (!mine.length && !out.length) return;
                  var g = node("g", { "class": "series", "data-kind": k.kind }, svg);
                  (series[k.kind] = series[k.kind] || []).push(g);
                  if (mine.length > 1) {
                    node("polyline", { points: mine.map(function (p) { return xb(p.block).toFixed(1) + "," + y(p.rel).toFixed(1); }).join(" "),
                      fill: "none", stroke: k.colour, "stroke-width": 2, "stroke-linejoin": "round", opacity: 0.85 }, g);
                  }
                  mine.forEach(function (p) {
                    var c = node("circle", { cx: xb(p.block), cy: y(p.rel), r: nB > 40 ? 3 : 4, fill: k.colour, stroke: "#ffffff", "stroke-width": 1.2,
                      "class": "point" }, g);
                    tip(c, describe(p));
                  });
                  out.forEach(function (o) {
                    var c = node("circle", { cx: xo(o.j), cy: y(o.p.rel), r: 5.5, fill: k.colour, stroke: "#ffffff", "stroke-width": 1.2,
                      "class": "point" }, g);
                    tip(c, describe(o.p));
                  });
                });
              }

              function heatmap() {
                var host = document.getElementById("heatmap");
                var kinds = data.kinds.filter(function (k) { return inBlocks.some(function (p) { return p.kind === k.kind; }); });
                var nB = data.blocks;
                if (!kinds.length || !nB) {
                  var p = document.createElement("p");
                  p.className = "note";
                  p.textContent = "No re-encoded tensor belongs to a block.";
                  host.appendChild(p);
                  return;
                }
                var labelW = 16 + 7.2 * Math.max.apply(null, kinds.map(function (k) { return k.kind.length; }));
                var cw = Math.max(6, Math.min(nB < 8 ? 90 : nB <= 16 ? 64 : 46, Math.floor((1100 - labelW - 12) / nB))), ch = 24, top = 24;
                var W = Math.ceil(Math.max(labelW + cw * nB + 12, labelW + 560)), H = top + ch * kinds.length + 58;
                var svg = svgIn("heatmap", W, H, "relative error by tensor kind and block");
                svg.setAttribute("id", "error-heatmap");
                var step = niceStep(nB, Math.max(1, Math.floor(cw * nB / 28)));
                for (var i = 0; i < nB; i += step) {
                  text(svg, labelW + (i + 0.5) * cw, top - 8, String(i), { "text-anchor": "middle", "font-size": 11, fill: "#5d6678" });
                }
                kinds.forEach(function (k, r) {
                  var yy = top + r * ch;
                  text(svg, labelW - 8, yy + ch / 2 + 4, k.kind, { "text-anchor": "end", "font-size": 12, fill: "#1f2430" });
                  node("rect", { x: labelW, y: yy, width: cw * nB, height: ch - 1, fill: "#f3f4f7" }, svg);
                });
                var cells = node("g", { "class": "cells" }, svg);
                inBlocks.forEach(function (p) {
                  var r = kinds.findIndex(function (k) { return k.kind === p.kind; });
                  if (r < 0) return;
                  var x = labelW + p.block * cw, yy = top + r * ch;
                  var c = node("rect", { x: x, y: yy, width: Math.max(1, cw - 1), height: ch - 1, fill: p.heat, "class": "cell" }, cells);
                  tip(c, describe(p));
                  if (cw >= 36) {
                    text(cells, x + cw / 2, yy + ch / 2 + 3.5, p.type, { "text-anchor": "middle", "font-size": 9.5, fill: p.ink,
                      "pointer-events": "none" });
                  }
                });
                var gy = top + ch * kinds.length + 22, gw = 260;
                var defs = node("defs", {}, svg);
                var grad = node("linearGradient", { id: "heat-scale", x1: 0, x2: 1, y1: 0, y2: 0 }, defs);
                data.heat.forEach(function (c, i) { node("stop", { offset: (i / (data.heat.length - 1)).toFixed(3), "stop-color": c }, grad); });
                text(svg, labelW - 8, gy + 10, "relative error", { "text-anchor": "end", "font-size": 12, fill: "#1f2430" });
                node("rect", { x: labelW, y: gy, width: gw, height: 12, fill: "url(#heat-scale)", stroke: "#c9ced8" }, svg);
                text(svg, labelW, gy + 27, data.lo > 0 ? pct(data.lo) : "0", { "text-anchor": "start", "font-size": 11, fill: "#5d6678" });
                if (data.lo > 0 && data.hi > data.lo) {
                  text(svg, labelW + gw / 2, gy + 27, pct(Math.sqrt(data.lo * data.hi)), { "text-anchor": "middle", "font-size": 11, fill: "#5d6678" });
                }
                text(svg, labelW + gw, gy + 27, data.hi > 0 ? pct(data.hi) : "0", { "text-anchor": "end", "font-size": 11, fill: "#5d6678" });
                text(svg, labelW + gw + 14, gy + 10, "(log scale; hover a cell for the tensor)", { "font-size": 11, fill: "#5d6678" });
              }

              function sortable() {
                var table = document.getElementById("tensor-table");
                if (!table) return;
                var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
                function key(td) {
                  var v = td.getAttribute("data-v");
                  if (v !== null) return parseFloat(v);
                  var t = td.textContent;
                  var n = parseFloat(t);
                  return td.classList.contains("num") && !isNaN(n) ? n : t;
                }
                heads.forEach(function (th, col) {
                  th.addEventListener("click", function () {
                    var dir = th.getAttribute("data-dir") === "desc" ? "asc" : "desc";
                    heads.forEach(function (h) { h.removeAttribute("data-dir"); });
                    th.setAttribute("data-dir", dir);
                    var body = table.tBodies[0];
                    var rows = Array.prototype.slice.call(body.rows);
                    rows.sort(function (a, b) {
                      var x = key(a.cells[col]), z = key(b.cells[col]);
                      var c = typeof x === "number" && typeof z === "number" ? x - z : String(x).localeCompare(String(z));
                      return dir === "asc" ? c : -c;
                    });
                    rows.forEach(function (r) { body.appendChild(r); });
                  });
                });
              }

              if (pts.length) {
                legend();
                chart();
                heatmap();
              }
              sortable();
              document.body.setAttribute("data-rendered", String(pts.length));
            })();
            """;
}
