/** Prints the walk-through: numbered steps, indented detail, so a person can follow along. */
export class Narrator {
  private step = 0;

  heading(text: string): void {
    process.stdout.write(`\n${text}\n${'='.repeat(text.length)}\n`);
  }

  next(text: string): void {
    this.step += 1;
    process.stdout.write(`\n${this.step}. ${text}\n`);
  }

  detail(text: string): void {
    for (const line of text.replace(/\n+$/, '').split('\n')) process.stdout.write(`   ${line}\n`);
  }
}
