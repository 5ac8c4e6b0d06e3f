// Which continent a country is on, in Cloudflare's continent codes (request.cf.continent), for
// every ISO 3166-1 alpha-2 code, plus XK (Kosovo), which Cloudflare also reports. Used when a
// location names a country but no continent (the x-aya-geo-* headers in local testing), so that
// continent rules still apply. Assignments follow the usual GeoNames / MaxMind convention; the
// borderline ones are a choice: Turkey and the Caucasus in Asia, Russia and Cyprus in Europe.

export type Continent = "AF" | "AN" | "AS" | "EU" | "NA" | "OC" | "SA";

const COUNTRIES: Record<Continent, string> = {
  // Africa
  AF: [
    "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR",
    "MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW",
  ].join(" "),
  // Antarctica
  AN: "AQ BV GS HM TF",
  // Asia
  AS: [
    "AE AF AM AZ BD BH BN BT CC CN CX GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN",
    "MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE",
  ].join(" "),
  // Europe
  EU: [
    "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU",
    "LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK",
  ].join(" "),
  // North America
  NA: [
    "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX NI PA PM",
    "PR SV SX TC TT US VC VG VI",
  ].join(" "),
  // Oceania
  OC: "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS",
  // South America
  SA: "AR BO BR CL CO EC FK GF GY PE PY SR UY VE",
};

const byCountry = new Map<string, Continent>();
for (const [continent, codes] of Object.entries(COUNTRIES) as [Continent, string][]) {
  for (const code of codes.split(" ")) byCountry.set(code, continent);
}

/** The continent of an ISO 3166-1 alpha-2 country code (upper case), if it names a country. */
export function continentOf(country: string): Continent | undefined {
  return byCountry.get(country);
}

/** Every country code the table knows, for tests. */
export function knownCountries(): string[] {
  return [...byCountry.keys()];
}
