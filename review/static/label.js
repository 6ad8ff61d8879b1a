// The label queue: one photo (or a grid page) at a time, one key per label.
// Labels are sent in the background and the next photo shows at once (it was
// preloaded); a label counts as saved only when the server says it committed.
"use strict";
const KEYS = {"1": "glory", "2": "butt", "3": "topo", "0": "other"};
const items = [];          // photos fetched so far, in queue order
const skipped = new Set(); // left for later in this session
const undoStack = [];      // label actions, newest last: {items, label, saving}
let pos = 0, grid = false, cursor = 0, filling = null, exhausted = false;
let saved = 0, waiting = 0, pressedAt = null, refused = 0, refusedWhy = "";
const preloaded = new Map();
window.reviewLatencies = [];   // keypress -> next photo decoded on screen, in ms
window.reviewSaved = [];       // photos whose label the server committed, in order

const $ = (id) => document.getElementById(id);
const photoUrl = (sha) => `/photos/${sha}`;

async function refill() {
  if (filling || exhausted) return filling;
  const leaveOut = [...skipped, ...items.filter(i => !i.saved).map(i => i.sha256)];
  filling = post("/api/queue", {limit: SETTINGS.batch, leave_out: leaveOut}).then(data => {
    const known = new Set(items.map(i => i.sha256));
    const fresh = data.photos.filter(p => !known.has(p.sha256));
    if (!fresh.length) exhausted = true;
    items.push(...fresh);
    filling = null;
  });
  return filling;
}

function preload(from) {
  const ahead = grid ? SETTINGS.grid_size * 2 : SETTINGS.preload;
  for (const item of items.slice(from, from + ahead)) {
    if (preloaded.has(item.sha256)) continue;
    const image = new Image();
    image.src = photoUrl(item.sha256);
    image.decode().catch(() => {});
    preloaded.set(item.sha256, image);
  }
  if (preloaded.size > 400) {   // keep memory flat over a long session
    for (const sha of [...preloaded.keys()].slice(0, 200)) preloaded.delete(sha);
  }
}

function describe(item) {
  const where = [item.area, item.route].filter(Boolean).join(" › ");
  const lines = [where, item.caption, item.credit && `by ${item.credit}`,
                 item.licence && `licence ${item.licence}`];
  return lines.filter(Boolean);
}

function renderAbout(item) {
  const about = $("about");
  about.replaceChildren(...describe(item).map(text => {
    const line = document.createElement("div");
    line.textContent = text;
    return line;
  }));
  if (item.page_url && /^https?:\/\//i.test(item.page_url)) {
    const link = document.createElement("a");
    link.href = item.page_url;
    link.rel = "noopener nofollow";
    link.textContent = "source page";
    about.append(link);
  }
  const model = $("model-view");
  const probs = Object.entries(item.probabilities || {}).sort((a, b) => b[1] - a[1]);
  model.replaceChildren();
  const head = document.createElement("p");
  head.className = `class ${item.predicted_class || ""}`;
  head.textContent = item.status === "tagged" ?
    `model: ${item.predicted_class} ${Number(item.confidence).toFixed(2)}` : "not tagged yet";
  model.append(head);
  for (const [name, p] of probs) {
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.textContent = `${name} ${p.toFixed(2)}`;
    bar.style.setProperty("--p", p);
    model.append(bar);
  }
  if (item.label) {
    const mine = document.createElement("p");
    mine.className = "mine";
    mine.textContent = `labelled ${item.label}${item.saved ? "" : " (saving…)"}`;
    model.append(mine);
  }
}

