// Reference dashboard for Event Analytics: static, no build step, no CDN.
// Every value comes from the API; data-el="N" marks SPEC element N so tests can read it.
"use strict";

const state = { token: null, event: null, caller: null, refresh: null, refreshing: false };
const app = document.getElementById("app");
const freshness = document.getElementById("freshness");
const crumbs = document.getElementById("crumbs");

// ----------------------------------------------------------------- tiny DOM helpers (no innerHTML)
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// One definition of "Interactions" everywhere on the page, with the same tooltip.
const INTERACTIONS_HINT = "Interactions = reactions + group chat messages + poll responses + Q&A threads";
const interactions = (x) => x.reactions + x.chatMessages + (x.pollsAnswered ?? x.pollAnswers) + x.qnaThreads;
const interactionsHeading = (attrs = {}) => h("th", { ...attrs, title: INTERACTIONS_HINT }, h("abbr", { title: INTERACTIONS_HINT }, "Interactions"));

// A file-type icon (inline SVG, no network): a page with a folded corner, coloured by family.
const FILE_ICONS = {
  pdf: ["#e03131", "PDF"], document: ["#1971c2", "DOC"], spreadsheet: ["#2f9e44", "XLS"], csv: ["#0c8599", "CSV"],
  presentation: ["#e8590c", "PPT"], image: ["#ae3ec9", "IMG"], video: ["#5f3dc4", "VID"], audio: ["#9c36b5", "AUD"],
  archive: ["#495057", "ZIP"], text: ["#868e96", "TXT"], other: ["#adb5bd", "FILE"],
};
function fileIcon(family, title) {
  const [color, label] = FILE_ICONS[family] || FILE_ICONS.other;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const set = (node, attrs) => { for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v); return node; };
  set(svg, { viewBox: "0 0 24 30", width: "24", height: "30", class: "file-icon", "data-family": FILE_ICONS[family] ? family : "other", role: "img", "aria-label": `${label} file` });
  const tip = document.createElementNS(ns, "title");
  tip.textContent = title || label;
  svg.append(tip,
    set(document.createElementNS(ns, "path"), { d: "M2 1h14l6 6v22H2z", fill: "#fff", stroke: color, "stroke-width": "1.5" }),
    set(document.createElementNS(ns, "path"), { d: "M16 1v6h6", fill: "none", stroke: color, "stroke-width": "1.5" }),
    set(document.createElementNS(ns, "rect"), { x: "0", y: "16", width: "24", height: "9", rx: "1.5", fill: color }));
  const text = set(document.createElementNS(ns, "text"), { x: "12", y: "23", "text-anchor": "middle", "font-size": "7", "font-weight": "700", fill: "#fff" });
  text.textContent = label;
  svg.append(text);
  return svg;
}

// A person's name, or their id when the name is blank after trimming (older data has "   "): a
// row must never be empty. noName() marks such a row with a muted "no name".
const blankName = (name) => !String(name ?? "").trim();
const personName = (person) => (blankName(person.name) ? person.userId : person.name);
const noName = (person) => (blankName(person.name) ? h("span", { class: "disambig no-name" }, "no name") : null);

// Names shown more than once in a list get told apart by company and id (a blank name already shows the id).
function disambiguate(rows) {
  const counts = new Map();
  for (const r of rows) if (!blankName(r.name)) counts.set(r.name, (counts.get(r.name) || 0) + 1);
  return (r) => (counts.get(r.name) > 1 ? h("span", { class: "disambig" }, [r.company, r.userId].filter(Boolean).join(" · ")) : null);
}

// A table in a container that scrolls sideways when the table is wider than the screen (narrow
// phones): the page itself never does. Focusable, so a keyboard can scroll it too.
function scroller(table, label) {
  return h("div", { class: "table-scroll", role: "region", "aria-label": label, tabindex: "0" }, table);
}

const fmt = {
  minutes: (m) => `${m.toFixed(1)} min`,
  rate: (r) => (r === null || r === undefined ? "—" : `${(r * 100).toFixed(1)}%`),
  count: (n) => String(n),
};

function el(n, value, attrs = {}) {
  return h("span", { "data-el": n, ...attrs }, value);
}

// ----------------------------------------------------------------- API
class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code || "http_error";
  }
}

// The API's base URL (web/config.js): "" is this page's own origin; another origin means a
// cross-origin call, which the browser preflights (the Authorization header isn't a simple one).
const API_BASE = String(window.EA_CONFIG?.apiBase || "").replace(/\/+$/, "");

