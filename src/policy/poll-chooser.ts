/**
 * Decides whether an idle evaluation worker polls for its next request or sleeps on it, by trying
 * both and keeping the faster. Polling saves the ~30 µs it takes to wake a sleeping thread on an idle
 * virtual CPU; on a machine whose cores are all busy it is the opposite: a polling thread competes with
 * the evaluations for CPU and gets preempted in the middle of them. Neither the load average nor the
 * wake latency tells the two apart (both run high in both cases), so the engine measures what it
 * waits for, request posted to result seen, under each mode, one chooser per worker.
 *
 * It runs the current mode for `exploit` requests, then the other for `trial` requests, and switches
 * when the trial's median is clearly lower. Pure; the engine tells the worker the mode through the
 * channel header.
 */
export class PollChooser {
  private polling = false
  private inTrial = false
  private count = 0
  private readonly exploitTail: number[] = []
  private readonly trialSamples: number[] = []

  constructor(
    private readonly exploit = 256,
    private readonly trial = 32,
  ) {}

  /** Whether to poll before the next request. */
  shouldPoll(): boolean {
    return this.inTrial ? !this.polling : this.polling
  }

  /** Records how long the last request took from posted to done, µs. */
  record(micros: number): void {
    if (this.inTrial) {
      this.trialSamples.push(micros)
      if (this.trialSamples.length < this.trial) return
      if (median(this.trialSamples) < 0.9 * median(this.exploitTail)) this.polling = !this.polling
      this.inTrial = false
      this.trialSamples.length = 0
      this.exploitTail.length = 0
      this.count = 0
      return
    }
    this.exploitTail.push(micros)
    if (this.exploitTail.length > this.trial) this.exploitTail.shift()
    this.count += 1
    if (this.count >= this.exploit) this.inTrial = true
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}
