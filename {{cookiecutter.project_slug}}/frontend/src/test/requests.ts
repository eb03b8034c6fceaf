/**
 * A request as fetch's arguments, `[url, init]`, which the tests' fakes read: the API's client
 * hands fetch a Request, whose body is read here.
 */
export async function fetchArguments(
  input: RequestInfo | URL,
  init: RequestInit = {},
): Promise<[string, RequestInit]> {
  if (typeof input === "string") return [input, init];
  if (input instanceof URL) return [input.href, init];
  const body = await input.text();
  return [
    input.url,
    {
      method: input.method,
      headers: input.headers,
      credentials: input.credentials,
      body: body === "" ? undefined : body,
    },
  ];
}
