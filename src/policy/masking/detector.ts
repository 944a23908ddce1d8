// What a detector is: named patterns whose matches are replaced in the record by
// `[masked:<name>]`. Each pattern may carry keywords, a cheap substring test that spares the
// regular expression on the (usual) text that cannot contain what it looks for.

export interface MaskPattern {
  /**
   * Lowercase strings one of which the lowercased text must contain before `regex` is tried;
   * null: always tried.
   */
  keywords: readonly string[] | null;
  /** Global (every match is replaced). */
  regex: RegExp;
  /**
   * Group 1 is context kept in front of the value (`password=`, `PASSWORD '`); the rest of the
   * match is the value. Context after the value is matched by a lookahead, so it stays too.
   */
  keepsPrefix: boolean;
  /** Whether a match is a real finding (a card number must pass Luhn); absent: every match. */
  accept?: (value: string) => boolean;
}

export interface Detector {
  /** Names the detector in the marker and in the event's `masked` counts. */
  name: string;
  patterns: readonly MaskPattern[];
}
