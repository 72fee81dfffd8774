// Datasets: uploading (drag-and-drop or picker, byte progress), the list, and the selected dataset's schema,
// preview and quick chart.

import { ApiError, api, onDatasetGone, uploadDataset } from "./api.js";
import { chartDatasetColumn, numericColumns } from "./charts.js";
import { $, appendError, confirmDialog, el, focusLost, formatBytes, formatCount, plural, relativeTime, setBusyButton, showError, toast } from "./dom.js";
import { latest } from "./latest.js";
import { renderSchema, renderTable } from "./table.js";

const PREVIEW_ROWS = 100;
const DELIMITER_NAMES = { ",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe" };

export function createDatasets({ onSelect, onCleared }) {
  let datasets = [];
  let current = null;
  let uploading = null;
  let busy = false;
  let keyboardFocus = false;
  // The quick chart being drawn (see latest.js): selecting a dataset drops it, so a late chart of the old
  // dataset is not drawn in the new one's Data tab.
  const quick = latest();

  // ---- upload ----
  const dropzone = $("dropzone");
  const fileInput = $("file-input");

  async function uploadFiles(files) {
    // The progress box and Cancel describe one upload: a second one started meanwhile (the file input reached
    // from the keyboard, a drop) would take them over and leave the first running unseen and uncancellable.
    if (busy) return;
    setBusy(true);
    try {
      showError($("upload-error"), null);
      // Read once: every file of one drop is read the way the form said when it was dropped.
      const dateOrder = $("date-order").value;
      const monthNames = $("month-names").value;
      for (const [index, file] of files.entries()) {
        // One at a time: the progress bar describes one file, and the server parses them one by one anyway.
        // A file that fails is reported and the next one still goes: they are independent.
        const outcome = await uploadOne(file, { dateOrder, monthNames });
        if (outcome === "cancelled") {
          const left = files.length - index - 1;
          // Cancel means stop: the files after it are not sent either, and the message says so.
          toast(`Cancelled “${file.name}”: nothing was stored${left ? `; ${left} more ${left === 1 ? "file was" : "files were"} not sent` : ""}.`);
          return;
        }
      }
    } finally {
      setBusy(false);
    }
  }

  /** While files upload, the dropzone takes no pointer and the file input no keyboard: one upload at a time. */
  function setBusy(value) {
    // A disabled input loses focus to the page: a keyboard user is led to Cancel meanwhile, then back here.
    if (value) keyboardFocus = document.activeElement === fileInput;
    busy = value;
    dropzone.classList.toggle("busy", value);
    fileInput.disabled = value;
    if (!value) {
      fileInput.value = "";
      if (keyboardFocus && focusLost()) fileInput.focus();
    }
  }

  /** Uploads one file; resolves to "stored", "failed" (the error is added to the upload box) or "cancelled". */
  async function uploadOne(file, reading) {
    const bar = $("upload-bar");
    $("upload-name").textContent = file.name;
    $("upload-text").textContent = `0 of ${formatBytes(file.size)}`;
    bar.value = 0;
    $("upload-progress").hidden = false;
    if (keyboardFocus && focusLost()) $("upload-cancel").focus();
    uploading = uploadDataset(file, ({ loaded, total, done }) => {
      if (done) {
        bar.removeAttribute("value"); // indeterminate: the server is reading the CSV now
        $("upload-text").textContent = `Sent ${formatBytes(total)} · reading the CSV and storing it…`;
        return;
      }
      const share = total ? Math.min(100, (loaded / total) * 100) : 0;
      bar.value = share;
      $("upload-text").textContent = `${formatBytes(loaded)} of ${formatBytes(total)} · ${share.toFixed(0)}%`;
    }, reading);
    try {
      const dataset = await uploading.promise;
      toast(`Uploaded “${dataset.name}”: ${plural(dataset.row_count, "row")}, ${plural(dataset.columns.length, "column")}`, "success");
      await refresh();
      await select(dataset.id);
      return "stored";
    } catch (error) {
      if (error.name === "AbortError") return "cancelled";
      appendError($("upload-error"), error, { title: `“${file.name}” was not stored` });
      return "failed";
    } finally {
      uploading = null;
      $("upload-progress").hidden = true;
    }
  }

  fileInput.addEventListener("change", () => uploadFiles([...fileInput.files]));
  $("upload-cancel").addEventListener("click", () => uploading && uploading.abort());
  for (const type of ["dragenter", "dragover"]) {
    dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      dropzone.classList.add("dragging");
    });
  }
  for (const type of ["dragleave", "dragend"]) dropzone.addEventListener(type, () => dropzone.classList.remove("dragging"));
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    dropzone.classList.remove("dragging");
    const files = [...(event.dataTransfer?.files || [])];
    if (files.length) uploadFiles(files);
  });
  // A file dropped anywhere else must not navigate away from the page.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());

  // ---- list ----
  function renderList() {
    const list = $("dataset-list");
    // The buttons are drawn anew: the one with the focus hands it to its successor, not to the page.
    const focusedId = list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
    list.replaceChildren(...datasets.map((d) => el("li", {},
      el("button", {
        type: "button",
        class: d.id === current?.id ? "dataset-item active" : "dataset-item",
        "aria-current": d.id === current?.id ? "true" : undefined,
        dataset: { id: d.id },
        onclick: () => choose(d.id),
      },
      el("span", { class: "dataset-name", title: d.name }, d.name),
      el("span", { class: "dataset-sub" }, `${plural(d.row_count, "row")} · ${plural(d.columns.length, "col")} · ${formatBytes(d.source_bytes)}`)))));
    $("datasets-empty").hidden = datasets.length > 0;
    $("dataset-count").textContent = datasets.length ? String(datasets.length) : "";
    if (focusedId) list.querySelector(`[data-id="${CSS.escape(focusedId)}"]`)?.focus();
  }

  /**
   * A dataset chosen in the list. On a narrow screen the list is below the dataset, which changes out of sight:
   * its name is focused, which brings it into view (and a screen reader says it).
   */
  async function choose(id) {
    if (!(await select(id))) return;
    const name = $("ds-name").getBoundingClientRect();
    const bar = document.querySelector(".topbar").getBoundingClientRect();
    if (name.top < bar.bottom || name.bottom > window.innerHeight) $("ds-name").focus();
  }

  async function refresh() {
    try {
      const list = await api("/datasets");
      datasets = list.datasets || [];
      showError($("datasets-error"), null);
    } catch (error) {
      showError($("datasets-error"), error);
    }
    renderList();
    return datasets;
  }

  // ---- the selected dataset ----
  async function select(id) {
    let dataset;
    try {
      dataset = await api(`/datasets/${encodeURIComponent(id)}`);
    } catch (error) {
      showError($("datasets-error"), error);
      return null;
    }
    current = dataset;
    // An error about an earlier dataset (a bad link, one deleted elsewhere) no longer applies.
    showError($("datasets-error"), null);
    renderList();
    renderOverview(dataset);
    onSelect(dataset);
    loadPreview(dataset);
    return dataset;
  }

  function renderOverview(d) {
    $("welcome").hidden = true;
    $("dataset-view").hidden = false;
    $("ds-name").textContent = d.name;
    const meta = [
      plural(d.row_count, "row"),
      plural(d.columns.length, "column"),
      `${formatBytes(d.source_bytes)} CSV → ${formatBytes(d.stored_bytes)} Parquet`,
      `${d.encoding}, ${DELIMITER_NAMES[d.delimiter] || `“${d.delimiter}”`}-separated`,
      `table ${d.table_name}`,
    ];
    $("ds-meta").replaceChildren(meta.join(" · "), " · ", el("time", { datetime: d.created_at, title: d.created_at }, `uploaded ${relativeTime(d.created_at)}`));
    const notes = $("ds-notes");
    notes.replaceChildren(...(d.notes || []).map((n) => el("li", {}, n)));
    notes.hidden = !(d.notes && d.notes.length);
    renderSchema($("schema-table"), d, (column) => {
      $("quick-column").value = column;
      drawQuick();
    });
    const numeric = numericColumns(d.columns);
    $("quick-column").replaceChildren(...numeric.map((c) => el("option", { value: c.name }, c.name)));
    $("quick-form").hidden = numeric.length === 0;
    $("quick-none").hidden = numeric.length > 0;
    $("quick-figure").hidden = true;
    showError($("quick-error"), null);
    quick.drop();
    setDrawing(false);
  }

  function setDrawing(busy) {
    setBusyButton($("quick-draw"), busy);
    $("quick-draw").classList.toggle("loading", busy);
  }

  async function loadPreview(d) {
    const box = $("preview-table");
    box.replaceChildren(el("p", { class: "muted small loading" }, "Loading the first rows…"));
    try {
      const preview = await api(`/datasets/${encodeURIComponent(d.id)}/preview?limit=${PREVIEW_ROWS}`);
      if (current?.id !== d.id) return;
      renderTable(box, preview, { rowNumbers: true, pageSize: 25, label: `First rows of ${d.name}`, source: "rows in the dataset" });
      showError($("preview-error"), null);
    } catch (error) {
      if (current?.id !== d.id) return;
      box.replaceChildren();
      showError($("preview-error"), error);
    }
  }

  async function drawQuick() {
    if (!current) return;
    const column = $("quick-column").value;
    const kind = $("quick-kind").value;
    const request = quick.start();
    setDrawing(true);
    showError($("quick-error"), null);
    try {
      const { chart, caption } = await chartDatasetColumn(current, column, kind, request.signal);
      if (request.stale()) return;
      const image = $("quick-image");
      image.src = chart.image;
      image.alt = `${kind} chart of ${column}`;
      $("quick-caption").textContent = caption;
      $("quick-figure").hidden = false;
    } catch (error) {
      if (!request.stale()) showError($("quick-error"), error);
    } finally {
      if (!request.stale()) {
        request.finish();
        setDrawing(false);
      }
    }
  }
  $("quick-form").addEventListener("submit", (event) => {
    event.preventDefault();
    drawQuick();
  });

  $("ds-delete").addEventListener("click", async () => {
    if (!current) return;
    const d = current;
    const ok = await confirmDialog({
      title: `Delete “${d.name}”?`,
      text: `${d.row_count === 1 ? "Its 1 row is" : `Its ${formatCount(d.row_count)} rows are`} removed from the server. This cannot be undone.`,
    });
    if (!ok) return;
    try {
      await api(`/datasets/${encodeURIComponent(d.id)}`, { method: "DELETE" });
    } catch (error) {
      // Already gone: the dataset-gone handler below says so and moves on.
      if (error.code !== "dataset_not_found") showError($("datasets-error"), error);
      return;
    }
    toast(`Deleted “${d.name}”`, "success");
    current = null;
    await refresh();
    await showFirst();
    // The Delete button now belongs to the next dataset: one more Enter would delete it. Focus its name.
    (current ? $("ds-name") : $("welcome-title")).focus();
  });

  /** After the current dataset went away: the first one left, or the welcome card when none is. */
  async function showFirst() {
    if (datasets.length && (await select(datasets[0].id))) return;
    current = null;
    renderList();
    $("dataset-view").hidden = true;
    $("welcome").hidden = false;
    onCleared();
  }

  // Deleted elsewhere (another tab, the API), and found out by any action: refresh the list and, if it was the
  // one on screen, leave it. A bad `#/datasets/<id>` was never listed nor shown: select()'s error covers it.
  let leaving = null;
  onDatasetGone((id) => {
    const gone = datasets.find((d) => d.id === id) || (current?.id === id ? current : null);
    if (!gone || leaving) return;
    const wasCurrent = current?.id === id;
    if (wasCurrent) current = null;
    leaving = (async () => {
      await refresh();
      if (wasCurrent) await showFirst();
      showError($("datasets-error"), new ApiError({
        code: "dataset_not_found",
        message: `“${gone.name}” no longer exists: it was deleted elsewhere (another tab or the API).`,
      }));
    })().finally(() => (leaving = null));
  });

  return {
    refresh,
    select,
    get current() {
      return current;
    },
    get list() {
      return datasets;
    },
  };
}
