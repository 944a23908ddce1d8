/**
 * Counts the event loop's turns from now until stopped: a thread blocked in a synchronous call
 * (SQLite's busy handler, a long read) makes none.
 */
export function countEventLoopTurns(): { turns(): number; stop(): number } {
  let turns = 0;
  let counting = true;
  const count = () => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  return {
    turns: () => turns,
    stop() {
      counting = false;
      return turns;
    },
  };
}
