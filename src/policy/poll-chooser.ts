/**
 * Decides whether an idle evaluation worker polls for its next request or sleeps on it, by trying
 * both and keeping the faster. Polling saves the ~30 µs it takes to wake a sleeping thread on an idle
 * virtual CPU; on a machine whose cores are all busy it is the opposite: a polling thread competes with
 * the evaluations for CPU and gets preempted in the middle of them (measured: 70 µs a decision when
 * sleeping, 150 µs when polling, on two busy cores). Neither the load average nor the wake latency
 * tells the two apart, so the engine measures what it waits for, request posted to result seen, under
 * each mode, one chooser per worker.
 *
 * It runs the current mode, then tries the other for `trial` requests and switches when the trial's
 * median is clearly lower. A trial that loses doubles the wait before the next one (up to `maxExploit`
 * requests), so a settled choice costs almost nothing; a switch starts over at `minExploit`. Pure; the
 * engine tells the worker the mode through the channel header.
 */
export class PollChooser {
  private polling = false
  private inTrial = false
  private count = 0
  private exploit: number
  private readonly exploitTail: number[] = []
  private readonly trialSamples: number[] = []

  constructor(
    private readonly minExploit = 256,
    private readonly trial = 32,
    private readonly maxExploit = 4096,
  ) {
    this.exploit = minExploit
  }

  /** Whether to poll before the next request. */
  shouldPoll(): boolean {
    return this.inTrial ? !this.polling : this.polling
  }

  /** Records how long the last request took from posted to done, µs. */
  record(micros: number): void {
    if (this.inTrial) {
      this.trialSamples.push(micros)
      if (this.trialSamples.length < this.trial) return
      const better = median(this.trialSamples) < 0.9 * median(this.exploitTail)
      if (better) this.polling = !this.polling
      this.exploit = better ? this.minExploit : Math.min(this.exploit * 2, this.maxExploit)
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
