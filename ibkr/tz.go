package ibkr

// Bar times and trading hours are New York time on any host.
import _ "time/tzdata"
