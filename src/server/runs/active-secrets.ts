import { SecretMasker } from '../../core/index.js';

/**
 * The secret values of the runs this process drives, to mask what runners send back (log
 * lines, errors, outputs) on the server as well: a runner masks before sending, but a
 * broken or outdated runner must not be able to store a secret in the clear. One masker for
 * all runs: masking another run's secret in a log is harmless, and a lookup per batch is not.
 */
export class ActiveSecrets {
  private readonly counts = new Map<string, number>();
  private masker = new SecretMasker();

  add(values: Iterable<string>): void {
    let changed = false;
    for (const value of values) {
      const count = this.counts.get(value) ?? 0;
      this.counts.set(value, count + 1);
      if (count === 0) changed = true;
    }
    if (changed) this.rebuild();
  }

  remove(values: Iterable<string>): void {
    let changed = false;
    for (const value of values) {
      const count = this.counts.get(value) ?? 0;
      if (count <= 1) {
        changed ||= this.counts.delete(value);
      } else {
        this.counts.set(value, count - 1);
      }
    }
    if (changed) this.rebuild();
  }

  mask(text: string): string {
    return this.masker.mask(text);
  }

  private rebuild(): void {
    const masker = new SecretMasker();
    for (const value of this.counts.keys()) masker.add(value);
    this.masker = masker;
  }
}
