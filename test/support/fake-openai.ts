import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server that speaks OpenAI's `POST /v1/chat/completions` well enough for the real
 * `openai` SDK: scriptable replies per call, every request recorded, `usage` reported (4
 * characters a token, from the prompt it received and the reply it sends), and the failures
 * real providers produce: no `json_schema` support, a malformed reply, 500s forever.
 */

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatBody {
  model: string;
  messages: ChatMessage[];
  response_format?: { type: string; json_schema?: { name: string; schema: unknown; strict?: boolean } };
  [key: string]: unknown;
}

export interface RecordedRequest {
  /** 0-based, over every request the server received. */
  index: number;
  body: ChatBody;
  headers: IncomingHttpHeaders;
  /** `plan`, `next`, `script`, `diagnose`: from the schema name, in whatever mode it travels. */
  decision: string | null;
  status: number;
  usage: { prompt_tokens: number; completion_tokens: number } | null;
}

export type FakeReply =
  /** A JSON value sent back as the message content. */
  | { json: unknown }
  /** Raw message content (e.g. malformed JSON). */
  | { content: string }
  | { status: number; message: string; param?: string };

export interface FakeOpenAIOptions {
  /** The reply for a request (after the failure modes below have had their say). */
  respond?: (req: RecordedRequest) => FakeReply | Promise<FakeReply>;
  /** Answer `response_format: json_schema` with the 400 a server without structured outputs sends. */
  rejectJsonSchema?: boolean;
  /** Send unparseable content once, for the first request of this decision. */
  malformedOnce?: string;
  /** Every request gets a 500 (with a short retry-after so the SDK's retries stay fast). */
  failForever?: boolean;
  /** Usage to report instead of the character count. */
  usage?: (req: RecordedRequest, content: string) => { prompt_tokens: number; completion_tokens: number };
}

export const countTokens = (text: string) => Math.ceil(text.length / 4);

export function decisionOf(body: ChatBody): string | null {
  const name =
    body.response_format?.json_schema?.name ??
    body.messages[0]?.content.match(/reply schema (ouro_\w+)/)?.[1];
  return name === undefined ? null : name.replace(/^ouro_/, '');
}

export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  private server: Server | null = null;
  private malformedSent = false;

  constructor(private readonly opts: FakeOpenAIOptions = {}) {}

  /** Starts on a free port; returns the base URL to give the SDK. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.handle(
          req.method ?? '',
          req.url ?? '',
          req.headers,
          Buffer.concat(chunks).toString('utf8'),
        ).then(
          ({ status, body, headers }) => {
            res.writeHead(status, { 'content-type': 'application/json', ...headers });
            res.end(JSON.stringify(body));
          },
          (err: unknown) => {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify({
                error: { message: `fake server bug: ${(err as Error).message}`, type: 'server_error' },
              }),
            );
          },
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The usage reported over all requests, as the client should have counted it. */
  reportedUsage(): { prompt: number; completion: number; calls: number } {
    const ok = this.requests.filter((r) => r.usage !== null);
    return {
      prompt: ok.reduce((s, r) => s + r.usage!.prompt_tokens, 0),
      completion: ok.reduce((s, r) => s + r.usage!.completion_tokens, 0),
      calls: ok.length,
    };
  }

  forDecision(decision: string): RecordedRequest[] {
    return this.requests.filter((r) => r.decision === decision);
  }

  private async handle(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    raw: string,
  ): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    if (method !== 'POST' || !url.startsWith('/v1/chat/completions'))
      return {
        status: 404,
        body: { error: { message: `no route ${method} ${url}`, type: 'invalid_request_error' } },
      };
    let body: ChatBody;
    try {
      body = JSON.parse(raw) as ChatBody;
    } catch {
      return { status: 400, body: { error: { message: 'body is not JSON', type: 'invalid_request_error' } } };
    }
    if (typeof body.model !== 'string' || !Array.isArray(body.messages) || body.messages.length === 0) {
      return {
        status: 400,
        body: { error: { message: 'model and messages are required', type: 'invalid_request_error' } },
      };
    }
    const rec: RecordedRequest = {
      index: this.requests.length,
      body,
      headers,
      decision: decisionOf(body),
      status: 200,
      usage: null,
    };
    this.requests.push(rec);
    const fail = (status: number, message: string, param?: string, extra?: Record<string, string>) => {
      rec.status = status;
      return {
        status,
        body: {
          error: {
            message,
            type: status >= 500 ? 'server_error' : 'invalid_request_error',
            param: param ?? null,
            code: null,
          },
        },
        ...(extra ? { headers: extra } : {}),
      };
    };

    if (this.opts.failForever)
      return fail(500, 'The server had an error while processing your request.', undefined, {
        'retry-after-ms': '5',
      });
    if (this.opts.rejectJsonSchema && body.response_format?.type === 'json_schema') {
      return fail(
        400,
        "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
        'response_format',
      );
    }

    let reply: FakeReply;
    if (
      this.opts.malformedOnce !== undefined &&
      rec.decision === this.opts.malformedOnce &&
      !this.malformedSent
    ) {
      this.malformedSent = true;
      reply = {
        content: '{"confirmed": true, "families": [{"family": "lightgbm", "why": "strong on tabular',
      };
    } else {
      reply = this.opts.respond
        ? await this.opts.respond(rec)
        : { status: 500, message: 'no reply scripted' };
    }
    if ('status' in reply) return fail(reply.status, reply.message, reply.param);

    const content = 'json' in reply ? JSON.stringify(reply.json) : reply.content;
    const prompt = body.messages.map((m) => m.content).join('');
    rec.usage = this.opts.usage
      ? this.opts.usage(rec, content)
      : { prompt_tokens: countTokens(prompt), completion_tokens: countTokens(content) };
    return {
      status: 200,
      body: {
        id: `chatcmpl-fake-${rec.index}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content, refusal: null },
            finish_reason: 'stop',
            logprobs: null,
          },
        ],
        usage: { ...rec.usage, total_tokens: rec.usage.prompt_tokens + rec.usage.completion_tokens },
      },
    };
  }
}
