// `npm run aya`: which admin request each command line sends, and what a person reads back.
import { describe, expect, it } from "vitest";
import { parseArgs, render } from "../../../scripts/lib/aya-cli";

const request = (line: string) => {
  const parsed = parseArgs(line.split(" "));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.request;
};

describe("the aya CLI", () => {
  it("sends each command to its endpoint", () => {
    expect(request("backends drain eu eu-1")).toEqual({
      method: "POST",
      path: "/pools/eu/backends/eu-1/drain",
      show: "change",
    });
    expect(request("backends put eu eu-3 https://eu3.example.com --weight 2 --max-connections=50")).toEqual({
      method: "PUT",
      path: "/pools/eu/backends/eu-3",
      body: { url: "https://eu3.example.com", weight: 2, maxConnections: 50 },
      show: "change",
    });
    expect(request("backends delete eu eu-3")).toMatchObject({
      method: "DELETE",
      path: "/pools/eu/backends/eu-3",
    });
    expect(request("backends revert eu eu-1")).toMatchObject({
      method: "DELETE",
      path: "/changes/pools/eu/backends/eu-1",
    });
    expect(
      request("models put chat openai/gpt-4o-mini=3 local/meta-llama/Llama-3-8B --strategy weighted"),
    ).toEqual({
      method: "PUT",
      path: "/models/chat",
      body: {
        strategy: "weighted",
        targets: [
          { provider: "openai", model: "gpt-4o-mini", weight: 3 },
          { provider: "local", model: "meta-llama/Llama-3-8B" },
        ],
      },
      show: "change",
    });
    expect(request("audit --limit 5")).toMatchObject({ method: "GET", path: "/audit?limit=5" });
    expect(request("status")).toMatchObject({ method: "GET", path: "/status", show: "status" });
  });

  it("says what is wrong with a command line in one sentence", () => {
    const error = (line: string) => {
      const parsed = parseArgs(line.split(" "));
      return parsed.ok ? undefined : parsed.error;
    };
    expect(error("backends drain eu")).toBe("backends drain takes <pool> <id>");
    expect(error("backends put eu eu-3 https://x --weight heavy")).toBe("--weight must be a number");
    expect(error("models put chat gpt-4o")).toBe('a target is provider/model, got "gpt-4o"');
    expect(error("status --colour")).toBe("unknown option --colour");
    expect(error("status --url")).toBe("--url needs a value");
    expect(error("backends frob eu eu-1")).toBe('unknown command "backends frob eu eu-1"');
  });

  it("prints what changed, every problem of a refused change, and one line for a refused token", () => {
    const drain = request("backends drain eu eu-1");
    expect(
      render(drain, 200, { changed: true, version: 7, summary: "eu-1 in pool eu: active → draining" }, false),
    ).toEqual({
      ok: true,
      lines: ["changed (version 7): eu-1 in pool eu: active → draining"],
    });
    const refused = render(drain, 400, { error: { code: "bad_request", problems: ["a", "b"] } }, false);
    expect(refused).toEqual({ ok: false, lines: ["the gateway refused the change:", "  - a", "  - b"] });
    expect(render(drain, 401, { error: { code: "unauthorized" } }, false).lines).toEqual([
      "the gateway refused the admin token (401): check AYA_ADMIN_TOKEN",
    ]);
  });
});
