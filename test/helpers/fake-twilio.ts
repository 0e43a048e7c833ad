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
  responder: Responder = accepted;
  private server?: Server;

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(async (answer) => {
        if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
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
    if (!/^\/2010-04-01\/Accounts\/AC\w+\/Messages\.json$/.test(recorded.path) || recorded.method !== 'POST') {
      return { status: 404, body: { code: 20404, message: 'not found' } };
    }
    return this.responder(recorded, this.requests.length - 1);
  }

  reset(): void {
    this.requests.length = 0;
    this.responder = accepted;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
