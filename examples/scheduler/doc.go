// Command scheduler runs sched.Scheduler in the shape of the incident that
// started ibbot: SPY, QQQ and AAPL every 3 minutes, two at a time, each
// symbol's work taking 40% of the interval, within NYSE hours. Every
// cycle completes all three and none overlaps the next. One line per
// cycle report goes to stdout, the scheduler's log to stderr.
//
// It runs on a scaled clock: market time from -from (default 09:29 New
// York on Tuesday 10 March 2026, a minute before the open), -speed times as fast as the wall clock
// (default 600: a 3-minute cycle every 0.3 s), until -cycles cycles have
// run. The clock is the adapter a program writes to run the scheduler on
// a clock that runs by itself; the bot does the same with the simulated
// Gateway's scaled clock.
//
//	go run ./examples/scheduler
//	go run ./examples/scheduler -fail AAPL -reject QQQ -cycles 12
//	go run ./examples/scheduler -work 0.6 -max-concurrent 1   # cycles overlap: skipped
//	go run ./examples/scheduler -from now -speed 1 -cycles 0  # real time, until Ctrl-C
package main
