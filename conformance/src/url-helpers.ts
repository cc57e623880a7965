/** `url` with `parameters` as its whole query (`a=1&b=2`). */
export function withQuery(url: string, parameters: string): string {
  const parsed = new URL(url);
  parsed.search = parameters;
  return parsed.toString();
}
