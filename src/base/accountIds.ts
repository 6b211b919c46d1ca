/**
 * A set of AWS account IDs that can be found and replaced in text in one pass. A fan-out to 1 000
 * accounts puts 1 000 IDs in the set and thousands of values through it (summary cells, diagram labels,
 * log lines); one `split/join` per ID per value made that quadratic (about 1.4 s of CPU for the job
 * summary alone at 1 000 targets).
 *
 * Account IDs are exactly 12 digits (verifyReply.ts and the inputs check it; the set refuses anything
 * else, so no ID can be silently left unreplaced). Every run of 12 or more digits in the text is scanned
 * left to right and each 12-digit window that is in the set is replaced, the scan going on after it: an
 * ID inside a longer digit run is found too, as `split/join` found it.
 */
const ACCOUNT_ID = /^\d{12}$/;
const DIGIT_RUN = /\d{12,}/g;

export class AccountIdSet {
  private readonly ids = new Set<string>();

  constructor(ids: Iterable<string> = []) {
    for (const id of ids) this.add(id);
  }

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Adds a 12-digit account ID; throws on anything else (a caller's defect, never input). */
  add(id: string): this {
    if (!ACCOUNT_ID.test(id)) throw new Error(`not a 12-digit account ID (${id.length} characters)`);
    this.ids.add(id);
    return this;
  }

  /** `text` with every ID of the set replaced by `by(id)`. */
  replaceIn(text: string, by: (id: string) => string): string {
    if (this.ids.size === 0) return text;
    return text.replace(DIGIT_RUN, (run) => {
      if (run.length === 12) return this.ids.has(run) ? by(run) : run;
      let result = '';
      let i = 0;
      while (i < run.length) {
        const window = run.slice(i, i + 12);
        if (window.length === 12 && this.ids.has(window)) {
          result += by(window);
          i += 12;
        } else {
          result += run[i];
          i += 1;
        }
      }
      return result;
    });
  }
}
