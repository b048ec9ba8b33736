// What the pane keeps of what it shows: one record per execution (or
// inquiry), and the view that holds them, replaced whole when the pane is
// cleared.

/** What the pane keeps of one execution (or inquiry): the parts of its cards an event updates. */
export interface Card {
  /** Its ack card's status badge. */
  status?: HTMLElement;
  /** Its result card. */
  result?: HTMLElement;
  /** The text its result card shows (its result, or the announcement that replaced it). */
  body?: HTMLElement;
  /** Its result's own text, whatever the card shows of it. */
  raw?: string;
  /** Live output on its ack card, until its result. */
  live?: { pre: HTMLPreElement; size: number };
  /** A workflow's tasks on its ack card: task execution → its row. */
  tasks?: { list: HTMLOListElement; rows: Map<string, HTMLElement> };
  /** Cancel, while it runs. */
  cancel?: HTMLButtonElement;
  /** A running workflow's Pause and Resume (one shown at a time). */
  pausing?: { pause: HTMLButtonElement; resume: HTMLButtonElement };
  /** Its inquiry card, until it is answered or closed. */
  inquiry?: HTMLElement;
}

/**
 * Everything the pane knows about what it shows, in one place, so that
 * clearing the pane (a profile switch) cannot forget a part of it.
 */
export class View {
  /** History ids on screen. */
  seen = new Set<number>();
  /** By execution (or inquiry) id. */
  cards = new Map<string, Card>();
  /** Open inquiries' "expires in" lines and when each expires. */
  expiries = new Map<string, { line: HTMLElement; at: number }>();
  /** A failed run's error shown before the desk's recorded one arrived (by text). */
  pendingErrors = new Map<string, HTMLElement>();
  /** Errors the desk recorded lately (text → when), so a run's failure is shown once. */
  recordedErrors = new Map<string, number>();

  card(id: string): Card {
    let c = this.cards.get(id);
    if (!c) {
      c = {};
      this.cards.set(id, c);
    }
    return c;
  }

  of(id: string): Card | undefined {
    return this.cards.get(id);
  }
}
