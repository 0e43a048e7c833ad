import { z } from 'zod';
import { categorySchema } from './categories';

const MAX_EVIDENCE_TEXT = 5_000;

/**
 * What proves prior express written consent: the disclosure shown, when, and from where.
 * Further fields are kept as given (bounded), since each business captures a little more.
 */
export const evidenceSchema = z
  .object({
    consentText: z.string().trim().min(1).max(MAX_EVIDENCE_TEXT),
    capturedAt: z.iso.datetime({ offset: true }).optional(),
    formUrl: z.url().max(2_000).optional(),
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    userAgent: z.string().max(1_000).optional(),
  })
  .catchall(z.union([z.string().max(2_000), z.number(), z.boolean(), z.null()]))
  .refine((evidence) => Object.keys(evidence).length <= 50, 'at most 50 evidence fields');

export const optInRequestSchema = z.object({
  source: z.string().trim().min(1).max(64),
  categories: z
    .array(categorySchema)
    .min(1)
    .max(3)
    .refine((list) => new Set(list).size === list.length, 'categories must not repeat')
    .optional(),
  evidence: evidenceSchema,
});

export type OptInRequest = z.infer<typeof optInRequestSchema>;

export const staffOptOutSchema = z.object({
  channel: z.enum(['email', 'phone_call', 'web', 'staff']),
  note: z.string().trim().max(2_000).optional(),
  sendConfirmation: z.boolean().optional(),
  /** When the opt-out was received, if earlier than now (a letter, an e-mail read late). */
  receivedAt: z.iso.datetime({ offset: true }).optional(),
});

export const erasureSchema = z
  .object({ note: z.string().trim().max(2_000).optional() })
  .optional()
  .default({});

/** A timestamp with an offset, normalised to the ledger's UTC ISO form so string comparison works. */
const instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

export const MAX_PAGE = 1_000;

const filterFields = {
  status: z.enum(['opted_in', 'opted_out']).optional(),
  category: categorySchema.optional(),
  channel: z
    .enum(['sms_keyword', 'twilio_advanced_opt_out', 'api', 'email', 'phone_call', 'web', 'staff', 'carrier', 'import'])
    .optional(),
  since: instant.optional(),
  until: instant.optional(),
};

export const listQuerySchema = z.object({
  ...filterFields,
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
  cursor: z.string().max(500).optional(),
});

export const exportQuerySchema = z.object({
  ...filterFields,
  format: z.enum(['csv', 'ndjson']).default('csv'),
  kind: z.enum(['numbers', 'events']).default('numbers'),
});
