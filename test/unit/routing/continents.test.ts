// The country → continent table that fills in a continent when a location names only a country.
import { describe, expect, it } from "vitest";
import { continentOf, knownCountries } from "../../../src/routing/continents";

describe("continentOf", () => {
  it("knows every ISO 3166-1 alpha-2 country (249) and Kosovo, once each", () => {
    const codes = knownCountries();
    expect(codes).toHaveLength(250);
    expect(new Set(codes).size).toBe(250);
    for (const code of codes) expect(code).toMatch(/^[A-Z]{2}$/);
  });

  it("answers Cloudflare's continent codes", () => {
    expect(continentOf("AU")).toBe("OC");
    expect(continentOf("DE")).toBe("EU");
    expect(continentOf("JP")).toBe("AS");
    expect(continentOf("US")).toBe("NA");
    expect(continentOf("BR")).toBe("SA");
    expect(continentOf("NG")).toBe("AF");
    expect(continentOf("AQ")).toBe("AN");
  });

  it("has no continent for what is not a country", () => {
    expect(continentOf("XX")).toBeUndefined();
    expect(continentOf("T1")).toBeUndefined();
  });
});
