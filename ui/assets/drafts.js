// The question and SQL being written, per dataset, kept in sessionStorage: reloading the page (or coming back
// to a dataset) gives them back instead of an empty question and the starter query. sessionStorage is this
// tab's own and ends with it; where it is refused (a private mode, a full quota) drafts are simply not kept.

const PREFIX = "csv-ask:draft:";

function read(datasetId) {
  try {
    const draft = JSON.parse(sessionStorage.getItem(PREFIX + datasetId) || "null");
    return draft && typeof draft.question === "string" && typeof draft.sql === "string" ? draft : null;
  } catch {
    return null;
  }
}

/**
 * Keeps the drafts of the Ask panel: `snapshot()` says what to keep (`{question, sql, fromAnswer}`, where
 * `fromAnswer` is true while the editor holds an answer's SQL unedited). Saved as the person types and when the
 * page goes away; `save()` after the page itself changes the fields. `restore(id)` is the saved draft or null.
 */
export function keepDrafts({ getDataset, snapshot, fields }) {
  function save() {
    const dataset = getDataset();
    if (!dataset) return;
    try {
      sessionStorage.setItem(PREFIX + dataset.id, JSON.stringify(snapshot()));
    } catch {
      // Not kept: the page works as before, without drafts.
    }
  }
  for (const field of fields) field.addEventListener("input", save);
  window.addEventListener("pagehide", save);
  return { save, restore: read };
}
