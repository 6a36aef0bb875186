package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/ibbot/ibbot/ibkr/ibsim"
)

// The fault control protocol: one command per line, one answer per line,
// "ok ..." or "error: ...". Blank lines and lines starting with # get no
// answer, so a script file can be piped in as it is.

// Panel is the simulator's fault panel as the control protocol drives it;
// *ibsim.Server implements it.
type Panel interface {
	Stats() ibsim.Stats
	DropAll()
	KillClient(clientID int64, hold time.Duration) bool
	HoldClientID(clientID int64, d time.Duration)
	Restart(down time.Duration) error
	Broadcast(code int) error
	SetCompetingSession(on bool)
	SetLatency(msgID int, d time.Duration)
	Hang(msgID int)
	RejectNextOrders(n, code int, text string)
	SendMalformed(clientID int64) error
}

// msgStartAPI is the startApi message id, which the simulator never
// delays.
const msgStartAPI = 71

// controlCommand is one command of the control protocol.
type controlCommand struct {
	name string
	// args is the argument synopsis, e.g. "CLIENTID [HOLD]".
	args string
	// summary says what the command does, for help.
	summary string
	// minArgs and maxArgs bound the number of arguments; maxArgs < 0
	// means any number.
	minArgs, maxArgs int
	// readOnly commands change nothing; the others are logged.
	readOnly bool
	run      func(c *controller, in input) (string, error)
}

// usage is the command with its argument synopsis.
func (cc *controlCommand) usage() string {
	if cc.args == "" {
		return cc.name
	}
	return cc.name + " " + cc.args
}

// input is one parsed control line.
type input struct {
	line string   // the whole line, trimmed
	args []string // the words after the command
}

// restAfter returns the line after its first n words (the command counts),
// with the spacing inside it kept.
func (in input) restAfter(n int) string {
	s := in.line
	for range n {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		i := strings.IndexFunc(s, unicode.IsSpace)
		if i < 0 {
			return ""
		}
		s = s[i:]
	}
	return strings.TrimSpace(s)
}

// controlCommands returns the commands in the order help lists them.
func controlCommands() []controlCommand {
	return []controlCommand{
		{name: "help", args: "[COMMAND]", summary: "list the commands, or describe one", maxArgs: 1, readOnly: true, run: (*controller).help},
		{name: "stats", args: "[--json]", summary: "clients, messages, peak window, errors by code, market data lines, orders, fills and rejects; --json for one JSON object", maxArgs: 1, readOnly: true, run: (*controller).stats},
		{name: "drop", summary: "close every client connection at once (a crash or network cut)", run: (*controller).drop},
		{name: "kill", args: "CLIENTID [HOLD]", summary: "close one client's connection abruptly; with HOLD its id is refused with 326 for that long", minArgs: 1, maxArgs: 2, run: (*controller).kill},
		{name: "hold", args: "CLIENTID DURATION", summary: "refuse the client id with 326 for DURATION, as a stale session does", minArgs: 2, maxArgs: 2, run: (*controller).hold},
		{name: "restart", args: "DURATION", summary: "restart the Gateway: drop everyone, refuse connections for DURATION, listen again with state kept; answers when it is back", minArgs: 1, maxArgs: 1, run: (*controller).restart},
		{name: "broadcast", args: "CODE", summary: "send a system message to every client: " + broadcastCodes, minArgs: 1, maxArgs: 1, run: (*controller).broadcast},
		{name: "competing", args: "on|off", summary: "a competing live session: market data requests get 10197 and ticks stop", minArgs: 1, maxArgs: 1, run: (*controller).competing},
		{name: "latency", args: "MSGID DURATION", summary: "answer requests with message id MSGID after DURATION (0 removes the delay)", minArgs: 2, maxArgs: 2, run: (*controller).latency},
		{name: "hang", args: "MSGID", summary: "never answer requests with message id MSGID", minArgs: 1, maxArgs: 1, run: (*controller).hang},
		{name: "unhang", args: "MSGID", summary: "answer requests with message id MSGID normally again (removes hang and latency)", minArgs: 1, maxArgs: 1, run: (*controller).unhang},
		{name: "reject", args: "N CODE TEXT...", summary: "reject the next N orders with error CODE and TEXT (reject 0 clears)", minArgs: 1, maxArgs: -1, run: (*controller).reject},
		{name: "malformed", args: "CLIENTID", summary: "send the client one malformed tickPrice frame", minArgs: 1, maxArgs: 1, run: (*controller).malformed},
		{name: "quit", summary: "close this control connection; on standard input, stop the simulator", readOnly: true, run: func(*controller, input) (string, error) { return "bye", nil }},
	}
}