async function api(path, options = {}) {
  const response = await fetch(API_BASE + path, {
    ...options,
    headers: { Authorization: `Bearer ${state.token}`, ...(options.headers || {}) },
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

const enc = encodeURIComponent;
const base = () => `/v1/events/${enc(state.event)}`;

// ----------------------------------------------------------------- session (token from URL fragment or login box)
// The token's claims (SPEC section 5), read only to choose where to land and which links to show:
// nothing is verified here, the API checks every call itself (a forged payload changes the view only).
function claimList(value) {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== "string") return [];
  return value.replace(/^\[|\]$/g, "").split(/[\s,]+/).map((v) => v.replace(/^["']|["']$/g, "")).filter(Boolean);
}

function callerOf(token) {
  let claims = {};
  try {
    const payload = String(token).split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0)))) || {};
  } catch {
    claims = {}; // not a JWT: the API will say so (401)
  }
  const events = claimList(claims.eventIds);
  return {
    sub: claims.sub ? String(claims.sub) : null,
    organiser: claimList(claims.scope ?? claims.scp).includes("analytics:read"),
    onlyEvent: events.length === 1 && events[0] !== "*" ? events[0] : null,
  };
}

// An attendee's own token (a user id as sub, no analytics:read) reads only their own dashboard.
const selfOnly = () => Boolean(state.caller && !state.caller.organiser && state.caller.sub);
const home = () => `#/e/${enc(state.event)}/users${selfOnly() ? `/${enc(state.caller.sub)}` : ""}`;

function loadSession() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("token")) {
    const token = fragment.get("token");
    const event = fragment.get("event") || callerOf(token).onlyEvent; // none: the login box asks
    sessionStorage.setItem("ea.token", token);
    if (event) sessionStorage.setItem("ea.event", event);
    else sessionStorage.removeItem("ea.event");
  }
  state.token = sessionStorage.getItem("ea.token");
  state.event = sessionStorage.getItem("ea.event");
  state.caller = state.token ? callerOf(state.token) : null;
  if (fragment.get("token")) history.replaceState(null, "", state.event ? home() : location.pathname + location.search);
  document.getElementById("logout").hidden = !state.token;
}

function showLogin(message) {
  app.replaceChildren(document.getElementById("login-template").content.cloneNode(true));
  if (message) app.prepend(h("p", { class: "error", role: "alert" }, message));
  const form = document.getElementById("login-form");
  if (state.token) form.elements.token.value = state.token;
  if (state.event) form.elements.event.value = state.event;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(e.target);
    sessionStorage.setItem("ea.token", String(data.get("token")).trim());
    sessionStorage.setItem("ea.event", String(data.get("event")).trim());
    loadSession();
    location.hash = home();
    route();
  });
}

document.getElementById("logout").addEventListener("click", () => {
  sessionStorage.clear();
  state.token = null;
  location.hash = "";
  showLogin();
});

// ----------------------------------------------------------------- router
function setCrumbs(...parts) {
  crumbs.replaceChildren(...parts.flatMap((p, i) => [i ? " › " : "", p]));
}

const REFRESH_MS = 15000;

// Only the pages that really refresh say so (route() decides which).
function setFreshness(generatedAt) {
  const when = generatedAt ? new Date(generatedAt) : new Date();
  const refreshes = state.refreshing ? ` · refreshes every ${REFRESH_MS / 1000} s` : "";
  freshness.textContent = `Data as of ${when.toISOString().slice(11, 19)} UTC${refreshes}`;
  freshness.dataset.generatedAt = generatedAt || "";
}

// A visible banner when a refresh fails: the numbers on the page are no longer current.
function showStale(error) {
  let banner = document.getElementById("stale");
  if (!banner) {
    banner = h("div", { id: "stale", class: "stale", role: "alert" });
    app.prepend(banner);
  }
  const expired = error.status === 401;
  banner.replaceChildren(
    expired ? "Your session has expired: the data below is stale. " : `Data is stale: the last refresh failed (${error.message}). `,
    h("button", { class: "link", onclick: () => (expired ? showLogin("Sign in again to see current data.") : route()) },
      expired ? "Sign in again" : "Retry now"),
  );
}

