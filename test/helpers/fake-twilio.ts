import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the gateway's Twilio SDK made to the fake API. */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  form: Record<string, string>;
}

export interface FakeAnswer {
  status: number;
  body: Record<string, unknown>;
  delayMs?: number;
  /** Takes the message (on a 2xx) but drops the connection instead of answering. */
  dropConnection?: boolean;
}

/** A message the fake Twilio holds, as its list API returns it. */
export interface FakeMessage {
  sid: string;
  to: string;
  from: string | null;
  body: string;
  status: string;
  direction: string;
  dateCreated: Date;
}

export type Responder = (request: RecordedRequest, index: number) => FakeAnswer;

let sidCounter = 0;

export function accepted(request: RecordedRequest): FakeAnswer {
  sidCounter += 1;
  return {
    status: 201,
    body: {
      sid: `SM${String(sidCounter).padStart(32, '0')}`,
      status: 'queued',
      to: request.form.To,
      from: request.form.From ?? null,
      body: request.form.Body,
      messaging_service_sid: request.form.MessagingServiceSid ?? null,
    },
  };
}

export function twilioError(status: number, code: number, message = 'error'): FakeAnswer {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/**
 * Twilio's REST API as far as the gateway uses it (POST …/Messages.json), on loopback. It records
 * every request and answers what the test's responder says (by default: accepted).
 */
export class FakeTwilio {
  readonly requests: RecordedRequest[] = [];
  /** Every message a 2xx answer took, answered or not (GET …/Messages.json lists them). */
  readonly messages: FakeMessage[] = [];
  responder: Responder = accepted;
  /** Stamps date_created: tests give it their harness clock. */
  clock: () => Date = () => new Date();
  private server?: Server;

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(async (answer) => {
        if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
        if (answer.dropConnection) {
          res.socket?.destroy();
          return;
        }
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this;
  }

  private async handle(req: IncomingMessage): Promise<FakeAnswer> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      form: Object.fromEntries(new URLSearchParams(raw)),
    };
    this.requests.push(recorded);
    const url = new URL(recorded.path, 'http://fake');
    if (!/^\/2010-04-01\/Accounts\/AC\w+\/Messages\.json$/.test(url.pathname)) {
      return { status: 404, body: { code: 20404, message: 'not found' } };
    }
    if (recorded.method === 'GET') return this.list(url);
    if (recorded.method !== 'POST') return { status: 405, body: { code: 20004, message: 'method not allowed' } };
    const answer = this.responder(recorded, this.requests.length - 1);
    if (answer.status >= 200 && answer.status < 300 && typeof answer.body.sid === 'string') {
      this.messages.push({
        sid: answer.body.sid,
        to: recorded.form.To ?? '',
        from: recorded.form.From ?? null,
        body: recorded.form.Body ?? '',
        status: String(answer.body.status ?? 'queued'),
        direction: 'outbound-api',
        dateCreated: this.clock(),
      });
    }
    return answer;
  }

  /** GET …/Messages.json?To=…&PageSize=…: newest first, one page (what the gateway asks). */
  private list(url: URL): FakeAnswer {
    const to = url.searchParams.get('To');
    const pageSize = Number(url.searchParams.get('PageSize') ?? 50);
    const found = this.messages
      .filter((m) => to === null || m.to === to)
      .sort((a, b) => b.dateCreated.getTime() - a.dateCreated.getTime())
      .slice(0, pageSize);
    return {
      status: 200,
      body: {
        messages: found.map((m) => ({
          sid: m.sid,
          to: m.to,
          from: m.from,
          body: m.body,
          status: m.status,
          direction: m.direction,
          date_created: m.dateCreated.toUTCString().replace('GMT', '+0000'),
        })),
        page: 0,
        page_size: pageSize,
        first_page_uri: url.pathname + url.search,
        next_page_uri: null,
        previous_page_uri: null,
        uri: url.pathname + url.search,
        start: 0,
        end: Math.max(found.length - 1, 0),
      },
    };
  }

  reset(): void {
    this.requests.length = 0;
    this.messages.length = 0;
    this.responder = accepted;
  }

  /** The requests that asked Twilio to send (a lookup is a GET). */
  get sends(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
