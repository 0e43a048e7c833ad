import { chainHead } from '../consent/chain';
import type { AppContext } from '../context';
import { capMonth } from '../sending/policy';

export async function ledgerStats(ctx: AppContext) {
  const db = ctx.db;
  const count = (rows: { key: string | null; n: number | string }[]) =>
    Object.fromEntries(rows.map((r) => [r.key ?? 'null', Number(r.n)]));
  const month = capMonth(ctx.clock(), ctx.config.program.timeZone);
  const [numbers, channels, events, messages, suppressions, head] = await Promise.all([
    db.selectFrom('consent_state').select((eb) => [eb.ref('status').as('key'), eb.fn.countAll<number>().as('n')]).groupBy('status').execute(),
    db.selectFrom('consent_events').select((eb) => [eb.ref('channel').as('key'), eb.fn.countAll<number>().as('n')]).groupBy('channel').execute(),
    db.selectFrom('consent_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    db
      .selectFrom('messages')
      .select((eb) => [eb.ref('status').as('key'), eb.fn.countAll<number>().as('n')])
      .where('cap_month', '=', month)
      .groupBy('status')
      .execute(),
    db.selectFrom('suppressions').select((eb) => eb.fn.countAll<number>().as('n')).where('lifted_at', 'is', null).executeTakeFirstOrThrow(),
    chainHead(db),
  ]);
  return {
    numbers: count(numbers),
    consentEvents: Number(events.n),
    eventsByChannel: count(channels),
    messagesThisMonth: { month, byStatus: count(messages) },
    suppressedNumbers: Number(suppressions.n),
    chainHead: head,
  };
}
