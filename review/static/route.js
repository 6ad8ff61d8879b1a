// The route page: pin, reject, clear, exclude and restore, each a button (Tab + Enter).
"use strict";
const ROUTE = Number(document.getElementById("route").dataset.route);

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const {action, kind, sha} = button.dataset;
  let url = "/api/choices", body = {route_id: ROUTE, kind, action, sha256: sha};
  if (action === "reject") {
    const reason = prompt(`Why reject this ${kind}? (butt-shot, blurred, wrong route, ...)`);
    if (!reason) return;
    body.reason = reason;
  } else if (action === "exclude" || action === "restore") {
    const reason = action === "exclude" ?
      prompt("Why exclude this photo? (takedown request, wrong licence, private person)") : "";
    if (action === "exclude" && !reason) return;
    url = "/api/exclusions";
    body = {sha256s: [sha], action, reason};
  }
  button.disabled = true;
  try {
    await post(url, body);
    say("saved", "ok");
    location.reload();
  } catch (err) {
    button.disabled = false;
  }
});