// broadcastCodes lists the codes ibsim.Server.Broadcast accepts.
const broadcastCodes = "1100, 1101, 1102, 2103, 2104, 2105, 2106, 2110, 2157, 2158"

// controller executes control lines against a Panel. It is safe for
// concurrent use: every control session shares one controller.
type controller struct {
	panel      Panel
	commands   []controlCommand
	restarting atomic.Bool
}

func newController(p Panel) *controller {
	return &controller{panel: p, commands: controlCommands()}
}

// answer is the outcome of one control line.
type answer struct {
	// reply is "ok ..." or "error: ...", one line without its newline;
	// empty for a blank or comment line, which gets no answer.
	reply string
	// quit is set by the quit command.
	quit bool
	// changed is set when the command may have changed the simulator.
	changed bool
}

// exec parses and runs one control line.
func (c *controller) exec(line string) answer {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return answer{}
	}
	words := strings.Fields(line)
	name := strings.ToLower(words[0])
	cc := c.lookup(name)
	if cc == nil {
		return answer{reply: fmt.Sprintf("error: unknown command %q; commands: %s (help COMMAND describes one)", words[0], c.names())}
	}
	in := input{line: line, args: words[1:]}
	if n := len(in.args); n < cc.minArgs || cc.maxArgs >= 0 && n > cc.maxArgs {
		if cc.args == "" {
			return answer{reply: fmt.Sprintf("error: %s takes no arguments, got %d", cc.name, n)}
		}
		return answer{reply: fmt.Sprintf("error: usage: %s (got %d %s)", cc.usage(), n, plural(n, "argument"))}
	}
	out, err := cc.run(c, in)
	a := answer{quit: cc.name == "quit", changed: !cc.readOnly}
	if err != nil {
		a.reply = "error: " + oneLine(err.Error())
	} else {
		a.reply = "ok " + oneLine(out)
	}
	return a
}

func (c *controller) lookup(name string) *controlCommand {
	for i := range c.commands {
		if c.commands[i].name == name {
			return &c.commands[i]
		}
	}
	return nil
}

// names lists the command names, comma separated.
func (c *controller) names() string {
	names := make([]string, len(c.commands))
	for i, cc := range c.commands {
		names[i] = cc.name
	}
	return strings.Join(names, ", ")
}

func (c *controller) help(in input) (string, error) {
	if len(in.args) == 1 {
		cc := c.lookup(strings.ToLower(in.args[0]))
		if cc == nil {
			return "", fmt.Errorf("help: unknown command %q; commands: %s", in.args[0], c.names())
		}
		return cc.usage() + ": " + cc.summary, nil
	}
	usages := make([]string, len(c.commands))
	for i := range c.commands {
		usages[i] = c.commands[i].usage()
	}
	return "commands: " + strings.Join(usages, " | ") + " (help COMMAND describes one)", nil
}

