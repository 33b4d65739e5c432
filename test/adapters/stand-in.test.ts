import Anthropic from '@anthropic-ai/sdk'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type StandInServer, startStandInServer, step } from '../support/anthropic-stand-in.js'
import { defined, eventually } from '../support/eventually.js'

// The stand-in is only useful if the real SDK accepts it and it rejects what the API rejects.
let standIn: StandInServer
let client: Anthropic
beforeEach(async () => {
  standIn = await startStandInServer()
  client = new Anthropic({ apiKey: 'test', baseURL: standIn.url, maxRetries: 0 })
})
afterEach(async () => {
  await standIn.close()
})

const base = { model: 'claude-sonnet-5-5', max_tokens: 64 }

describe('stand-in Messages endpoint', () => {
  it('answers a tool_use turn in the API shape the SDK parses', async () => {
    standIn.scriptMessages({ content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } }] })
    const message = await client.messages.create({
      ...base,
      messages: [{ role: 'user', content: 'weather?' }],
    })
    expect(message).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'tool_use' })
    expect(message.content[0]).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input: { city: 'Oslo' },
    })
    expect(message.id).toMatch(/^msg_/)
    expect(message.usage.input_tokens).toBeGreaterThan(0)
  })

  it('rejects a conversation that leaves a tool_use unanswered, like the API', async () => {
    const error = await client.messages
      .create({
        ...base,
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'x', input: {} }] },
          { role: 'user', content: 'no result' },
        ],
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.BadRequestError)
    expect(String((error as Error).message)).toContain('toolu_1')
  })

  it('rejects a request without an API key', async () => {
    const response = await fetch(`${standIn.url}/v1/messages`, { method: 'POST', body: '{}' })
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
  })
})

describe('stand-in Messages streaming (stream: true)', () => {
  const text = 'Let me look up the weather in Oslo for you, one moment.'
  const input = { city: 'Oslo', note: 'rain 🌧 in Bærum', days: 3 }
  const turn = {
    content: [
      { type: 'text' as const, text },
      { type: 'tool_use' as const, name: 'get_weather', input },
    ],
  }
  const messages = [{ role: 'user' as const, content: 'weather?' }]

  it('sends the API event sequence, which the SDK assembles into the message', async () => {
    standIn.scriptMessages(turn)
    const stream = client.messages.stream({ ...base, messages })
    const types: string[] = []
    const deltas: string[] = []
    for await (const event of stream) {
      types.push(event.type === 'content_block_delta' ? `delta:${event.delta.type}` : event.type)
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta')
        deltas.push(event.delta.partial_json)
    }
    const message = await stream.finalMessage()
    const textDeltas = types.filter((t) => t === 'delta:text_delta').length
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      ...Array(textDeltas).fill('delta:text_delta'),
      'content_block_stop',
      'content_block_start',
      ...Array(deltas.length).fill('delta:input_json_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    expect(textDeltas).toBeGreaterThan(1)
    // As the API does: an empty first fragment, then the input's JSON in pieces.
    expect(deltas[0]).toBe('')
    expect(deltas.length).toBeGreaterThan(2)
    expect(message).toMatchObject({ role: 'assistant', stop_reason: 'tool_use', stop_sequence: null })
    expect(message.content).toEqual([
      { type: 'text', text, citations: null },
      expect.objectContaining({ type: 'tool_use', name: 'get_weather', input }),
    ])
    expect(message.usage.output_tokens).toBeGreaterThan(1)
  })

  it('frames each event as `event:` and `data:` lines on text/event-stream, with a ping', async () => {
    standIn.scriptMessages({ content: [{ type: 'text', text: 'hi' }] })
    const response = await fetch(`${standIn.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ ...base, messages, stream: true }),
    })
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    const frames = (await response.text()).trim().split('\n\n')
    const names = frames.map((frame) => {
      const [event, data] = frame.split('\n')
      const name = event!.replace('event: ', '')
      expect(JSON.parse(data!.replace('data: ', '')).type).toBe(name)
      return name
    })
    expect(names).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    const start = JSON.parse(frames[0]!.split('\n')[1]!.replace('data: ', ''))
    expect(start.message).toMatchObject({ content: [], stop_reason: null })
  })
})

describe('stand-in session endpoints', () => {
  it('pages the event list with cursors the SDK follows', async () => {
    const sessionId = standIn.createSession(
      Array.from({ length: 7 }, (_, i) => step.message(`m${i}`)),
      { startOn: 'manual' },
    )
    standIn.session(sessionId).start()
    await standIn.session(sessionId).whenFinished()
    const types: string[] = []
    for await (const event of client.beta.sessions.events.list(sessionId, { limit: 3 }))
      types.push(event.type)
    expect(types).toEqual([
      'session.status_running',
      ...Array.from({ length: 7 }, () => 'agent.message'),
      'session.status_idle',
    ])
  })

  it('streams events with `event:` lines and records what the client sends', async () => {
    const sessionId = standIn.createSession([
      step.toolUse({ as: 'bash', name: 'bash', input: { command: 'ls' }, permission: 'ask' }),
      step.awaitAction(),
    ])
    const stream = await client.beta.sessions.events.stream(sessionId)
    const seen: string[] = []
    for await (const event of stream) {
      seen.push(event.type)
      if (event.type === 'session.status_idle' && event.stop_reason.type === 'requires_action') {
        await client.beta.sessions.events.send(sessionId, {
          events: [
            { type: 'user.tool_confirmation', tool_use_id: event.stop_reason.event_ids[0]!, result: 'allow' },
          ],
        })
      }
      if (event.type === 'session.status_idle' && event.stop_reason.type === 'end_turn') break
    }
    expect(seen).toEqual([
      'session.status_running',
      'agent.tool_use',
      'session.status_idle',
      'user.tool_confirmation',
      'session.status_running',
      'agent.tool_result',
      'session.status_idle',
    ])
    expect(standIn.session(sessionId).sent).toHaveLength(1)
  })

  it('refuses a second confirmation of the same tool use and a deny_message on allow', async () => {
    const sessionId = standIn.createSession([
      step.toolUse({ as: 't', name: 'bash', input: {}, permission: 'ask' }),
      step.awaitAction(),
    ])
    const session = standIn.session(sessionId)
    session.start()
    const toolUseId = await eventually(() => defined(session.ids.get('t'), 'tool use t'))
    await expect(
      client.beta.sessions.events.send(sessionId, {
        events: [
          { type: 'user.tool_confirmation', tool_use_id: toolUseId, result: 'allow', deny_message: 'x' },
        ],
      }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError)
    await client.beta.sessions.events.send(sessionId, {
      events: [
        { type: 'user.tool_confirmation', tool_use_id: toolUseId, result: 'deny', deny_message: 'no' },
      ],
    })
    await expect(
      client.beta.sessions.events.send(sessionId, {
        events: [{ type: 'user.tool_confirmation', tool_use_id: toolUseId, result: 'allow' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError)
  })

  it('requires the managed-agents beta header', async () => {
    const sessionId = standIn.createSession([])
    const response = await fetch(`${standIn.url}/v1/sessions/${sessionId}/events`, {
      headers: { 'x-api-key': 'test', 'anthropic-version': '2023-06-01' },
    })
    expect(response.status).toBe(400)
  })
})
