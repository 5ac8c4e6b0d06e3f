// The small schemas every part of the GATEWAY config shares: URLs, numbers, secret names.
import { z } from "zod";

export const httpUrl = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, "invalid URL")
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.username === "" && url.password === "";
    } catch {
      return true;
    }
  }, "credentials in a URL are not allowed; use headers or apiKeySecret");

export const status = z.number().int().min(100).max(599);

/** The name of a secret binding, never a value; never the admin token (`why` says what it would leak into). */
export const secretName = (why: string) =>
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be the name of a secret binding")
    .refine((name) => name !== "ADMIN_TOKEN", `must not be ADMIN_TOKEN: ${why}`);
export const positiveInt = z.number().int().positive();
export const nonNegativeInt = z.number().int().min(0);
