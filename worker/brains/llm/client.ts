import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { Config } from '../../../core/config.ts';
import { estimateTokens, type ClientDecision, type Spend } from './accounting.ts';

/**
 * Why an LLM decision could not be had: the provider kept failing after the SDK's retries
 * (`unavailable`), the reply stayed invalid after one repair (`invalid_output`), or a run
 * cap forbids another call (`cap`). The fallback brain switches on the code.
 */
export class LlmError extends Error {
  constructor(
    readonly code: 'unavailable' | 'invalid_output' | 'cap',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LlmError';
  }
}

/**
 * How the reply's shape is asked for. Servers without structured outputs reject `json_schema`
 * with a 400; the client then steps down once for the rest of the run, carrying the schema in
 * the prompt instead.
 */
export type ResponseMode = 'json_schema' | 'json_object' | 'text';
const STEP_DOWN: Record<ResponseMode, ResponseMode | null> = {
  json_schema: 'json_object',
  json_object: 'text',
  text: null,
};

export interface CompleteRequest<T> {
  decision: ClientDecision;
  system: string;
  user: string;
  schema: z.ZodType<T>;
  /** Checks beyond the schema (names that must exist, ...): the problem, or null. */
  check?: (value: T) => string | null;
  /** Filled with what the calls cost, also when the decision fails. */
  spent: Spend;
}

/** The JSON schema sent as `response_format`: strict mode wants no `$schema` key. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest;
}

/** The JSON object in a reply, also when a model wraps it in a code fence or a sentence. */
function extractJson(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start === -1 || end < start) throw new Error('the reply holds no JSON object');
  return JSON.parse(text.slice(start, end + 1));
}

function isResponseFormatRejection(err: unknown): boolean {
  return (
    (err instanceof OpenAI.BadRequestError || err instanceof OpenAI.UnprocessableEntityError) &&
    /response_format|json_schema|json_object|structured output/i.test(err.message)
  );
}

/** The OpenAI SDK behind one method: a validated structured reply for one decision. */
export class LlmClient {
  private mode: ResponseMode = 'json_schema';

  constructor(
    private readonly sdk: OpenAI,
    readonly model: string,
  ) {}

  static fromConfig(config: Config): LlmClient {
    const sdk = new OpenAI({
      // Local servers (Ollama, vLLM) take any key; the SDK insists on one.
      apiKey: config.OPENAI_API_KEY ?? 'unused',
      baseURL: config.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
      timeout: config.OURO_LLM_TIMEOUT_S * 1000,
      maxRetries: config.OURO_LLM_RETRIES,
    });
    return new LlmClient(sdk, config.OURO_LLM_MODEL);
  }

  /** Asks once; an invalid reply is sent back with what is wrong, once. */
  async complete<T>(req: CompleteRequest<T>): Promise<T> {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: req.system },
      { role: 'user', content: req.user },
    ];
    let problem = '';
    for (let attempt = 0; attempt < 2; attempt++) {
      const reply = await this.send(req, messages);
      const result = this.validate(reply, req);
      if (result.ok) return result.value;
      problem = result.problem;
      messages.push(
        { role: 'assistant', content: reply.slice(0, 12_000) },
        {
          role: 'user',
          content: `That reply is not valid:\n${problem}\nReply again with the whole corrected JSON object and nothing else.`,
        },
      );
    }
    throw new LlmError(
      'invalid_output',
      `the ${req.decision} reply was invalid twice (${problem.split('\n')[0]?.slice(0, 200)})`,
    );
  }

  private validate<T>(
    reply: string,
    req: CompleteRequest<T>,
  ): { ok: true; value: T } | { ok: false; problem: string } {
    let json: unknown;
    try {
      json = extractJson(reply);
    } catch (err) {
      return { ok: false, problem: `not parseable JSON: ${(err as Error).message}` };
    }
    const parsed = req.schema.safeParse(json);
    if (!parsed.success) return { ok: false, problem: z.prettifyError(parsed.error) };
    const semantic = req.check?.(parsed.data) ?? null;
    return semantic === null ? { ok: true, value: parsed.data } : { ok: false, problem: semantic };
  }

  /** One completion; steps the response mode down when the server rejects it. */
  private async send<T>(req: CompleteRequest<T>, messages: ChatCompletionMessageParam[]): Promise<string> {
    for (;;) {
      const body = this.body(req, messages);
      try {
        const res = await this.sdk.chat.completions.create(body);
        const choice = res.choices[0];
        const content = choice?.message.content ?? '';
        req.spent.calls += 1;
        req.spent.promptTokens +=
          res.usage?.prompt_tokens ?? estimateTokens(body.messages.map((m) => String(m.content)).join(''));
        req.spent.completionTokens += res.usage?.completion_tokens ?? estimateTokens(content);
        if (choice?.message.refusal) return `(refused: ${choice.message.refusal})`;
        return content;
      } catch (err) {
        const lower = STEP_DOWN[this.mode];
        if (isResponseFormatRejection(err) && lower !== null) {
          this.mode = lower;
          continue;
        }
        if (err instanceof OpenAI.APIError) {
          const status = err.status === undefined ? '' : ` (HTTP ${err.status})`;
          throw new LlmError(
            'unavailable',
            `${err.constructor.name}${status}: ${err.message.slice(0, 300)}`,
            { cause: err },
          );
        }
        throw err;
      }
    }
  }

  private body<T>(
    req: CompleteRequest<T>,
    messages: ChatCompletionMessageParam[],
  ): ChatCompletionCreateParamsNonStreaming {
    const name = `ouro_${req.decision}`;
    const schema = jsonSchemaOf(req.schema);
    if (this.mode === 'json_schema') {
      return {
        model: this.model,
        messages,
        response_format: { type: 'json_schema', json_schema: { name, schema, strict: true } },
      };
    }
    // Without structured outputs the schema travels in the system prompt.
    const [system, ...rest] = messages;
    const withSchema: ChatCompletionMessageParam = {
      role: 'system',
      content: `${String(system?.content ?? '')}\n\nReply with one JSON object and nothing else. It must match this JSON Schema (${name}):\n${JSON.stringify(schema)}`,
    };
    return {
      model: this.model,
      messages: [withSchema, ...rest],
      ...(this.mode === 'json_object' ? { response_format: { type: 'json_object' as const } } : {}),
    };
  }
}
