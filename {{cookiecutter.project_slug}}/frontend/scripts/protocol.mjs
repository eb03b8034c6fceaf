// Makes src/api/protocol.ts, the socket protocol's TypeScript, from src/api/asyncapi.json, the
// backend's AsyncAPI document: the types of every frame, both ways, through
// json-schema-to-typescript, and the few values the client needs at run time. `npm run
// generate:protocol` runs it; the project's scripts/protocol.sh first writes asyncapi.json anew.
// src/api/protocol.test.ts checks that protocol.ts is what compileProtocol() makes of asyncapi.json.

import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { compile } from "json-schema-to-typescript";

const DOCUMENT = new URL("../src/api/asyncapi.json", import.meta.url);
const OUTPUT = new URL("../src/api/protocol.ts", import.meta.url);

const BANNER = `/*
 * Generated from asyncapi.json (the backend's AsyncAPI document of the socket) by
 * frontend/scripts/protocol.mjs with json-schema-to-typescript: do not edit. After a change to the
 * protocol's models in backend/app/realtime/, run scripts/protocol.sh and commit both files.
 */`;

const SCHEMAS = "#/components/schemas/";
const MESSAGES = "#/channels/socket/messages/";
// The message a request gets instead of its reply when it fails.
const ERROR_MESSAGE = "error";

const pascal = (name) => name.charAt(0).toUpperCase() + name.slice(1);
const frameName = (message) => `${pascal(message)}Frame`;

function refName(ref, prefix) {
  if (typeof ref !== "string" || !ref.startsWith(prefix))
    throw new Error(`Unexpected $ref: ${String(ref)}`);
  return ref.slice(prefix.length);
}

const SUBSCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "prefixItems"];
const SUBSCHEMAS = ["additionalProperties", "items", "not", "if", "then", "else", "contains"];
const SUBSCHEMA_MAPS = ["properties", "patternProperties", "$defs"];

/**
 * A schema of the document as json-schema-to-typescript is to read it: its $refs point into
 * `$defs`; no `title`s (pydantic titles every field, which would make a type of each); and an
 * object that has no properties of its own is a Record (json-schema-to-typescript would write an
 * empty interface, or an index signature alone, which the project's lint rules refuse).
 */
function prepare(schema) {
  if (typeof schema !== "object" || schema === null) return schema;
  const prepared = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "title") continue;
    if (key === "$ref") prepared.$ref = `#/$defs/${refName(value, SCHEMAS)}`;
    else if (SUBSCHEMA_LISTS.includes(key)) prepared[key] = value.map(prepare);
    else if (SUBSCHEMAS.includes(key)) prepared[key] = prepare(value);
    else if (SUBSCHEMA_MAPS.includes(key)) {
      prepared[key] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, prepare(sub)]),
      );
    } else prepared[key] = value;
  }
  if (
    prepared.type === "object" &&
    Object.keys(prepared.properties ?? {}).length === 0 &&
    !prepared.patternProperties
  ) {
    const extra = prepared.additionalProperties;
    if (extra === false) prepared.tsType = "Record<string, never>";
    else if (extra === undefined || extra === true || Object.keys(extra).length === 0) {
      prepared.tsType = "Record<string, unknown>";
    } else if (Object.keys(extra).length === 1 && extra.$ref) {
      prepared.tsType = `Record<string, ${refName(extra.$ref, "#/$defs/")}>`;
    }
  }
  return prepared;
}

/** The document's messages that `part` (an operation, or its reply) names. */
function messagesOf(document, part) {
  return (part?.messages ?? []).map((message) => {
    const name = refName(message.$ref, MESSAGES);
    if (!(name in document.components.messages))
      throw new Error(`The document has no message ${name}.`);
    return name;
  });
}

/** The `state` of a message's frame; undefined for the token, which has none. */
function stateOf(document, message) {
  return document.components.messages[message].payload.properties?.state?.const;
}

/** The schema a $ref (or a schema without one) stands for. */
function resolve(document, schema) {
  return schema.$ref === undefined
    ? schema
    : document.components.schemas[refName(schema.$ref, SCHEMAS)];
}

/** What the document says, in the shape the generator needs. */
function read(document) {
  const requests = []; // {state, request, reply}: the messages' names
  const client = new Set();
  const server = new Set();
  for (const operation of Object.values(document.operations)) {
    if (operation.action === "receive") {
      const asked = messagesOf(document, operation);
      const replies = messagesOf(document, operation.reply);
      for (const message of asked) client.add(message);
      for (const message of replies) server.add(message);
      const answers = replies.filter((message) => message !== ERROR_MESSAGE);
      for (const request of asked) {
        const state = stateOf(document, request);
        if (state === undefined) continue; // the token, answered by `initialised`
        if (answers.length !== 1)
          throw new Error(`${request} has ${String(answers.length)} replies besides the error.`);
        requests.push({ state, request, reply: answers[0] });
      }
    } else {
      for (const message of messagesOf(document, operation)) server.add(message);
    }
  }
  // In the document's order of messages.
  const order = Object.keys(document.components.messages);
  const inOrder = (names) => order.filter((name) => names.has(name));
  return { requests, client: inOrder(client), server: inOrder(server) };
}

