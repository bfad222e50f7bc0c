/**
 * A local fake of Discord for the bot's end-to-end test: the REST API (under /api/v10), the
 * gateway (HELLO → IDENTIFY → READY → GUILD_CREATE, heartbeats, dispatches) and a CDN for
 * attachments, enough for the real discord.js 14 to run against it.
 *
 * It is strict where Discord is (discord-api-docs, docs/topics/gateway.md, opcodes-and-status-codes.md,
 * interactions/receiving-and-responding.md):
 * - IDENTIFY with a privileged intent the portal has not enabled is closed with 4014
 *   ("Disallowed intent(s)"); without MessageContent (1 << 15) a message's content,
 *   attachments and embeds arrive empty unless it mentions the bot user (or is a DM).
 * - an interaction must get its first callback within 3 s (else 10062 "Unknown interaction"),
 *   and only one (a second is 40060 "Interaction has already been acknowledged").
 * - message content over 2000 characters or an embed description over 4096 is 400 with 50035.
 * - a DM to a user who has server DMs off is 403 with 50007; creating a thread without the
 *   permission is 403 with 50013 (Missing Permissions).
 * - the bot has a managed role (tags.bot_id) that the mention picker often offers instead of the user.
 * - the gateway is a session (gateway.md, "Resuming"): HELLO's heartbeat_interval is Discord's
 *   41.25 s; a heartbeat (op 1) carries the last sequence and is ACKed (op 11); the gateway may
 *   ask for one (`requestHeartbeat()`: @discordjs/ws answers at once) and closes a connection
 *   that stops beating (4009, after 1.5 intervals). READY's resume_gateway_url takes a RESUME
 *   (op 6: session_id + seq), replays what was dispatched after seq, then RESUMED; an unknown
 *   session gets INVALID_SESSION (op 9, d: false). `reconnect()` sends RECONNECT (op 7; the
 *   client resumes, @discordjs/ws WebSocketShard "Told to reconnect by Discord"), and
 *   `invalidateSession(resumable)` sends op 9 (d: true resumes on the same socket, d: false
 *   identifies again).
 * - GUILD_CREATE lists the guild's active threads ("threads: all active threads in the guild
 *   that current user has permission to view"), which is how a restarted client knows the
 *   threads it is in (discord.js drops messages in channels it has not cached). An archived
 *   thread (`archive()`) is not listed; a message in it unarchives it with THREAD_UPDATE first.
 * - a rate-limited route answers 429 with `retry_after` and the X-RateLimit-* headers
 *   (topics/rate-limits.md); @discordjs/rest waits and retries (see `rateLimit()`).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const DISCORD_TOKEN = 'fake-discord-bot-token';
export const APPLICATION_ID = '900000000000000001';
export const BOT_ID = '900000000000000002';
export const GUILD = '800000000000000001';
export const ROLE_MEMBER = '800000000000000009';
/** The role Discord makes for the bot when it joins (managed, tags.bot_id). */
export const ROLE_BOT = '800000000000000010';
/** GatewayIntentBits.MessageContent. */
const MESSAGE_CONTENT = 1 << 15;

export interface FakeDiscordMessage {
  id: string;
  channel: string;
  content: string;
  embeds: {
    title?: string;
    description?: string;
    fields?: { name: string; value: string }[];
    footer?: { text: string };
  }[];
  files: { name: string; data: Buffer }[];
  history: { content: string; embeds: FakeDiscordMessage['embeds'] }[];
  postedAt: number;
}

export interface FakeInteractionReply {
  /** Callback types seen, in order (4: reply, 5: deferred, 8: autocomplete). */
  callbacks: number[];
  choices?: { name: string; value: string }[];
  message: FakeDiscordMessage | null;
  flags?: number;
}

export function plainDiscord(m: Pick<FakeDiscordMessage, 'content' | 'embeds'>): string {
  const out = [m.content];
  for (const e of m.embeds) {
    if (e.title) out.push(e.title);
    if (e.description) out.push(e.description);
    for (const f of e.fields ?? []) out.push(`${f.name}: ${f.value}`);
    if (e.footer?.text) out.push(e.footer.text);
  }
  return out.filter(Boolean).join('\n');
}

