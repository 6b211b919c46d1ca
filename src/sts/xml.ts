/**
 * A small, strict XML reader for STS replies (a few kB of elements and text; no attributes are used).
 * It reads what STS writes and refuses, with XmlError, what a hostile endpoint might try: nesting
 * past MAX_DEPTH (no recursion, so no stack overflow), unclosed or mismatched tags, text outside the
 * root. Like the SDK's own reader it skips the XML declaration, comments, processing instructions
 * and a DOCTYPE (never expanded: only the five predefined entities and character references are
 * decoded, any other entity reads as nothing), keeps CDATA as text, treats CRLF as LF, and ignores
 * attributes (namespaces included) and a leading byte-order mark. Pure.
 */

export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  /** Concatenated text content (entities decoded); whitespace-only text with a line break counts as none. */
  text: string;
}

export class XmlError extends Error {
  constructor(why: string) {
    super(`unreadable XML: ${why}`);
    this.name = 'XmlError';
  }
}

/** Far deeper than any STS reply (5 levels), far shallower than a stack. */
export const MAX_DEPTH = 64;

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(?:#x([0-9a-fA-F]{1,6})|#(\d{1,7})|([a-zA-Z][a-zA-Z0-9]{0,30}));/g, (_, hex?: string, dec?: string, named?: string) => {
    // fromCharCode (not fromCodePoint): never throws on an out-of-range reference, as the SDK's reader.
    if (hex) return String.fromCharCode(Number.parseInt(hex, 16));
    if (dec) return String.fromCharCode(Number.parseInt(dec, 10));
    return Object.hasOwn(NAMED, named!) ? NAMED[named!]! : '';
  });
}

class Cursor {
  i = 0;
  constructor(readonly x: string) {}
  at(s: string): boolean {
    return this.x.startsWith(s, this.i);
  }
  skipTo(stop: string): string {
    const end = this.x.indexOf(stop, this.i);
    if (end < 0) throw new XmlError(`"${stop}" expected`);
    const out = this.x.slice(this.i, end);
    this.i = end + stop.length;
    return out;
  }
  skipSpace(): void {
    while (this.i < this.x.length && ' \t\r\n'.includes(this.x[this.i]!)) this.i++;
  }
  skipDoctype(): void {
    let depth = 0;
    for (this.i += 9; this.i < this.x.length; this.i++) {
      const c = this.x[this.i];
      if (c === '[') depth++;
      else if (c === ']') depth--;
      else if (c === '>' && depth === 0) {
        this.i++;
        return;
      }
    }
    throw new XmlError('unclosed DOCTYPE');
  }
}

/** The open tag at the cursor (which is on `<`): its name, and whether it closed itself. */
function openTag(c: Cursor): { name: string; selfClosing: boolean } {
  const m = /^<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(c.x.slice(c.i, c.i + 4096));
  if (!m) throw new XmlError('malformed tag');
  c.i += m[0].length;
  return { name: m[1]!, selfClosing: m[3] === '/' };
}

/** Skips what may come before the root: declaration, comments, processing instructions, DOCTYPE. */
function prolog(c: Cursor): void {
  for (;;) {
    c.skipSpace();
    if (c.at('<?')) c.skipTo('?>');
    else if (c.at('<!--')) c.skipTo('-->');
    else if (c.x.slice(c.i, c.i + 9).toUpperCase() === '<!DOCTYPE') c.skipDoctype();
    else return;
  }
}

const finish = (e: XmlElement) => {
  if (e.text.trim() === '' && e.text.includes('\n')) e.text = '';
};

/** The root element of `input`, read iteratively. */
export function parseXml(input: string): XmlElement {
  const c = new Cursor(input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'));
  prolog(c);
  if (!c.at('<')) throw new XmlError(c.i >= c.x.length ? 'no root element' : 'text before the root element');
  const first = openTag(c);
  const root: XmlElement = { name: first.name, children: [], text: '' };
  if (first.selfClosing) return root;
  const stack: XmlElement[] = [root];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (c.i >= c.x.length) throw new XmlError(`</${top.name}> missing`);
    if (c.at('</')) {
      c.i += 2;
      const name = c.skipTo('>').trim();
      if (name !== top.name) throw new XmlError(`<${top.name}> closed by </${name}>`);
      finish(top);
      stack.pop();
    } else if (c.at('<!--')) c.skipTo('-->');
    else if (c.at('<![CDATA[')) {
      c.i += 9;
      top.text += c.skipTo(']]>');
    } else if (c.at('<?')) c.skipTo('?>');
    else if (c.at('<')) {
      const tag = openTag(c);
      const child: XmlElement = { name: tag.name, children: [], text: '' };
      top.children.push(child);
      if (!tag.selfClosing) {
        if (stack.length >= MAX_DEPTH) throw new XmlError(`nested deeper than ${MAX_DEPTH} elements`);
        stack.push(child);
      }
    } else {
      const end = c.x.indexOf('<', c.i);
      const stop = end < 0 ? c.x.length : end;
      top.text += decodeEntities(c.x.slice(c.i, stop));
      c.i = stop;
    }
  }
  return root;
}

/** The only child of `parent` named `name`; undefined when absent; XmlError when repeated. */
export function child(parent: XmlElement | undefined, name: string): XmlElement | undefined {
  const found = parent?.children.filter((e) => e.name === name) ?? [];
  if (found.length > 1) throw new XmlError(`<${name}> appears ${found.length} times`);
  return found[0];
}

/** The text of the only child named `name` (which must hold no elements); undefined when absent. */
export function childText(parent: XmlElement | undefined, name: string): string | undefined {
  const e = child(parent, name);
  if (e && e.children.length > 0) throw new XmlError(`<${name}> holds elements, not text`);
  return e?.text;
}