// What a refresh must not lose: expanded rows, the scroll position and the focused control.
function viewState() {
  const expanded = [...app.querySelectorAll('button.expand[aria-expanded="true"]')].map((b) => b.closest("tr")?.dataset.session);
  const focused = document.activeElement?.closest("tr")?.dataset.session;
  return { expanded, focused, scroll: window.scrollY };
}

function restoreViewState(saved) {
  for (const id of saved.expanded) {
    app.querySelector(`tr.session[data-session="${CSS.escape(id)}"] button.expand`)?.click();
  }
  if (saved.focused) app.querySelector(`tr.session[data-session="${CSS.escape(saved.focused)}"] button.expand`)?.focus();
  window.scrollTo(0, saved.scroll);
}

async function route() {
  clearInterval(state.refresh);
  state.refreshing = false;
  if (new URLSearchParams(location.hash.slice(1)).get("token")) loadSession(); // a new token pasted into the URL
  if (!state.token) return showLogin();
  const match = location.hash.match(/^#\/e\/([^/]+)\/(users|sessions|vods)(?:\/([^/]+))?$/);
  if (!match && !state.event) return showLogin("This token names no single event: enter the event to open.");
  if (!match) {
    location.hash = home();
    return;
  }
  state.event = decodeURIComponent(match[1]);
  const [kind, id] = [match[2], match[3] && decodeURIComponent(match[3])];
  if (kind === "users" && !id && selfOnly()) { // "All users" is for organisers: an attendee lands on their own
    location.replace(home());
    return;
  }
  const render = { users: id ? userPage : usersPage, sessions: sessionPage, vods: vodPage }[kind];
  app.replaceChildren(h("p", { class: "loading", role: "status" }, "Loading…"));
  state.refreshing = kind === "users" && Boolean(id);
  const draw = async (quiet) => {
    const saved = quiet ? viewState() : null;
    try {
      await render(id, quiet);
      if (saved) restoreViewState(saved);
    } catch (error) {
      if (quiet) return showStale(error);
      if (error.status === 401) return showLogin("Your token was refused (missing, expired or badly signed).");
      clearInterval(state.refresh);
      state.refreshing = false;
      setCrumbs(homeLink(), error.status === 404 ? "Not found" : "Error"); // not the previous page's
      freshness.textContent = "";
      app.replaceChildren(
        h("section", { class: "card error", role: "alert" },
          h("h1", {}, error.status === 404 ? "Not found" : error.status === 403 ? "Not allowed" : "Something went wrong"),
          h("p", {}, error.message),
          location.hash === home() ? null // a link back to this very page would go round in circles
            : h("p", {}, h("a", { href: home() }, selfOnly() ? "Back to your dashboard" : "Back to all users"))),
      );
    }
  };
  await draw(false);
  if (state.refreshing) {
    state.refresh = setInterval(() => draw(true), REFRESH_MS);
    window.eaRefreshNow = () => draw(true); // lets a test (or a console) refresh without waiting
  }
}

window.addEventListener("hashchange", route);

// ----------------------------------------------------------------- pages
function usersLink() {
  return h("a", { href: `#/e/${enc(state.event)}/users` }, "All users");
}

// Where the breadcrumbs start: "All users" for an organiser, the event for an attendee (who can't list users).
function homeLink() {
  return selfOnly() ? h("a", { href: home() }, `Event ${state.event}`) : usersLink();
}

const ORGANISERS_ONLY = "Session and video analytics are for the event's organisers.";

// All users: server-side name-prefix search and name order, one page at a time (cursors).
const USER_SORTS = [["name", "Name A→Z"], ["-name", "Name Z→A"]];
const USERS_PAGE = 50;

async function usersPage() {
  setCrumbs(h("span", {}, `Event ${state.event}`), "All users");
  const search = h("input", { type: "search", id: "user-search", maxlength: "100", placeholder: "Search by name…", "aria-label": "Search users by name", autocomplete: "off" });
  const sort = h("select", { id: "user-sort", "aria-label": "Sort users" }, USER_SORTS.map(([value, label]) => h("option", { value }, label)));
  const table = h("table", { class: "table", id: "users" },
    h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Role"), h("th", {}, "Company"), h("th", {}, "Country"))),
  );
  const body = h("tbody");
  table.append(body);
  const wrap = scroller(table, "Users");
  const empty = h("p", { class: "empty", hidden: true }, "No attendees yet.");
  const prev = h("button", { class: "secondary", id: "users-prev", disabled: true }, "← Previous");
  const next = h("button", { class: "secondary", id: "users-next", disabled: true }, "Next →");
  const position = h("span", { class: "hint", id: "users-page" });
  // cursors[i] opens page i (null for the first); a new search or sort starts again at page 0.
  let cursors = [null];
  let index = 0;
  let generation = 0;
  const load = async () => {
    const mine = ++generation;
    const prefix = search.value.trim();
    const query = new URLSearchParams({ limit: String(USERS_PAGE), sort: sort.value });
    if (prefix) query.set("q", prefix);
    if (cursors[index]) query.set("cursor", cursors[index]);
    prev.disabled = next.disabled = true;
    const page = await api(`${base()}/users?${query}`);
    if (mine !== generation) return; // a newer search replaced this one
    const twin = disambiguate(page.items);
    body.replaceChildren(...page.items.map((user) => h("tr", { "data-user": user.userId },
      h("td", {}, h("a", { href: `#/e/${enc(state.event)}/users/${enc(user.userId)}`, dir: "auto" }, personName(user)), " ", noName(user), twin(user)),
      h("td", {}, user.role || "—"), h("td", {}, user.company || "—"), h("td", {}, user.country || "—"))));
    cursors[index + 1] = page.nextCursor;
    wrap.hidden = !page.items.length;
    empty.hidden = Boolean(page.items.length);
    empty.textContent = prefix ? `No user's name starts with “${prefix}”.` : "No attendees yet.";
    prev.disabled = index === 0;
    next.disabled = !page.nextCursor;
    position.textContent = `Page ${index + 1}`;
    setFreshness(null);
  };
  const reload = () => load().catch((error) => { // a failed page keeps the table, says so
    empty.hidden = false;
    empty.textContent = error.status === 401 ? "Sign in again to see users." : "Could not load users; try again.";
    prev.disabled = index === 0;
    next.disabled = !cursors[index + 1];
  });
  const restart = () => { cursors = [null]; index = 0; return reload(); };
  let typing = null;
  search.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(restart, 250); });
  sort.addEventListener("change", restart);
  prev.addEventListener("click", () => { if (index > 0) { index -= 1; reload(); } });
  next.addEventListener("click", () => { if (cursors[index + 1]) { index += 1; reload(); } });
  await load();
  app.replaceChildren(h("section", { class: "card" }, h("h1", {}, "All users"),
    h("div", { class: "toolbar" }, search, sort), wrap, empty,
    h("div", { class: "pager" }, prev, position, next)));
}

