// A runtime change is validated like the config: every problem at once, in the config's own
// sentences, and nothing applied when there is one. Changes are versioned and say what changed.
import { describe, expect, it } from "vitest";
import { parseGateway } from "../../../src/config/normalize";
import { applyOverlay } from "../../../src/overlay/apply";
import { applyChange, type ChangeResult, MAX_CHANGES } from "../../../src/overlay/change";
import { type ChangeRequest, emptyOverlay, type Overlay } from "../../../src/overlay/types";

const deployed = {
  pools: {
    eu: {
      backends: [
        { id: "eu-1", url: "https://eu1.example" },
        { id: "eu-2", url: "https://eu2.example" },
      ],
      slowStartSeconds: 20,
    },
    solo: { backends: [{ id: "solo-1", url: "https://solo.example" }] },
  },
  providers: { openai: { type: "openai", apiKeySecret: "OPENAI_API_KEY" } },
  models: { chat: { targets: [{ provider: "openai", model: "gpt-4o-mini" }] } },
  routes: [{ path: "/*", pool: "eu" }],
};

type Op = ChangeRequest extends infer R ? (R extends unknown ? Omit<R, "endpoint"> : never) : never;

/** Applies changes in turn from an empty overlay; each must be accepted. */
function run(...ops: Op[]): { overlay: Overlay; results: ChangeResult[] } {
  let overlay = emptyOverlay();
  const results: ChangeResult[] = [];
  let now = 1_000_000;
  for (const op of ops) {
    now += 1000;
    const result = applyChange(overlay, { ...op, endpoint: "test" } as ChangeRequest, deployed, now);
    results.push(result);
    if (!result.ok) throw new Error(result.problems.join("\n"));
    if (result.changed) overlay = result.overlay;
  }
  return { overlay, results };
}

function refused(overlay: Overlay, op: Op): string[] {
  const result = applyChange(overlay, { ...op, endpoint: "test" } as ChangeRequest, deployed, 5_000_000);
  if (result.ok) throw new Error("expected the change to be refused");
  return result.problems;
}

const effective = (overlay: Overlay) => {
  const result = applyOverlay(parseGateway(deployed), deployed, overlay).result;
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
};

