/**
 * `work` while `background` goes on; both are waited for whichever fails first, so a transfer
 * never returns or throws with a statement still running on the target.
 */
export async function alongside<T, B>(background: Promise<B>, work: () => Promise<T>): Promise<[T, B]> {
  const settled = background.then(
    () => undefined,
    () => undefined,
  );
  try {
    return [await work(), await background];
  } finally {
    await settled;
  }
}
