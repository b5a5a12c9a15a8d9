// echo-server.mjs: the benchmarks' anchor. A stdio MCP server on the official TypeScript SDK with
// one tool, `echo`, that returns its `text` argument as text content: the same tool as the
// bench_echo plugin, so the driver can compare the two servers call for call.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "echo-anchor", version: "1.0.0" });

server.registerTool(
  "echo",
  {
    description: "Returns the text it is given.",
    inputSchema: { text: z.string().describe("The text to return") },
  },
  async ({ text }) => ({ content: [{ type: "text", text }] }),
);

await server.connect(new StdioServerTransport());