func (c *controller) stats(in input) (string, error) {
	asJSON := false
	if len(in.args) == 1 {
		if in.args[0] != "--json" {
			return "", fmt.Errorf("stats: unknown option %q; want nothing or --json", in.args[0])
		}
		asJSON = true
	}
	st := c.panel.Stats()
	if asJSON {
		b, err := json.Marshal(newStatsJSON(st))
		if err != nil {
			return "", fmt.Errorf("stats: %w", err)
		}
		return string(b), nil
	}
	return fmt.Sprintf("clients=%d connections=%d refused=%d bad_handshakes=%d messages=%d peak_window=%d errors=%s lines=%d lines_peak=%d historical_open=%d orders=%d accepted=%d fills=%d rejects=%d",
		st.Clients, st.Connections, st.Refused, st.BadHandshakes, st.Messages, st.PeakWindow, countsByCode(st.ErrorsSent),
		st.MarketDataLines, st.MarketDataLinesPeak, st.HistoricalOpen,
		st.OrdersReceived, st.OrdersAccepted, st.OrderFills, st.OrderRejects), nil
}

// countsByCode formats counts as "code:n,code:n" in code order, or "none".
func countsByCode(m map[int]int64) string {
	if len(m) == 0 {
		return "none"
	}
	codes := make([]int, 0, len(m))
	for code := range m {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	parts := make([]string, len(codes))
	for i, code := range codes {
		parts[i] = fmt.Sprintf("%d:%d", code, m[code])
	}
	return strings.Join(parts, ",")
}

func (c *controller) drop(input) (string, error) {
	c.panel.DropAll()
	return "dropped every client connection", nil
}

func (c *controller) kill(in input) (string, error) {
	id, err := parseClientID("kill", in.args[0])
	if err != nil {
		return "", err
	}
	var hold time.Duration
	if len(in.args) == 2 {
		if hold, err = parseDuration("kill", "HOLD", in.args[1], false); err != nil {
			return "", err
		}
	}
	killed := c.panel.KillClient(id, hold)
	switch {
	case killed && hold > 0:
		return fmt.Sprintf("killed client %d; id %d held for %v", id, id, hold), nil
	case killed:
		return fmt.Sprintf("killed client %d", id), nil
	case hold > 0:
		return fmt.Sprintf("client %d was not connected; id %d held for %v", id, id, hold), nil
	}
	return "", fmt.Errorf("kill: no connected client with id %d (%s)", id, c.connectedIDs())
}

func (c *controller) hold(in input) (string, error) {
	id, err := parseClientID("hold", in.args[0])
	if err != nil {
		return "", err
	}
	d, err := parseDuration("hold", "DURATION", in.args[1], true)
	if err != nil {
		return "", err
	}
	c.panel.HoldClientID(id, d)
	return fmt.Sprintf("client id %d held for %v", id, d), nil
}

func (c *controller) restart(in input) (string, error) {
	down, err := parseDuration("restart", "DURATION", in.args[0], false)
	if err != nil {
		return "", err
	}
	if !c.restarting.CompareAndSwap(false, true) {
		return "", errors.New("restart: a restart is already in progress; wait for its answer")
	}
	defer c.restarting.Store(false)
	if err := c.panel.Restart(down); err != nil {
		return "", fmt.Errorf("restart: %w", err)
	}
	return fmt.Sprintf("restarted after %v down; accepting connections again", down), nil
}

func (c *controller) broadcast(in input) (string, error) {
	code, err := strconv.Atoi(in.args[0])
	if err != nil {
		return "", fmt.Errorf("broadcast: CODE %q is not a number; want one of %s", in.args[0], broadcastCodes)
	}
	if err := c.panel.Broadcast(code); err != nil {
		return "", fmt.Errorf("broadcast: code %d: want one of %s", code, broadcastCodes)
	}
	return fmt.Sprintf("broadcast %d", code), nil
}

func (c *controller) competing(in input) (string, error) {
	var on bool
	switch strings.ToLower(in.args[0]) {
	case "on":
		on = true
	case "off":
	default:
		return "", fmt.Errorf("competing: %q: want on or off", in.args[0])
	}
	c.panel.SetCompetingSession(on)
	return "competing session " + strings.ToLower(in.args[0]), nil
}

func (c *controller) latency(in input) (string, error) {
	id, err := parseMsgID("latency", in.args[0])
	if err != nil {
		return "", err
	}
	d, err := parseDuration("latency", "DURATION", in.args[1], false)
	if err != nil {
		return "", err
	}
	c.panel.SetLatency(id, d)
	if d == 0 {
		return fmt.Sprintf("message %d answered without delay", id), nil
	}
	return fmt.Sprintf("message %d answered after %v", id, d), nil
}

func (c *controller) hang(in input) (string, error) {
	id, err := parseMsgID("hang", in.args[0])
	if err != nil {
		return "", err
	}
	c.panel.Hang(id)
	return fmt.Sprintf("message %d never answered (unhang %d undoes it)", id, id), nil
}

func (c *controller) unhang(in input) (string, error) {
	id, err := parseMsgID("unhang", in.args[0])
	if err != nil {
		return "", err
	}
	c.panel.SetLatency(id, 0)
	return fmt.Sprintf("message %d answered normally", id), nil
}

func (c *controller) reject(in input) (string, error) {
	n, err := strconv.Atoi(in.args[0])
	if err != nil || n < 0 {
		return "", fmt.Errorf("reject: N %q: want a whole number of orders, 0 or more (reject 0 clears)", in.args[0])
	}
	if n == 0 {
		if len(in.args) > 1 {
			return "", errors.New("reject: reject 0 clears the rejections and takes no CODE or TEXT")
		}
		c.panel.RejectNextOrders(0, 0, "")
		return "order rejections cleared", nil
	}
	if len(in.args) < 3 {
		return "", fmt.Errorf("reject: usage: reject N CODE TEXT... (got %d %s), e.g. reject 1 201 Order rejected - reason: margin", len(in.args), plural(len(in.args), "argument"))
	}
	code, err := strconv.Atoi(in.args[1])
	if err != nil || code <= 0 {
		return "", fmt.Errorf("reject: CODE %q: want a positive error code, e.g. 201", in.args[1])
	}
	text := in.restAfter(3)
	c.panel.RejectNextOrders(n, code, text)
	return fmt.Sprintf("next %d %s rejected with %d %q", n, plural(n, "order"), code, text), nil
}

func (c *controller) malformed(in input) (string, error) {
	id, err := parseClientID("malformed", in.args[0])
	if err != nil {
		return "", err
	}
	if err := c.panel.SendMalformed(id); err != nil {
		if errors.Is(err, ibsim.ErrNoClient) {
			return "", fmt.Errorf("malformed: no connected client with id %d (%s)", id, c.connectedIDs())
		}
		return "", fmt.Errorf("malformed: %w", err)
	}
	return fmt.Sprintf("sent client %d a malformed tickPrice", id), nil
}

// connectedIDs describes the client ids connected now, for errors.
func (c *controller) connectedIDs() string {
	var ids []string
	for _, cs := range c.panel.Stats().Conns {
		if cs.Open && cs.ClientID >= 0 {
			ids = append(ids, strconv.FormatInt(cs.ClientID, 10))
		}
	}
	if len(ids) == 0 {
		return "no client is connected"
	}
	return "connected: " + strings.Join(ids, ", ")
}

// parseClientID parses a CLIENTID argument of cmd.
func parseClientID(cmd, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%s: CLIENTID %q: want an API client id, a 32-bit whole number such as 0 or 17", cmd, s)
	}
	return id, nil
}

