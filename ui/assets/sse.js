// A small parser for text/event-stream (the WHATWG "server-sent events" format), fed text as it arrives.
// Used instead of EventSource, which can only GET.

export class SseParser {
  constructor() {
    this.buffer = "";
    this.type = "";
    this.data = [];
  }

  /** Feeds a piece of text; returns the events it completed, as `{event, data}`. */
  push(text) {
    this.buffer += text;
    const events = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone "\r" at the end may be the first half of "\r\n": wait for the next piece.
      if (match[0] === "\r" && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  /** The stream ended: an event without its closing blank line is incomplete and, per the spec, dropped. */
  finish() {
    // A held-back "\r" was a line end after all.
    const events = this.buffer.endsWith("\r") ? this.push("\n") : [];
    this.buffer = "";
    this.type = "";
    this.data = [];
    return events;
  }

  line(line) {
    if (line === "") {
      if (this.data.length === 0) {
        this.type = "";
        return null;
      }
      const event = { event: this.type || "message", data: this.data.join("\n") };
      this.type = "";
      this.data = [];
      return event;
    }
    if (line.startsWith(":")) return null; // a comment, e.g. a keep-alive
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.type = value;
    else if (field === "data") this.data.push(value);
    // `id` and `retry` matter only for reconnecting, which a POST stream does not do.
    return null;
  }
}
