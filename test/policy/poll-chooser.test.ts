import { describe, expect, it } from 'vitest'
import { PollChooser } from '../../src/policy/poll-chooser.js'

/** Feeds `n` requests whose latency depends on the mode the chooser picked for them. */
function drive(chooser: PollChooser, n: number, latency: (polling: boolean) => number): boolean[] {
  const modes: boolean[] = []
  for (let i = 0; i < n; i++) {
    const polling = chooser.shouldPoll()
    modes.push(polling)
    chooser.record(latency(polling))
  }
  return modes
}

describe('PollChooser', () => {
  it('starts by sleeping and switches to polling when a trial shows polling clearly faster', () => {
    const chooser = new PollChooser(100, 10)
    const modes = drive(chooser, 100, (polling) => (polling ? 40 : 70))
    expect(modes.every((m) => m === false)).toBe(true)
    drive(chooser, 10, (polling) => (polling ? 40 : 70)) // the trial
    expect(chooser.shouldPoll()).toBe(true)
  })

  it('goes back to sleeping when the machine gets busy and polling turns slower', () => {
    const chooser = new PollChooser(100, 10)
    drive(chooser, 110, (polling) => (polling ? 40 : 70))
    expect(chooser.shouldPoll()).toBe(true)
    drive(chooser, 110, (polling) => (polling ? 150 : 55))
    expect(chooser.shouldPoll()).toBe(false)
  })

  it('keeps its mode when the trial is not clearly better (no flapping on noise)', () => {
    const chooser = new PollChooser(100, 10, 100)
    const modes = drive(chooser, 1_100, (polling) => (polling ? 48 : 50))
    expect(modes.filter(Boolean)).toHaveLength(100) // the ten trials only
    expect(chooser.shouldPoll()).toBe(false)
  })

  it('tries less and less often while the other mode keeps losing', () => {
    // Trials after 100, 200, 400, 800 and then every 800 requests: 100 + 10 + 200 + 10 + 400 + 10 + 800
    // + 10 + 800 + 10 = 2,350 requests hold five trials of ten.
    const chooser = new PollChooser(100, 10, 800)
    const modes = drive(chooser, 2_350, () => 50)
    expect(modes.filter(Boolean)).toHaveLength(50)
  })

  it('starts over at the shortest wait after a switch', () => {
    const chooser = new PollChooser(100, 10, 800)
    drive(chooser, 100 + 10 + 200 + 10, () => 50) // two losing trials: the next one comes after 400
    drive(chooser, 400, () => 50)
    drive(chooser, 10, (polling) => (polling ? 20 : 50)) // a winning trial: now polling
    expect(chooser.shouldPoll()).toBe(true)
    const modes = drive(chooser, 110, (polling) => (polling ? 20 : 50))
    expect(modes.filter((m) => !m)).toHaveLength(10) // the next trial (of sleeping) after 100 again
  })
})