// parseMsgID parses a MSGID argument of cmd: a client request's message
// id, which startApi cannot be.
func parseMsgID(cmd, s string) (int, error) {
	id, err := strconv.Atoi(s)
	if err != nil || id <= 0 || id == msgStartAPI {
		return 0, fmt.Errorf("%s: MSGID %q: %s", cmd, s, msgIDAllowed)
	}
	return id, nil
}

// msgIDAllowed says what a message id may be.
const msgIDAllowed = "want a request message id, a whole number > 0 other than 71 (startApi), e.g. 1 reqMktData, 9 reqContractDetails, 20 reqHistoricalData"

// parseDuration parses the duration argument name of cmd; it must be > 0
// when positive is set, else >= 0.
func parseDuration(cmd, name, s string, positive bool) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %s %q is not a duration; want e.g. 500ms, 30s, 2m, 1m30s", cmd, name, s)
	}
	if positive && d <= 0 {
		return 0, fmt.Errorf("%s: %s %v must be more than 0", cmd, name, d)
	}
	if d < 0 {
		return 0, fmt.Errorf("%s: %s %v must not be negative", cmd, name, d)
	}
	return d, nil
}

// plural returns word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// oneLine keeps an answer on one line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// statsJSON is the JSON form of ibsim.Stats, with snake_case keys.
type statsJSON struct {
	Clients             int             `json:"clients"`
	Connections         int             `json:"connections"`
	Refused             int             `json:"refused"`
	BadHandshakes       int             `json:"bad_handshakes"`
	Messages            int64           `json:"messages"`
	MessagesByType      map[int]int64   `json:"messages_by_type"`
	PeakWindow          int             `json:"peak_window"`
	ErrorsSent          map[int]int64   `json:"errors_sent"`
	MarketDataLines     int             `json:"market_data_lines"`
	MarketDataLinesPeak int             `json:"market_data_lines_peak"`
	HistoricalOpen      int             `json:"historical_open"`
	OrdersReceived      int64           `json:"orders_received"`
	OrdersAccepted      int64           `json:"orders_accepted"`
	OrderFills          int64           `json:"order_fills"`
	OrderRejects        int64           `json:"order_rejects"`
	Conns               []connStatsJSON `json:"conns"`
}