function showSingle() {
  const item = items[pos];
  $("empty").hidden = Boolean(item);
  $("single").hidden = !item;
  if (!item || $("photo").dataset.sha === item.sha256) return;
  // Put the preloaded (already decoded) image element itself on the page: no second
  // fetch or decode between the key and the photo.
  const photo = preloaded.get(item.sha256) || Object.assign(new Image(), {src: photoUrl(item.sha256)});
  preloaded.delete(item.sha256);
  photo.id = "photo";
  photo.alt = item.caption || "the photo to label";
  photo.dataset.sha = item.sha256;
  $("photo").replaceWith(photo);
  renderAbout(item);
  const started = pressedAt;
  pressedAt = null;
  // On screen: decoded, then the frame that shows it painted (a task queued from the
  // frame's animation callback runs after that frame).
  photo.decode().catch(() => {}).then(() => requestAnimationFrame(() => setTimeout(() => {
    if (started !== null && $("photo") === photo) {
      window.reviewLatencies.push(performance.now() - started);
    }
    photo.dataset.shown = item.sha256;
  })));
  preload(pos + 1);
}

function showGrid() {
  const page = items.slice(pos, pos + SETTINGS.grid_size);
  $("empty").hidden = page.length > 0;
  cursor = Math.min(cursor, Math.max(page.length - 1, 0));
  $("grid").replaceChildren(...page.map((item, at) => {
    const tile = document.createElement("button");
    tile.className = "tile" + (item.selected ? " selected" : "") + (at === cursor ? " cursor" : "");
    tile.dataset.sha = item.sha256;
    tile.title = `${item.predicted_class || "untagged"} ${item.confidence ?? ""}`;
    const image = document.createElement("img");
    image.src = photoUrl(item.sha256);
    image.alt = item.caption || item.sha256.slice(0, 12);
    const badge = document.createElement("span");
    badge.textContent = item.label ? `✓ ${item.label}` : (item.predicted_class || "");
    tile.append(image, badge);
    tile.addEventListener("click", () => { item.selected = !item.selected; cursor = at; show(); });
    return tile;
  }));
  preload(pos + SETTINGS.grid_size);
}

function show() {
  $("single").hidden = grid;
  $("grid").hidden = !grid;
  $("labeller").dataset.mode = grid ? "grid" : "single";
  (grid ? showGrid : showSingle)();
  showStatus();
}

function showStatus() {
  const line = `saved ${saved}` + (waiting ? ` · saving ${waiting}` : "") +
      ` · ${Math.max(items.length - pos, 0)}${exhausted ? "" : "+"} to go`;
  if (refused) say(`${line} · ${refused} not saved (${refusedWhy}; ← goes back)`, "error");
  else say(line, waiting ? "" : "ok");
}

// A label the server confirmed: the status line, and the photo's note if it is on screen
// (never the photo itself: that would cost a decode).
function confirmed(action) {
  if (grid) showGrid();
  else if (items[pos] && action.items.includes(items[pos])) renderAbout(items[pos]);
  showStatus();
}

function label(targets, name) {
  const fresh = targets.filter(i => i.label !== name || !i.saved);
  if (!fresh.length) return;
  for (const item of fresh) { item.label = name; item.saved = false; item.selected = false; }
  const action = {items: fresh, label: name};
  waiting += 1;
  action.saving = new Promise((resolve, reject) => {
    outbox.push({action, resolve, reject});
    flush();
  }).then(ids => {
    action.historyIds = ids;
    for (const item of fresh) { item.saved = true; window.reviewSaved.push(item.sha256); }
    saved += fresh.length;
  }, err => {   // refused by the app: the photos stay unlabelled and the line says so
    refused += fresh.length;
    refusedWhy = err.message;
    for (const item of fresh) item.label = null;
  }).finally(() => { waiting -= 1; confirmed(action); });
  undoStack.push(action);
  offerTwins(fresh, name);
}

// One request at a time; labels pressed while it is on its way go together in the next
// (one transaction), so a slow or busy catalog never builds a queue of requests.
const outbox = [];
let sending = false;

async function flush() {
  if (sending || !outbox.length) return;
  sending = true;
  const batch = outbox.splice(0);
  try {
    const data = await post("/api/labels", {labels: batch.map(({action}) => ({
      sha256s: action.items.map(i => i.sha256), label: action.label}))});
    batch.forEach((entry, k) => entry.resolve(data.history_ids[k]));
  } catch (err) {
    batch.forEach(entry => entry.reject(err));
  }
  sending = false;
  flush();
}

