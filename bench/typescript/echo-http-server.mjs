// echo-http-server.mjs: the HTTP benchmark's anchor. A Streamable HTTP MCP server on the official
// TypeScript SDK, set up the way the SDK documents it (a transport and a server per session, kept
// by session id), with the same `echo` tool as the bench_echo plugin.
//
//   node echo-http-server.mjs [PORT]     # PORT 0 (the default) picks a free one
//
// Prints "listening on http://127.0.0.1:PORT/mcp" on stdout once it accepts connections.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";

import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

function newServer() {
  const server = new McpServer({ name: "echo-anchor", version: "1.0.0" });
  server.registerTool(
    "echo",
    {
      description: "Returns the text it is given.",
      inputSchema: { text: z.string().describe("The text to return") },
    },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  return server;
}

const transports = new Map(); // session id -> transport

async function readJson(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

function fail(response, status, message) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

const http = createServer(async (request, response) => {
  try {
    if (!request.url.startsWith("/mcp")) return fail(response, 404, "not found");
    const sessionId = request.headers["mcp-session-id"];
    const body = request.method === "POST" ? await readJson(request) : undefined;
    let transport = sessionId ? transports.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId || request.method !== "POST" || !isInitializeRequest(body))
        return fail(response, sessionId ? 404 : 400, "no valid session");
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => transports.set(id, transport),
      });
      transport.onclose = () => transport.sessionId && transports.delete(transport.sessionId);
      await newServer().connect(transport);
    }
    await transport.handleRequest(request, response, body);
  } catch (error) {
    if (!response.headersSent) fail(response, 500, String(error));
  }
});

http.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${http.address().port}/mcp`);
});
process.on("SIGTERM", () => process.exit(0));
