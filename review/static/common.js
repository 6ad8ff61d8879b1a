// Shared by every page: the session token, the settings, and posting with retries.
"use strict";
const TOKEN = document.querySelector('meta[name="review-token"]').content;
const SETTINGS = JSON.parse(document.body.dataset.settings);

function say(text, kind) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.className = kind || "";
}

// POST JSON; while another process holds the catalog the server answers 503 "busy"
// and this tries again, so nothing is lost. Resolves only once the server committed.
async function post(url, body) {
  for (;;) {
    let answer;
    try {
      answer = await fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-Review-Token": TOKEN},
        body: JSON.stringify(body),
      });
    } catch (err) {
      say("the app does not answer; trying again", "busy");
      await wait(SETTINGS.busy_retry * 1000);
      continue;
    }
    const data = await answer.json().catch(() => ({}));
    if (answer.status === 503) {
      say(data.busy || "busy; trying again", "busy");
      await wait(SETTINGS.busy_retry * 1000);
      continue;
    }
    if (!answer.ok) {
      say(data.error || `refused (${answer.status})`, "error");
      throw new Error(data.error || String(answer.status));
    }
    return data;
  }
}

async function getJSON(url) {
  for (;;) {
    const answer = await fetch(url, {credentials: "same-origin"}).catch(() => null);
    if (answer && answer.ok) return answer.json();
    const data = answer ? await answer.json().catch(() => ({})) : {};
    say(data.busy || data.error || "the app does not answer; trying again", "busy");
    await wait(SETTINGS.busy_retry * 1000);
  }
}

function wait(ms) { return new Promise(resolve => setTimeout(resolve, ms)); }
