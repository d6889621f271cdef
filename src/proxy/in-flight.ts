/**
 * A count of things under way (requests, held answers): each `started()` adds one and returns
 * the function that takes it off again, once, however often it is called (a stream's `close`
 * and its error may both call it).
 */
export class InFlight {
  private count = 0;

  get now(): number {
    return this.count;
  }

  started(): () => void {
    this.count += 1;
    let ended = false;
    return () => {
      if (!ended) this.count -= 1;
      ended = true;
    };
  }
}
