/** The text of src/api/protocol.ts for an AsyncAPI document of the socket (asyncapi.json, parsed). */
export function compileProtocol(document: unknown): Promise<string>;
