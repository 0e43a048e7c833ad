import { z } from 'zod';

/** The three kinds of text the program's consent covers (policy section 7). */
export const CATEGORIES = ['marketing', 'informational', 'transactional'] as const;
export type Category = (typeof CATEGORIES)[number];
export const categorySchema = z.enum(CATEGORIES);

const categoryListSchema = z.array(categorySchema);
/** Stored lists are a handful of distinct strings ('["marketing","transactional"]'…): parse each once. */
const parsedLists = new Map<string, readonly Category[]>();
const MAX_PARSED_LISTS = 64;

export function parseCategories(json: string): Category[] {
  let list = parsedLists.get(json);
  if (!list) {
    const parsed = categoryListSchema.safeParse(JSON.parse(json));
    list = parsed.success ? parsed.data : [];
    if (parsedLists.size < MAX_PARSED_LISTS) parsedLists.set(json, list);
  }
  return [...list];
}

export function serialiseCategories(categories: readonly Category[]): string {
  return JSON.stringify(CATEGORIES.filter((c) => categories.includes(c)));
}
