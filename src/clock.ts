// The gateway's time and randomness, in one place so that tests can replace them.
export interface Clock {
  now(): number;
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
};