function tile(n, label, value, hint) {
  return h("div", { class: "tile" }, h("div", { class: "tile-value" }, el(n, value)), h("div", { class: "tile-label" }, `${label}`), hint ? h("div", { class: "hint" }, hint) : null);
}

function section(title, ...content) {
  return h("section", { class: "card" }, h("h2", {}, title), ...content);
}

async function userPage(userId) {
  const board = await api(`${base()}/users/${enc(userId)}/analytics`);
  const person = { ...board.user, userId: board.userId ?? userId };
  setCrumbs(homeLink(), h("span", { dir: "auto" }, personName(person)));
  setFreshness(board.generatedAt);
  const { user, kpis, engagement, viewing } = board;
  const details = [user.role, user.company, user.industry, user.country].filter(Boolean);

  const header = h("section", { class: "card header" },
    h("div", {},
      h("h1", { dir: "auto" }, el(1, personName(person)), " ", noName(person)),
      h("p", { class: "details" }, el(2, details.length ? details.join(" · ") : "No profile details")),
    ),
    h("button", { id: "download-report", onclick: (e) => downloadReport(e.target, userId) }, "Download report"),
  );

  const kpiRow = h("section", { class: "tiles" },
    tile(3, "Total minutes viewed", fmt.minutes(kpis.minutesViewed)),
    tile(4, "Sessions viewed", fmt.count(kpis.sessionsViewed)),
    tile(5, "Average live engagement", fmt.rate(kpis.liveEngagementRate)),
    tile(6, "Videos viewed", fmt.count(kpis.videosViewed)),
  );

  const engagementRow = section("Engagement", h("div", { class: "tiles small" },
    tile(7, "Reactions", fmt.count(engagement.reactions)),
    tile(8, "Chat messages sent", fmt.count(engagement.groupChatMessages)),
    tile(9, "Poll responses", fmt.count(engagement.pollsAnswered)),
    tile(10, "Q&A threads created", fmt.count(engagement.qnaThreads)),
    tile(11, "Attachments downloaded", fmt.count(engagement.attachmentsDownloaded)),
  ));

  const total = viewing.liveSeconds + viewing.recordingSeconds + viewing.vodSeconds;
  const part = (cls, seconds) => h("div", { class: `bar-part ${cls}`, style: `width:${total ? (100 * seconds) / total : 0}%` });
  const viewingRow = section("Viewing breakdown",
    h("div", { class: "bar", role: "img", "aria-label": "viewing breakdown" },
      part("live", viewing.liveSeconds), part("recording", viewing.recordingSeconds), part("vod", viewing.vodSeconds)),
    h("ul", { class: "legend" },
      h("li", {}, h("i", { class: "live" }), "Live ", el(12, fmt.minutes(viewing.liveMinutes))),
      h("li", {}, h("i", { class: "recording" }), "Recordings ", el(13, fmt.minutes(viewing.recordingMinutes))),
      h("li", {}, h("i", { class: "vod" }), "Content on demand ", el(14, fmt.minutes(viewing.vodMinutes)))),
    total ? null : h("p", { class: "empty" }, "Nothing watched yet."),
  );

  const lists = board.lists;
  const attachments = section(h("span", {}, "Attachments (", el(15, board.attachments.count), ")"),
    board.attachments.items.length
      ? listTable("attachments", [h("th", {}, "Name"), h("th", {}, "Source"), h("th", { class: "num" }, "Downloads")],
          board.attachments.items.map(attachmentRow))
      : h("p", { class: "empty" }, "No attachments downloaded."),
    showAll(userId, "attachments", lists.attachments, attachmentRow));

  const sessions = section("Sessions",
    board.sessions.length
      ? listTable("sessions", [h("th", {}, "Session"), h("th", { class: "num" }, "Minutes viewed"),
          h("th", { class: "num" }, "Engagement"), interactionsHeading({ class: "num" })], board.sessions.map(sessionRows))
      : h("p", { class: "empty" }, "No sessions viewed."),
    board.sessions.length && selfOnly() ? h("p", { class: "caption" }, ORGANISERS_ONLY) : null,
    showAll(userId, "sessions", lists.sessions, sessionRows));

  const vods = section("Videos on demand",
    board.vods.length
      ? listTable("vods", [h("th", {}, "Video"), h("th", { class: "num" }, "Minutes viewed"), h("th", {}, "Completion")],
          board.vods.map(vodRow))
      : h("p", { class: "empty" }, "No videos viewed."),
    board.vods.length && selfOnly() ? h("p", { class: "caption" }, ORGANISERS_ONLY) : null,
    showAll(userId, "vods", lists.vods, vodRow));

  app.replaceChildren(header, kpiRow, engagementRow, viewingRow, attachments, sessions, vods);
}

