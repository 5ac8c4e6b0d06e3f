// The SSE parser: lines ended by LF, CRLF or CR wherever the network cuts them, fields, comments,
// multi-line data, and what is (not) an event.
import { describe, expect, it } from "vitest";
import { cuttings, encode, events } from "./feed";

describe("SSE parser", () => {
  it("reads named events and multi-line data, skipping comments and unknown fields", async () => {
    const text = ": keep-alive\nevent: ping\ndata: {}\n\nid: 7\nretry: 10\ndata: line one\ndata:line two\n\n";
    expect(await events(text)).toEqual([
      { event: "ping", data: "{}" },
      { event: undefined, data: "line one\nline two" },
    ]);
  });

  it("takes a field without a colon as empty and strips one space only", async () => {
    expect(await events("data\ndata:  two spaces\n\n")).toEqual([
      { event: undefined, data: "\n two spaces" },
    ]);
  });

  it("reads LF, CRLF and CR line ends alike", async () => {
    const lf = "event: a\ndata: 1\n\ndata: 2\n\n";
    const expectedEvents = [
      { event: "a", data: "1" },
      { event: undefined, data: "2" },
    ];
    expect(await events(lf)).toEqual(expectedEvents);
    expect(await events(lf.replaceAll("\n", "\r\n"))).toEqual(expectedEvents);
    expect(await events(lf.replaceAll("\n", "\r"))).toEqual(expectedEvents);
  });

  it('reads a "\\r" ending one chunk and the "\\n" starting the next as one line end', async () => {
    // Two data lines of one event. Read as two line ends, "\r" then "\n" would make an empty
    // line between them and dispatch "1" on its own.
    const text = "data: 1\r\ndata: 2\r\n\r\n";
    const afterFirstCr = text.indexOf("\r") + 1;
    expect(await events(text, [afterFirstCr])).toEqual([{ event: undefined, data: "1\n2" }]);
  });

  it('still ends a line at a lone "\\r" that closes the stream', async () => {
    expect(await events("data: last\r", [])).toEqual([{ event: undefined, data: "last" }]);
    expect(await events("data: a\r\r", [8])).toEqual([{ event: undefined, data: "a" }]);
  });

  it("dispatches nothing for an event without data", async () => {
    expect(await events("event: nothing\n\ndata:\n\n: comment\n\n")).toEqual([]);
  });

  it("dispatches a last event that lacks its blank line", async () => {
    expect(await events("data: a\n\ndata: b")).toEqual([
      { event: undefined, data: "a" },
      { event: undefined, data: "b" },
    ]);
  });

  it("drops a byte-order mark at the start", async () => {
    expect(await events("\uFEFFdata: x\n\n")).toEqual([{ event: undefined, data: "x" }]);
  });

  const mixed =
    'event: message_start\r\ndata: {"a":"é"}\r\n\r\n: ping\n\ndata: 冒险\ndata: 伙伴\r\rdata: [DONE]\n\n';
  const whole = [
    { event: "message_start", data: '{"a":"é"}' },
    { event: undefined, data: "冒险\n伙伴" },
    { event: undefined, data: "[DONE]" },
  ];
  for (const [name, cutting] of Object.entries(cuttings)) {
    it(`reads the same events from a stream cut ${name}`, async () => {
      expect(await events(mixed, cutting(encode(mixed)))).toEqual(whole);
    });
  }
});
