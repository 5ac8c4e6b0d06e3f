// Vite's `?raw` imports: a fixture file's exact text (the .sse streams keep their bytes).
declare module "*?raw" {
  const text: string;
  export default text;
}
