// The conversation page, `#/conversations/ID[/MESSAGE_ID]`: its messages as the terminal shows
// them, newest 50 first with earlier pages on demand (so a 10,000-message conversation opens at
// once), a run streaming live whoever started it, a composer, and Deny for a pending approval.
// With MESSAGE_ID (a search result) earlier pages load until that message is there; it is
// scrolled to and highlighted.
import { get, query } from "./api.js";
import { clear, count, crumbs, errorBox, h } from "./dom.js";
import { Live } from "./conversation_live.js";
import { Transcript } from "./conversation_transcript.js";

const PAGE = 50;
const MAX_PAGES = 50; // pages loaded at most to find a linked message
const NEWER_PAGE = 100;
const enc = encodeURIComponent;

function pendingCalls(conv) {
  const request = conv?.pending_approval;
  if (!request) return [];
  return Array.isArray(request.tool_calls) && request.tool_calls.length ? request.tool_calls : [request.tool_call];
}

const pendingIds = (conv) => pendingCalls(conv).map((call) => call.tool_call_id);

export async function render(main, { id, message }, signal) {
  const convPath = `/v1/conversations/${enc(id)}`;
  let conv = await get(convPath, { signal });
  const agent = await get(`/v1/agents/${enc(conv.agent_id)}`, { signal }).catch(() => null);
  const agentHref = `#/agents/${enc(conv.agent_id)}/conversations`;
  const agentName = agent?.name || conv.agent_id;
  crumbs(["Agents", "#/"], [agentName, agentHref], [conv.summary || conv.id]);

  const meta = h("p", { class: "muted small convo-meta" });
  const earlier = h("button", { type: "button", class: "convo-earlier", hidden: true }, "Load earlier messages");
  const earlierError = h("div");
  const list = h("div", { class: "transcript", "aria-label": "Messages" });
  const empty = h("p", { class: "muted convo-empty", hidden: true }, "No messages yet.");
  const status = h("p", { class: "convo-status small", role: "status" });
  const input = h("textarea", {
    rows: 2,
    placeholder: "Message the agent (Enter sends, Shift+Enter for a new line)",
    "aria-label": "Message",
  });
  const sendButton = h("button", { type: "submit", class: "primary" }, "Send");
  const sendError = h("p", { class: "error small", role: "alert", hidden: true });
  const form = h("form", { class: "composer" }, sendError, h("div", { class: "composer-row" }, input, sendButton));
  clear(main).append(
    h(
      "section",
      { class: "convo" },
      h("header", { class: "convo-head" }, h("h1", {}, h("a", { href: agentHref }, agentName)), meta),
      earlier,
      earlierError,
      empty,
      list,
      status,
      form,
    ),
  );

  // Stay at the bottom while the user is there; leave them alone once they scroll up.
  let stick = true;
  const atBottom = () => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 80;
  const onScroll = () => (stick = atBottom());
  window.addEventListener("scroll", onScroll, { passive: true });
  signal.addEventListener("abort", () => window.removeEventListener("scroll", onScroll));
  const follow = () => {
    empty.hidden = list.childElementCount > 0;
    if (stick) window.scrollTo(0, document.documentElement.scrollHeight);
  };

  const transcript = new Transcript(list, { onDeny: () => deny(), onChange: follow });
  const shown = new Set(); // ids of the stored messages on the page
  let oldest = null; // cursor for earlier pages
  let newest = null; // cursor for newer stored messages
  let more = false;
  let busy = false;
  let trouble = null;

  const showMeta = () => {
    clear(meta).append(
      h("span", { class: "mono" }, conv.id),
      " · ",
      count(conv.message_count ?? 0, "message"),
      " · ",
      conv.model || agent?.model || "model unknown",
      conv.is_default ? " · default conversation" : "",
    );
  };
  const showStatus = () => {
    const waiting = pendingCalls(conv).length > 0;
    status.className = `convo-status small${trouble ? " error" : busy ? " live" : " muted"}`;
    status.textContent = trouble
      ? trouble.message || String(trouble)
      : busy
        ? "● The agent is working; its reply streams in live."
        : waiting
          ? "A tool call is waiting for approval in the terminal that owns it."
          : "";
    // Its Deny button is on the call; here too when the call is on a page not loaded.
    if (waiting && !trouble && !busy && !list.querySelector(".approval:not([hidden])")) {
      status.append(" ", h("button", { type: "button", class: "danger small", onclick: () => deny() }, "Deny"));
    }
    input.disabled = sendButton.disabled = busy;
  };
  const remember = (views) => {
    for (const view of views) if (view.id) shown.add(view.id);
  };

  async function loadEarlier() {
    if (!more || earlier.disabled) return;
    earlier.disabled = true;
    clear(earlierError);
    try {
      const path = `${convPath}/messages${query({ limit: PAGE, order: "desc", after: oldest })}`;
      const views = await get(path, { signal });
      const before = document.documentElement.scrollHeight;
      const y = window.scrollY;
      const wasStuck = stick;
      stick = false;
      views.reverse();
      transcript.prepend(views);
      remember(views);
      if (views.length) oldest = views[0].id;
      more = views.length > 0 && shown.size < (conv.message_count ?? 0);
      if (!wasStuck) window.scrollTo(0, y + document.documentElement.scrollHeight - before);
      stick = wasStuck;
      follow();
    } catch (error) {
      if (signal.aborted) return;
      earlierError.append(errorBox(error));
    } finally {
      earlier.disabled = false;
      earlier.hidden = !more;
    }
  }
  earlier.addEventListener("click", loadEarlier);

  // The stored messages newer than the newest shown, and the conversation's state; `drop`:
  // whether live parts not stored (yet) go, true once a run has ended (a function: asked then).
  async function refresh(drop = true) {
    const views = [];
    for (let pages = 0; pages < 20; pages++) {
      const path = `${convPath}/messages${query({ limit: NEWER_PAGE, order: "asc", after: newest })}`;
      const batch = await get(path, { signal });
      views.push(...batch);
      if (!batch.length) break;
      newest = batch[batch.length - 1].id;
      if (new Set(batch.map((v) => v.id)).size < NEWER_PAGE) break;
    }
    conv = await get(convPath, { signal });
    transcript.merge(views, typeof drop === "function" ? drop() : drop);
    remember(views);
    transcript.setPending(pendingIds(conv));
    showMeta();
    showStatus();
  }

  const live = new Live(id, signal, {
    onChunk: (chunk) => transcript.apply(chunk),
    onBusy: (value) => {
      busy = value;
      showStatus();
    },
    refresh,
    poll: async () => {
      const fresh = await get(convPath, { signal });
      const moved = fresh.message_count !== conv.message_count || fresh.updated_at !== conv.updated_at;
      if (moved || pendingIds(fresh).join() !== pendingIds(conv).join()) await refresh(() => !live.busy);
    },
    onTrouble: (error) => {
      if (error === trouble || (!error && !trouble)) return;
      trouble = error;
      showStatus();
    },
  });

  async function send(messages, restore) {
    sendError.hidden = true;
    stick = true;
    try {
      await live.send(messages);
    } catch (error) {
      if (signal.aborted) return;
      restore?.();
      sendError.textContent = error?.message || String(error);
      sendError.hidden = false;
    }
  }

  async function deny() {
    let calls = [];
    try {
      conv = await get(convPath, { signal });
      calls = pendingCalls(conv);
    } catch (error) {
      sendError.textContent = error?.message || String(error);
      sendError.hidden = false;
      return;
    }
    if (!calls.length || live.busy) {
      await refresh().catch(() => {});
      return;
    }
    const names = calls.map((c) => c.name).join(", ");
    const what = calls.length === 1 ? `this ${names} call` : `these ${calls.length} tool calls (${names})`;
    if (!window.confirm(`Deny ${what}? The agent is told it was denied from the ADE.`)) return;
    const approvals = calls.map((c) => ({
      type: "approval",
      tool_call_id: c.tool_call_id,
      approve: false,
      reason: "denied from the ADE",
    }));
    await send([{ type: "approval", approvals }]);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || live.busy) return;
    input.value = "";
    transcript.local(text);
    send([{ role: "user", content: text }], () => {
      if (!input.value) input.value = text;
    });
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // The newest page, then (with a MESSAGE_ID) earlier pages until that message is there.
  transcript.setPending(pendingIds(conv));
  const views = await get(`${convPath}/messages${query({ limit: PAGE, order: "desc" })}`, { signal });
  views.reverse();
  transcript.prepend(views);
  remember(views);
  oldest = views.length ? views[0].id : null;
  newest = views.length ? views[views.length - 1].id : null;
  more = views.length > 0 && shown.size < (conv.message_count ?? 0);
  earlier.hidden = !more;
  showMeta();
  showStatus();
  follow();

  if (message) {
    for (let pages = 0; !transcript.element(message) && more && pages < MAX_PAGES && !signal.aborted; pages++) {
      await loadEarlier();
    }
    const target = transcript.element(message);
    if (target) {
      for (const el of list.querySelectorAll(`[data-id="${CSS.escape(message)}"]`)) el.classList.add("highlight");
      stick = false;
      target.scrollIntoView({ block: "center" });
    } else {
      earlierError.append(h("p", { class: "muted small" }, "The linked message is not in this conversation."));
    }
  }

  // Earlier pages load by themselves when the user scrolls up to the button.
  const observer = new IntersectionObserver((seen) => seen.some((e) => e.isIntersecting) && !stick && loadEarlier());
  observer.observe(earlier);
  signal.addEventListener("abort", () => observer.disconnect());
  live.watch();
}
