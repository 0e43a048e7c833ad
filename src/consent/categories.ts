import { z } from 'zod';

/** The three kinds of text the program's consent covers (policy section 7). */
export const CATEGORIES = ['marketing', 'informational', 'transactional'] as const;
export type Category = (typeof CATEGORIES)[number];
export const categorySchema = z.enum(CATEGORIES);

export function parseCategories(json: string): Category[] {
  const parsed = z.array(categorySchema).safeParse(JSON.parse(json));
  return parsed.success ? parsed.data : [];
}

export function serialiseCategories(categories: readonly Category[]): string {
  return JSON.stringify(CATEGORIES.filter((c) => categories.includes(c)));
}
