/**
 * A local Slack that the real @slack/bolt, @slack/web-api and @slack/socket-mode talk to:
 * the Web API methods the bot uses (point the SDK at `apiUrl` with clientOptions.slackApiUrl),
 * file downloads that need the bot token (Bearer), the external upload flow, response URLs
 * of slash commands, and Socket Mode (apps.connections.open hands out a local ws:// URL; the
 * server says hello, sends envelopes and waits for their acks). It can answer `ratelimited`
 * (HTTP 429 with Retry-After) on demand, and records everything for assertions.
 *
 * It is strict where Slack is (docs.slack.dev; @slack/web-api's method arguments):
 * - chat.postEphemeral answers ok but shows nothing to a user who is not active in Slack right
 *   then ("Ephemeral message delivery is not guaranteed": see `away()`); a DM
 *   (conversations.open, scope im:write, then chat.postMessage into the D… channel) stays.
 * - the bot's scopes are the manifest's (bot/slack/manifest.yml): a method whose scope is
 *   missing answers `missing_scope` with `needed`.
 * - chat.update is Tier 3 per workspace and method: `tier3(max, windowMs)` answers 429 beyond it.
 * - text over 40,000 characters is `msg_too_long`; more than 50 blocks, a section over 3,000
 *   characters or a header over 150 is `invalid_blocks`.
 * - files.getUploadURLExternal requires `length`.
 * - Slack Connect delivers files as `{id, mode: 'file_access', file_access: 'check_file_info'}`
 *   (files.info has the rest); files hidden by the free plan's limit come as
 *   `mode: 'hidden_by_limit'`, deleted ones as `mode: 'tombstone'`, external ones (Google Drive…)
 *   with `is_external: true` and no url_private_download.
 * - editing a message that mentioned the bot delivers `app_mention` again: a new event_id,
 *   the same ts, and `edited` (see `edit()`).
 * - a slash command's response_url takes at most 5 posts within 30 minutes (docs.slack.dev,
 *   "Handling user interaction": "You can use a response_url five times within 30 minutes");
 *   beyond that it answers 404 `used_url` / `expired_url`.
 * - chat.postEphemeral to someone who is not in the channel is `user_not_in_channel` (see `leave()`).
 * - Socket Mode connections are refreshed (api.slack.com/apis/connections/socket-implement:
 *   "Connections refresh regularly"): `refresh()` sends `{type: 'disconnect', reason:
 *   'refresh_requested'}` and, like Slack, leaves the closing to the client
 *   (@slack/socket-mode's SocketModeClient disconnects on it and reconnects through
 *   apps.connections.open after its clientPingTimeout).
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const BOT_TOKEN = 'xoxb-fake-bot-token';
export const APP_TOKEN = 'xapp-fake-app-token';
export const TEAM = 'T0FAKE';
export const BOT_USER = 'UBOT';

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks: unknown[];
  /** Every content the message had, first to last (edits included). */
  history: { text: string; blocks: unknown[]; at: number }[];
  postedAt: number;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  thread_ts?: string;
  text: string;
  blocks: unknown[];
}

export interface FakeUpload {
  id: string;
  filename: string;
  title?: string;
  channel?: string;
  thread_ts?: string;
  bytes: Buffer;
}

export interface FakeResponse {
  response_type?: string;
  text: string;
  blocks: unknown[];
}

export interface FakeFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
}

export interface ApiCall {
  method: string;
  at: number;
  status: number;
  args: Record<string, unknown>;
  /** The `error` of an `ok: false` answer (invalid_blocks, missing_scope, ...). */
  error?: string;
}

/** Everything a message shows, as one string (text, then every block's text). */
export function plain(m: { text: string; blocks: unknown[] }): string {
  const out: string[] = [m.text];
  const walk = (v: unknown) => {
    if (typeof v === 'string') return;
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string') out.push(o.text);
      Object.entries(o).forEach(([k, x]) => k !== 'text' && walk(x));
      if (typeof o.text === 'object') walk(o.text);
    }
  };
  walk(m.blocks);
  return out.join('\n');
}

