// The News page's two line charts, drawn as SVG from the page's JSON endpoints.
// No library and no CDN: the machines that serve Airflow have no internet.
// Data: {dates: [...], series: [{source, values: [n | null]}], metric}; null = no partition.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
// Okabe-Ito: distinguishable with the common colour-vision deficiencies.
const COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
const MARGIN = { left: 64, right: 170, top: 18, bottom: 58 };
// Series that coincide must all stay visible: earlier ones are drawn wider, later ones on top.
const WIDTHS = [6, 3.5, 1.75, 1];

function el(name, attrs, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceStep(max, ticks) {
  const raw = Math.max(max, 1) / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return Math.max(1, step);
}

function lineChart(svg, data, yTitle) {
  svg.replaceChildren();
  const { width, height } = svg.viewBox.baseVal;
  const box = { width, height, ...MARGIN };
  const plotW = box.width - box.left - box.right;
  const plotH = box.height - box.top - box.bottom;
  const values = data.series.flatMap((s) => s.values).filter((v) => v !== null);
  if (data.dates.length === 0 || values.length === 0) {
    svg.append(el("text", { x: box.width / 2, y: box.height / 2, "text-anchor": "middle",
                            class: "no-data" }, "No data to chart yet"));
    return;
  }
  const step = niceStep(Math.max(...values), 5);
  const yMax = step * Math.ceil(Math.max(...values, 1) / step);
  const n = data.dates.length;
  const x = (i) => box.left + (n === 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const y = (v) => box.top + plotH - (v / yMax) * plotH;

  const axes = el("g", { class: "axes" });
  for (let v = 0; v <= yMax; v += step) {
    axes.append(el("line", { class: "grid-line", x1: box.left, x2: box.left + plotW, y1: y(v), y2: y(v) }));
    axes.append(el("text", { class: "y-tick", x: box.left - 8, y: y(v) + 4, "text-anchor": "end" }, v));
  }
  const every = Math.ceil(n / 12);
  data.dates.forEach((date, i) => {
    if (i % every === 0 || i === n - 1) {
      axes.append(el("text", { class: "x-tick", x: x(i), y: box.top + plotH + 18, "text-anchor": "middle" }, date));
    }
  });
  axes.append(el("line", { class: "axis", x1: box.left, x2: box.left + plotW, y1: y(0), y2: y(0) }));
  axes.append(el("line", { class: "axis", x1: box.left, x2: box.left, y1: box.top, y2: box.top + plotH }));
  axes.append(el("text", { class: "axis-title", x: box.left + plotW / 2, y: box.height - 12,
                           "text-anchor": "middle" }, "partition date"));
  axes.append(el("text", { class: "axis-title", "text-anchor": "middle",
                           transform: `translate(16 ${box.top + plotH / 2}) rotate(-90)` }, yTitle));
  svg.append(axes);

  const legend = el("g", { class: "legend" });
  data.series.forEach((series, k) => {
    const colour = COLOURS[k % COLOURS.length];
    const stroke = WIDTHS[Math.min(k, WIDTHS.length - 1)];
    let d = "";
    let pen = "M";
    const group = el("g", { class: "series-group", "data-source": series.source });
    series.values.forEach((v, i) => {
      if (v === null) { pen = "M"; return; }
      d += `${pen}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
      pen = "L";
      const point = el("circle", { class: "point", cx: x(i), cy: y(v), r: stroke / 2 + 2.5, fill: colour });
      point.append(el("title", {}, `${series.source} · ${data.dates[i]}: ${v} ${data.metric}`));
      group.append(point);
    });
    group.prepend(el("path", { class: "series", d: d.trim(), fill: "none", stroke: colour,
                               "stroke-width": stroke, "data-source": series.source }));
    svg.append(group);
    const ly = box.top + 8 + k * 20;
    legend.append(el("rect", { x: box.left + plotW + 20, y: ly - 4 - stroke / 2, width: 16, height: stroke, fill: colour }));
    legend.append(el("text", { x: box.left + plotW + 40, y: ly, class: "legend-label" }, series.source));
  });
  svg.append(legend);
}

async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

async function showEntity(name) {
  const title = document.getElementById("entity-title");
  const chart = document.getElementById("entity-chart");
  const data = await getJSON(`api/entities?name=${encodeURIComponent(name)}`);
  title.textContent = `Mentions per day of “${data.name}” (${data.total} in all)`;
  lineChart(chart, data, "mentions");
}

function chooseEntity(name) {
  const select = document.getElementById("entity-select");
  if (![...select.options].some((o) => o.value === name)) select.add(new Option(name, name), 0);
  select.value = name;
  const url = new URL(window.location.href);
  url.searchParams.set("entity", name);
  window.history.replaceState(null, "", url);
  return showEntity(name);
}

function fail(svg, error) {
  svg.replaceChildren(el("text", { x: 20, y: 30, class: "chart-error" }, `Could not load: ${error.message}`));
}

document.addEventListener("DOMContentLoaded", () => {
  const volume = document.getElementById("volume-chart");
  const entityChart = document.getElementById("entity-chart");
  const select = document.getElementById("entity-select");
  getJSON("api/volume").then((data) => lineChart(volume, data, "articles"), (e) => fail(volume, e));
  select.addEventListener("change", () => chooseEntity(select.value).catch((e) => fail(entityChart, e)));
  for (const link of document.querySelectorAll("a.entity-link")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      chooseEntity(link.dataset.entity).catch((e) => fail(entityChart, e));
    });
  }
  if (select.value) showEntity(select.value).catch((e) => fail(entityChart, e));
  else lineChart(entityChart, { dates: [], series: [] }, "mentions");
});