describe("a runtime change", () => {
  it("adds a backend, versioned, with what changed in a sentence", () => {
    const { overlay, results } = run({
      op: "put-backend",
      pool: "eu",
      id: "eu-3",
      body: { url: "https://eu3.example", weight: 2 },
    });
    expect(overlay.version).toBe(1);
    const result = results[0];
    expect(result).toMatchObject({ ok: true, changed: true });
    if (result?.ok && result.changed)
      expect(result.audit).toMatchObject({
        version: 1,
        change: "pools/eu/backends/eu-3",
        summary: "eu-3 in pool eu: added (https://eu3.example, weight 2)",
      });
    const added = effective(overlay)
      .pools.get("eu")
      ?.backends.find((b) => b.id === "eu-3");
    expect(added).toMatchObject({ url: "https://eu3.example", weight: 2, slowStart: { seconds: 20 } });
  });

  it("says when a PUT changes no field, and changes nothing when it is repeated", () => {
    const { overlay, results } = run(
      { op: "put-backend", pool: "eu", id: "eu-1", body: { url: "https://eu1.example" } },
      { op: "put-backend", pool: "eu", id: "eu-1", body: { url: "https://eu1.example" } },
    );
    const summaries = results.map((r) => (r.ok && r.changed ? r.audit.summary : r.ok ? r.summary : ""));
    expect(summaries).toEqual([
      "eu-1 in pool eu: the same fields, now set by the overlay (they outlive a redeploy)",
      "eu-1 in pool eu: unchanged",
    ]);
    expect(overlay.version).toBe(1);
  });

  it("answers every problem of an invalid backend at once, in the config's sentences, and applies nothing", () => {
    const problems = refused(emptyOverlay(), {
      op: "put-backend",
      pool: "eu",
      id: "eu-3",
      body: { url: "not a url", weight: -1, maxConections: 5 },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "pools.eu.backends[2].url: invalid URL",
        expect.stringMatching(/^pools\.eu\.backends\[2\]\.weight: /),
        'pools.eu.backends[2].maxConections: unknown field (did you mean "maxConnections"?)',
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it("refuses a URL with credentials, as the config does", () => {
    const problems = refused(emptyOverlay(), {
      op: "put-backend",
      pool: "eu",
      id: "eu-3",
      body: { url: "https://user:secret@eu3.example" },
    });
    expect(problems).toEqual([
      "pools.eu.backends[2].url: credentials in a URL are not allowed; use headers or apiKeySecret",
    ]);
  });

  it("names an unknown pool or backend with the nearest valid one", () => {
    expect(refused(emptyOverlay(), { op: "drain", pool: "ue", id: "eu-1" })).toEqual([
      'pools: unknown pool "ue" (did you mean "eu"?)',
    ]);
    expect(refused(emptyOverlay(), { op: "drain", pool: "eu", id: "eu-9" })).toEqual([
      'pools.eu.backends: unknown backend "eu-9" (did you mean "eu-1"?)',
    ]);
  });

  it("refuses an id used by another pool, and removing a pool's last backend", () => {
    expect(
      refused(emptyOverlay(), {
        op: "put-backend",
        pool: "eu",
        id: "solo-1",
        body: { url: "https://x.example" },
      }),
    ).toEqual([expect.stringContaining('duplicate id "solo-1"')]);
    expect(refused(emptyOverlay(), { op: "delete-backend", pool: "solo", id: "solo-1" })).toEqual([
      "pools.solo.backends: a pool needs at least one backend",
    ]);
  });

  it("refuses a body that is not an object, and an id that differs from the path", () => {
    expect(refused(emptyOverlay(), { op: "put-backend", pool: "eu", id: "eu-3", body: undefined })).toEqual([
      expect.stringMatching(/^body: must be a JSON object/),
    ]);
    expect(
      refused(emptyOverlay(), {
        op: "put-backend",
        pool: "eu",
        id: "eu-3",
        body: { id: "eu-4", url: "https://x.example" },
      }),
    ).toEqual(['pools.eu.backends[2].id: "eu-4" differs from the id in the path ("eu-3")']);
  });

  it("reads a deployed config given as a JSON string (as `wrangler dev --var` and the dashboard give it)", () => {
    const result = applyChange(
      emptyOverlay(),
      { op: "drain", pool: "eu", id: "eu-1", endpoint: "t" },
      JSON.stringify(deployed),
      1,
    );
    expect(result).toMatchObject({ ok: true, changed: true });
    expect(
      applyChange(
        emptyOverlay(),
        { op: "drain", pool: "ue", id: "eu-1", endpoint: "t" },
        JSON.stringify(deployed),
        1,
      ),
    ).toEqual({ ok: false, problems: ['pools: unknown pool "ue" (did you mean "eu"?)'] });
  });

  it("drains, disables and enables, and a repeated one changes nothing", () => {
    const { overlay, results } = run(
      { op: "drain", pool: "eu", id: "eu-1" },
      { op: "drain", pool: "eu", id: "eu-1" },
      { op: "disable", pool: "eu", id: "eu-1" },
      { op: "enable", pool: "eu", id: "eu-1" },
    );
    const summaries = results.map((r) => (r.ok && r.changed ? r.audit.summary : r.ok ? r.summary : ""));
    expect(summaries).toEqual([
      "eu-1 in pool eu: active → draining",
      "eu-1 in pool eu: already draining",
      "eu-1 in pool eu: draining → disabled",
      "eu-1 in pool eu: disabled → active (slow start over 20 s)",
    ]);
    expect(overlay.version).toBe(3);
    const eu1 = effective(overlay)
      .pools.get("eu")
      ?.backends.find((b) => b.id === "eu-1");
    expect(eu1?.rotation).toBeUndefined();
    expect(eu1?.slowStart).toEqual({ since: 1_004_000, seconds: 20 });
  });

  it("removes a backend added at run time with its change, and marks a deployed one removed", () => {
    const { overlay } = run(
      { op: "put-backend", pool: "eu", id: "eu-3", body: { url: "https://eu3.example" } },
      { op: "delete-backend", pool: "eu", id: "eu-3" },
      { op: "delete-backend", pool: "eu", id: "eu-2" },
    );
    expect(Object.keys(overlay.changes)).toEqual(["pools/eu/backends/eu-2"]);
    expect(overlay.changes["pools/eu/backends/eu-2"]).toMatchObject({ removed: true });
    expect(
      effective(overlay)
        .pools.get("eu")
        ?.backends.map((b) => b.id),
    ).toEqual(["eu-1"]);
  });

  it("sets a model alias's targets, naming an unknown provider with the nearest one", () => {
    const problems = refused(emptyOverlay(), {
      op: "put-model",
      alias: "chat",
      body: { targets: [{ provider: "opnai", model: "gpt-4o" }], strategy: "fastest" },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'models.chat.targets[0].provider: unknown provider "opnai" (did you mean "openai"?)',
        expect.stringMatching(/^models\.chat\.strategy: unknown value "fastest"/),
      ]),
    );
    const { overlay } = run({
      op: "put-model",
      alias: "chat",
      body: { strategy: "weighted", targets: [{ provider: "openai", model: "gpt-4o", weight: 3 }] },
    });
    expect(effective(overlay).models.get("chat")).toMatchObject({
      strategy: "weighted",
      targets: [{ provider: "openai", model: "gpt-4o", weight: 3 }],
    });
  });

  it("keeps at most MAX_CHANGES changes", () => {
    const changes: Overlay["changes"] = {};
    for (let i = 0; i < MAX_CHANGES; i++)
      changes[`models/m${i}`] = {
        kind: "model",
        alias: `m${i}`,
        set: { targets: [] },
        version: i + 1,
        at: 0,
      };
    const full: Overlay = { version: MAX_CHANGES, changes };
    const problems = applyChange(full, { op: "drain", pool: "eu", id: "eu-1", endpoint: "t" }, deployed, 1);
    expect(problems).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^changes: at most 1000 runtime changes/)],
    });
  });

  it("reverts a change, but not one whose revert would break a later change", () => {
    const { overlay } = run(
      { op: "delete-backend", pool: "eu", id: "eu-2" },
      // eu-2 is free again: another pool may use the id.
      { op: "put-backend", pool: "solo", id: "eu-2", body: { url: "https://other.example" } },
    );
    const problems = refused(overlay, { op: "revert", key: "pools/eu/backends/eu-2" });
    expect(problems).toEqual([
      expect.stringMatching(/^pools\/solo\/backends\/eu-2: would no longer apply \(.*duplicate id "eu-2"/),
    ]);
    expect(refused(overlay, { op: "revert", key: "pools/eu/backends/eu-9" })).toEqual([
      expect.stringMatching(/^changes: no change "pools\/eu\/backends\/eu-9" to revert/),
    ]);
    const reverted = applyChange(
      overlay,
      { op: "revert", key: "pools/solo/backends/eu-2", endpoint: "t" },
      deployed,
      9,
    );
    expect(reverted).toMatchObject({ ok: true, changed: true });
  });
});
