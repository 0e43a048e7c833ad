import type { Kysely, Transaction } from 'kysely';
import type { ConsentEventTable } from './tables/consent-event';
import type { ConsoleSessionTable } from './tables/console-session';
import type { ConsentStateTable } from './tables/consent-state';
import type { HealthProbeTable } from './tables/health-probe';
import type { InboundMessageTable } from './tables/inbound-message';
import type { LedgerCheckpointTable } from './tables/ledger-checkpoint';
import type { MessageTable } from './tables/message';
import type { ReviewItemTable } from './tables/review-item';
import type { StaffAuditTable } from './tables/staff-audit';
import type { SuppressionTable } from './tables/suppression';

export interface Database {
  consent_events: ConsentEventTable;
  consent_state: ConsentStateTable;
  inbound_messages: InboundMessageTable;
  messages: MessageTable;
  suppressions: SuppressionTable;
  review_items: ReviewItemTable;
  ledger_checkpoints: LedgerCheckpointTable;
  health_probe: HealthProbeTable;
  console_sessions: ConsoleSessionTable;
  staff_audit: StaffAuditTable;
}

export type Db = Kysely<Database>;
export type DbOrTransaction = Kysely<Database> | Transaction<Database>;
export type Dialect = 'sqlite' | 'postgres';
