type AnyListener = (...args: unknown[]) => void;

/** A small typed event emitter: `on` returns the function that removes the listener. */
export class Listeners<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly byEvent = new Map<keyof Events, Set<AnyListener>>();

  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): () => void {
    let set = this.byEvent.get(event);
    if (!set) {
      set = new Set();
      this.byEvent.set(event, set);
    }
    const l = listener as unknown as AnyListener;
    set.add(l);
    return () => set.delete(l);
  }

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const listener of this.byEvent.get(event) ?? []) listener(...args);
  }
}
