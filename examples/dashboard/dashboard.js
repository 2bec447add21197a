// Provider Orders live dashboard: lists the viewer's orders and follows them live with
// `orderEvents(after:)` over graphql-ws, resuming from the last event's cursor after every
// reconnect (and after a reload: the cursor is kept in localStorage), so no event is lost or shown twice.
"use strict";

const ORDERS = `query DashboardOrders {
  viewer { user { id name email } organization { name } }
  orders(first: 50, orderBy: { field: LAST_ACTIVITY_AT, direction: DESC }) {
    totalCount
    edges { node { ...Row } }
  }
}
fragment Row on Order { id name status commentCount lastActivityAt }`;

// Read before the orders: events committed after this point are replayed by the subscription.
const LATEST_CURSOR = `query DashboardCursor { viewer { user { id } } latestEventCursor }`;

const EVENTS = `subscription DashboardEvents($after: String) {
  orderEvents(after: $after) {
    __typename
    ... on OrderEventBase { cursor at actor { name } order { id name status commentCount lastActivityAt } }
    ... on StatusChangedEvent { from to reason }
    ... on CommentAddedEvent { comment { body author { name } } }
  }
}`;

const $ = (id) => document.getElementById(id);
let session = null; // the current connection: { api, token, cursorKey, client }

function setConnection(state, text) {
  const el = $("connection");
  el.dataset.state = state;
  el.textContent = text;
}

// --- settings from the URL fragment (#api=...&token=...), the form, or the page's own server ----------

function initialSettings() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  if (fragment.has("token")) {
    // Take the token out of the address bar (and history) once read.
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  const servedByApi = /^https?:$/.test(window.location.protocol) && window.location.pathname.startsWith("/examples/");
  return {
    api: fragment.get("api") || localStorage.getItem("dashboard:api") || (servedByApi ? `${window.location.origin}/graphql` : ""),
    token: fragment.get("token") || sessionStorage.getItem("dashboard:token") || "",
  };
}

// --- talking to the API ----------------------------------------------------------------------------------

async function query(api, token, document) {
  const response = await fetch(api, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: document }),
  });
  const body = await response.json();
  if (body.errors && body.errors.length) {
    throw new Error(body.errors.map((e) => e.message).join("; "));
  }
  return body.data;
}

function loadGraphqlWs(api) {
  // The vendored graphql-ws (app/static/vendor) from the API's own server: no other host involved.
  if (window.graphqlWs) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = new URL("/static/vendor/graphql-ws.min.js", api).href;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load graphql-ws from ${script.src}`));
    document.head.appendChild(script);
  });
}

// --- rendering -------------------------------------------------------------------------------------------

function renderOrder(order) {
  let row = document.querySelector(`#orders tr[data-order-id="${CSS.escape(order.id)}"]`);
  if (!row) {
    row = document.createElement("tr");
    row.dataset.orderId = order.id;
    for (const name of ["name", "status", "comments", "activity"]) {
      const cell = document.createElement("td");
      cell.className = name;
      row.appendChild(cell);
    }
  }
  row.querySelector(".name").textContent = order.name;
  row.querySelector(".status").textContent = order.status;
  row.querySelector(".comments").textContent = String(order.commentCount);
  row.querySelector(".activity").textContent = new Date(order.lastActivityAt).toLocaleString();
  $("orders").prepend(row); // the most recent activity first
}

function renderEvent(event) {
  const item = document.createElement("li");
  const who = event.actor ? event.actor.name : "someone";
  if (event.__typename === "StatusChangedEvent") {
    item.className = "status-change";
    item.textContent = `${event.order.name}: ${event.from || "new"} → ${event.to} by ${who}` +
      (event.reason ? ` (${event.reason})` : "");
  } else if (event.__typename === "CommentAddedEvent") {
    item.className = "comment";
    item.textContent = `${event.comment.author.name} on ${event.order.name}: ${event.comment.body}`;
  } else {
    return; // quotes, declines, leads: only the order's row is refreshed
  }
  $("activity").prepend(item);
}

// --- the live connection, resumed from the cursor ---------------------------------------------------------

function subscribe(current, attempt) {
  if (current !== session) return; // a newer connection replaced this one
  const client = graphqlWs.createClient({
    url: current.api.replace(/^http/, "ws"),
    connectionParams: { authorization: `Bearer ${current.token}` },
    retryAttempts: 0, // reconnects are ours: graphql-ws would re-send the first `after`
    on: { connected: () => setConnection("live", "live") },
  });
  current.client = client;
  const after = localStorage.getItem(current.cursorKey);
  client.subscribe(
    { query: EVENTS, variables: { after } },
    {
      next(result) {
        if (current !== session || !result.data) return;
        const event = result.data.orderEvents;
        renderOrder(event.order);
        renderEvent(event);
        // Saved once the event is shown: a reconnect or a reload resumes right after it.
        localStorage.setItem(current.cursorKey, event.cursor);
      },
      error(error) {
        client.dispose();
        if (current !== session) return;
        const code = error && error.code;
        if (code === 4403 || code === 4400) {
          setConnection("error", `refused: ${error.reason || code} (check the token)`);
          return;
        }
        if (Array.isArray(error)) {
          // A GraphQL error, e.g. a stored cursor this server cannot read (its secret changed):
          // forget the cursor; connecting again starts from now.
          localStorage.removeItem(current.cursorKey);
          setConnection("error", `${error.map((e) => e.message).join("; ")} (connect again)`);
          return;
        }
        // Closed (a restart: 1001, a network loss, too slow: 1013): reconnect after a backoff,
        // resuming after the last event received.
        const delay = Math.min(5000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
        setConnection("reconnecting", `reconnecting (attempt ${attempt + 1})`);
        setTimeout(() => subscribe(current, attempt + 1), delay);
      },
      complete() {
        client.dispose();
        if (current === session) setTimeout(() => subscribe(current, 0), 250);
      },
    },
  );
  // Once connected, later closes start the backoff from the beginning again.
  client.on("connected", () => { attempt = 0; });
}

async function start(api, token) {
  if (session && session.client) session.client.dispose();
  const current = { api, token, cursorKey: null, client: null };
  session = current;
  $("orders").textContent = "";
  $("activity").textContent = "";
  setConnection("connecting", "connecting");
  try {
    await loadGraphqlWs(api);
    const head = await query(api, token, LATEST_CURSOR);
    current.cursorKey = `dashboard:cursor:${api}:${head.viewer.user.id}`;
    if (!localStorage.getItem(current.cursorKey)) {
      localStorage.setItem(current.cursorKey, head.latestEventCursor);
    }
    const data = await query(api, token, ORDERS);
    if (current !== session) return;
    $("viewer").textContent = `${data.viewer.user.name} (${data.viewer.organization.name}), ${data.orders.totalCount} orders`;
    for (const edge of [...data.orders.edges].reverse()) renderOrder(edge.node);
    subscribe(current, 0);
  } catch (error) {
    if (current === session) setConnection("error", String(error.message || error));
  }
}

const settings = initialSettings();
$("api").value = settings.api;
$("token").value = settings.token;
$("connect").addEventListener("submit", (event) => {
  event.preventDefault();
  const api = $("api").value.trim();
  const token = $("token").value.trim();
  localStorage.setItem("dashboard:api", api);
  sessionStorage.setItem("dashboard:token", token);
  start(api, token);
});
if (settings.api && settings.token) {
  sessionStorage.setItem("dashboard:token", settings.token);
  start(settings.api, settings.token);
}
