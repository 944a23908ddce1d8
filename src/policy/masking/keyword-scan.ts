// The keyword prefilter of all of a masker's patterns in one pass: a substring search per
// keyword costs a scan of the text each (about thirty of them for the built-ins), where one
// regular expression over the lowercased text finds every keyword that occurs at once.

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

export class KeywordScan {
  private readonly regex: RegExp;
  /** For each keyword, the patterns (by index) it lets run. */
  private readonly patternsByKeyword = new Map<string, number[]>();
  private readonly keyworded: number;

  /** `keywords[i]`: pattern i's keywords, or null for a pattern that always runs. */
  constructor(keywords: ReadonlyArray<readonly string[] | null>) {
    const distinct = [...new Set(keywords.flatMap((list) => list ?? []))];
    // A keyword found also means every keyword inside it was (`password` holds `passw`): the
    // scan reports one keyword per position, the longest, as it is tried first.
    for (const found of distinct) {
      const patterns: number[] = [];
      keywords.forEach((list, index) => {
        if (list?.some((keyword) => found.includes(keyword))) patterns.push(index);
      });
      this.patternsByKeyword.set(found, patterns);
    }
    distinct.sort((a, b) => b.length - a.length);
    // Matches nothing when there are no keywords (no pattern then needs the scan).
    this.regex = new RegExp(distinct.map(escapeRegExp).join('|') || '[]', 'g');
    this.keyworded = keywords.filter((list) => list !== null).length;
  }

  /**
   * Marks in `found` (one entry per pattern, cleared by the caller) the patterns whose keywords
   * occur in `lower`, the lowercased text.
   */
  scan(lower: string, found: Uint8Array): void {
    const regex = this.regex;
    let remaining = this.keyworded;
    regex.lastIndex = 0;
    for (let match = regex.exec(lower); match !== null; match = regex.exec(lower)) {
      for (const pattern of this.patternsByKeyword.get(match[0])!) {
        if (found[pattern] === 0) {
          found[pattern] = 1;
          remaining--;
        }
      }
      if (remaining === 0) return;
      // From the next character, not past the match: keywords may overlap (`asiaiza`).
      regex.lastIndex = match.index + 1;
    }
  }
}
