// The README's walkthrough, run line by line against `npm start` as a reader runs it (on a port
// range of its own: AYA_PORT shifts the demo, and the lines' ports shift with it, by npm start's
// own rule). Each line's comment says what the answer shows (scripts/lib/walkthrough.ts); this
// holds the README to it.
// A check on a GET is retried for a few seconds (a cache store or a health change lands in the
// background, as it does for a reader between two lines); after `sleep N`, for N seconds more.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Check, type Step, walkthrough } from "../../scripts/lib/walkthrough.ts";
import {
  freeDemoPort,
  freshClone,
  isFree,
  layoutFor,
  npmStart,
  ROOT,
  type Run,
  STACK,
  stop,
  stopAll,
  waitForOutput,
} from "./support/npm-start";
import { type Answer, actions, curl, type Jars } from "./support/shell";

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const blocks = walkthrough(README);
const READY_MS = 120_000;
const RETRY_MS = 5_000;

let demo: Run;
let clone: string | undefined;
let port = 0;
let layout: ReturnType<typeof layoutFor>;
const jars: Jars = new Map();
/** What `NAME=$(curl …)` lines captured, for `$NAME` in the lines after them. */
const vars: Record<string, string> = {};
let patience = 0;

function failures(answer: Answer, checks: Check[]): string[] {
  return checks.flatMap((check) => {
    if (check.kind === "status")
      return answer.status === check.status ? [] : [`status ${answer.status}, not ${check.status}`];
    if (check.kind === "header") {
      const value = answer.headers.get(check.name);
      return value === check.value ? [] : [`${check.name}: ${value ?? "(absent)"}, not ${check.value}`];
    }
    return answer.body.includes(check.contains) ? [] : [`the body has no "${check.contains}"`];
  });
}

async function runStep(step: Step): Promise<void> {
  const retryFor = patience || RETRY_MS;
  patience = 0;
  const deadline = Date.now() + retryFor;
  for (;;) {
    let last: Answer | undefined;
    for (const action of actions(layout.shiftText(step.command), vars)) {
      if (action.kind === "sleep") patience = action.seconds * 1000 + RETRY_MS;
      else {
        last = await curl(action.args, jars);
        if (action.assign) vars[action.assign] = last.body.trim();
      }
    }
    if (step.checks.length === 0) return;
    if (!last) throw new Error(`README.md:${step.line}: checks on a line that runs no curl`);
    const failed = failures(last, step.checks);
    const retriable = last.method === "GET" || last.method === "HEAD";
    if (failed.length === 0) return;
    if (!retriable || Date.now() > deadline) {
      const headers: string[] = [];
      last.headers.forEach((value, name) => {
        headers.push(`${name}: ${value}`);
      });
      expect.fail(
        `README.md:${step.line}: ${step.command}\n${failed.join("; ")}\n  ${headers.join("\n  ")}\n  ${last.body.slice(0, 500)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  port = await freeDemoPort();
  layout = layoutFor(port);
  // As on a fresh clone: npm start copies .dev.vars.example (ADMIN_TOKEN=dev-admin-token …) itself.
  clone = freshClone();
  demo = npmStart({ cwd: clone, env: { AYA_PORT: String(port) } });
  await waitForOutput(demo, /aya demo is up/, READY_MS);
}, READY_MS + 5_000);

afterAll(async () => {
  await stopAll();
  if (clone) rmSync(clone, { recursive: true, force: true });
}, 30_000);

describe("npm start", () => {
  it("prints where everything is, on the ports AYA_PORT chose, without a stack trace or a warning about types", () => {
    const output = demo.output();
    const shift = port - 8787;
    expect(output).toContain(`Ready on http://127.0.0.1:${port}`);
    expect(output).toContain(`eu-1@127.0.0.1:${9101 + shift}`);
    expect(output).toContain(`(control :${9100 + shift})`);
    expect(output).toContain(`fake-openai@127.0.0.1:${9401 + shift}`);
    expect(output).toContain(`localhost:${port}/api/hello`);
    expect(output).not.toMatch(STACK);
    expect(output).not.toMatch(/types might be out of date/);
  });
});

describe("the README's walkthrough", () => {
  it("has blocks to run", () => {
    expect(blocks.length).toBeGreaterThan(0);
  });
  for (const block of blocks) {
    for (const step of block.steps) {
      it(`README.md:${step.line} ${step.command.slice(0, 90)}`, () => runStep(step), 60_000);
    }
  }
});

describe("a second npm start on the same ports", () => {
  it("says in one line which port is taken and how to choose others, and leaves the first running", async () => {
    const second = npmStart({ env: { AYA_PORT: String(port) } });
    expect(await second.exited).toBe(1);
    expect(second.output()).not.toMatch(STACK);
    expect(second.output().trim().split("\n")).toHaveLength(1);
    expect(second.output()).toContain(`port ${port}`);
    expect(second.output()).toMatch(/AYA_PORT=\d+ npm start/);
    expect((await fetch(`http://127.0.0.1:${port}/__aya/healthz`)).status).toBe(200);
  }, 30_000);
});

describe("Ctrl-C", () => {
  it("stops everything npm start started", async () => {
    expect(await stop(demo)).toBe(0);
    for (const { port: p } of layout.ports) expect(await isFree(p)).toBe(true);
  }, 30_000);
});
