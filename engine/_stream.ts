/**
 * Reading a web stream chunk by chunk, for the engines' bodies.
 *
 * @module
 */

/**
 * Hands each chunk of a stream to `onChunk`, awaiting it; on a failure the stream is cancelled
 * with the error, which is thrown.
 */
export async function readEach(
  stream: ReadableStream<Uint8Array>,
  onChunk: (chunk: Uint8Array) => unknown,
): Promise<void> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      await onChunk(value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}
