/* Small hand-written SVG bar charts (no library): grouped bars with axis labels and a legend.
   Labels are set with textContent; each chart has role="img" and an aria-label. */
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const COLORS = ["#1f5fa8", "#b34d00", "#2e7d32", "#6a1b9a"];
  function svg(tag, attrs, text) {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = String(text);
    return n;
  }
  /* labels: x categories; series: [{name, values}]; opts: {label, max, suffix} */
  HD.barChart = function (figure, labels, series, opts) {
    const o = opts || {};
    const W = Math.max(640, labels.length * (series.length * 14 + 16) + 60), H = 280;
    const left = 44, bottom = 48, top = 12, plotH = H - top - bottom, plotW = W - left - 10;
    const maxV = o.max || Math.max(1, ...series.flatMap((s) => s.values.map((v) => v || 0)));
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": o.label || "" });
    root.append(svg("title", {}, o.label || ""));
    for (let i = 0; i <= 4; i++) {
      const v = (maxV * i) / 4, y = top + plotH - (plotH * i) / 4;
      root.append(svg("line", { x1: left, x2: W - 10, y1: y, y2: y, stroke: "#d0d0d0" }));
      root.append(svg("text", { x: left - 6, y: y + 4, "text-anchor": "end", "font-size": 11, fill: "#333" },
        Number.isInteger(v) ? v : v.toFixed(1)));
    }
    const group = plotW / Math.max(1, labels.length), bw = Math.min(24, (group - 8) / series.length);
    labels.forEach((label, i) => {
      const x0 = left + i * group + (group - bw * series.length) / 2;
      series.forEach((s, j) => {
        const v = s.values[i] || 0, h = (plotH * v) / maxV;
        const r = svg("rect", { x: x0 + j * bw, y: top + plotH - h, width: bw - 2, height: h, fill: COLORS[j % 4] });
        r.append(svg("title", {}, `${label} · ${s.name}: ${v}${o.suffix || ""}`));
        root.append(r);
      });
      if (labels.length <= 16 || i % Math.ceil(labels.length / 16) === 0) {
        root.append(svg("text", { x: left + i * group + group / 2, y: H - bottom + 16, "text-anchor": "middle",
          "font-size": 12, fill: "#333" }, label));
      }
    });
    const legend = document.createElement("figcaption");
    series.forEach((s, j) => {
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = COLORS[j % 4];
      const item = document.createElement("span");
      item.className = "legend-item";
      item.append(sw, document.createTextNode(s.name));
      legend.append(item);
    });
    figure.replaceChildren(root, legend);
  };
})();
