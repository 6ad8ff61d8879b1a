// The model page: the Retrain button and its output, streamed as server-sent events.
"use strict";
const log = document.getElementById("retrain-log");

function follow() {
  log.hidden = false;
  const events = new EventSource("/api/retrain/events");
  events.onmessage = (event) => {
    log.textContent += JSON.parse(event.data) + "\n";
    log.scrollTop = log.scrollHeight;
  };
  events.addEventListener("done", (event) => {
    events.close();
    const outcome = JSON.parse(event.data);
    log.dataset.outcome = outcome;
    say(`retrain ${outcome}`, outcome === "finished" ? "ok" : "error");
  });
}

document.getElementById("retrain").addEventListener("click", async () => {
  log.textContent = "";
  delete log.dataset.outcome;
  try {
    await post("/api/retrain", {});
  } catch (err) {
    say("a retrain is already running; following it", "busy");
  }
  follow();
});
