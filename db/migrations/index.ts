import type { Migration } from 'kysely';
import * as m001 from './001-initial';
import * as m002 from './002-messages';
import * as m003 from './003-ledger-integrity';
import * as m004 from './004-review-queue';
import * as m005 from './005-scheduled-sends';
import * as m006 from './006-partial-schedule-index';
import * as m007 from './007-send-decided-at';
import * as m008 from './008-covering-list-index';
import * as m009 from './009-health-probe';
import * as m010 from './010-unknown-messages-index';
import * as m011 from './011-ledger-checkpoints';
import * as m012 from './012-inbound-reply-index';
import * as m013 from './013-pending-messages-index';
import * as m014 from './014-checkpoint-links';
import * as m015 from './015-console';

/** Every migration, in order. Names are frozen: Kysely records them in kysely_migration. */
export const migrations: Record<string, Migration> = {
  '001-initial': m001,
  '002-messages': m002,
  '003-ledger-integrity': m003,
  '004-review-queue': m004,
  '005-scheduled-sends': m005,
  '006-partial-schedule-index': m006,
  '007-send-decided-at': m007,
  '008-covering-list-index': m008,
  '009-health-probe': m009,
  '010-unknown-messages-index': m010,
  '011-ledger-checkpoints': m011,
  '012-inbound-reply-index': m012,
  '013-pending-messages-index': m013,
  '014-checkpoint-links': m014,
  '015-console': m015,
};
