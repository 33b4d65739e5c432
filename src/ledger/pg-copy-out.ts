import type pg from 'pg'

/**
 * A `COPY … TO STDOUT` statement run on a `pg` client as a custom query (pg's Submittable): each
 * CopyData message (one row; the first also carries the header) goes to `onData` as it is parsed,
 * with no row object in between. `pause()`/`resume()` stop and restart reading the socket, so a slow
 * consumer holds the rows back in PostgreSQL, not in memory. `done` settles at ReadyForQuery.
 *
 * The chunk handed to `onData` is a view into pg's read buffer: valid only during the call.
 *
 * @internal
 * @example
 * const copy = new CopyOut(sqlText, (chunk) => batcher.push(chunk))
 * client.query(copy)
 * await copy.done
 */
export class CopyOut implements pg.Submittable {
  readonly done: Promise<void>
  private connection: pg.Connection | null = null
  private error: Error | null = null
  private settle!: { resolve: () => void; reject: (error: Error) => void }
  private paused = false

  constructor(
    private readonly text: string,
    private readonly onData: (chunk: Buffer) => void,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject }
    })
    // The caller may stop waiting (it abandons the connection); never an unhandled rejection.
    this.done.catch(() => undefined)
  }

  submit(connection: pg.Connection): void {
    this.connection = connection
    connection.query(this.text)
  }

  /** Stops reading the socket (the rows wait in the kernel and in PostgreSQL). */
  pause(): void {
    if (this.paused || !this.connection) return
    this.paused = true
    this.connection.stream.pause()
  }

  resume(): void {
    if (!this.paused || !this.connection) return
    this.paused = false
    this.connection.stream.resume()
  }

  handleCopyData(message: { chunk: Buffer }): void {
    if (this.error) return
    try {
      this.onData(message.chunk)
    } catch (error) {
      // Reported at ReadyForQuery (the protocol must still run to its end, or the caller drops the client).
      this.error = error as Error
    }
  }

  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}

  handleCopyInResponse(connection: pg.Connection & { sendCopyFail(message: string): void }): void {
    connection.sendCopyFail('not a COPY FROM')
  }

  handleError(error: Error): void {
    this.resume()
    this.error ??= error
    this.settle.reject(this.error)
  }

  handleReadyForQuery(): void {
    this.resume()
    if (this.error) this.settle.reject(this.error)
    else this.settle.resolve()
  }
}