function offerTwins(labelled, name) {
  const done = new Set(items.filter(i => i.label).map(i => i.sha256));
  const twins = [...new Set(labelled.flatMap(i => i.near_duplicates || []))]
    .filter(sha => !done.has(sha));
  const banner = $("twins");
  banner.hidden = !twins.length;
  banner.dataset.twins = JSON.stringify(twins);
  banner.dataset.label = name;
  banner.textContent = twins.length ?
    `${twins.length} near-duplicate(s) of that photo: press a to label them ${name} too` : "";
}

function labelTwins() {
  const banner = $("twins");
  if (banner.hidden) return;
  const shas = JSON.parse(banner.dataset.twins);
  const byId = new Map(items.map(i => [i.sha256, i]));
  const targets = shas.map(sha => byId.get(sha) || {sha256: sha, near_duplicates: []});
  label(targets, banner.dataset.label);
  for (const target of targets) if (!byId.has(target.sha256)) skipped.add(target.sha256);
  banner.hidden = true;
}

async function undo() {
  const action = undoStack.pop();
  if (!action) { say("nothing to undo"); return; }
  await action.saving;
  if (!action.historyIds) { say("that label was not saved: nothing to undo", "error"); return; }
  await post("/api/undo", {history_ids: action.historyIds});
  saved -= action.items.length;
  for (const item of action.items) { item.label = null; item.saved = false; }
  const first = items.indexOf(action.items[0]);
  if (first >= 0) pos = grid ? Math.max(0, first - (first % SETTINGS.grid_size)) : first;
  $("twins").hidden = true;
  show();
  say(`undone: ${action.items.length} label(s) ${action.label}`, "ok");
}

async function advance(step) {
  pos = Math.max(0, Math.min(pos + step, items.length));
  // Ask for more while half a batch is still ahead: a quick labeller must never catch up
  // with the queue while the catalog is busy with labels (a key with no photo is ignored).
  const ahead = Math.max(SETTINGS.preload, SETTINGS.batch / 2);
  if (items.length - pos < ahead + (grid ? SETTINGS.grid_size * 2 : 0)) {
    const fill = refill();
    if (pos >= items.length) await fill;
  }
  show();
}

function singleKey(key) {
  const item = items[pos];
  if (KEYS[key] && item) { label([item], KEYS[key]); return advance(1); }
  if (key === "s" && item) { skipped.add(item.sha256); return advance(1); }
  if (key === "ArrowRight") return advance(1);
  if (key === "ArrowLeft") return advance(-1);
  return null;
}

function gridKey(key) {
  const page = items.slice(pos, pos + SETTINGS.grid_size);
  const columns = Math.round(Math.sqrt(SETTINGS.grid_size));
  const moves = {ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns};
  if (key in moves) { cursor = Math.max(0, Math.min(cursor + moves[key], page.length - 1)); return show(); }
  if (key === " " && page[cursor]) { page[cursor].selected = !page[cursor].selected; return show(); }
  if (KEYS[key]) {
    const chosen = page.filter(i => i.selected);
    label(chosen.length ? chosen : page.filter(i => !i.label), KEYS[key]);
    if (page.every(i => i.label)) return advance(SETTINGS.grid_size);
    return show();
  }
  if (key === "s" || key === "Enter" || key === "PageDown") {
    page.filter(i => !i.label).forEach(i => skipped.add(i.sha256));
    return advance(SETTINGS.grid_size);
  }
  if (key === "PageUp") return advance(-SETTINGS.grid_size);
  return null;
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input, textarea")) return;
  const key = event.key;
  pressedAt = event.timeStamp;   // when the key came in, before any wait for this handler
  let handled = true;
  if (key === "u") undo();
  else if (key === "a") labelTwins();
  else if (key === "g") {
    grid = !grid;
    if (grid) cursor = 0;
    show();
  } else handled = (grid ? gridKey(key) : singleKey(key)) !== null;
  if (handled) event.preventDefault();
});

refill().then(show);
