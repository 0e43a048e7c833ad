import Database from 'better-sqlite3';
import { createTestDatabase, type TestDatabase } from '../helpers/databases';
import { connect, createServer, type AddressInfo } from 'node:net';
import { killLeftoverGateways, runGatewayExpectingFailure, spawnGateway } from '../helpers/gateway-process';

async function postStop(url: string, from: string, sid: string): Promise<string> {
  const res = await fetch(`${url}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ From: from, MessageSid: sid, Body: 'STOP' }).toString(),
  });
  if (res.status !== 200) throw new Error(`STOP answered ${res.status}`);
  return res.text();
}

describe('the gateway as a real process', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase('sqlite');
  });
  afterEach(async () => {
    killLeftoverGateways();
    await database.drop();
  });

  it('every STOP acknowledged before kill -9 is in the ledger after it', async () => {
    const gateway = await spawnGateway(database.env);
    const acknowledged: string[] = [];
    const inFlight: Promise<void>[] = [];
    // Fire STOPs continuously and kill the process while some are still in flight.
    for (let i = 0; i < 60; i++) {
      const from = `+1415555${String(2000 + i)}`;
      inFlight.push(
        postStop(gateway.url, from, `SMkill${String(i).padStart(6, '0')}`).then(
          (twiml) => {
            if (twiml.includes('<Message>')) acknowledged.push(from);
          },
          () => undefined, // cut off by the kill: not acknowledged, so no promise was made
        ),
      );
      if (i === 40) {
        await Promise.race(inFlight);
        gateway.child.kill('SIGKILL');
      }
    }
    await Promise.all(inFlight);
    expect(await gateway.exited).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThan(0);

    const sqlite = new Database(database.sqlitePath!, { readonly: true });
    try {
      const optedOut = new Set(
        (sqlite.prepare("select phone from consent_state where status = 'opted_out'").all() as { phone: string }[]).map((r) => r.phone),
      );
      for (const phone of acknowledged) expect(optedOut.has(phone)).toBe(true);
      const events = sqlite.prepare('select count(*) as n from consent_events').get() as { n: number };
      expect(events.n).toBeGreaterThanOrEqual(acknowledged.length);
    } finally {
      sqlite.close();
    }
  });

  it('SIGTERM lets an in-flight request finish and be recorded, then exits 0', async () => {
    const gateway = await spawnGateway(database.env);
    const { port } = new URL(gateway.url);
    const body = new URLSearchParams({ From: '+14155550150', MessageSid: 'SMterm000001', Body: 'STOP' }).toString();
    const socket = connect(Number(port), '127.0.0.1');
    let response = '';
    socket.on('data', (d) => (response += d.toString()));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    await new Promise((resolve) => socket.once('connect', resolve));
    // Headers and half the body: the request is in flight when SIGTERM arrives.
    socket.write(
      `POST /webhooks/twilio/sms HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.end(body.slice(10));
    await closed;
    expect(response).toMatch(/^HTTP\/1.1 200/);
    expect(response).toContain('<Message>');
    expect(await gateway.exited).toBe(0);
    expect(gateway.output()).toContain('gateway stopped');
    const sqlite = new Database(database.sqlitePath!, { readonly: true });
    const row = sqlite.prepare('select status from consent_state where phone = ?').get('+14155550150');
    sqlite.close();
    expect(row).toEqual({ status: 'opted_out' });
  });

  it('SIGINT exits 0 too', async () => {
    const gateway = await spawnGateway(database.env);
    gateway.child.kill('SIGINT');
    expect(await gateway.exited).toBe(0);
  });

  it('a bad variable stops start-up with a message naming it', async () => {
    const { code, output } = await runGatewayExpectingFailure({ ...database.env, PORT: 'eighty' });
    expect(code).toBe(1);
    expect(output).toContain('PORT');
  });

  it('NODE_ENV=production without TWILIO_AUTH_TOKEN refuses to start', async () => {
    const { code, output } = await runGatewayExpectingFailure({ ...database.env, NODE_ENV: 'production' });
    expect(code).toBe(1);
    expect(output).toContain('TWILIO_AUTH_TOKEN');
  });

  it('a port already taken stops start-up with exit 1 and the cause, never "listening"', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const { code, output } = await runGatewayExpectingFailure({ ...database.env, NODE_ENV: 'development', HOST: '127.0.0.1', PORT: String(port) });
      expect(code).toBe(1);
      expect(output).toContain(`cannot listen on 127.0.0.1:${port}: the address is already in use (EADDRINUSE)`);
      expect(output).not.toMatch(/listening/);
      expect(output).not.toContain('gateway stopped');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('local mode warns loudly at start-up', async () => {
    const gateway = await spawnGateway(database.env);
    expect(gateway.output()).toContain('LOCAL MODE');
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  });
});