// connStatsJSON is the JSON form of ibsim.ConnStats.
type connStatsJSON struct {
	ConnID         int64         `json:"conn_id"`
	Remote         string        `json:"remote"`
	ClientID       int64         `json:"client_id"`
	Version        int           `json:"version"`
	Open           bool          `json:"open"`
	Messages       int64         `json:"messages"`
	MessagesByType map[int]int64 `json:"messages_by_type"`
	PeakWindow     int           `json:"peak_window"`
	ErrorsSent     map[int]int64 `json:"errors_sent"`
	OrdersReceived int64         `json:"orders_received"`
	OrderMessages  int64         `json:"order_messages"`
}

func newStatsJSON(st ibsim.Stats) statsJSON {
	j := statsJSON{
		Clients:             st.Clients,
		Connections:         st.Connections,
		Refused:             st.Refused,
		BadHandshakes:       st.BadHandshakes,
		Messages:            st.Messages,
		MessagesByType:      nonNil(st.MessagesByType),
		PeakWindow:          st.PeakWindow,
		ErrorsSent:          nonNil(st.ErrorsSent),
		MarketDataLines:     st.MarketDataLines,
		MarketDataLinesPeak: st.MarketDataLinesPeak,
		HistoricalOpen:      st.HistoricalOpen,
		OrdersReceived:      st.OrdersReceived,
		OrdersAccepted:      st.OrdersAccepted,
		OrderFills:          st.OrderFills,
		OrderRejects:        st.OrderRejects,
		Conns:               make([]connStatsJSON, 0, len(st.Conns)),
	}
	for _, c := range st.Conns {
		j.Conns = append(j.Conns, connStatsJSON{
			ConnID:         c.ConnID,
			Remote:         c.Remote,
			ClientID:       c.ClientID,
			Version:        c.Version,
			Open:           c.Open,
			Messages:       c.Messages,
			MessagesByType: nonNil(c.MessagesByType),
			PeakWindow:     c.PeakWindow,
			ErrorsSent:     nonNil(c.ErrorsSent),
			OrdersReceived: c.OrdersReceived,
			OrderMessages:  c.OrderMessages,
		})
	}
	return j
}

// nonNil makes a nil map encode as {} rather than null.
func nonNil(m map[int]int64) map[int]int64 {
	if m == nil {
		return map[int]int64{}
	}
	return m
}