function definitions(document, protocol) {
  const defs = {};
  for (const [name, schema] of Object.entries(document.components.schemas)) {
    const prepared = prepare(schema);
    // The empty schema: any JSON value.
    defs[name] = Object.keys(prepared).length === 0 ? { tsType: "unknown" } : prepared;
  }
  for (const [name, message] of Object.entries(document.components.messages)) {
    const payload = prepare(message.payload);
    // A payload that is only a $ref gets a type of its own: another name of the schema's.
    const frame =
      payload.$ref === undefined ? payload : { tsType: refName(payload.$ref, "#/$defs/") };
    defs[frameName(name)] = { ...frame, description: message.summary };
  }
  // These name the frames' types rather than $ref them: json-schema-to-typescript would
  // declare a type that is another's name again where it is referenced.
  const union = (description, messages) => ({
    description,
    tsType: messages.map(frameName).join(" | "),
  });
  defs.ClientFrame = union(
    "Every frame a client sends: its token first, then requests.",
    protocol.client,
  );
  defs.ServerFrame = union(
    "Every frame the server sends: replies, errors, and what it sends unasked.",
    protocol.server,
  );
  const byState = (description, key) => ({
    description,
    type: "object",
    properties: Object.fromEntries(
      protocol.requests.map((entry) => [entry.state, { tsType: frameName(entry[key]) }]),
    ),
    required: protocol.requests.map((entry) => entry.state),
    additionalProperties: false,
  });
  defs.Requests = byState("Each request a client may send, by its state.", "request");
  defs.Replies = byState(
    "The reply each request gets when it succeeds, by the request's state.",
    "reply",
  );
  return defs;
}

async function types(defs) {
  const declarations = [];
  for (const name of Object.keys(defs)) {
    // One definition at a time, the others only named: each type is declared once.
    const code = await compile({ ...defs[name], $defs: defs }, name, {
      bannerComment: "",
      declareExternallyReferenced: false,
      // Every $ref is inside the document: nothing is ever read from elsewhere.
      $refOptions: { resolve: { external: false } },
    });
    declarations.push(code.trim());
  }
  const text = declarations.join("\n\n");
  const declared = [...text.matchAll(/^export (?:type|interface) (\w+)/gm)].map(
    (match) => match[1],
  );
  const twice = declared.filter((name, index) => declared.indexOf(name) !== index);
  if (twice.length > 0) throw new Error(`Declared more than once: ${twice.join(", ")}`);
  return text;
}

const literal = (value) => JSON.stringify(value);
const key = (name) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : literal(name));
const list = (values) => `[${values.map(literal).join(", ")}]`;
const object = (entries) =>
  `{\n${entries.map(([name, value]) => `  ${key(name)}: ${literal(value)},`).join("\n")}\n}`;

function constants(document, protocol) {
  const schemas = document.components.schemas;
  const join = protocol.requests.find((entry) => entry.state === "join");
  if (!join) throw new Error("The document has no `join` request.");
  const joinData = resolve(
    document,
    document.components.messages[join.request].payload.properties.data,
  );
  const pattern = resolve(document, joinData.properties.room).pattern;
  if (typeof pattern !== "string") throw new Error("The `join` request's `room` has no pattern.");
  // RegExp's source escapes what a literal needs escaped (`/`, line breaks).
  const roomName = new RegExp(pattern).source;
  const closesWith = Object.entries(schemas.ErrorMessage["x-closes-with"] ?? {});
  return `/** Every error code, in the server's order. */
export const ERROR_CODES = ${list(schemas.ErrorCode.enum)} as const satisfies readonly ErrorCode[];

/** Every code the server closes a socket with (what each means: CloseCode). */
export const CLOSE_CODES = ${list(schemas.CloseCode.enum)} as const satisfies readonly CloseCode[];

/** The errors after which the server closes the socket, each with the code it closes with. */
export const CLOSES_WITH = ${object(closesWith)} as const satisfies Partial<Record<ErrorCode, CloseCode>>;

/** The states a client may ask for. */
export const REQUEST_STATES = ${list(protocol.requests.map((entry) => entry.state))} as const satisfies readonly (keyof Requests)[];

/** The state of each request's reply. */
export const REPLY_STATES = ${object(protocol.requests.map((entry) => [entry.state, stateOf(document, entry.reply)]))} as const satisfies { [S in keyof Requests]: Replies[S]["state"] };

/** The names of rooms the server accepts (the \`room\` of a \`join\` request). */
export const ROOM_NAME_PATTERN = /${roomName}/;

/** The socket's path on the API's host. */
export const SOCKET_PATH = ${literal(document.channels.socket.address)};`;
}

/** The text of protocol.ts for the AsyncAPI document `document`. */
export async function compileProtocol(document) {
  const protocol = read(document);
  return `${BANNER}\n\n${await types(definitions(document, protocol))}\n\n${constants(document, protocol)}\n`;
}

async function main() {
  const document = JSON.parse(await readFile(DOCUMENT, "utf8"));
  await writeFile(OUTPUT, await compileProtocol(document));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
