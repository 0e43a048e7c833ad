import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';

/**
 * Where the templates and assets are: beside this file when run from the sources (tests,
 * ts-node), copied into dist by `npm run build`, or read from the sources beside dist.
 */
export function consoleFilesDir(): string {
  const candidates = [__dirname, join(__dirname, '..', '..', '..', 'src', 'console')];
  const found = candidates.find((dir) => existsSync(join(dir, 'templates', 'layout.hbs')));
  if (!found) throw new Error(`the console's templates are missing (looked in ${candidates.join(', ')}): run npm run build`);
  return found;
}

export type Renderer = (page: string, data: Record<string, unknown>) => string;

/**
 * Handlebars, in an environment of its own: `{{value}}` is HTML-escaped, always. The only
 * unescaped output (`{{{…}}}`) is the page body inside the layout and the server-drawn charts,
 * both built here from escaped parts.
 */
export function createRenderer(dir = consoleFilesDir()): Renderer {
  const hbs = Handlebars.create();
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('json', (value: unknown) => JSON.stringify(value, null, 2));
  hbs.registerHelper('uri', (value: unknown) => encodeURIComponent(String(value ?? '')));
  hbs.registerHelper('includes', (list: unknown, value: unknown) => Array.isArray(list) && list.includes(value));
  const templates = new Map<string, HandlebarsTemplateDelegate>();
  for (const file of readdirSync(join(dir, 'templates'))) {
    if (!file.endsWith('.hbs')) continue;
    const source = readFileSync(join(dir, 'templates', file), 'utf8');
    const name = file.slice(0, -'.hbs'.length);
    if (name.startsWith('_')) hbs.registerPartial(name.slice(1), source);
    else templates.set(name, hbs.compile(source, { strict: false }));
  }
  const layout = templates.get('layout');
  if (!layout) throw new Error('layout.hbs is missing');
  return (page, data) => {
    const template = templates.get(page);
    if (!template) throw new Error(`no console template ${page}`);
    return layout({ ...data, body: new hbs.SafeString(template(data)) });
  };
}

/** Marks markup built (and escaped) by our own code as safe for `{{{ }}}`. */
export function trusted(markup: string): Handlebars.SafeString {
  return new Handlebars.SafeString(markup);
}

export function readAsset(name: 'console.css', dir = consoleFilesDir()): Buffer {
  return readFileSync(join(dir, 'assets', name));
}