export class FakeSlack {
  readonly messages: FakeMessage[] = [];
  readonly ephemerals: FakeEphemeral[] = [];
  readonly uploads: FakeUpload[] = [];
  readonly responses: FakeResponse[] = [];
  readonly calls: ApiCall[] = [];
  readonly downloads: { path: string; authorized: boolean }[] = [];
  /** Envelopes acked by the app: envelope id → time of the ack. */
  readonly acks = new Map<string, { at: number; payload: unknown }>();

  private server!: Server;
  private wss!: WebSocketServer;
  private sockets = new Set<WebSocket>();
  private files = new Map<string, { file: FakeFile; bytes: Buffer }>();
  private pendingUploads = new Map<string, FakeUpload>();
  private rateLimits = new Map<string, { remaining: number; retryAfterS: number }>();
  private ackWaiters = new Map<string, () => void>();
  private seq = 0;
  private pinger: NodeJS.Timeout | null = null;
  /** Ephemerals sent to users who were away: Slack said ok, nobody saw them. */
  readonly lostEphemerals: FakeEphemeral[] = [];
  private readonly awayUsers = new Set<string>();
  private readonly ims = new Map<string, string>();
  private tier3Limit: { max: number; windowMs: number } | null = null;
  private readonly tier3Calls: number[] = [];
  /** response_url posts: url → when it was handed out and how often it was used. */
  private readonly responseUrls = new Map<string, { at: number; uses: number }>();
  /** Users who are not members of a channel (channel → users). */
  private readonly outsiders = new Map<string, Set<string>>();
  /** apps.connections.open calls: each Socket Mode (re)connection makes one. */
  connectionsOpened = 0;
  /** The bot token's scopes: the manifest's, unless a test takes one away. */
  readonly scopes = new Set<string>(manifestScopes());
  base = '';

