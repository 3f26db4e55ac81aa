// What a command returns for people to read, independent of channel: each renderer (text, cards) draws these.

export type Tone = 'success' | 'info' | 'warning' | 'danger';

export interface MessageView {
  kind: 'message';
  text: string;
  tone?: Tone;
}

export interface TableColumn {
  key: string;
  label: string;
  /** Numbers and sizes read best right-aligned. */
  align?: 'left' | 'right';
}

export interface TableView {
  kind: 'table';
  title?: string;
  columns: TableColumn[];
  rows: Array<Record<string, string>>;
  /** Shown instead of an empty table. */
  empty: string;
  footer?: string;
}

export interface DetailView {
  kind: 'detail';
  title: string;
  fields: Array<{ label: string; value: string }>;
  tone?: Tone;
}

/** A secret shown exactly once (a new token): renderers must make it easy to copy and say it will not be shown again. */
export interface SecretView {
  kind: 'secret';
  title: string;
  label: string;
  secret: string;
  warning: string;
  fields: Array<{ label: string; value: string }>;
}

/**
 * A small bar chart inside a section: categories, and one or two series of numbers over them (this period and the
 * previous). Feishu cards draw it natively; text and markdown renderers draw bars of characters.
 */
export interface ChartPart {
  title: string;
  categories: string[];
  /** `labels` are the values as people read them ("1.2M"), one per category. */
  series: Array<{ name: string; values: number[]; labels: string[] }>;
}

/** Help and other prose with structure: a heading, then lines, a chart or nested views. */
export interface SectionsView {
  kind: 'sections';
  title?: string;
  sections: Array<{ heading?: string; lines?: string[]; chart?: ChartPart; view?: View }>;
}

/**
 * A button on a reply (approve, reject). `value` comes back verbatim in the click; `command` is the text equivalent
 * (`claw approve 12`), which channels without callbacks offer instead of a button.
 */
export interface ViewAction {
  label: string;
  style: 'primary' | 'danger' | 'default';
  value: Record<string, string>;
  command: string;
}

export type View = (MessageView | TableView | DetailView | SecretView | SectionsView) & {
  /** Buttons under the reply; chat channels render them, text renderers list their commands. */
  actions?: ViewAction[];
  /** A short heading for cards and notifications (the first line of the text rendering otherwise). */
  headline?: string;
};
