// Package sched is the time side of a trading bot: the exchange calendar,
// and a scheduler that runs a function for every symbol, every interval,
// within the market's hours, a bounded number at a time.
//
// It knows nothing of Interactive Brokers: it imports the standard
// library and golang.org/x/sync/errgroup only, so strategies, backtests
// and the simulator can all share it, and so can any Go program with a
// per-key periodic job.
//
// # Calendar
//
// [NYSE] returns the New York Stock Exchange calendar, which US equity
// options follow. Holidays and early closes are computed from the
// exchange's rules for any year from 1990 to 2100; there is no table to
// refresh each year. Every method takes the instant to ask about, so tests
// pass fixed instants and never read the wall clock:
//
//	cal := sched.NYSE()
//	s, ok := cal.Session(now)      // today's hours, false on a holiday
//	next := cal.NextOpen(now)      // when to wake up
//	days := cal.TradingDays(from, to)
//
// Dates are New York dates: an instant is first converted to
// America/New_York, so 2026-01-02T03:00Z (22:00 on New Year's Day in New
// York) is on a holiday. Day values returned by the calendar are midnight
// New York.
//
// # Scheduler
//
// A [Scheduler] runs a [Func] for each symbol once per cycle:
//
//	s, err := sched.New(sched.Config{
//		Interval:      3 * time.Minute,
//		MaxConcurrent: 2,
//		Calendar:      sched.NYSE(),
//		Logger:        logger,
//		OnCycle:       func(r sched.CycleReport) { journal.Cycle(r) },
//	})
//	if err != nil {
//		return err // names the field, its value and what is allowed
//	}
//	sum, err := s.Run(ctx, []string{"SPY", "QQQ", "AAPL"}, func(ctx context.Context, symbol string) error {
//		return bot.Step(ctx, symbol)
//	})
//
// [Config]'s zero value is usable; each field's comment names its
// default. What Run guarantees:
//
//   - Cycles start on the interval grid of the clock (every 3 minutes is
//     :00, :03, :06 ... of each hour), plus Config.Jitter if set.
//   - In a cycle every due symbol runs once, at most MaxConcurrent at a
//     time (an errgroup with SetLimit). A symbol's error, panic or timeout
//     never cancels the others.
//   - A cycle due while the previous one still runs is skipped and
//     reported (CycleReport.Skipped, with the symbols still running),
//     never queued, so a symbol never runs twice at once.
//   - Outside the calendar's regular session no cycle starts: Run sleeps
//     until the next open, across weekends, holidays and early closes,
//     and logs the closure once. A symbol whose turn comes after the
//     close is skipped as market closed.
//   - When ctx ends, nothing new starts; running symbols get Config.Grace
//     to finish, then their contexts are cancelled with cause
//     [ErrShutdown]. Run returns a [Summary], and an error wrapping
//     ctx.Err() only if it had to cancel work.
//
// # Failures
//
// Config.Classify sorts a symbol's error into a [Class]:
//
//   - [Retryable] (the default for every error; timeouts always): the
//     symbol backs off for a number of whole cycles, doubling per
//     consecutive failure up to a cap, with jitter. The others are never
//     delayed.
//   - [Permanent]: the symbol is parked, with the error as its reason,
//     until Run is called again (an order rejection that would repeat
//     every cycle).
//   - [Ignore]: not a failure (the function decided to skip).
//
// After BreakerThreshold consecutive failures a symbol's breaker opens:
// it is skipped for BreakerCooldown, then runs once as a trial
// (half-open); success closes the breaker, failure opens it again. A
// panic is recovered into a [*PanicError] and its stack logged. Every
// decision shows in the [CycleReport]: each [SymbolReport] has the
// outcome, the skip reason, the error, the failure count, the breaker
// state and the cycle a backing-off symbol resumes in.
//
// # Time
//
// Everything the scheduler does with time goes through Config.Clock, a
// [Clock]: Now and AfterFunc. The default is the wall clock. A
// [*FakeClock] moves only when told to, so tests run a week of cycles in
// milliseconds without sleeping. A test drives it from instant to
// instant, each time once everything it drives waits on the clock: in a
// testing/synctest bubble,
//
//	for {
//		synctest.Wait()        // Run and the symbols all wait on the clock
//		if _, ok := clock.AdvanceToNext(); !ok {
//			break
//		}
//	}
//
// and outside one with [FakeClock.BlockUntil] (Run holds one timer while
// it waits for its next cycle, one per running symbol) and the cycle
// reports from OnCycle; see the Scheduler.Run example.
//
// One virtual time can be shared with the simulated Gateway
// (ibkr/ibsim), whose Clock interface is Now alone: a *FakeClock is an
// ibsim.Clock as it is, so a simulation gives the same clock to both:
//
//	clock := sched.NewFakeClock(start)
//	srv, err := ibsim.Start(ibsim.Config{Clock: clock})
//	s, err := sched.New(sched.Config{Clock: clock, Calendar: sched.NYSE()})
//
// A clock that runs by itself, such as ibsim's ScaledClock (wall time
// times a speed), needs AfterFunc added; an adapter of a few lines lives
// in the program that joins the two, since sched imports nothing of
// ibkr:
//
//	type scaledClock struct {
//		*ibsim.ScaledClock
//		speed float64
//	}
//
//	func (c scaledClock) AfterFunc(d time.Duration, f func()) sched.Timer {
//		// Rounded up, so that it never fires before the clock reads d later.
//		return time.AfterFunc(time.Duration(math.Ceil(float64(d)/c.speed)), f)
//	}
//
// The scheduler copes with a clock that jumps: woken more than an
// interval late (a machine that slept) it runs one cycle at the latest
// instant of the grid instead of a burst, and woken early it waits for
// the rest.
//
// # Limits
//
// The calendar models rules only. Unscheduled closures (national days of
// mourning such as 2025-01-09, 2001-09-11..14, two days for a hurricane
// in October 2012) are not known to it, and neither are past changes to
// early-close practice.
package sched