// ----------------------------------------------------------------- the dashboard's lists
// Each list on the dashboard holds its top rows (at most 200; SPEC section 11 "Lists"); "Show all"
// pages through the whole list, best first, with the same row builders.
function listTable(id, headings, rows) {
  return scroller(h("table", { class: "table", id }, h("thead", {}, h("tr", {}, headings)), h("tbody", {}, rows)), id);
}

// A session's or video's name, linked to its analytics for an organiser (an attendee's token gets 403 there).
function analyticsLink(kind, id, label) {
  return selfOnly() ? label : h("a", { href: `#/e/${enc(state.event)}/${kind}/${enc(id)}` }, label);
}

function attachmentRow(a) {
  return h("tr", { "data-attachment": a.attachmentId },
    h("td", {}, fileIcon(a.fileFamily, a.fileType || a.fileLabel), " ",
      el(16, a.name, { dir: "auto", class: a.catalogMissing ? "missing" : null })),
    h("td", {}, el(17, a.source.name || a.source.id || "—", { dir: "auto" })),
    h("td", { class: "num" }, a.downloads));
}

function sessionRows(s) {
  const detail = h("tr", { class: "detail", hidden: true },
    h("td", { colspan: 4 }, h("dl", { class: "counts" },
      h("dt", {}, "Reactions"), h("dd", {}, el(21, s.reactions)),
      h("dt", {}, "Raised hands"), h("dd", {}, el(22, s.raisedHands)),
      h("dt", {}, "Attachments downloaded"), h("dd", {}, el(23, s.attachmentsDownloaded)),
      h("dt", {}, "Chat messages"), h("dd", {}, el(24, s.chatMessages)),
      h("dt", {}, "Polls answered"), h("dd", {}, el(25, s.pollsAnswered)),
      h("dt", {}, "Live / recording"), h("dd", {}, `${fmt.minutes(s.liveMinutes)} / ${fmt.minutes(s.recordingMinutes)}`))));
  const toggle = h("button", { class: "expand", "aria-expanded": "false", "aria-label": `details of ${s.name}` }, "▸");
  toggle.addEventListener("click", () => {
    detail.hidden = !detail.hidden;
    toggle.setAttribute("aria-expanded", String(!detail.hidden));
    toggle.textContent = detail.hidden ? "▸" : "▾";
  });
  const row = h("tr", { class: "session", "data-session": s.sessionId },
    h("td", {}, toggle, " ", analyticsLink("sessions", s.sessionId,
      el(18, s.name, { dir: "auto", class: s.catalogMissing ? "missing" : null }))),
    h("td", { class: "num" }, el(19, fmt.minutes(s.minutesViewed))),
    h("td", { class: "num" }, el(20, fmt.rate(s.engagementRate))),
    h("td", { class: "num" }, interactions(s)));
  return [row, detail];
}