  get apiUrl(): string {
    return `${this.base}/api/`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String((err as Error).stack ?? err));
      });
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      if (!(req.url ?? '').startsWith('/socket')) return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    // Slack pings its Socket Mode clients; the client hangs up when the pings stop.
    this.pinger = setInterval(() => this.sockets.forEach((s) => s.ping()), 5000);
  }

  async stop(): Promise<void> {
    if (this.pinger) clearInterval(this.pinger);
    this.sockets.forEach((s) => s.terminate());
    await new Promise<void>((r) => this.wss.close(() => r()));
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /**
   * Slack asks the app to reconnect: a `disconnect` message on every connection (reason
   * `refresh_requested`, or `warning` shortly before Slack closes it itself).
   */
  refresh(reason: 'refresh_requested' | 'warning' = 'refresh_requested'): void {
    this.sockets.forEach((s) =>
      s.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-slack' } })),
    );
  }

  /** `user` is not (or no longer) a member of `channel`. */
  leave(user: string, channel: string): void {
    const set = this.outsiders.get(channel) ?? new Set<string>();
    set.add(user);
    this.outsiders.set(channel, set);
  }

  /** Drops every Socket Mode connection (the client reconnects through apps.connections.open). */
  dropSockets(): void {
    this.sockets.forEach((s) => s.terminate());
  }

  get connected(): number {
    return this.sockets.size;
  }

  /** The next `count` calls of `method` get HTTP 429 with `Retry-After: retryAfterS`. */
  rateLimit(method: string, count: number, retryAfterS = 1): void {
    this.rateLimits.set(method, { remaining: count, retryAfterS });
  }

  /** The user is not active in Slack: ephemerals to them are not shown (yet answered ok). */
  away(user: string): void {
    this.awayUsers.add(user);
  }

  /** chat.update beyond `max` calls per `windowMs` (workspace-wide) answers 429, as Tier 3 does. */
  tier3(max: number, windowMs: number): void {
    this.tier3Limit = { max, windowMs };
  }

  /** The bot's DM channel with `user`, once conversations.open made it. */
  imOf(user: string): string | undefined {
    return this.ims.get(user);
  }

  /**
   * A file as an event describes it. `connect`: a Slack Connect channel's stub (files.info has
   * the rest); `hidden`/`deleted`/`external`: what Slack sends for a file hidden by the free
   * plan's limit, a deleted file, a Google Drive file.
   */
  eventFile(f: FakeFile, as: 'connect' | 'hidden' | 'deleted' | 'external'): Record<string, unknown> {
    if (as === 'connect')
      return {
        id: f.id,
        mode: 'file_access',
        file_access: 'check_file_info',
        created: 0,
        timestamp: 0,
        user: '',
      };
    if (as === 'hidden') return { id: f.id, mode: 'hidden_by_limit', name: f.name };
    if (as === 'deleted') return { id: f.id, mode: 'tombstone' };
    return {
      id: f.id,
      name: f.name,
      title: f.name,
      mode: 'external',
      is_external: true,
      external_type: 'gdrive',
      url_private: `https://docs.google.com/spreadsheets/d/${f.id}`,
      size: f.size,
      filetype: f.filetype,
    };
  }

  /** The person edits a message that mentioned the bot: Slack sends app_mention again, same ts, new event id. */
  async edit(o: {
    channel: string;
    user: string;
    ts: string;
    text: string;
    files?: unknown[];
    thread_ts?: string;
  }): Promise<void> {
    const at = this.nextTs();
    const event = {
      type: 'app_mention',
      channel: o.channel,
      user: o.user,
      text: `<@${BOT_USER}> ${o.text}`,
      ts: o.ts,
      ...(o.thread_ts ? { thread_ts: o.thread_ts } : {}),
      ...(o.files ? { files: o.files } : {}),
      edited: { user: o.user, ts: at },
      team: TEAM,
      event_ts: at,
    };
    await this.sendEvent(event);
    await this.sendEvent({
      type: 'message',
      subtype: 'message_changed',
      channel: o.channel,
      hidden: true,
      ts: at,
      event_ts: at,
      message: { ...event, type: 'message' },
      previous_message: { type: 'message', user: o.user, ts: o.ts, text: '' },
    });
  }

  nextTs(): string {
    this.seq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.seq).padStart(6, '0')}`;
  }

  /** A file shared in Slack; its download needs the bot token. */
  addFile(
    name: string,
    bytes: Buffer | string,
    opts: { mimetype?: string; filetype?: string; size?: number } = {},
  ): FakeFile {
    const id = `F${String(this.files.size + 1).padStart(6, '0')}`;
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? 'text';
    const file: FakeFile = {
      id,
      name,
      title: name,
      mimetype: opts.mimetype ?? (ext === 'csv' ? 'text/csv' : 'application/octet-stream'),
      filetype: opts.filetype ?? ext,
      size: opts.size ?? data.length,
      url_private: `${this.base}/files-pri/${TEAM}-${id}/${encodeURIComponent(name)}`,
      url_private_download: `${this.base}/files-pri/${TEAM}-${id}/download/${encodeURIComponent(name)}`,
    };
    this.files.set(id, { file, bytes: data });
    return file;
  }

  // ---- what the app said ----------------------------------------------------------------

  thread(channel: string, threadTs: string): FakeMessage[] {
    return this.messages.filter((m) => m.channel === channel && m.thread_ts === threadTs);
  }

  async waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined && v !== null && v !== false) return v;
      if (Date.now() > deadline)
        throw new Error(`fake slack: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // ---- what people do -------------------------------------------------------------------

  /** A message that mentions the bot: Slack sends `app_mention` and, for subscribed channels, `message` too. */
  async mention(o: {
    channel: string;
    user: string;
    text: string;
    files?: (FakeFile | Record<string, unknown>)[];
    thread_ts?: string;
    eventId?: string;
  }): Promise<{ ts: string; eventId: string; ackMs: number; event: Record<string, unknown> }> {
    const ts = this.nextTs();
    const base = {
      channel: o.channel,
      user: o.user,
      text: `<@${BOT_USER}> ${o.text}`,
      ts,
      ...(o.thread_ts ? { thread_ts: o.thread_ts } : {}),
      ...(o.files ? { files: o.files } : {}),
      team: TEAM,
    };
    const eventId = o.eventId ?? `Ev${ts.replace('.', '')}`;
    const event = { type: 'app_mention', ...base, event_ts: ts };
    const ackMs = await this.sendEvent(event, { eventId });
    await this.sendEvent(
      {
        type: 'message',
        ...(o.files ? { subtype: 'file_share' } : {}),
        channel_type: 'channel',
        ...base,
        event_ts: ts,
      },
      { eventId: `${eventId}m` },
    );
    return { ts, eventId, ackMs, event };
  }

  /** A plain reply in a thread. */
  async reply(o: { channel: string; user: string; thread_ts: string; text: string }): Promise<string> {
    const ts = this.nextTs();
    await this.sendEvent({
      type: 'message',
      channel: o.channel,
      user: o.user,
      text: o.text,
      ts,
      thread_ts: o.thread_ts,
      channel_type: 'channel',
      event_ts: ts,
      team: TEAM,
    });
    return ts;
  }

  /** Delivers an Events API envelope over Socket Mode; resolves with the time to the ack (ms). */
  async sendEvent(
    event: Record<string, unknown>,
    o: { eventId?: string; retryAttempt?: number } = {},
  ): Promise<number> {
    const eventId = o.eventId ?? `Ev${this.nextTs().replace('.', '')}`;
    const payload = {
      token: 'verification-token',
      team_id: TEAM,
      api_app_id: 'A0FAKE',
      event,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [
        { enterprise_id: null, team_id: TEAM, user_id: BOT_USER, is_bot: true, is_enterprise_install: false },
      ],
      is_ext_shared_channel: false,
    };
    return this.sendEnvelope('events_api', payload, o.retryAttempt ?? 0);
  }

  /**
   * The HTTP transport instead of Socket Mode: the event callback POSTed to the app's request
   * URL, signed with `signingSecret` the way Slack signs (`v0=` HMAC-SHA256 of `v0:ts:body`).
   */
  async postEvent(
    requestUrl: string,
    signingSecret: string,
    event: Record<string, unknown>,
    eventId: string,
  ): Promise<{ status: number; ms: number }> {
    const body = JSON.stringify({
      token: 'verification-token',
      team_id: TEAM,
      api_app_id: 'A0FAKE',
      event,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: TEAM, user_id: BOT_USER, is_bot: true }],
    });
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${ts}:${body}`).digest('hex')}`;
    const started = Date.now();
    const res = await fetch(requestUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': ts,
        'x-slack-signature': signature,
      },
      body,
    });
    await res.text();
    return { status: res.status, ms: Date.now() - started };
  }

  /** A slash command; the app answers through the response URL (see `responses`). */
  async slash(o: {
    command: string;
    text: string;
    user: string;
    channel: string;
  }): Promise<{ ackMs: number; responseUrl: string }> {
    const id = this.nextTs().replace('.', '');
    const responseUrl = `${this.base}/respond/${id}`;
    this.responseUrls.set(`/respond/${id}`, { at: Date.now(), uses: 0 });
    const payload = {
      token: 'verification-token',
      team_id: TEAM,
      team_domain: 'fake',
      channel_id: o.channel,
      channel_name: 'data',
      user_id: o.user,
      user_name: o.user.toLowerCase(),
      command: o.command,
      text: o.text,
      api_app_id: 'A0FAKE',
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: `${id}.trigger`,
    };
    return { ackMs: await this.sendEnvelope('slash_commands', payload, 0), responseUrl };
  }

  /**
   * A click on a button of a posted message: a `block_actions` interactive payload, as Slack
   * sends it over Socket Mode. Resolves with the time to the ack (ms).
   */
  async click(o: { message: FakeMessage; user: string; actionId: string }): Promise<number> {
    const current = o.message.history.at(-1)!;
    const button = findElement(current.blocks, (e) => e.action_id === o.actionId);
    if (button === undefined)
      throw new Error(`fake slack: no button ${o.actionId} on message ${o.message.ts}`);
    const block = (current.blocks as Record<string, unknown>[]).find(
      (b) => Array.isArray(b.elements) && (b.elements as Record<string, unknown>[]).includes(button),
    );
    const id = this.nextTs().replace('.', '');
    const payload = {
      type: 'block_actions',
      user: { id: o.user, username: o.user.toLowerCase(), team_id: TEAM },
      api_app_id: 'A0FAKE',
      token: 'verification-token',
      container: {
        type: 'message',
        message_ts: o.message.ts,
        channel_id: o.message.channel,
        is_ephemeral: false,
        thread_ts: o.message.thread_ts,
      },
      trigger_id: `${id}.trigger`,
      team: { id: TEAM, domain: 'fake' },
      channel: { id: o.message.channel, name: 'data' },
      message: {
        type: 'message',
        ts: o.message.ts,
        thread_ts: o.message.thread_ts,
        text: current.text,
        blocks: current.blocks,
      },
      response_url: `${this.base}/respond/${id}`,
      actions: [
        {
          type: 'button',
          action_id: o.actionId,
          block_id: block?.block_id,
          text: button.text,
          value: button.value,
          action_ts: this.nextTs(),
        },
      ],
    };
    return this.sendEnvelope('interactive', payload, 0);
  }

  private async sendEnvelope(type: string, payload: unknown, retryAttempt: number): Promise<number> {
    // The newest connection gets the envelope (a restarted app is the one listening).
    const socket = await this.waitFor('a Socket Mode connection', () => [...this.sockets].at(-1), 15_000);
    const envelopeId = `env-${this.nextTs()}`;
    const acked = new Promise<void>((resolve) => this.ackWaiters.set(envelopeId, resolve));
    const sent = Date.now();
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        retry_attempt: retryAttempt,
        retry_reason: retryAttempt > 0 ? 'timeout' : '',
      }),
    );
    const timeout = new Promise<never>((_r, reject) =>
      setTimeout(
        () => reject(new Error(`fake slack: envelope ${envelopeId} (${type}) was not acked within 3 s`)),
        3000,
      ).unref(),
    );
    await Promise.race([acked, timeout]);
    return Date.now() - sent;
  }

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
      if (msg.envelope_id !== undefined) {
        this.acks.set(msg.envelope_id, { at: Date.now(), payload: msg.payload });
        this.ackWaiters.get(msg.envelope_id)?.();
        this.ackWaiters.delete(msg.envelope_id);
      }
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.size,
        debug_info: { host: 'fake-slack', approximate_connection_time: 3600 },
        connection_info: { app_id: 'A0FAKE' },
      }),
    );
  }

  // ---- the HTTP side --------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const body = await readBody(req);
    const json = (status: number, doc: unknown, headers: Record<string, string> = {}): void =>
      void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(doc));

    if (url.pathname.startsWith('/api/')) {
      const method = url.pathname.slice('/api/'.length);
      const args = parseArgs(req.headers['content-type'] ?? '', body);
      const token = (/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? args.token) as
        string | undefined;
      const limit = this.rateLimits.get(method);
      if (limit !== undefined && limit.remaining > 0) {
        limit.remaining -= 1;
        this.calls.push({ method, at: Date.now(), status: 429, args });
        return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limit.retryAfterS) });
      }
      if (method === 'chat.update' && this.tier3Limit !== null) {
        const now = Date.now();
        while (this.tier3Calls.length > 0 && this.tier3Calls[0]! <= now - this.tier3Limit.windowMs)
          this.tier3Calls.shift();
        if (this.tier3Calls.length >= this.tier3Limit.max) {
          this.calls.push({ method, at: now, status: 429, args });
          return json(
            429,
            { ok: false, error: 'ratelimited' },
            {
              'retry-after': String(Math.ceil((this.tier3Calls[0]! + this.tier3Limit.windowMs - now) / 1000)),
            },
          );
        }
        this.tier3Calls.push(now);
      }
      const call: ApiCall = { method, at: Date.now(), status: 200, args };
      this.calls.push(call);
      const fail = (error: string, extra: Record<string, unknown> = {}) => (
        (call.error = error),
        json(200, { ok: false, error, ...extra })
      );
      const needed = SCOPE_OF[method];
      if (needed !== undefined && !this.scopes.has(needed) && token === BOT_TOKEN)
        return fail('missing_scope', { needed, provided: [...this.scopes].join(',') });
      const invalid = invalidMessage(method, args);
      if (invalid !== null) return fail(invalid);
      const wanted = method === 'apps.connections.open' ? APP_TOKEN : BOT_TOKEN;
      if (token !== wanted) return fail(token === undefined ? 'not_authed' : 'invalid_auth');
      const answer = await this.api(method, args);
      if (answer.ok === false) call.error = String(answer.error);
      return json(200, answer);
    }

    if (url.pathname.startsWith('/files-pri/')) {
      const id = /^\/files-pri\/[^-]+-([^/]+)\//.exec(url.pathname)?.[1];
      const entry = id === undefined ? undefined : this.files.get(id);
      const authorized = req.headers.authorization === `Bearer ${BOT_TOKEN}`;
      this.downloads.push({ path: url.pathname, authorized });
      // Like Slack: without the token, a sign-in page (200, HTML) instead of the file.
      if (!authorized)
        return void res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html><title>Slack</title><p>Sign in to continue');
      if (entry === undefined) return void res.writeHead(404).end();
      return void res
        .writeHead(200, { 'content-type': entry.file.mimetype, 'content-length': String(entry.bytes.length) })
        .end(entry.bytes);
    }

    if (url.pathname.startsWith('/upload/')) {
      const id = url.pathname.slice('/upload/'.length);
      const pending = this.pendingUploads.get(id);
      if (pending === undefined) return void res.writeHead(404).end();
      const type = req.headers['content-type'] ?? '';
      if (type.startsWith('multipart/form-data')) {
        const form = await new Response(new Uint8Array(body), {
          headers: { 'content-type': type },
        }).formData();
        const first = [...form.values()][0];
        pending.bytes =
          typeof first === 'string' ? Buffer.from(first) : Buffer.from(await (first as Blob).arrayBuffer());
      } else pending.bytes = body;
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${pending.bytes.length}`);
    }

    if (url.pathname.startsWith('/respond/')) {
      const grant = this.responseUrls.get(url.pathname);
      if (grant !== undefined) {
        if (Date.now() - grant.at > RESPONSE_URL_TTL_MS)
          return void res.writeHead(404, { 'content-type': 'text/plain' }).end('expired_url');
        if (grant.uses >= RESPONSE_URL_USES)
          return void res.writeHead(404, { 'content-type': 'text/plain' }).end('used_url');
        grant.uses += 1;
      }
      const doc = JSON.parse(body.toString('utf8')) as {
        response_type?: string;
        text?: string;
        blocks?: unknown[];
      };
      this.responses.push({
        ...(doc.response_type ? { response_type: doc.response_type } : {}),
        text: doc.text ?? '',
        blocks: doc.blocks ?? [],
      });
      return json(200, { ok: true });
    }
    res.writeHead(404).end();
  }

  private async api(method: string, a: Record<string, unknown>): Promise<Record<string, unknown>> {
    const str = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : undefined);
    const blocks = (): unknown[] => (Array.isArray(a.blocks) ? a.blocks : []);
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake',
          user: 'ouro',
          team_id: TEAM,
          user_id: BOT_USER,
          bot_id: 'B0BOT',
          is_enterprise_install: false,
        };
      case 'apps.connections.open':
        this.connectionsOpened += 1;
        return { ok: true, url: `${this.base.replace(/^http/, 'ws')}/socket?ticket=${this.nextTs()}` };
      case 'chat.postMessage': {
        const channel = str('channel');
        if (channel === undefined) return { ok: false, error: 'channel_not_found' };
        const ts = this.nextTs();
        const text = str('text') ?? '';
        const msg: FakeMessage = {
          channel,
          ts,
          ...(str('thread_ts') ? { thread_ts: str('thread_ts')! } : {}),
          text,
          blocks: blocks(),
          history: [{ text, blocks: blocks(), at: Date.now() }],
          postedAt: Date.now(),
        };
        this.messages.push(msg);
        return {
          ok: true,
          channel,
          ts,
          message: { type: 'message', text, ts, user: BOT_USER, bot_id: 'B0BOT' },
        };
      }
      case 'chat.update': {
        const msg = this.messages.find((m) => m.channel === str('channel') && m.ts === str('ts'));
        if (msg === undefined) return { ok: false, error: 'message_not_found' };
        msg.text = str('text') ?? msg.text;
        msg.blocks = blocks();
        msg.history.push({ text: msg.text, blocks: msg.blocks, at: Date.now() });
        return { ok: true, channel: msg.channel, ts: msg.ts, text: msg.text };
      }
      case 'conversations.open': {
        const user = str('users');
        if (user === undefined || user.includes(',')) return { ok: false, error: 'invalid_arguments' };
        const id = this.ims.get(user) ?? `D${user.replace(/^U/, '')}`;
        this.ims.set(user, id);
        return { ok: true, channel: { id } };
      }
      case 'chat.postEphemeral': {
        const channel = str('channel');
        const user = str('user');
        if (channel === undefined || user === undefined) return { ok: false, error: 'invalid_arguments' };
        if (this.outsiders.get(channel)?.has(user) === true)
          return { ok: false, error: 'user_not_in_channel' };
        if (this.awayUsers.has(user)) {
          // Slack answers ok and the message is never shown (docs: "Ephemeral message delivery is not guaranteed").
          this.lostEphemerals.push({ channel, user, text: str('text') ?? '', blocks: blocks() });
          return { ok: true, message_ts: this.nextTs() };
        }
        this.ephemerals.push({
          channel,
          user,
          ...(str('thread_ts') ? { thread_ts: str('thread_ts')! } : {}),
          text: str('text') ?? '',
          blocks: blocks(),
        });
        return { ok: true, message_ts: this.nextTs() };
      }
      case 'files.getUploadURLExternal': {
        // `length` (bytes) is required (files.getUploadURLExternal docs).
        if (str('length') === undefined && typeof a.length !== 'number')
          return { ok: false, error: 'invalid_arguments' };
        const id = `F${this.nextTs().replace('.', '')}`;
        this.pendingUploads.set(id, { id, filename: str('filename') ?? 'file', bytes: Buffer.alloc(0) });
        return { ok: true, upload_url: `${this.base}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const files = (Array.isArray(a.files) ? a.files : []) as { id: string; title?: string }[];
        const done = [];
        for (const f of files) {
          const pending = this.pendingUploads.get(f.id);
          if (pending === undefined || pending.bytes.length === 0)
            return { ok: false, error: 'file_not_found' };
          this.pendingUploads.delete(f.id);
          this.uploads.push({
            ...pending,
            ...(f.title ? { title: f.title } : {}),
            ...(str('channel_id') ? { channel: str('channel_id')! } : {}),
            ...(str('thread_ts') ? { thread_ts: str('thread_ts')! } : {}),
          });
          done.push({ id: f.id, title: f.title ?? pending.filename });
        }
        return { ok: true, files: done };
      }
      case 'files.info': {
        const entry = this.files.get(str('file') ?? '');
        return entry ? { ok: true, file: entry.file } : { ok: false, error: 'file_not_found' };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Web API arguments: form-encoded (objects as JSON strings, the way the SDK sends them) or JSON. */
function parseArgs(contentType: string, body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (contentType.includes('application/json'))
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (contentType.startsWith('multipart/')) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    out[k] =
      (v.startsWith('[') || v.startsWith('{')) && ['blocks', 'files', 'attachments'].includes(k)
        ? JSON.parse(v)
        : v;
  }
  return out;
}

