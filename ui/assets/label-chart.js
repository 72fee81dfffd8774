// A result column drawn against another column's values as x labels (city, category, month), in the
// browser. `/chart` only takes values and draws them against their position (0, 1, 2, ...), so a chart
// redrawn from History, or from "Chart a result column", could not be read: which bar is which city? The
// server draws the model's chart with its labels; this draws the same kind of chart here, as an SVG.

const WIDTH = 880;
const HEIGHT = 420;
const MARGIN = { top: 44, right: 24, bottom: 96, left: 76 };
const SERIES = "#2563eb";
const INK = "#334155";
const GRID = "#e2e8f0";
/** Past this many labels, only every n-th one is written, so they do not overlap. */
const MAX_LABELS = 40;
const LABEL_CHARS = 18;
const NS = "http://www.w3.org/2000/svg";

function node(tag, attrs = {}, text = null) {
  const n = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) n.setAttribute(key, String(value));
  if (text !== null) n.textContent = text;
  return n;
}

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten. */
function ticks(lo, hi, wanted = 5) {
  // A range within float noise of its values (0.1 + 0.2 against 0.3) is flat: a step below the gap between
  // neighbouring doubles would never move `v` on, and the page would hang.
  const flat = hi - lo <= 1e-9 * Math.max(Math.abs(lo), Math.abs(hi));
  const span = (flat ? 0 : hi - lo) || Math.abs(hi) || 1;
  if (flat) [lo, hi] = [lo - span / 2, hi + span / 2];
  const raw = span / wanted;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || 10 * power;
  const out = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9 && out.length < 50; v += step) {
    if (v + step === v) break;
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

function shortNumber(v) {
  const abs = Math.abs(v);
  if (abs >= 1e9) return `${Number((v / 1e9).toPrecision(3))}G`;
  if (abs >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(6)));
}

function cut(text) {
  return text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text;
}

/**
 * Draws `values` (numbers) at the category `labels` (strings, one per value) as a `kind` chart ("bar",
 * "line" or "scatter"). Returns a `data:image/svg+xml` URL for an <img> (the page's CSP allows data: images).
 * Every text goes in as a text node, so labels from the data cannot become markup.
 */
export function labelledChartUrl({ labels, values, kind, title, xLabel, yLabel }) {
  const svg = node("svg", { xmlns: NS, width: WIDTH, height: HEIGHT, viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    "font-family": "system-ui, sans-serif", "font-size": 12, fill: INK });
  svg.append(node("rect", { width: WIDTH, height: HEIGHT, fill: "#ffffff" }));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  // Bars grow from zero, so zero is always on the axis; lines and points use the data's own range.
  const lo = values.reduce((m, v) => Math.min(m, v), kind === "bar" ? 0 : Infinity);
  const hi = values.reduce((m, v) => Math.max(m, v), kind === "bar" ? 0 : -Infinity);
  const marks = ticks(lo, hi);
  const yMin = Math.min(lo, marks[0]);
  const yMax = Math.max(hi, marks[marks.length - 1]);
  const y = (v) => MARGIN.top + plotH - ((v - yMin) / (yMax - yMin || 1)) * plotH;
  const slot = plotW / values.length;
  const x = (i) => MARGIN.left + slot * (i + 0.5);

  if (title) svg.append(node("text", { x: WIDTH / 2, y: 24, "text-anchor": "middle", "font-size": 16, "font-weight": 600 }, title));
  for (const v of marks) {
    svg.append(node("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(v), y2: y(v), stroke: GRID }));
    svg.append(node("text", { class: "y-tick", x: MARGIN.left - 8, y: y(v) + 4, "text-anchor": "end" }, shortNumber(v)));
  }
  svg.append(node("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(Math.max(yMin, Math.min(0, yMax))),
    y2: y(Math.max(yMin, Math.min(0, yMax))), stroke: INK }));

  if (kind === "bar") {
    const width = Math.max(1, slot * 0.7);
    values.forEach((v, i) => {
      const top = y(Math.max(v, 0));
      const height = Math.max(Math.abs(y(v) - y(0)), 0.5);
      svg.append(node("rect", { x: x(i) - width / 2, y: top, width, height, fill: SERIES }));
    });
  } else {
    if (kind === "line") {
      svg.append(node("polyline", { points: values.map((v, i) => `${x(i)},${y(v)}`).join(" "), fill: "none", stroke: SERIES, "stroke-width": 2 }));
    }
    values.forEach((v, i) => svg.append(node("circle", { cx: x(i), cy: y(v), r: kind === "line" ? 2.5 : 4, fill: SERIES })));
  }

  const every = Math.ceil(labels.length / MAX_LABELS);
  const slanted = labels.length > 8 || labels.some((l) => l.length > 8);
  labels.forEach((label, i) => {
    if (i % every !== 0) return;
    const at = { x: x(i), y: MARGIN.top + plotH + 16 };
    const text = node("text", { class: "x-label", x: at.x, y: at.y, "text-anchor": slanted ? "end" : "middle" }, cut(label));
    if (slanted) text.setAttribute("transform", `rotate(-35 ${at.x} ${at.y})`);
    if (label.length > LABEL_CHARS) text.append(node("title", {}, label));
    svg.append(text);
  });
  if (xLabel) svg.append(node("text", { x: MARGIN.left + plotW / 2, y: HEIGHT - 8, "text-anchor": "middle", "font-weight": 600 }, xLabel));
  if (yLabel) {
    svg.append(node("text", { x: 16, y: MARGIN.top + plotH / 2, "text-anchor": "middle", "font-weight": 600,
      transform: `rotate(-90 16 ${MARGIN.top + plotH / 2})` }, yLabel));
  }
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`;
}