function vodRow(v) {
  return h("tr", { "data-vod": v.vodId },
    h("td", {}, analyticsLink("vods", v.vodId,
      el(26, v.name, { dir: "auto", class: v.catalogMissing ? "missing" : null }))),
    h("td", { class: "num" }, el(27, fmt.minutes(v.minutesViewed))),
    h("td", {}, h("div", { class: "progress" }, h("div", { style: `width:${(v.completionRate || 0) * 100}%` })),
      " ", el(28, fmt.rate(v.completionRate))));
}

const RANKED_BY = { sessions: "most viewed", vods: "most viewed", attachments: "most downloaded" };

// Under a list the dashboard cut: "The 200 most viewed of N" and a button that loads the whole list, 200 rows a
// page, replacing the table's rows (best first). Loading it stops the page's auto-refresh, which
// would otherwise put the top rows back.
function showAll(userId, listing, info, rowOf) {
  if (!info || !info.hasMore) return null;
  const note = h("span", { class: "list-note", "data-list-note": listing },
    `The ${info.shown} ${RANKED_BY[listing]} of ${info.count}. `);
  const button = h("button", { class: "secondary show-all", "data-list": listing }, `Show all ${info.count}`);
  let cursor = null;
  let loaded = 0;
  button.addEventListener("click", async () => {
    const body = app.querySelector(`#${listing} tbody`);
    button.disabled = true;
    try {
      const query = new URLSearchParams({ limit: "200", ...(cursor ? { cursor } : {}) });
      const page = await api(`${base()}/users/${enc(userId)}/${listing}?${query}`);
      if (!loaded) {
        body.replaceChildren();
        clearInterval(state.refresh);
        state.refreshing = false;
        setFreshness(freshness.dataset.generatedAt || null);
      }
      body.append(...page.items.map(rowOf).flat());
      loaded += page.items.length;
      cursor = page.nextCursor;
      note.textContent = `${loaded} of ${page.count}, ${RANKED_BY[listing]} first. `;
      button.textContent = "Load more";
      button.hidden = !cursor;
    } catch (error) {
      note.textContent = `The full list could not be loaded: ${error.message}. `;
    } finally {
      button.disabled = false;
    }
  });
  return h("p", { class: "list-more" }, note, button);
}

