// The demo's control APIs (origins on :9100, fake providers on :9400, as `npm start` runs them)
// as a person pokes at them with curl: a body that is not JSON or a misspelt mode gets a 400 that
// says what would work, and never takes the servers (and with them the whole demo) down.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OriginFarm } from "../../scripts/lib/farm.ts";
import { ProviderFarm } from "../../scripts/lib/providers.ts";

const origins = new OriginFarm();
const providers = new ProviderFarm();
let originControl = "";
let providerControl = "";
let providerUrl = "";

beforeAll(async () => {
  await origins.add("ctl-eu-1", "eu");
  originControl = `http://127.0.0.1:${await origins.listen()}`;
  providerUrl = `http://127.0.0.1:${(await providers.add("ctl-openai", "openai")).port}`;
  providerControl = `http://127.0.0.1:${await providers.listen()}`;
});

afterAll(async () => {
  await origins.close();
  await providers.close();
});

const post = (url: string, body: string) => fetch(url, { method: "POST", body });

describe("the origins' control API", () => {
  it("answers 400 to a body that is not JSON, and keeps running", async () => {
    const res = await post(`${originControl}/origins/ctl-eu-1/mode`, "status:503");
    expect(res.status).toBe(400);
    expect((await res.json()) as { error: string }).toEqual({
      error: expect.stringContaining('{"mode":"status:503"}'),
    });
    expect((await fetch(`${originControl}/origins/ctl-eu-1`)).status).toBe(200);
  });

  it("answers 400 listing the valid modes to a misspelt mode, and keeps the old one", async () => {
    const res = await post(`${originControl}/origins/ctl-eu-1/mode`, '{"mode":"stauts:503"}');
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: string };
    for (const mode of ["ok", "status:", "delay:", "health-body:"]) expect(error).toContain(mode);
    expect(
      ((await (await fetch(`${originControl}/origins/ctl-eu-1`)).json()) as { mode: unknown }).mode,
    ).toEqual({
      kind: "ok",
    });
  });

  it("still takes a well-formed mode", async () => {
    const res = await post(`${originControl}/origins/ctl-eu-1/mode`, '{"mode":"status:503"}');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { mode: unknown }).mode).toEqual({ kind: "status", status: 503 });
    await post(`${originControl}/origins/ctl-eu-1/mode`, '{"mode":"ok"}');
  });
});

describe("the fake providers' control API", () => {
  it("answers 400 to a body that is not JSON, and keeps running", async () => {
    const res = await post(`${providerControl}/providers/ctl-openai/mode`, "status:429:30");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('{"mode":"status:429:30"}');
    expect((await post(`${providerControl}/providers/ctl-openai/mode`, '{"mode":"ok"}')).status).toBe(200);
  });

  it("answers 400 listing the valid modes to a misspelt mode", async () => {
    const res = await post(`${providerControl}/providers/ctl-openai/mode`, '{"mode":"break_stream"}');
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: string };
    for (const mode of ["ok", "status:", "delay:", "break-stream"]) expect(error).toContain(mode);
  });

  it("keeps a fake provider up when a client sends it a body that is not JSON", async () => {
    const res = await post(`${providerUrl}/v1/chat/completions`, "not json");
    expect(res.status).toBe(400);
    expect((await post(`${providerControl}/providers/ctl-openai/mode`, '{"mode":"ok"}')).status).toBe(200);
  });
});
