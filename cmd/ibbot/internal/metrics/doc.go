// Package metrics is the running bot's observability: Prometheus metrics,
// a health check that is a real round trip to the Gateway, and the HTTP
// server that exposes both ("ibbot run --http ADDR").
//
// Metrics are read at scrape time from their sources (the session's
// counters, the bot's journaled decisions, the alert queues) or counted
// as cycles complete; nothing here blocks the bot.
package metrics
