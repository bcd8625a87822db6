// Following a conversation's runs as they happen. While no run is active the page polls for
// one (a `letta -p` in a terminal, the SDK, another tab) every 1.5 s and follows it over SSE;
// a message sent from the page streams its own run. A stream that drops (the network, a
// restarted server, a reader the server found too slow) is picked up again with
// `starting_after` = the last seq_id received, so no chunk is shown twice (also when the run is
// followed again later: the last seq_id of each run is kept). Reconnecting without getting
// anything new waits longer each time (up to 5 s); 30 such rounds in a row and the page stops
// following until its next poll. Everything stops when the page's signal aborts.
import { ApiError, get, query, sse } from "./api.js";
import { sleep } from "./dom.js";

const POLL_MS = 1500;
const RETRIES = 30; // reconnections in a row that bring nothing new
const RETRY_MS = 300; // the wait before reconnecting; it doubles with each that brings nothing
const MAX_RETRY_MS = 5000;
const ACTIVE = ["created", "running"];
const enc = encodeURIComponent;

export class Live {
  // hooks: onChunk(chunk), onBusy(bool), refresh(drop) (load the stored messages newer than those
  // shown; drop: whether live parts not stored go), poll() (the idle check),
  // onTrouble(error or null) (a passing problem: shown, then cleared by the next success)
  constructor(conversationId, signal, hooks) {
    this.id = conversationId;
    this.signal = signal;
    this.hooks = hooks;
    this.busy = false;
    this.seen = new Map(); // run id -> the last seq_id received
  }

  get aborted() {
    return this.signal.aborted;
  }

  // Poll for a run started elsewhere and follow it; between runs let the page check its history.
  async watch() {
    while (!this.aborted) {
      if (!this.busy) {
        try {
          const path = `/v1/runs${query({ conversation_id: this.id, active: true, limit: 1 })}`;
          const runs = await get(path, { signal: this.signal });
          if (this.busy || this.aborted) continue;
          if (runs.length) await this.run(() => this.follow(runs[0].id, this.seen.get(runs[0].id) ?? 0), true);
          else await this.hooks.poll();
          this.hooks.onTrouble(null);
        } catch (error) {
          if (this.aborted) return;
          this.hooks.onTrouble(error);
        }
      }
      await sleep(POLL_MS, this.signal);
    }
  }

  // Hold the page busy while `work` streams a run; reload the stored messages after it (the live
  // parts go unless `work` answers false: it stopped following a run that may still be going).
  async run(work, refreshFirst = false) {
    this.busy = true;
    this.hooks.onBusy(true);
    let ended = true;
    try {
      if (refreshFirst) await this.hooks.refresh(false);
      ended = (await work()) !== false;
    } finally {
      if (!this.aborted) {
        try {
          await this.hooks.refresh(ended);
        } catch (error) {
          if (!this.aborted) this.hooks.onTrouble(error);
        }
      }
      this.busy = false;
      if (!this.aborted) this.hooks.onBusy(false);
    }
  }

  // Send `messages` (a user message, or approvals) and stream the run they start. An ApiError
  // (409: busy or waiting for approval) is the caller's to show.
  send(messages) {
    return this.run(async () => {
      const body = { messages, streaming: true, stream_tokens: true, include_pings: true };
      const state = { runId: null, last: 0 };
      try {
        for await (const chunk of sse(`/v1/conversations/${enc(this.id)}/messages`, body, { signal: this.signal })) {
          this.take(chunk, state);
        }
      } catch (error) {
        if (this.aborted) return;
        if (error instanceof ApiError || !state.runId) throw error;
      }
      if (!state.stopped && !state.failed && state.runId) return this.follow(state.runId, state.last);
    });
  }

  // Follow a run from after `after`, reconnecting from the last seq_id when the stream drops.
  // Answers true once the run is over (or cannot be followed), false when it gave up.
  async follow(runId, after) {
    const state = { runId, last: after };
    for (let quiet = 0; quiet < RETRIES && !this.aborted; ) {
      const from = state.last;
      state.resume = undefined;
      let dropped = false;
      try {
        const body = { starting_after: from, include_pings: true };
        for await (const chunk of sse(`/v1/runs/${enc(runId)}/stream`, body, { signal: this.signal })) {
          this.take(chunk, state);
          if (state.resume !== undefined) break;
        }
        if (state.stopped || state.failed) return true;
        if (state.resume === undefined) {
          // The stream ended without the run's stop reason: dropped, unless the run is over.
          const run = await get(`/v1/runs/${enc(runId)}`, { signal: this.signal });
          if (!ACTIVE.includes(run.status) && state.last === from) return true;
          dropped = true;
        }
        this.hooks.onTrouble(null);
      } catch (error) {
        if (this.aborted) return true;
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) return true;
        this.hooks.onTrouble(new Error("The live stream dropped; reconnecting…"));
        dropped = true;
      }
      quiet = state.last > from ? 0 : quiet + 1;
      if (quiet) await sleep(Math.min(RETRY_MS * 2 ** (quiet - 1), MAX_RETRY_MS), this.signal);
      else if (dropped) await sleep(RETRY_MS, this.signal);
    }
    return this.aborted;
  }

  take(chunk, state) {
    if (chunk.run_id && !state.runId) state.runId = chunk.run_id;
    if (typeof chunk.seq_id === "number") state.last = Math.max(state.last, chunk.seq_id);
    const type = chunk.message_type;
    const resumable = type === "error" && chunk.resumable;
    if (resumable) state.last = state.resume = chunk.starting_after ?? state.last;
    if (state.runId) this.seen.set(state.runId, state.last);
    if (type === "ping" || resumable) return;
    if (type === "stop_reason") state.stopped = true;
    if (type === "error") state.failed = true;
    this.hooks.onChunk(chunk);
  }
}