/** The scope each Web API method needs (docs.slack.dev, each method's "Required scopes"). */
const SCOPE_OF: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'conversations.open': 'im:write',
  'files.info': 'files:read',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
};

/** The bot scopes listed in bot/slack/manifest.yml: the fake grants what the manifest asks for. */
function manifestScopes(): string[] {
  const text = readFileSync(new URL('../../bot/slack/manifest.yml', import.meta.url), 'utf8');
  const bot = /\n    bot:\n((?:      - .+\n|\s*#.*\n)+)/.exec(text)?.[1] ?? '';
  return [...bot.matchAll(/- ([a-z:._]+)/g)].map((m) => m[1]!);
}

/**
 * Block Kit and message limits Slack enforces (docs.slack.dev: reference/block-kit/blocks —
 * section text 3000 and at most 10 fields of 2000 each, header 150, context at most 10
 * elements, actions at most 25 elements; button text 75 and value 2000; 50 blocks a message;
 * chat.postMessage: text over 40,000 characters is msg_too_long).
 */
function invalidMessage(method: string, a: Record<string, unknown>): string | null {
  if (!['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(method)) return null;
  if (typeof a.text === 'string' && a.text.length > 40_000) return 'msg_too_long';
  const blocks = Array.isArray(a.blocks) ? (a.blocks as Record<string, unknown>[]) : [];
  if (blocks.length > 50) return 'invalid_blocks';
  const len = (t: unknown) => ((t as { text?: string } | undefined)?.text ?? '').length;
  for (const b of blocks) {
    const fields = Array.isArray(b.fields) ? (b.fields as unknown[]) : [];
    const elements = Array.isArray(b.elements) ? (b.elements as Record<string, unknown>[]) : [];
    if (
      b.type === 'section' &&
      (len(b.text) > 3000 || fields.length > 10 || fields.some((f) => len(f) > 2000))
    )
      return 'invalid_blocks';
    if (b.type === 'section' && b.text === undefined && fields.length === 0) return 'invalid_blocks';
    if (b.type === 'header' && len(b.text) > 150) return 'invalid_blocks';
    if (
      b.type === 'context' &&
      (elements.length === 0 || elements.length > 10 || elements.some((e) => len(e) > 3000))
    )
      return 'invalid_blocks';
    if (
      b.type === 'actions' &&
      (elements.length === 0 ||
        elements.length > 25 ||
        elements.some((e) => len(e.text) > 75 || String(e.value ?? '').length > 2000))
    )
      return 'invalid_blocks';
  }
  return null;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const fake = new FakeSlack();
  await fake.start();
  return fake;
}

/** The first element (button, select) of a message's blocks that `match`es. */
export function findElement(
  blocks: unknown[],
  match: (e: Record<string, unknown>) => boolean,
): Record<string, unknown> | undefined {
  for (const b of blocks as Record<string, unknown>[]) {
    for (const e of (Array.isArray(b.elements) ? b.elements : []) as Record<string, unknown>[])
      if (match(e)) return e;
  }
  return undefined;
}
