/** Counted nouns in messages: `1 record`, `2 records`, `1 spool file`; `irregular` for the plural of odd nouns. */
export function plural(count: number, noun: string, irregular?: string): string {
  return `${count} ${count === 1 ? noun : (irregular ?? `${noun}s`)}`;
}

/** The verb agreeing with a count: `1 secret reference does`, `2 ... do`. */
export function agree(count: number, singular: string, pluralForm: string): string {
  return count === 1 ? singular : pluralForm;
}
