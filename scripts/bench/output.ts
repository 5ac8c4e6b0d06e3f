// Where a benchmark run's table goes. docs/BENCHMARKS.md is tracked and quoted by the README, so
// only a full run asked to (--write) replaces it; any other run prints the table and keeps it in
// .bench/ (git-ignored) for comparison.

export type Output = { ok: true; file: string } | { ok: false; problem: string };

export const TRACKED = "docs/BENCHMARKS.md";
export const SCRATCH = ".bench/BENCHMARKS.md";

export function benchOutput(argv: readonly string[]): Output {
  const write = argv.includes("--write");
  if (write && argv.includes("--quick"))
    return {
      ok: false,
      problem: `--write updates ${TRACKED} from a full run only: run npm run bench -- --write, without --quick`,
    };
  return { ok: true, file: write ? TRACKED : SCRATCH };
}
