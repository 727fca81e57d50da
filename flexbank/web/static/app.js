// Bury Flex: progressive enhancement only. Every action is a plain form without it.
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();

// Live progress of an allocation run: poll the job's JSON and update the page.
const progress = document.querySelector("[data-run-progress]");
if (progress) {
  const url = progress.getAttribute("data-run-progress");
  const status = progress.querySelector("[data-status]");
  const elapsed = progress.querySelector("[data-elapsed]");
  const rows = progress.querySelector("[data-events]");
  const tick = async () => {
    let job;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      job = await response.json();
    } catch (e) {
      setTimeout(tick, 2000);
      return;
    }
    if (status) status.textContent = job.status_text;
    if (elapsed) elapsed.textContent = job.elapsed_text;
    if (rows && job.events) {
      rows.replaceChildren(
        ...job.events.map((ev) => {
          const tr = document.createElement("tr");
          tr.className = "govuk-table__row";
          for (const value of [ev.stage, ev.objective, ev.bound, ev.gap, ev.elapsed]) {
            const td = document.createElement("td");
            td.className = "govuk-table__cell";
            td.textContent = value;
            tr.append(td);
          }
          return tr;
        }),
      );
    }
    if (job.done && job.location) {
      window.location.assign(job.location);
      return;
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 500);
}