async function downloadReport(button, userId) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = "Preparing…";
  try {
    const report = await api(`${base()}/users/${enc(userId)}/report`, { method: "POST" });
    button.dataset.key = report.key;
    window.location.href = report.url; // the presigned link answers with Content-Disposition: attachment
  } catch (error) {
    alert(`The report could not be created: ${error.message}`);
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

// Attendees on the page: by exact minutes viewed, most first, then name. The API pages them by a
// coarse minutes range (SPEC section 5: 0–15, 15–30, 30–60 min…, then user id), so rows are sorted
// again here each time a page is appended.
const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
const viewed = (a) => a.viewedSeconds ?? a.minutesViewed * 60;
const byMinutes = (a, b) => viewed(b) - viewed(a) || collator.compare(personName(a), personName(b))
  || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
const ATTENDEES_ORDER = "Ordered by minutes viewed, most first: exactly among the attendees loaded. "
  + "Pages come in minute ranges (0–15, 15–30, 30–60 min…), so “Load more” can add attendees among those shown.";

async function sessionPage(sessionId) {
  let cursor = null;
  const body = h("tbody");
  const more = h("button", { class: "secondary", hidden: true }, "Load more attendees");
  const attendees = [];
  let first = null;
  const loadPage = async () => {
    more.disabled = true;
    const query = new URLSearchParams({ limit: "50", ...(cursor ? { cursor } : {}) });
    const data = await api(`${base()}/sessions/${enc(sessionId)}/analytics?${query}`).finally(() => { more.disabled = false; });
    first = first || data;
    attendees.push(...data.attendees.items);
    attendees.sort(byMinutes);
    const twin = disambiguate(attendees);
    body.replaceChildren();
    for (const a of attendees) {
      body.append(h("tr", { "data-user": a.userId },
        h("td", {}, h("a", { href: `#/e/${enc(state.event)}/users/${enc(a.userId)}`, dir: "auto", class: "attendee" }, personName(a)), " ", noName(a), twin(a)),
        h("td", { class: "num" }, fmt.minutes(a.minutesViewed)),
        h("td", { class: "num" }, fmt.rate(a.engagementRate))));
    }
    cursor = data.attendees.nextCursor;
    more.hidden = !cursor;
  };
  more.addEventListener("click", () => loadPage().catch((error) => alert(`More attendees could not be loaded: ${error.message}`)));
  await loadPage();
  const t = first.totals;
  setCrumbs(homeLink(), h("span", { dir: "auto" }, first.name));
  setFreshness(first.generatedAt);
  app.replaceChildren(
    h("section", { class: "card header" }, h("div", {}, h("p", { class: "kicker" }, "Session analytics"),
      h("h1", { dir: "auto", id: "session-name" }, first.name))),
    h("section", { class: "tiles" },
      h("div", { class: "tile" }, h("div", { class: "tile-value" }, t.viewers), h("div", { class: "tile-label" }, "Viewers")),
      h("div", { class: "tile" }, h("div", { class: "tile-value" }, fmt.minutes(t.minutesViewed)), h("div", { class: "tile-label" }, "Minutes viewed")),
      h("div", { class: "tile" }, h("div", { class: "tile-value" }, fmt.rate(t.engagementRate)), h("div", { class: "tile-label" }, "Live engagement")),
      h("div", { class: "tile", title: INTERACTIONS_HINT }, h("div", { class: "tile-value", id: "session-interactions" }, interactions(t)), h("div", { class: "tile-label" }, h("abbr", { title: INTERACTIONS_HINT }, "Interactions")))),
    section("Attendees", body.children.length
      ? [h("p", { class: "caption", id: "attendees-order" }, ATTENDEES_ORDER),
          scroller(h("table", { class: "table", id: "attendees", "aria-describedby": "attendees-order" },
            h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", { class: "num" }, "Minutes"), h("th", { class: "num" }, "Engagement"))), body), "Attendees")]
      : h("p", { class: "empty" }, "No attendees yet."), more),
  );
}

async function vodPage(vodId) {
  const data = await api(`${base()}/vods/${enc(vodId)}/analytics`);
  setCrumbs(homeLink(), h("span", { dir: "auto" }, data.name));
  setFreshness(data.generatedAt);
  app.replaceChildren(
    h("section", { class: "card header" }, h("div", {}, h("p", { class: "kicker" }, "Video analytics"), h("h1", { dir: "auto" }, data.name))),
    h("section", { class: "tiles" },
      h("div", { class: "tile" }, h("div", { class: "tile-value" }, data.totals.viewers), h("div", { class: "tile-label" }, "Viewers")),
      h("div", { class: "tile" }, h("div", { class: "tile-value" }, fmt.minutes(data.totals.minutesViewed)), h("div", { class: "tile-label" }, "Minutes viewed")),
      h("div", { class: "tile" }, h("div", { class: "tile-value" }, data.durationSeconds ? fmt.minutes(data.durationSeconds / 60) : "—"), h("div", { class: "tile-label" }, "Duration")),
      h("div", { class: "tile" }, h("div", { class: "tile-value" }, data.totals.attachmentDownloads), h("div", { class: "tile-label" }, "Attachment downloads"))),
  );
}

loadSession();
route();
