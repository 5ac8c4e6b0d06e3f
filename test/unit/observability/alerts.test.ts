// The alert queue on its own, as any owning object uses it (the budget owner of the limits work
// included): what is sent, when it is retried, when it is given up, that an event goes out once,
// and the budget-threshold alert the limits work raises.
import { describe, expect, it, vi } from "vitest";
import { parseGateway } from "../../../src/config/normalize";
import { type Alert, budgetThresholdAlert } from "../../../src/observability/alerts/events";
import { type AlertBacklog, AlertQueue, RETRY_DELAYS_S } from "../../../src/observability/alerts/queue";
import { signature } from "../../../src/observability/alerts/webhook";
import { ManualClock } from "../../support/manual-clock";

function alertsConfig(extra: Record<string, unknown> = {}) {
  const parsed = parseGateway({ alerts: { webhookUrl: "https://hooks.example/aya", ...extra } });
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.config.alerts;
}

function queueWith(
  answers: (number | "network")[],
  extra: Record<string, unknown> = {},
  secrets: Record<string, string> = {},
) {
  const clock = new ManualClock(Date.UTC(2026, 4, 1));
  let backlog: AlertBacklog | undefined;
  const sent: { url: string; init: RequestInit }[] = [];
  const wakes: number[] = [];
  const queue = new AlertQueue({
    load: () => backlog && structuredClone(backlog),
    save: (b) => {
      backlog = structuredClone(b);
    },
    clock,
    config: () => alertsConfig(extra),
    secret: (name) => secrets[name],
    wake: async (at) => {
      wakes.push(at);
    },
    send: (async (url: string, init: RequestInit) => {
      sent.push({ url, init });
      const answer = answers.shift() ?? 200;
      if (answer === "network") throw new Error("connection refused");
      return new Response("{}", { status: answer });
    }) as typeof fetch,
  });
  return { queue, clock, sent, wakes, backlog: () => backlog };
}

const budget = (percent: 80 | 100, at = Date.UTC(2026, 4, 10)): Alert =>
  budgetThresholdAlert({
    consumer: "acme",
    percent,
    spentUsd: percent === 80 ? 8.01 : 10,
    budgetUsd: 10,
    period: "month",
    periodStart: Date.UTC(2026, 4, 1),
    at,
  });

describe("the budget-threshold alert", () => {
  it("says who spent how much of what, and is the same event however often it is raised", () => {
    const a = budget(80);
    expect(a).toMatchObject({
      event: "budget_threshold",
      consumer: "acme",
      percent: 80,
      budgetUsd: 10,
      period: "month",
    });
    expect(a.text).toBe(
      ":moneybag: aya: consumer acme has spent 80 % of its budget ($8.01 of $10.00 this month).",
    );
    expect(budget(100).text).toMatch(/has spent its whole budget; its requests are refused/);
    expect(budget(80, Date.UTC(2026, 4, 20)).id).toBe(a.id);
    expect(budget(100).id).not.toBe(a.id);
  });
});

describe("the alert queue", () => {
  it("sends a queued alert at once, as JSON, signed with the named secret", async () => {
    const q = queueWith([200], { secretName: "HOOK_SECRET" }, { HOOK_SECRET: "s3cret" });
    expect(q.queue.enqueue(budget(80))).toBe(true);
    await q.queue.deliverDue();
    expect(q.sent).toHaveLength(1);
    const { url, init } = q.sent[0] as { url: string; init: RequestInit };
    const headers = init.headers as Record<string, string>;
    expect(url).toBe("https://hooks.example/aya");
    expect(init.method).toBe("POST");
    expect(init.redirect).toBe("manual");
    expect(JSON.parse(init.body as string)).toMatchObject({
      event: "budget_threshold",
      text: expect.any(String),
    });
    expect(headers["x-aya-signature"]).toBe(await signature(init.body as string, "s3cret"));
    expect(headers["x-aya-event"]).toBe("budget_threshold");
    expect(q.queue.nextAt()).toBeUndefined();
  });

  it("does not send unsigned when the named secret is missing: it waits for it", async () => {
    const q = queueWith([], { secretName: "HOOK_SECRET" });
    q.queue.enqueue(budget(80));
    await q.queue.deliverDue();
    expect(q.sent).toHaveLength(0);
    expect(q.queue.nextAt()).toBe(q.clock.now() + 10_000);
  });

  it("retries after 10 s, 30 s, 1, 2, 5 and 10 minutes on 5xx, 429 or a network error, then gives up", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const q = queueWith(
      Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? "network" : i % 3 === 1 ? 503 : 429)),
    );
    q.queue.enqueue(budget(80));
    await q.queue.deliverDue();
    const gaps: number[] = [];
    for (let i = 0; i < 20 && q.queue.nextAt() !== undefined; i++) {
      const next = q.queue.nextAt() as number;
      gaps.push((next - q.clock.now()) / 1000);
      q.clock.advance(next - q.clock.now());
      await q.queue.deliverDue();
    }
    expect(gaps).toEqual([...RETRY_DELAYS_S]);
    expect(q.sent).toHaveLength(RETRY_DELAYS_S.length + 1);
    expect(q.backlog()?.pending).toEqual([]);
    expect(String(errors.mock.calls[0]?.[0])).toMatch(/"msg":"alert given up after retries".*"attempts":9/);
    errors.mockRestore();
  });

  it("does not retry what the receiver refuses (4xx other than 408 and 429)", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const q = queueWith([400]);
    q.queue.enqueue(budget(80));
    await q.queue.deliverDue();
    expect(q.queue.nextAt()).toBeUndefined();
    expect(q.sent).toHaveLength(1);
    expect(String(errors.mock.calls[0]?.[0])).toMatch(/"msg":"alert refused by the webhook".*"status":400/);
    errors.mockRestore();
  });

  it("sends an event once: raised again while waiting or after delivery, it is not sent twice", async () => {
    const q = queueWith([503, 200]);
    q.queue.enqueue(budget(80));
    await q.queue.deliverDue();
    q.queue.enqueue(budget(80));
    q.clock.advance(10_000);
    await q.queue.deliverDue();
    q.queue.enqueue(budget(80));
    await q.queue.deliverDue();
    expect(q.sent).toHaveLength(2);
  });

  it("ignores events the config does not name, and everything when alerts are not configured", async () => {
    const q = queueWith([], { events: ["backend_unhealthy"] });
    expect(q.queue.enqueue(budget(80))).toBe(false);
    await q.queue.deliverDue();
    expect(q.sent).toHaveLength(0);
  });

  it("asks its object to wake it for the next retry", async () => {
    const q = queueWith([503]);
    q.queue.enqueue(budget(100));
    await q.queue.deliverDue();
    expect(q.wakes).toEqual([q.clock.now() + 10_000]);
  });
});