let snowflake = 1_000_000_000_000_000n;
const nextId = () => String(++snowflake);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** JSON, or multipart/form-data with payload_json and files[n]. */
async function parsePayload(
  req: IncomingMessage,
  body: Buffer,
): Promise<{ json: Record<string, unknown>; files: { name: string; data: Buffer }[] }> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } }).formData();
    const files: { name: string; data: Buffer }[] = [];
    let json: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) {
      if (key === 'payload_json') json = JSON.parse(String(value)) as Record<string, unknown>;
      else if (typeof value !== 'string')
        files.push({ name: value.name, data: Buffer.from(await value.arrayBuffer()) });
    }
    return { json, files };
  }
  return {
    json: body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {},
    files: [],
  };
}

export class FakeDiscord {
  readonly messages: FakeDiscordMessage[] = [];
  readonly interactions = new Map<string, FakeInteractionReply>();
  readonly downloads: string[] = [];
  readonly channels = new Map<
    string,
    { id: string; type: number; parent_id?: string; name: string; archived?: boolean }
  >();
  private readonly files = new Map<string, Buffer>();
  private readonly sockets = new Set<WebSocket>();
  private seq = 0;
  identified = false;
  /** The intents the last IDENTIFY asked for. */
  intents = 0;
  /** Whether the developer portal has the Message Content intent turned on. */
  messageContentEnabled = true;
  /** When false, creating a thread answers 403 / 50013 (no Create Public Threads permission). */
  threadsAllowed = true;
  /** Users whose server DMs are off: a DM to them is 403 / 50007. */
  readonly closedDms = new Set<string>();
  private readonly interactionSentAt = new Map<string, number>();
  /** REST error answers sent (status and JSON code), for assertions. */
  readonly errors: { path: string; status: number; code: number }[] = [];
  /** Discord's real heartbeat interval (gateway.md: HELLO). */
  heartbeatIntervalMs = 41_250;
  /** Heartbeats received: when, and the sequence they carried. */
  readonly heartbeats: { at: number; seq: number | null }[] = [];
  /** IDENTIFYs and RESUMEs received (a RESUME that was refused counts under `refusedResumes`). */
  identifies = 0;
  resumes = 0;
  refusedResumes = 0;
  /** Gateway sessions: what was dispatched to each (for RESUME's replay), and its live socket. */
  private readonly sessions = new Map<string, { log: string[]; seqs: number[]; socket: WebSocket | null }>();
  private readonly sessionOf = new Map<WebSocket, string>();
  private readonly rateLimits: { match: RegExp; remaining: number; retryAfterS: number }[] = [];

  constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly port: number,
  ) {}

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  addChannel(id: string, name: string): void {
    this.channels.set(id, { id, type: 0, name });
  }

  /** An attachment on the local CDN. */
  addFile(
    name: string,
    content: string | Buffer,
  ): { id: string; filename: string; size: number; url: string; proxy_url: string; content_type: string } {
    const id = nextId();
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    this.files.set(id, data);
    const url = `http://127.0.0.1:${this.port}/cdn/attachments/${id}/${encodeURIComponent(name)}?ex=1&is=1&hm=signed`;
    return {
      id,
      filename: name,
      size: data.length,
      url,
      proxy_url: url,
      content_type: name.endsWith('.csv') ? 'text/csv' : 'application/octet-stream',
    };
  }

  inChannel(channel: string): FakeDiscordMessage[] {
    return this.messages.filter((m) => m.channel === channel);
  }

  threadOf(messageId: string): string | undefined {
    return (
      [...this.channels.values()].find((c) => c.type === 11 && c.name.endsWith(`#${messageId}`))?.id ??
      this.threadByMessage.get(messageId)
    );
  }

  private readonly threadByMessage = new Map<string, string>();

  async waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined && v !== null && v !== false) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A dispatch goes to every session; a session between connections gets it on RESUME. */
  private dispatch(t: string, d: unknown): void {
    const s = ++this.seq;
    const frame = JSON.stringify({ op: 0, t, s, d });
    for (const session of this.sessions.values()) {
      session.log.push(frame);
      session.seqs.push(s);
      if (session.socket !== null && session.socket.readyState === session.socket.OPEN)
        session.socket.send(frame);
    }
  }

  /** The gateway asks the client to reconnect and resume (op 7 RECONNECT). */
  reconnect(): void {
    for (const ws of this.sockets) ws.send(JSON.stringify({ op: 7, d: null, s: null, t: null }));
  }

  /** op 9 INVALID_SESSION: `resumable` lets the client RESUME; otherwise the session is gone and it must IDENTIFY. */
  invalidateSession(resumable: boolean): void {
    for (const ws of this.sockets) {
      if (!resumable) {
        const id = this.sessionOf.get(ws);
        if (id !== undefined) this.sessions.delete(id);
      }
      ws.send(JSON.stringify({ op: 9, d: resumable, s: null, t: null }));
    }
  }

  /** The gateway asks for a heartbeat now (op 1 from the server): the client must answer at once. */
  requestHeartbeat(): void {
    for (const ws of this.sockets) ws.send(JSON.stringify({ op: 1, d: null, s: null, t: null }));
  }

  get lastSeq(): number {
    return this.seq;
  }

  /**
   * The next `count` requests whose `METHOD /path` matches get 429 with `retry_after`, as
   * Discord answers a bucket that is out (topics/rate-limits.md: "Exceeding A Rate Limit").
   */
  rateLimit(match: RegExp, count: number, retryAfterS = 1): void {
    this.rateLimits.push({ match, remaining: count, retryAfterS });
  }

  private member(user: string, roles: string[]) {
    return {
      user: {
        id: user,
        username: `user${user.slice(-4)}`,
        discriminator: '0',
        global_name: null,
        avatar: null,
      },
      roles,
      joined_at: new Date(0).toISOString(),
      deaf: false,
      mute: false,
      flags: 0,
      permissions: '2248473465835073',
    };
  }

  /** A thread auto-archived after its inactivity period (topics/threads.md: archived threads are not in GUILD_CREATE). */
  archive(thread: string): void {
    const c = this.channels.get(thread);
    if (c?.type === 11) c.archived = true;
  }

  private threadObject(c: { id: string; parent_id?: string; name: string; archived?: boolean }) {
    return {
      id: c.id,
      type: 11,
      guild_id: GUILD,
      parent_id: c.parent_id,
      name: c.name,
      owner_id: BOT_ID,
      member_count: 1,
      message_count: 0,
      rate_limit_per_user: 0,
      flags: 0,
      thread_metadata: {
        archived: c.archived === true,
        auto_archive_duration: 1440,
        locked: false,
        archive_timestamp: new Date().toISOString(),
      },
    };
  }

  /** A user's message in a channel or thread; `mention` adds the bot's mention. */
  message(o: {
    channel: string;
    user: string;
    text: string;
    mention?: boolean;
    mentionRole?: boolean;
    roles?: string[];
    attachments?: ReturnType<FakeDiscord['addFile']>[];
  }): { id: string } {
    const id = nextId();
    // A message in an archived thread unarchives it: THREAD_UPDATE first (topics/threads.md, "Archiving").
    const target = this.channels.get(o.channel);
    if (target?.type === 11 && target.archived === true) {
      target.archived = false;
      this.dispatch('THREAD_UPDATE', this.threadObject(target));
    }
    const member = this.member(o.user, o.roles ?? [ROLE_MEMBER]);
    const { user: author, ...memberNoUser } = member;
    const prefix = o.mention ? `<@${BOT_ID}> ` : o.mentionRole ? `<@&${ROLE_BOT}> ` : '';
    // Without the Message Content intent, content, attachments and embeds are empty unless the
    // message mentions the bot user (discord-api-docs: "Message Content Intent"). A role mention is not the user.
    const visible = (this.intents & MESSAGE_CONTENT) !== 0 || o.mention === true;
    this.dispatch('MESSAGE_CREATE', {
      id,
      type: 0,
      channel_id: o.channel,
      guild_id: GUILD,
      author,
      member: memberNoUser,
      content: visible ? `${prefix}${o.text}` : '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: o.mention
        ? [{ id: BOT_ID, username: 'ouro', discriminator: '0', bot: true, global_name: null, avatar: null }]
        : [],
      mention_roles: o.mentionRole ? [ROLE_BOT] : [],
      attachments: visible ? (o.attachments ?? []) : [],
      embeds: [],
      pinned: false,
      flags: 0,
    });
    return { id };
  }

  /** A thread a person opened (not off one of the bot's messages): THREAD_CREATE, as Discord sends it. */
  userThread(parent: string, name: string): string {
    const id = nextId();
    const thread = {
      id,
      type: 11,
      guild_id: GUILD,
      parent_id: parent,
      name,
      owner_id: '600000000000000099',
      member_count: 1,
      message_count: 0,
      thread_metadata: {
        archived: false,
        auto_archive_duration: 1440,
        locked: false,
        archive_timestamp: new Date().toISOString(),
      },
    };
    this.channels.set(id, { id, type: 11, parent_id: parent, name });
    this.dispatch('THREAD_CREATE', { ...thread, newly_created: true });
    return id;
  }

  /** A slash command (or its autocomplete, type 4). Options are [name, type, value]. */
  interaction(o: {
    name: string;
    channel: string;
    user: string;
    options: { name: string; type: number; value: string | boolean; focused?: boolean }[];
    attachments?: ReturnType<FakeDiscord['addFile']>[];
    type?: 2 | 4;
    roles?: string[];
  }): { id: string; reply: FakeInteractionReply } {
    const id = nextId();
    const token = `itoken-${randomUUID()}`;
    const reply: FakeInteractionReply = { callbacks: [], message: null };
    this.interactions.set(token, reply);
    this.interactionSentAt.set(token, Date.now());
    const resolved = o.attachments?.length
      ? { attachments: Object.fromEntries(o.attachments.map((a) => [a.id, a])) }
      : undefined;
    const ch = this.channels.get(o.channel)!;
    this.dispatch('INTERACTION_CREATE', {
      id,
      application_id: APPLICATION_ID,
      type: o.type ?? 2,
      token,
      version: 1,
      guild_id: GUILD,
      channel_id: o.channel,
      channel: { ...ch, guild_id: GUILD },
      member: this.member(o.user, o.roles ?? [ROLE_MEMBER]),
      app_permissions: '2248473465835073',
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': GUILD },
      context: 0,
      data: {
        id: `cmd-${o.name}`,
        name: o.name,
        type: 1,
        options: o.options,
        ...(resolved ? { resolved } : {}),
      },
    });
    return { id, reply };
  }

  private messageObject(m: FakeDiscordMessage) {
    return {
      id: m.id,
      type: 0,
      channel_id: m.channel,
      author: {
        id: BOT_ID,
        username: 'ouro',
        discriminator: '0',
        bot: true,
        global_name: null,
        avatar: null,
      },
      content: m.content,
      embeds: m.embeds,
      attachments: m.files.map((f, i) => ({
        id: `${m.id}${i}`,
        filename: f.name,
        size: f.data.length,
        url: `http://127.0.0.1:${this.port}/cdn/x/${f.name}`,
        proxy_url: '',
      })),
      timestamp: new Date(m.postedAt).toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      pinned: false,
      flags: 0,
    };
  }

  private store(
    channel: string,
    json: Record<string, unknown>,
    files: { name: string; data: Buffer }[],
  ): FakeDiscordMessage {
    const m: FakeDiscordMessage = {
      id: nextId(),
      channel,
      content: String(json.content ?? ''),
      embeds: (json.embeds as FakeDiscordMessage['embeds']) ?? [],
      files,
      history: [],
      postedAt: Date.now(),
    };
    m.history.push({ content: m.content, embeds: m.embeds });
    this.messages.push(m);
    return m;
  }

  private edit(
    m: FakeDiscordMessage,
    json: Record<string, unknown>,
    files: { name: string; data: Buffer }[],
  ): void {
    if ('content' in json) m.content = String(json.content ?? '');
    if ('embeds' in json) m.embeds = (json.embeds as FakeDiscordMessage['embeds']) ?? [];
    if (files.length > 0) m.files = files;
    m.history.push({ content: m.content, embeds: m.embeds });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v\d+/, '');
    const body = await readBody(req);
    const send = (status: number, json?: unknown) => {
      if (status >= 400)
        this.errors.push({ path, status, code: Number((json as { code?: number } | undefined)?.code ?? 0) });
      // A 204 has no body and no content type (Discord's interaction callback without with_response).
      res.writeHead(status, status === 204 ? {} : { 'content-type': 'application/json' });
      res.end(json === undefined ? undefined : JSON.stringify(json));
    };
    let m: RegExpExecArray | null;
    if (url.pathname.startsWith('/cdn/attachments/')) {
      const id = url.pathname.split('/')[3]!;
      const data = this.files.get(id);
      this.downloads.push(url.pathname);
      if (data === undefined) return send(404, { message: 'Unknown attachment' });
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(data.length) });
      res.end(data);
      return;
    }
    const auth = req.headers.authorization;
    const isWebhook = path.startsWith('/webhooks/') || path.startsWith('/interactions/');
    if (!isWebhook && auth !== `Bot ${DISCORD_TOKEN}`)
      return send(401, { message: '401: Unauthorized', code: 0 });
    const limited = this.rateLimits.find((r) => r.remaining > 0 && r.match.test(`${req.method} ${path}`));
    if (limited !== undefined) {
      limited.remaining -= 1;
      this.errors.push({ path, status: 429, code: 0 });
      const after = String(limited.retryAfterS);
      res.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': after,
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': after,
        'x-ratelimit-bucket': 'fake-bucket',
        'x-ratelimit-scope': 'user',
      });
      res.end(
        JSON.stringify({
          message: 'You are being rate limited.',
          retry_after: limited.retryAfterS,
          global: false,
        }),
      );
      return;
    }
    if (req.method === 'GET' && path === '/gateway/bot')
      return send(200, {
        url: `ws://127.0.0.1:${this.port}`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
      });
    if (req.method === 'POST' && path === '/users/@me/channels') {
      const { json } = await parsePayload(req, body);
      const id = `dm-${String(json.recipient_id)}`;
      return send(200, {
        id,
        type: 1,
        recipients: [{ id: String(json.recipient_id), username: 'someone', discriminator: '0' }],
      });
    }
    if (req.method === 'PUT' && (m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path))) {
      const { json } = await parsePayload(req, body);
      return send(
        200,
        (json as unknown as { name: string }[]).map((c) => ({ ...c, id: nextId(), application_id: m![1] })),
      );
    }
    if (req.method === 'POST' && (m = /^\/channels\/([^/]+)\/messages\/([^/]+)\/threads$/.exec(path))) {
      if (!this.threadsAllowed) return send(403, { message: 'Missing Permissions', code: 50013 });
      const { json } = await parsePayload(req, body);
      const id = nextId();
      const thread = {
        id,
        type: 11,
        guild_id: GUILD,
        parent_id: m[1]!,
        name: String(json.name ?? 'thread'),
        owner_id: BOT_ID,
        member_count: 1,
        message_count: 0,
        thread_metadata: {
          archived: false,
          auto_archive_duration: 1440,
          locked: false,
          archive_timestamp: new Date().toISOString(),
        },
      };
      this.channels.set(id, { id, type: 11, parent_id: m[1]!, name: thread.name });
      this.threadByMessage.set(m[2]!, id);
      send(201, thread);
      this.dispatch('THREAD_CREATE', { ...thread, newly_created: true });
      return;
    }
    if (req.method === 'POST' && (m = /^\/channels\/([^/]+)\/messages$/.exec(path))) {
      const { json, files } = await parsePayload(req, body);
      if (m[1]!.startsWith('dm-') && this.closedDms.has(m[1]!.slice(3)))
        return send(403, { message: 'Cannot send messages to this user', code: 50007 });
      const invalid = tooLong(json);
      if (invalid !== null) return send(400, { message: 'Invalid Form Body', code: 50035, errors: invalid });
      return send(200, this.messageObject(this.store(m[1]!, json, files)));
    }
    if (req.method === 'PATCH' && (m = /^\/channels\/([^/]+)\/messages\/([^/]+)$/.exec(path))) {
      const msg = this.messages.find((x) => x.id === m![2] && x.channel === m![1]);
      if (msg === undefined) return send(404, { message: 'Unknown Message', code: 10008 });
      const { json, files } = await parsePayload(req, body);
      this.edit(msg, json, files);
      return send(200, this.messageObject(msg));
    }
    if (req.method === 'POST' && (m = /^\/interactions\/([^/]+)\/([^/]+)\/callback$/.exec(path))) {
      const reply = this.interactions.get(m[2]!);
      // The first answer must come within 3 s; after that the token is unknown.
      if (
        reply === undefined ||
        (reply.callbacks.length === 0 && Date.now() - (this.interactionSentAt.get(m[2]!) ?? 0) > 3000)
      )
        return send(404, { message: 'Unknown interaction', code: 10062 });
      if (reply.callbacks.length > 0)
        return send(400, { message: 'Interaction has already been acknowledged.', code: 40060 });
      const { json, files } = await parsePayload(req, body);
      const type = Number(json.type);
      reply.callbacks.push(type);
      const data = (json.data ?? {}) as Record<string, unknown>;
      if (type === 8) reply.choices = data.choices as { name: string; value: string }[];
      if (typeof data.flags === 'number') reply.flags = data.flags;
      if (type === 4) reply.message = this.store(`interaction:${m[2]}`, data, files);
      if (type === 5) reply.message = this.store(`interaction:${m[2]}`, { content: '' }, []);
      return send(204);
    }
    if ((m = /^\/webhooks\/([^/]+)\/([^/]+)\/messages\/@original$/.exec(path))) {
      const reply = this.interactions.get(m[2]!);
      if (reply?.message == null) return send(404, { message: 'Unknown Message', code: 10008 });
      if (req.method === 'PATCH') {
        const { json, files } = await parsePayload(req, body);
        this.edit(reply.message, json, files);
      }
      return send(200, this.messageObject(reply.message));
    }
    if (req.method === 'POST' && (m = /^\/webhooks\/([^/]+)\/([^/]+)$/.exec(path))) {
      const { json, files } = await parsePayload(req, body);
      return send(200, this.messageObject(this.store(`interaction:${m[2]}:followup`, json, files)));
    }
    send(404, { message: `fake discord: no route for ${req.method} ${path}`, code: 0 });
  }

  onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    let beat: NodeJS.Timeout | null = null;
    // A connection that stops beating is closed (gateway.md: "Sending Heartbeats"); the client resumes.
    const watch = () => {
      if (beat !== null) clearTimeout(beat);
      beat = setTimeout(() => ws.close(4009, 'Session timed out.'), this.heartbeatIntervalMs * 1.5);
      beat.unref();
    };
    watch();
    ws.on('close', (code) => {
      if (beat !== null) clearTimeout(beat);
      this.sockets.delete(ws);
      const id = this.sessionOf.get(ws);
      this.sessionOf.delete(ws);
      const session = id === undefined ? undefined : this.sessions.get(id);
      if (session?.socket === ws) session.socket = null;
      // A clean close (1000/1001) ends the session; any other close leaves it resumable.
      if (id !== undefined && (code === 1000 || code === 1001)) this.sessions.delete(id);
    });
    ws.send(
      JSON.stringify({ op: 10, d: { heartbeat_interval: this.heartbeatIntervalMs }, s: null, t: null }),
    );
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { op: number; d: unknown };
      if (frame.op === 1) {
        this.heartbeats.push({ at: Date.now(), seq: typeof frame.d === 'number' ? frame.d : null });
        watch();
        return ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      }
      if (frame.op === 6)
        return this.onResume(ws, frame.d as { token?: string; session_id?: string; seq?: number });
      if (frame.op === 2) {
        this.identifies += 1;
        this.intents = Number((frame.d as { intents?: number }).intents ?? 0);
        // A privileged intent not enabled in the portal: the gateway closes with 4014 (gateway.md, "Privileged Intents").
        if ((this.intents & MESSAGE_CONTENT) !== 0 && !this.messageContentEnabled)
          return ws.close(4014, 'Disallowed intent(s).');
        this.identified = true;
        const session = randomUUID();
        this.sessions.set(session, { log: [], seqs: [], socket: ws });
        this.sessionOf.set(ws, session);
        ws.send(
          JSON.stringify({
            op: 0,
            t: 'READY',
            s: ++this.seq,
            d: {
              v: 10,
              user: {
                id: BOT_ID,
                username: 'ouro',
                discriminator: '0',
                bot: true,
                global_name: null,
                avatar: null,
                verified: true,
                flags: 0,
              },
              guilds: [{ id: GUILD, unavailable: true }],
              session_id: session,
              resume_gateway_url: `ws://127.0.0.1:${this.port}`,
              shard: [0, 1],
              application: { id: APPLICATION_ID, flags: 0 },
            },
          }),
        );
        ws.send(JSON.stringify({ op: 0, t: 'GUILD_CREATE', s: ++this.seq, d: this.guild() }));
      }
    });
  }

  /** RESUME: replay what the session missed after `seq`, then RESUMED; an unknown session is op 9. */
  private onResume(ws: WebSocket, d: { token?: string; session_id?: string; seq?: number }): void {
    const session = d.session_id === undefined ? undefined : this.sessions.get(d.session_id);
    if (session === undefined || d.token !== DISCORD_TOKEN) {
      this.refusedResumes += 1;
      ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
      return;
    }
    this.resumes += 1;
    session.socket = ws;
    this.sessionOf.set(ws, d.session_id!);
    session.log.forEach((frame, i) => {
      if (session.seqs[i]! > (d.seq ?? 0)) ws.send(frame);
    });
    ws.send(JSON.stringify({ op: 0, t: 'RESUMED', s: ++this.seq, d: {} }));
  }

  private guild() {
    return {
      id: GUILD,
      name: 'Fake data team',
      icon: null,
      owner_id: '1',
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      emojis: [],
      stickers: [],
      roles: [
        {
          id: GUILD,
          name: '@everyone',
          color: 0,
          hoist: false,
          position: 0,
          permissions: '2248473465835073',
          managed: false,
          mentionable: false,
          flags: 0,
        },
        {
          id: ROLE_MEMBER,
          name: 'data',
          color: 0,
          hoist: false,
          position: 1,
          permissions: '0',
          managed: false,
          mentionable: false,
          flags: 0,
        },
        {
          id: ROLE_BOT,
          name: 'ouro',
          color: 0,
          hoist: false,
          position: 2,
          permissions: '309237763072',
          managed: true,
          mentionable: true,
          flags: 0,
          tags: { bot_id: BOT_ID },
        },
      ],
      joined_at: new Date(0).toISOString(),
      large: false,
      unavailable: false,
      member_count: 2,
      voice_states: [],
      members: [
        {
          ...this.member(BOT_ID, [ROLE_BOT]),
          user: {
            id: BOT_ID,
            username: 'ouro',
            discriminator: '0',
            bot: true,
            global_name: null,
            avatar: null,
          },
        },
      ],
      channels: [...this.channels.values()]
        .filter((c) => c.type === 0)
        .map((c, i) => ({
          ...c,
          guild_id: GUILD,
          position: i,
          permission_overwrites: [],
          nsfw: false,
          topic: null,
          last_message_id: null,
          rate_limit_per_user: 0,
          parent_id: null,
        })),
      // The active threads (gateway-events.md, Guild Create: "threads").
      threads: [...this.channels.values()]
        .filter((c) => c.type === 11 && c.archived !== true)
        .map((c) => this.threadObject(c)),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Discord's 50035 for the limits the bot could cross: content ≤ 2000, embed description ≤ 4096, title ≤ 256. */
function tooLong(json: Record<string, unknown>): Record<string, unknown> | null {
  if (typeof json.content === 'string' && json.content.length > 2000)
    return {
      content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
    };
  const embeds = (json.embeds ?? []) as { title?: string; description?: string }[];
  if (embeds.some((e) => (e.description?.length ?? 0) > 4096 || (e.title?.length ?? 0) > 256))
    return {
      embeds: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 4096 or fewer in length.' }] },
    };
  return null;
}

export async function startFakeDiscord(channels: string[]): Promise<FakeDiscord> {
  let fake: FakeDiscord | undefined;
  const server = createServer((req, res) => {
    fake!.handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: (err as Error).message }));
    });
  });
  const wss = new WebSocketServer({ server });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake = new FakeDiscord(server, wss, (server.address() as AddressInfo).port);
  for (const c of channels) fake.addChannel(c, `chan-${c.slice(-4)}`);
  wss.on('connection', (ws) => fake!.onSocket(ws));
  return fake;
}
