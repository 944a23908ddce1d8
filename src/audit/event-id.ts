import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

// Event ids are UUIDv7. The uuid package draws the random part of each id with one
// getRandomValues call, which costs more than hashing the event; drawing randomness in bulk
// and handing out 16 bytes per id removes that from the hot path. Given its random bytes, uuid
// does not keep ids monotonic within a millisecond; RFC 9562 makes that optional, and the
// journal's order is `seq`, not the id.

const ID_RANDOM_BYTES = 16;
const pool = Buffer.allocUnsafe(ID_RANDOM_BYTES * 1024);
let poolOffset = pool.length;

export function newEventId(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const random = pool.subarray(poolOffset, poolOffset + ID_RANDOM_BYTES);
  poolOffset += ID_RANDOM_BYTES;
  return uuidv7({ random });
}
