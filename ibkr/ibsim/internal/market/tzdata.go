package market

// The simulator works in New York time on any host, with or without a
// system time zone database.
import _ "time/tzdata"
