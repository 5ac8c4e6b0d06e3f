// The dashboard in a real browser (Debian's chromium, headless, driven by puppeteer-core) against
// `wrangler dev` with the demo config: a person signs in with the admin token once, sees every
// pool and backend, and a backend that nothing answers for marked DOWN within a probe or two.
// The screenshot is checked (a PNG of a full page); with AYA_DASHBOARD_SCREENSHOT=<file> it is
// also written there (docs/dashboard.png, the README's, comes from such a run).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const gateway = inject("gatewayUrl");
const token = inject("adminToken");
// Without a browser on this machine the test says so and is skipped; CI installs one (.ci/run).
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CI)
  throw new Error(`no browser at ${CHROMIUM}: .ci/run installs Debian's chromium`);
if (!haveBrowser)
  console.warn(`dashboard browser test skipped: no browser at ${CHROMIUM} (apt-get install chromium)`);

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe.skipIf(!haveBrowser)("the dashboard in a browser", () => {
  let browser: Browser;
  let profile: string;

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), "aya-chromium-"));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    // Some traffic, so that the page has figures to show.
    for (const country of ["DE", "US", "JP", "DE", "US"])
      await (await fetch(`${gateway}/api/hello`, { headers: { "x-aya-geo-country": country } })).text();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it("signs in with the admin token once, then shows every backend, a dead one marked DOWN", async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1360, height: 900 });
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(String(e)));

    // localhost: a Secure cookie over plain HTTP is kept for localhost only.
    const url = `${gateway.replace("127.0.0.1", "localhost")}/__aya/dashboard`;
    await page.goto(url);
    expect(await page.$('input[name="token"]')).not.toBeNull();
    await page.type('input[name="token"]', token);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);

    // Signed in: the session cookie is one no script can read.
    const [cookie] = (await browser.cookies()).filter((c) => c.name === "aya_dashboard");
    expect(cookie).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: "Strict",
      path: "/__aya/dashboard",
    });
    expect(await page.evaluate(() => document.cookie)).not.toContain("aya_dashboard");

    for (const id of ["eu-1", "eu-2", "us-1", "us-2", "ap-1", "ap-2", "watched-up", "watched-down", "openai"])
      expect(await page.$(`[data-backend="${id}"]`), id).not.toBeNull();
    // Probed every 10 s, down at the first failed probe; the page refreshes itself every 5 s.
    await page.waitForSelector('[data-backend="watched-down"] .badge-down', { timeout: 40_000 });
    const downText = await page.$eval('[data-backend="watched-down"]', (row) => row.textContent ?? "");
    expect(downText).toContain("DOWN");
    expect(downText).toMatch(/health checks fail/);
    expect(await page.$eval(".verdict", (v) => v.textContent ?? "")).toMatch(
      /backends? (is|are) not taking traffic/,
    );
    expect(await page.$eval('[data-backend="watched-up"] .badge', (b) => b.textContent)).toBe("UP");

    const png = await page.screenshot({ fullPage: true, type: "png" });
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const { width, height } = pngSize(png);
    expect(width).toBe(1360);
    expect(height).toBeGreaterThan(900);
    // A blank page compresses to a few kilobytes; this one has tables, badges and lines on it.
    expect(png.byteLength).toBeGreaterThan(40_000);
    if (process.env.AYA_DASHBOARD_SCREENSHOT) writeFileSync(process.env.AYA_DASHBOARD_SCREENSHOT, png);
    // Nothing the CSP refused, no script error.
    expect(problems).toEqual([]);
  }, 90_000);
});
