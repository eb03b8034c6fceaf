/** The folders (relative to the frontend) whose openapi.json a client is made of: the core's first. */
export function documentFolders(root?: string): Promise<string[]>;

/** Generates the client of `folder`'s openapi.json into `output` (the folder's client/ by default). */
export function generateClient(folder: string, output?: string, root?: string): Promise<void>;
