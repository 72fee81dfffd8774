// Entry point: wires the panels together, the tabs, the LLM status and the URL (`#/datasets/<id>`, then
// `/ask` or `/history` for those tabs, so a reload or a shared link opens the tab it was on).

import { createAsk } from "./ask.js";
import { createCalculator } from "./calculator.js";
import { createDatasets } from "./datasets.js";
import { $ } from "./dom.js";
import { createHistory } from "./history.js";
import { describeReadiness } from "./readiness.js";

const TABS = ["data", "ask", "history"];
let shownId = null;
let shownTab = "data";

/** The URL names the dataset shown and its tab (Data, the first, goes unsaid). Replaced, not pushed. */
function writeHash() {
  const tab = shownTab === "data" ? "" : `/${shownTab}`;
  window.history.replaceState(null, "", shownId ? `#/datasets/${encodeURIComponent(shownId)}${tab}` : "#");
}

function selectTab(name, { focus = false } = {}) {
  shownTab = name;
  if (shownId) writeHash();
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
}

function wireTabs(onChange) {
  TABS.forEach((name, index) => {
    const button = $(`tab-${name}`);
    button.addEventListener("click", () => {
      selectTab(name);
      onChange(name);
    });
    // The WAI-ARIA tabs pattern: arrows move between tabs, Home/End jump to the ends.
    button.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: TABS.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      const next = TABS[(moves[event.key] + TABS.length) % TABS.length];
      selectTab(next, { focus: true });
      onChange(next);
    });
  });
}

/** `{id, tab}` from `#/datasets/<id>[/<tab>]`; an unknown tab reads as Data. */
function routeFromHash() {
  const match = /^#\/datasets\/([^/]+)(?:\/([a-z]+))?/.exec(location.hash);
  if (!match) return { id: null, tab: "data" };
  return { id: decodeURIComponent(match[1]), tab: TABS.includes(match[2]) ? match[2] : "data" };
}

async function checkReadiness(ask) {
  const pill = $("llm-status");
  let status = 0;
  let body = null;
  try {
    const response = await fetch("/readyz", { headers: { accept: "application/json" } });
    status = response.status;
    body = await response.json().catch(() => null);
  } catch {
    status = 0;
  }
  const state = describeReadiness(status, body);
  pill.dataset.state = state.state;
  pill.querySelector(".pill-text").textContent = state.label;
  pill.title = [state.title, state.message].filter(Boolean).join(" ") || state.label;
  // Only a known problem disables asking; when readiness is unknown the server's answer will tell.
  if (state.state === "off" || state.state === "down") ask.setLlm({ ready: false, title: state.title, message: state.message });
  else ask.setLlm({ ready: true });
  return state;
}

async function main() {
  const history = createHistory({
    onOpen: async (record) => {
      // Asked on the History tab, so Cancel leaves everything as it was.
      if (!(await ask.mayReplaceSql(record))) return;
      selectTab("ask");
      ask.openRecord(record);
    },
  });
  const ask = createAsk({
    getDataset: () => datasets.current,
    onAnalysisDone: () => history.load(),
    onRecheck: () => checkReadiness(ask),
  });
  const datasets = createDatasets({
    onSelect: (dataset) => {
      shownId = dataset.id;
      selectTab("data");
      ask.reset(dataset);
      history.load(dataset.id);
    },
    onCleared: () => {
      shownId = null;
      writeHash();
      ask.reset(null);
      history.clear();
    },
  });
  createCalculator();
  wireTabs((name) => {
    if (name === "history") history.load();
  });

  // Tests and people can tell when the first load is over.
  document.body.dataset.ready = "false";
  const [list] = await Promise.all([datasets.refresh(), checkReadiness(ask)]);
  const wanted = routeFromHash();
  const initial = list.find((d) => d.id === wanted.id) || list[0];
  if (initial) await datasets.select(initial.id);
  // The tab named in the URL belongs to that dataset (whose history select() loaded); another one opens on Data.
  selectTab(initial && initial.id === wanted.id ? wanted.tab : "data");
  document.body.dataset.ready = "true";

  window.addEventListener("hashchange", async () => {
    const { id, tab } = routeFromHash();
    if (!id) return;
    if (id === datasets.current?.id) {
      if (tab === shownTab) return;
      selectTab(tab);
      if (tab === "history") history.load();
      return;
    }
    // An unknown id: the sidebar says so, and the URL goes back to naming the dataset (and tab) still on screen.
    if (await datasets.select(id)) selectTab(tab);
    else writeHash();
  });
}

main();
